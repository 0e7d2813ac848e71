"""The room screen: the big shared timer, controls by role, and the room's panels.

It renders :attr:`Jam.state` and :meth:`Jam.reading` and sends commands through the ``app``
layer; it holds no rules. Buttons a role may not use are hidden rather than refused, and a
refusal from the host is still shown in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from jamdesk.app.audio import Sound
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import JamUpdate
from jamdesk.app.tasks import PersonalTask, PersonalTasks, TaskError
from jamdesk.core.commands import (
    Command,
    EndRoom,
    PauseTimer,
    React,
    ResetTimer,
    SetGoal,
    SetProgress,
    SetRoomGoal,
    SetStatus,
    SkipPhase,
    StartTimer,
)
from jamdesk.core.events import Event, Reacted
from jamdesk.core.kinds import Lifecycle, Status
from jamdesk.core.room import LogError, RoomState, apply
from jamdesk.core.rules import MAX_GOAL_CHARS, REACTIONS
from jamdesk.ui.audio_panel import AudioPanel
from jamdesk.ui.background import Background
from jamdesk.ui.dialogs import confirm
from jamdesk.ui.presence_view import next_tick_ms
from jamdesk.ui.room_panels import (
    ChatPanel,
    PeoplePanel,
    TaskItem,
    TasksPanel,
    TimelinePanel,
    room_task_items,
    room_tasks_panel,
)
from jamdesk.ui.room_view import room_view, timer_view
from jamdesk.ui.theme import status_icon

log = logging.getLogger(__name__)
REACTION_SHOW_MS = 3_000


class RoomScreen(QWidget):
    """Shows one jam. Emits :attr:`leave_requested` to leave and :attr:`summary_requested`
    once the jam has ended and the student asks for its summary."""

    leave_requested = Signal()
    summary_requested = Signal()
    ghost_requested = Signal()

    def __init__(self, jam: Jam, personal: PersonalTasks | None = None) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self.jam = jam
        self.personal = personal
        self.bg = Background(self.show_notice)  # a failed action is said, never lost
        self._folded: RoomState | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 20, 28, 20)
        outer.setSpacing(12)
        outer.addLayout(self._build_header())
        outer.addWidget(self._build_timer())
        outer.addLayout(self._build_lower(), 1)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("Notice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.hide()
        outer.addWidget(self.notice)

        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle_if_allowed)
        QShortcut(QKeySequence("Ctrl+R"), self, self._reset_if_allowed)
        QShortcut(QKeySequence("Ctrl+W"), self, self._leave)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, self._copy_code)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.chat.entry.setFocus)

        self._unsubscribe = jam.subscribe(self._on_update)
        # Woken when the shown second changes, not polled (idle CPU: benchmarks/idle_cpu.py).
        self._ticker = QTimer(self)
        self._ticker.setSingleShot(True)
        self._ticker.timeout.connect(self.refresh_timer)
        self._reaction_timer = QTimer(self)
        self._reaction_timer.setSingleShot(True)
        self._reaction_timer.timeout.connect(lambda: self.reaction_label.setText(""))
        self._replay_log()
        self.refresh()
        self._unsubscribe_tasks: Callable[[], None] = lambda: None
        if personal is not None:
            self._unsubscribe_tasks = personal.subscribe(self._show_my_tasks)
            self._spawn(self._load_my_tasks())
        else:
            self.tabs.setTabVisible(self.tabs.indexOf(self.my_tasks), False)

    # -- layout -----------------------------------------------------------------------------

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        titles = QVBoxLayout()
        self.title_label = QLabel()
        self.title_label.setObjectName("RoomTitle")
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.meta_label = QLabel()
        self.meta_label.setObjectName("RoomMeta")
        self.meta_label.setTextFormat(Qt.TextFormat.PlainText)
        self.room_goal_edit = QLineEdit()
        self.room_goal_edit.setObjectName("RoomGoal")
        self.room_goal_edit.setPlaceholderText("For everyone (Enter)")
        self.room_goal_edit.setMaxLength(MAX_GOAL_CHARS)
        self.room_goal_edit.setAccessibleName("Room goal")
        self.room_goal_edit.returnPressed.connect(
            lambda: self._send(SetRoomGoal(text=self.room_goal_edit.text()))
        )
        titles.addWidget(self.title_label)
        titles.addWidget(self.meta_label)
        header.addLayout(titles, 1)
        # Beside the titles, not under them: the room must fit the smallest window.
        self.room_goal_hint = QLabel("Room goal")
        self.room_goal_hint.setObjectName("Hint")
        self.room_goal_hint.setBuddy(self.room_goal_edit)
        header.addWidget(self.room_goal_hint)
        header.addWidget(self.room_goal_edit, 1)
        code_hint = QLabel("Code")
        code_hint.setObjectName("Hint")
        self.code_label = QLabel()
        self.code_label.setObjectName("Code")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the code to share it (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self._copy_code)
        header.addWidget(code_hint)
        header.addWidget(self.code_label)
        header.addWidget(self.copy_button)
        return header

    def _build_timer(self) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        layout = QVBoxLayout(card)
        layout.setSpacing(4)
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("Timer")
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lifecycle_label = QLabel()
        self.lifecycle_label.setObjectName("Lifecycle")
        self.lifecycle_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reaction_label = QLabel()
        self.reaction_label.setObjectName("Reaction")
        self.reaction_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reaction_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.timer_label)
        layout.addWidget(self.lifecycle_label)
        layout.addWidget(self.reaction_label)
        controls = QHBoxLayout()
        controls.addStretch(1)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("Primary")
        self.start_button.setToolTip("Start, pause or resume the shared timer (Space)")
        self.start_button.clicked.connect(self._toggle_timer)
        self.skip_button = QPushButton("Skip phase")
        self.skip_button.setToolTip("Go straight to the next focus block or break")
        self.skip_button.clicked.connect(lambda: self._send(SkipPhase()))
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the start (Ctrl+R)")
        self.reset_button.clicked.connect(lambda: self._send(ResetTimer()))
        self.end_button = QPushButton("End jam")
        self.end_button.setObjectName("Danger")
        self.end_button.setToolTip("End the jam for everyone")
        self.end_button.clicked.connect(self._ask_end)
        self.ghost_button = QPushButton("Add a ghost…")
        self.ghost_button.setToolTip("Bring someone from a past jam into this room as a ghost")
        self.ghost_button.clicked.connect(self.ghost_requested.emit)
        self.summary_button = QPushButton("See summary")
        self.summary_button.setObjectName("Primary")
        self.summary_button.clicked.connect(self.summary_requested.emit)
        for button in (
            self.start_button,
            self.skip_button,
            self.reset_button,
            self.end_button,
            self.ghost_button,
            self.summary_button,
        ):
            controls.addWidget(button)
        controls.addStretch(1)
        layout.addLayout(controls)
        return card

    def _build_lower(self) -> QHBoxLayout:
        lower = QHBoxLayout()
        lower.setSpacing(16)
        self.tabs = QTabWidget()
        self.people = PeoplePanel(self._send)
        self.chat = ChatPanel(self._send)
        self.tasks = room_tasks_panel(self._send)
        self.my_tasks = TasksPanel(
            self._my_add, self._my_toggle, self._my_delete, "Add a task of your own (Enter)"
        )
        self.timeline = TimelinePanel()
        self.tabs.addTab(self.people, "People")
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.tasks, "Room tasks")
        self.tabs.addTab(self.timeline, "Timeline")
        self.tabs.addTab(self.my_tasks, "My tasks")
        self.sound = AudioPanel(self._send)
        self.sound.folder_requested.connect(lambda folder: self._spawn(self._add_folder(folder)))
        self._sound: Sound | None = None
        self.tabs.addTab(self.sound, "Sound")
        lower.addWidget(self.tabs, 3)
        lower.addLayout(self._build_you(), 1)
        return lower

    def _build_you(self) -> QVBoxLayout:
        mine = QVBoxLayout()
        mine.setSpacing(8)
        you = QLabel("You")
        you.setObjectName("CardTitle")
        self.status_combo = QComboBox()
        for status in Status:
            self.status_combo.addItem(status_icon(status.value), status.value.capitalize())
        self.status_combo.setToolTip("Tell the room how you are doing")
        self.status_combo.setAccessibleName("Your status")
        self.status_combo.activated.connect(lambda i: self._send(SetStatus(value=list(Status)[i])))
        self.goal_edit = QLineEdit()
        self.goal_edit.setPlaceholderText("Your goal for this jam (Enter)")
        self.goal_edit.setMaxLength(MAX_GOAL_CHARS)
        self.goal_edit.setAccessibleName("Your goal")
        self.goal_edit.returnPressed.connect(
            lambda: self._send(SetGoal(text=self.goal_edit.text()))
        )
        progress_row = QHBoxLayout()
        self.progress_slider = QSlider(Qt.Orientation.Horizontal)
        self.progress_slider.setRange(0, 100)
        self.progress_slider.setSingleStep(10)
        self.progress_slider.setPageStep(10)
        self.progress_slider.setAccessibleName("Your progress, percent")
        self.progress_label = QLabel("0%")
        self.progress_slider.valueChanged.connect(lambda v: self.progress_label.setText(f"{v}%"))
        self.progress_slider.sliderReleased.connect(
            lambda: self._send(SetProgress(percent=self.progress_slider.value()))
        )
        progress_row.addWidget(self.progress_slider, 1)
        progress_row.addWidget(self.progress_label)
        reactions = QGridLayout()
        self.reaction_buttons: list[QPushButton] = []
        for i, emoji in enumerate(REACTIONS):
            button = QPushButton(emoji)
            button.setObjectName("ReactionButton")
            button.setMinimumSize(40, 30)  # never squashed past the emoji
            button.setToolTip(f"Send {emoji} to the room")
            button.setAccessibleName(f"React with {emoji}")
            button.clicked.connect(lambda _=False, e=emoji: self._send(React(emoji=e)))
            reactions.addWidget(button, i // 4, i % 4)
            self.reaction_buttons.append(button)
        self.leave_button = QPushButton("Leave jam")
        self.leave_button.setToolTip("Leave this jam (Ctrl+W)")
        self.leave_button.clicked.connect(self._leave)
        for widget in (you, self.status_combo, self.goal_edit):
            mine.addWidget(widget)
        mine.addLayout(progress_row)
        mine.addLayout(reactions)
        mine.addStretch(1)
        mine.addWidget(self.leave_button)
        return mine

    # -- rendering ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-render everything from the jam's state (what shows: :func:`room_view`)."""
        state = self.jam.state
        view = room_view(state, self.jam.role, self.jam.reading(), hosting=self.jam.hosting)
        self.title_label.setText(view.title)
        self.meta_label.setText(view.meta)
        self.room_goal_edit.setReadOnly(not view.room_goal_editable)
        shown = view.room_goal_editable or bool(view.room_goal)
        self.room_goal_edit.setVisible(shown)
        self.room_goal_hint.setVisible(shown)
        if not self.room_goal_edit.hasFocus():
            self.room_goal_edit.setText(view.room_goal)
            self.room_goal_edit.setCursorPosition(0)
        self.code_label.setText(view.code)
        self.start_button.setVisible(view.timer_controls)
        self.reset_button.setVisible(view.timer_controls)
        self.skip_button.setVisible(view.skip)
        self.end_button.setVisible(view.end)
        self.ghost_button.setVisible(view.ghost)
        self.summary_button.setVisible(view.summary)
        self.start_button.setText(view.start_text)
        self.start_button.setEnabled(view.start_enabled)
        self.reset_button.setEnabled(view.reset_enabled)
        self.skip_button.setEnabled(view.skip_enabled)
        for widget in (
            self.status_combo,
            self.goal_edit,
            self.progress_slider,
            *self.reaction_buttons,
        ):
            widget.setEnabled(view.editable)
        self.people.show_state(state, self.jam.me, self.jam.paths())
        self.tasks.show_items(room_task_items(state))
        self.sound.show_audio(state.audio, view.audio_controls, self.jam.room_now_ms())
        me = state.participant(self.jam.me)
        if me is not None:
            self.status_combo.setCurrentIndex(list(Status).index(me.status))
            if not self.goal_edit.hasFocus():
                self.goal_edit.setText(me.goal)
                self.goal_edit.setCursorPosition(0)  # show the start of a long goal
            if not self.progress_slider.isSliderDown():
                self.progress_slider.setValue(me.progress)
        self.refresh_timer()

    def attach_sound(self, sound: Sound) -> None:
        """Show this computer's music library and give the Sound tab its player."""
        note = sound.off_reason or "Sound is on. Your volume and mute stay on this computer."
        if sound.problems:
            note += " Could not read: " + "; ".join(sound.problems[:3])
        self._sound = sound
        self.sound.attach(sound.library.tracks, sound.player, note)
        self.refresh()

    async def _add_folder(self, folder: Path) -> None:
        sound = self._sound
        if sound is None:
            self.show_notice("The sound is still getting ready; try again in a moment.")
            return
        before = len(sound.library.tracks)
        problems = await sound.library.add_folder(folder)
        added = len(sound.library.tracks) - before
        self.sound.attach(sound.library.tracks, sound.player, self.sound.sound_note.text())
        self.refresh()
        message = f"Added {added} track{'s' if added != 1 else ''} from {folder.name}."
        if problems:
            message += " Could not read: " + "; ".join(problems[:3])
        self.show_notice(message)

    def refresh_timer(self) -> None:
        """Update the big timer from the room clock, then sleep until its shown second (or
        the music's position) next changes."""
        reading = self.jam.reading()
        shown = timer_view(self.jam.state, reading)
        self.sound.show_position(self.jam.room_now_ms())
        self.timer_label.setText(shown.text)
        finished = "true" if shown.finished else "false"
        for label, name, value in (
            (self.timer_label, "finished", finished),
            (self.timer_label, "phase", shown.phase),
            (self.lifecycle_label, "phase", shown.phase),
        ):
            if label.property(name) != value:
                label.setProperty(name, value)
                label.style().unpolish(label)
                label.style().polish(label)
        self.lifecycle_label.setText(shown.caption)
        music = self.jam.state.audio.track is not None and self.jam.state.audio.playing
        if reading.running or music:
            self._ticker.start(next_tick_ms(reading.remaining_ms, reading.elapsed_ms))
        else:
            self._ticker.stop()  # nothing moves until the next update

    def show_notice(self, message: str) -> None:
        """Show a line of news (reconnecting, refused, new host) under the room."""
        self.notice.setText(message)
        self.notice.show()

    def _replay_log(self) -> None:
        """Fill the timeline and chat from the whole log (on open, or after a new host)."""
        self.timeline.clear()
        self.chat.messages.clear()
        self._folded = None
        self._add_events(list(self.jam.events))

    def _add_events(self, events: list[Event], *, live: bool = False) -> None:
        """Fold ``events`` into the timeline and chat; only ``live`` ones (just arrived,
        not read back from the log) flash a reaction over the timer."""
        for event in events:
            before = self._folded
            try:
                self._folded = apply(before, event)
            except LogError:  # a new host replaced the end of our log: start over
                self._replay_log()
                return
            self.timeline.add(before, event)
            self.chat.add(before, [event])
            if live and isinstance(event.body, Reacted) and before is not None:
                to = f" → {before.name_of(event.body.to)}" if event.body.to else ""
                self.reaction_label.setText(
                    f"{before.name_of(event.body.participant_id)} {event.body.emoji}{to}"
                )
                self._reaction_timer.start(REACTION_SHOW_MS)

    # -- updates and actions ---------------------------------------------------------------------

    def _on_update(self, update: JamUpdate) -> None:
        if update.refused is not None:
            self.show_notice(update.refused.reason)
        if update.notice is not None:
            self.show_notice(update.notice)
        if update.events:
            self._add_events(list(update.events), live=True)
        if update.events or update.host_changed or update.paths or update.path:
            self.refresh()

    def _send(self, cmd: Command) -> None:
        self._spawn(self.jam.send(cmd))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self.bg.run(coro)

    def _toggle_timer(self) -> None:
        life = self.jam.state.lifecycle
        self._send(PauseTimer() if life is Lifecycle.ACTIVE else StartTimer())

    def toggle_if_allowed(self) -> None:
        """Start, pause or resume, if this role may and nobody is typing (Space, the tray,
        the mini timer)."""
        if (
            self.start_button.isVisible()
            and self.start_button.isEnabled()
            and not self.chat.entry.hasFocus()
            and not self.goal_edit.hasFocus()
        ):
            self._toggle_timer()

    def skip_if_allowed(self) -> None:
        """Skip to the next Pomodoro phase, if this role may (the tray's Skip)."""
        if self.skip_button.isVisible() and self.skip_button.isEnabled():
            self._send(SkipPhase())

    def _ask_end(self) -> None:
        """End the jam for everyone, once the host has said so (it cannot be undone)."""
        present = self.jam.state.present_count
        detail = (
            f"The timer stops for all {present} people here and everyone sees the summary."
            if present > 1
            else "The timer stops and the summary opens."
        )
        self.end_dialog = confirm(
            self,
            "End the jam?",
            "End this jam for everyone?",
            "End for everyone",
            lambda: self._send(EndRoom()),
            detail=detail,
        )

    def _reset_if_allowed(self) -> None:
        if self.reset_button.isVisible() and self.reset_button.isEnabled():
            self._send(ResetTimer())

    def _copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.jam.code)
        self.show_notice(f"Code {self.jam.code} copied. Share it with your group.")

    def _leave(self) -> None:
        self.leave_requested.emit()

    # -- personal tasks (this computer only) ---------------------------------------------------

    async def _load_my_tasks(self) -> None:
        if self.personal is not None:
            self._show_my_tasks(await self.personal.all())

    def _show_my_tasks(self, tasks: list[PersonalTask]) -> None:
        self.my_tasks.show_items([TaskItem(str(t.id), t.title, t.done) for t in tasks])

    def _my_change(self, coro: Coroutine[Any, Any, None]) -> None:
        async def run() -> None:
            try:
                await coro
            except TaskError as exc:
                self.show_notice(str(exc))

        self._spawn(run())

    def _my_add(self, title: str) -> None:
        if self.personal is not None:
            personal = self.personal

            async def add() -> None:
                await personal.add(title)

            self._my_change(add())

    def _my_toggle(self, task_id: str, done: bool) -> None:
        if self.personal is not None:
            self._my_change(self.personal.set_done(int(task_id), done))

    def _my_delete(self, task_id: str) -> None:
        if self.personal is not None:
            self._my_change(self.personal.delete(int(task_id)))

    def detach(self) -> None:
        """Stop listening to the jam (the screen is being replaced)."""
        self._ticker.stop()
        self._unsubscribe()
        self._unsubscribe_tasks()
        self.bg.cancel()

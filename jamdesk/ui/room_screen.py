"""The room screen: the big shared timer, the host's controls, participants and your status.

It renders :attr:`Jam.state` and :meth:`Jam.reading` and sends commands through the ``app``
layer; it holds no rules. Buttons a role may not use are hidden rather than refused, but a
refusal from the host is still shown in words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jamdesk.app.jam import Jam, JamUpdate
from jamdesk.core.commands import Command, EndRoom, PauseTimer, ResetTimer, SetStatus, StartTimer
from jamdesk.core.kinds import Lifecycle, Role, Status, TimerMode
from jamdesk.ui.theme import format_ms, status_icon

log = logging.getLogger(__name__)
REFRESH_MS = 100

LIFECYCLE_WORDS = {
    Lifecycle.READY: "READY",
    Lifecycle.ACTIVE: "FOCUSING",
    Lifecycle.PAUSED: "PAUSED",
    Lifecycle.ENDED: "ENDED",
}


class RoomScreen(QWidget):
    """Shows one jam. Emits :attr:`leave_requested` when the student leaves or ends it."""

    leave_requested = Signal()

    def __init__(self, jam: Jam) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self.jam = jam
        self._tasks: set[asyncio.Future[None]] = set()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.setSpacing(14)

        outer.addLayout(self._build_header())
        outer.addWidget(self._build_timer())
        outer.addLayout(self._build_lower(), 1)

        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("Notice")
        self.notice.hide()
        outer.addWidget(self.notice)

        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self._toggle_if_allowed)
        QShortcut(QKeySequence("Ctrl+R"), self, self._reset_if_allowed)
        QShortcut(QKeySequence("Ctrl+W"), self, self._leave)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self, self._copy_code)

        self._unsubscribe = jam.subscribe(self._on_update)
        self._ticker = QTimer(self)
        self._ticker.timeout.connect(self.refresh_timer)
        self._ticker.start(REFRESH_MS)
        self.refresh()

    def _build_header(self) -> QHBoxLayout:
        header = QHBoxLayout()
        titles = QVBoxLayout()
        self.title_label = QLabel()
        self.title_label.setObjectName("RoomTitle")
        self.meta_label = QLabel()
        self.meta_label.setObjectName("RoomMeta")
        titles.addWidget(self.title_label)
        titles.addWidget(self.meta_label)
        header.addLayout(titles, 1)
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
        timer_card = QFrame()
        timer_card.setObjectName("Card")
        timer_layout = QVBoxLayout(timer_card)
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("Timer")
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lifecycle_label = QLabel()
        self.lifecycle_label.setObjectName("Lifecycle")
        self.lifecycle_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        timer_layout.addWidget(self.timer_label)
        timer_layout.addWidget(self.lifecycle_label)

        controls = QHBoxLayout()
        controls.addStretch(1)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("Primary")
        self.start_button.setToolTip("Start, pause or resume the shared timer (Space)")
        self.start_button.clicked.connect(self._toggle_timer)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the start (Ctrl+R)")
        self.reset_button.clicked.connect(lambda: self._send(ResetTimer()))
        self.end_button = QPushButton("End jam")
        self.end_button.setObjectName("Danger")
        self.end_button.setToolTip("End the jam for everyone")
        self.end_button.clicked.connect(self._end)
        for button in (self.start_button, self.reset_button, self.end_button):
            controls.addWidget(button)
        controls.addStretch(1)
        timer_layout.addLayout(controls)
        return timer_card

    def _build_lower(self) -> QHBoxLayout:
        lower = QHBoxLayout()
        people = QVBoxLayout()
        people_title = QLabel("In this jam")
        people_title.setObjectName("CardTitle")
        self.people_list = QListWidget()
        self.people_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        people.addWidget(people_title)
        people.addWidget(self.people_list)
        lower.addLayout(people, 3)

        mine = QVBoxLayout()
        mine_title = QLabel("You")
        mine_title.setObjectName("CardTitle")
        self.status_combo = QComboBox()
        for status in Status:
            self.status_combo.addItem(status_icon(status.value), status.value.capitalize())
        self.status_combo.setToolTip("Tell the room how you are doing")
        self.status_combo.activated.connect(self._status_chosen)
        self.leave_button = QPushButton("Leave jam")
        self.leave_button.setToolTip("Leave this jam (Ctrl+W)")
        self.leave_button.clicked.connect(self._leave)
        mine.addWidget(mine_title)
        mine.addWidget(self.status_combo)
        mine.addStretch(1)
        mine.addWidget(self.leave_button)
        lower.addLayout(mine, 1)
        return lower

    # -- rendering ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-render everything from the jam's state."""
        state = self.jam.state
        self.title_label.setText(state.title)
        host = state.participant(state.host_id)
        kind = "Stopwatch" if state.timer.mode is TimerMode.STOPWATCH else "Countdown"
        self.meta_label.setText(
            f"{state.session_type.label} · {kind} · hosted by {host.name if host else '?'}"
        )
        self.code_label.setText(state.code)
        can_run = self.jam.role in (Role.HOST, Role.COHOST)
        for button in (self.start_button, self.reset_button):
            button.setVisible(can_run)
        self.end_button.setVisible(self.jam.role is Role.HOST)
        ended = state.lifecycle is Lifecycle.ENDED
        life = state.lifecycle
        self.start_button.setText(
            "Pause"
            if life is Lifecycle.ACTIVE
            else "Resume"
            if life is Lifecycle.PAUSED
            else "Start"
        )
        self.start_button.setEnabled(not ended and not self.jam.reading().finished)
        self.reset_button.setEnabled(life in (Lifecycle.ACTIVE, Lifecycle.PAUSED))
        self.end_button.setEnabled(not ended)
        self.status_combo.setEnabled(not ended)
        self._render_people()
        self.refresh_timer()

    def refresh_timer(self) -> None:
        """Update the big timer from the room clock (called every 100 ms)."""
        reading = self.jam.reading()
        if reading.remaining_ms is not None:
            self.timer_label.setText(format_ms(reading.remaining_ms, round_up=True))
        else:
            self.timer_label.setText(format_ms(reading.elapsed_ms, round_up=False))
        finished = "true" if reading.finished else "false"
        if self.timer_label.property("finished") != finished:
            self.timer_label.setProperty("finished", finished)
            self.timer_label.style().unpolish(self.timer_label)
            self.timer_label.style().polish(self.timer_label)
        words = LIFECYCLE_WORDS[self.jam.state.lifecycle]
        if reading.finished and self.jam.state.lifecycle is not Lifecycle.ENDED:
            words = "TIME'S UP"
        self.lifecycle_label.setText(words)

    def _render_people(self) -> None:
        state = self.jam.state
        self.people_list.clear()
        for p in state.participants:
            role = "" if p.role is Role.PARTICIPANT else f"  ({p.role.value})"
            you = "  — you" if p.participant_id == self.jam.me else ""
            away = "" if p.present else "  · away"
            item = QListWidgetItem(
                status_icon(p.status.value, away=not p.present),
                f"{p.name}{role}{you}   ·  {p.status.value}{away}",
            )
            if not p.present:
                item.setForeground(QBrush(QColor("#9AA0B4")))
            self.people_list.addItem(item)
        me = state.participant(self.jam.me)
        if me is not None:
            self.status_combo.setCurrentIndex(list(Status).index(me.status))

    def show_notice(self, message: str) -> None:
        """Show a line of news (reconnecting, refused, ended) under the room."""
        self.notice.setText(message)
        self.notice.show()

    # -- updates and actions ---------------------------------------------------------------------

    def _on_update(self, update: JamUpdate) -> None:
        if update.refused is not None:
            self.show_notice(update.refused.reason)
        if update.notice is not None:
            self.show_notice(update.notice)
        if update.events:
            self.refresh()

    def _send(self, cmd: Command) -> None:
        self._spawn(self.jam.send(cmd))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _toggle_timer(self) -> None:
        life = self.jam.state.lifecycle
        self._send(PauseTimer() if life is Lifecycle.ACTIVE else StartTimer())

    def _toggle_if_allowed(self) -> None:
        if self.start_button.isVisible() and self.start_button.isEnabled():
            self._toggle_timer()

    def _reset_if_allowed(self) -> None:
        if self.reset_button.isVisible() and self.reset_button.isEnabled():
            self._send(ResetTimer())

    def _status_chosen(self, index: int) -> None:
        self._send(SetStatus(value=list(Status)[index]))

    def _copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.jam.code)
        self.show_notice(f"Code {self.jam.code} copied. Share it with your group.")

    def _end(self) -> None:
        self._send(EndRoom())

    def _leave(self) -> None:
        self.leave_requested.emit()

    def detach(self) -> None:
        """Stop listening to the jam (the screen is being replaced)."""
        self._ticker.stop()
        self._unsubscribe()

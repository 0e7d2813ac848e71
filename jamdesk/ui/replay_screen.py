"""The replay viewer: watch a past jam again with its people as ghosts, 1x, 2x or 4x, and
scrub through it. Nothing is sent anywhere; the replayed room is computed from its log."""

from __future__ import annotations

import asyncio
import contextlib
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from jamdesk.app.history import ReplayView
from jamdesk.core import timer as timers
from jamdesk.core.replay import SPEEDS, Cue, Playhead, Script
from jamdesk.core.rules import GHOST
from jamdesk.ui.room_panels import wrap_lines
from jamdesk.ui.room_view import format_ms
from jamdesk.ui.theme import avatar_icon

REFRESH_MS = 200


def _now() -> int:
    return time.monotonic_ns() // 1_000_000


class ReplayScreen(QWidget):
    """Plays ``script`` over ``view``; emits :attr:`back` when closed."""

    back = Signal()

    def __init__(
        self,
        script: Script,
        view: ReplayView,
        playhead: Playhead | None = None,
        everyone: bool = True,
    ) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self.script = script
        self.view = view
        self.playhead = playhead or Playhead(script.cues)
        self._everyone = everyone
        self._wake = asyncio.Event()
        self._task: asyncio.Future[None] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 20, 28, 20)
        header = QHBoxLayout()
        title = QLabel(f"{GHOST} Replay: {script.title}")
        title.setObjectName("RoomTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        back = QPushButton("Back")
        back.setToolTip("Back to your jams (Esc)")
        back.clicked.connect(self.close_replay)
        header.addWidget(title, 1)
        header.addWidget(back)
        outer.addLayout(header)
        note = (
            "This jam was interrupted; it replays up to where it stopped. "
            if script.interrupted
            else ""
        )
        if not script.cues:
            note += "Nothing happened in this jam to replay."
        self.note = QLabel(note)
        self.note.setObjectName("Hint")
        self.note.setVisible(bool(note))
        outer.addWidget(self.note)

        outer.addWidget(self._build_card())

        lower = QHBoxLayout()
        self.ghosts = QListWidget()
        self.ghosts.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.played = QListWidget()
        wrap_lines(self.played)
        self.played.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lower.addWidget(self.ghosts, 1)
        lower.addWidget(self.played, 2)
        outer.addLayout(lower, 1)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_replay)
        self._refresh = QTimer(self)
        self._refresh.timeout.connect(self.show_position)
        self.show_position()

    def _build_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        card_layout = QVBoxLayout(card)
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("Timer")
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phase_label = QLabel()
        self.phase_label.setObjectName("Lifecycle")
        self.phase_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card_layout.addWidget(self.timer_label)
        card_layout.addWidget(self.phase_label)
        controls = QHBoxLayout()
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("Primary")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.speed = QComboBox()
        for speed in SPEEDS:
            self.speed.addItem(f"{speed:g}x", speed)
        self.speed.setToolTip("Replay speed")
        self.speed.currentIndexChanged.connect(
            lambda _: self.set_speed(float(self.speed.currentData()))
        )
        self.scrubber = QSlider(Qt.Orientation.Horizontal)
        self.scrubber.setRange(0, max(1, self.view.length_ms))
        self.scrubber.setToolTip("Drag to move through the jam")
        self.scrubber.sliderMoved.connect(self.seek)
        self.position_label = QLabel()
        controls.addWidget(self.play_button)
        controls.addWidget(self.speed)
        controls.addWidget(self.scrubber, 1)
        controls.addWidget(self.position_label)
        card_layout.addLayout(controls)
        return card

    # -- playing ------------------------------------------------------------------------------

    def toggle(self) -> None:
        """Play or pause."""
        if self.playhead.playing:
            self.playhead.pause(_now())
            self._refresh.stop()
        else:
            if self.playhead.finished:
                self.seek(0)
            self.playhead.play(_now())
            self._refresh.start(REFRESH_MS)
            if self._task is None or self._task.done():
                self._task = asyncio.ensure_future(self._run())
        self._wake.set()
        self.show_position()

    def set_speed(self, speed: float) -> None:
        """Change the speed, keeping the position."""
        self.playhead.set_speed(speed, _now())
        self._wake.set()

    def more_arrived(self) -> None:
        """More of a long jam has been read: carry on if the replay had caught up."""
        if self.playhead.playing and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(self._run())
        self._wake.set()

    def seek(self, position_ms: int) -> None:
        """Move to ``position_ms``; the list of moments is rebuilt up to there."""
        self.playhead.seek(position_ms, _now())
        self.played.clear()
        for cue in self.script.cues:
            if cue.offset_ms <= position_ms:
                self._add(cue)
        self._wake.set()
        self.show_position()

    async def _run(self) -> None:
        while self.playhead.playing and not self.playhead.finished:
            for cue in self.playhead.due(_now()):
                self._add(cue)
            wake = self.playhead.next_due_at(_now())
            delay = None if wake is None else max(0.0, (wake - _now()) / 1000)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
        self.show_position()

    def _add(self, cue: Cue) -> None:
        self.played.addItem(f"{format_ms(cue.offset_ms, round_up=False)}  {cue.text}")
        self.played.scrollToBottom()

    # -- showing ----------------------------------------------------------------------------------

    def show_position(self) -> None:
        """Show the replayed room at the playhead."""
        position = min(self.playhead.position(_now()), self.view.length_ms)
        if self.playhead.finished and self.playhead.playing:
            self.playhead.pause(_now())
            self._refresh.stop()
        self.play_button.setText("Pause" if self.playhead.playing else "Play")
        if not self.scrubber.isSliderDown():
            self.scrubber.setMaximum(max(1, self.view.length_ms))  # grows while it is read
            self.scrubber.setValue(position)
        self.position_label.setText(
            f"{format_ms(position, round_up=False)} / "
            f"{format_ms(self.view.length_ms, round_up=False)}"
        )
        state = self.view.move_to(position)
        if state is None:
            return
        reading = timers.read(state.timer, self.view.room_time(position))
        shown = reading.remaining_ms if reading.remaining_ms is not None else reading.elapsed_ms
        self.timer_label.setText(format_ms(shown, round_up=reading.remaining_ms is not None))
        self.phase_label.setText(
            reading.phase.label.upper() if reading.phase else state.lifecycle.value.upper()
        )
        wanted = {g.participant_id for g in self.script.ghosts}
        self.ghosts.clear()
        for p in state.participants:
            if self._everyone or p.participant_id in wanted:
                goal = f"\n      {p.goal}" if p.goal else ""
                self.ghosts.addItem(f"{GHOST} {p.name}  ·  {p.status.value}{goal}")
                item = self.ghosts.item(self.ghosts.count() - 1)
                item.setIcon(
                    avatar_icon(p.name, p.avatar_color, p.status.value, away=not p.present)
                )

    def close_replay(self) -> None:
        """Stop and go back."""
        self.playhead.pause(_now())
        self._refresh.stop()
        if self._task is not None:
            self._task.cancel()
        self.back.emit()

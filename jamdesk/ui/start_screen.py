"""The start screen: choose a display name, then host a jam or join one by its code."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from jamdesk.core.defaults import default_timer
from jamdesk.core.kinds import DISCIPLINE_MAX, DISCIPLINES, SessionType, TimerMode
from jamdesk.core.pomodoro import (
    FOCUS_RANGE_MS,
    LONG_BREAK_RANGE_MS,
    LONG_EVERY_RANGE,
    MINUTE_MS,
    SHORT_BREAK_RANGE_MS,
)


@dataclass(frozen=True)
class HostForm:
    """What the student filled in to host: ``timer`` is a spec such as ``countdown:25m``,
    ``stopwatch`` or ``pomodoro:25/5/15x4``, or ``None`` for the session type's default."""

    name: str
    title: str
    session_type: SessionType
    timer: str | None
    discipline: str = ""
    private: bool = False
    show_title: bool = False
    signal_url: str = ""


@dataclass(frozen=True)
class JoinForm:
    """What the student filled in to join; ``address`` is optional (``host:port``)."""

    name: str
    code: str
    address: str
    signal_url: str = ""


def _range(bounds_ms: tuple[int, int]) -> tuple[int, int]:
    return bounds_ms[0] // MINUTE_MS, bounds_ms[1] // MINUTE_MS


def minutes_spin(low: int, high: int, value: int, tip: str, prefix: str = "") -> QSpinBox:
    """A spin box of whole minutes within ``low..high`` (the allowed range)."""
    spin = QSpinBox()
    spin.setPrefix(prefix)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(" min")
    spin.setToolTip(f"{tip}: {low} to {high} minutes")
    return spin


def card(title: str) -> tuple[QFrame, QVBoxLayout]:
    """A white rounded panel with a heading; returns it and its layout."""
    frame = QFrame()
    frame.setObjectName("Card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 18, 20, 20)
    layout.setSpacing(12)
    heading = QLabel(title)
    heading.setObjectName("CardTitle")
    layout.addWidget(heading)
    return frame, layout


class StartScreen(QWidget):
    """Emits :attr:`host_requested` or :attr:`join_requested`; shows errors and progress."""

    host_requested = Signal(object)  # HostForm
    join_requested = Signal(object)  # JoinForm
    profile_requested = Signal()
    history_requested = Signal()
    lobby_requested = Signal()
    cancel_requested = Signal()  # the student stopped a host or join still under way

    def __init__(self, name: str = "") -> None:
        super().__init__()
        self.setObjectName("Screen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 24, 28, 24)
        outer.setSpacing(16)

        outer.addLayout(self._heading())

        name_row = QHBoxLayout()
        name_label = QLabel("Your name")
        self.name_edit = QLineEdit(name)
        self.name_edit.setMaxLength(40)
        self.name_edit.setPlaceholderText("How others see you")
        name_label.setBuddy(self.name_edit)
        name_row.addWidget(name_label)
        name_row.addWidget(self.name_edit, 1)
        outer.addLayout(name_row)

        panels = QHBoxLayout()
        panels.setSpacing(16)
        panels.addWidget(self._host_card(), 3)
        panels.addWidget(self._join_card(), 2)
        outer.addLayout(panels)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        busy_row = QHBoxLayout()
        self.busy_bar = QProgressBar()  # no steps to count: Qt's busy indicator
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumHeight(8)
        self.busy_bar.setAccessibleName("Working")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop trying (Esc)")
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        busy_row.addWidget(self.busy_bar, 1)
        busy_row.addWidget(self.cancel_button)
        outer.addWidget(self.status)
        outer.addLayout(busy_row)
        outer.addStretch(1)
        self.set_busy(False)

        QShortcut(QKeySequence("Ctrl+H"), self, self.host_button.click)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._cancel_if_busy)
        QShortcut(QKeySequence("Ctrl+J"), self, self._focus_code)
        QShortcut(QKeySequence("Ctrl+P"), self, self.profile_requested.emit)
        QShortcut(QKeySequence("Ctrl+L"), self, self.lobby_requested.emit)
        QShortcut(QKeySequence("Ctrl+Shift+H"), self, self.history_requested.emit)

    def _heading(self) -> QHBoxLayout:
        brand = QLabel("Jamdesk")
        brand.setObjectName("Brand")
        tagline = QLabel("Focus together: one timer for your whole study group.")
        tagline.setObjectName("Tagline")
        tagline.setWordWrap(True)  # whole at 900 px and at the minimum width
        heading = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(brand)
        titles.addWidget(tagline)
        heading.addLayout(titles, 1)
        self.lobby_button = QPushButton("Rooms nearby")
        self.lobby_button.setToolTip("Jams on your network and the lobby chat (Ctrl+L)")
        self.lobby_button.clicked.connect(self.lobby_requested.emit)
        self.history_button = QPushButton("Your jams")
        self.history_button.setToolTip(
            "Past jams, their summaries, and Ghost Replay (Ctrl+Shift+H)"
        )
        self.history_button.clicked.connect(self.history_requested.emit)
        self.profile_button = QPushButton("Your progress")
        self.profile_button.setToolTip("Level, focus time, streaks and your data (Ctrl+P)")
        self.profile_button.clicked.connect(self.profile_requested.emit)
        for button in (self.lobby_button, self.history_button, self.profile_button):
            heading.addWidget(button, alignment=Qt.AlignmentFlag.AlignTop)
        return heading

    def _host_card(self) -> QFrame:
        frame, layout = card("Host a jam")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.title_edit = QLineEdit("Focus jam")
        self.title_edit.setMaxLength(80)
        form.addRow("Title", self.title_edit)
        self.type_combo = QComboBox()
        for kind in SessionType:
            self.type_combo.addItem(kind.label, kind)
        form.addRow("Session", self.type_combo)
        self._listing_rows(form)

        timer_row = QHBoxLayout()
        self.countdown_radio = QRadioButton("Countdown")
        self.stopwatch_radio = QRadioButton("Stopwatch")
        self.pomodoro_radio = QRadioButton("Pomodoro")
        group = QButtonGroup(self)
        for radio in (self.countdown_radio, self.pomodoro_radio, self.stopwatch_radio):
            group.addButton(radio)
            timer_row.addWidget(radio)
            radio.toggled.connect(self._timer_kind_changed)
        timer_row.addStretch(1)
        self.minutes_spin = minutes_spin(1, 24 * 60, 25, "Countdown length")
        self.focus_spin = minutes_spin(*_range(FOCUS_RANGE_MS), 25, "Focus block", "focus ")
        self.short_spin = minutes_spin(*_range(SHORT_BREAK_RANGE_MS), 5, "Short break", "break ")
        self.long_spin = minutes_spin(*_range(LONG_BREAK_RANGE_MS), 15, "Long break", "long ")
        self.every_spin = QSpinBox()
        self.every_spin.setRange(*LONG_EVERY_RANGE)
        self.every_spin.setValue(4)
        self.every_spin.setPrefix("long after ")
        self.every_spin.setToolTip("Focus blocks before a long break")
        # Two by two, so a Pomodoro plan fits at 900 px and at the minimum size; the
        # countdown's one box shares the first cell (only one of them shows).
        lengths = QGridLayout()
        lengths.addWidget(self.minutes_spin, 0, 0)
        for i, spin in enumerate(
            (self.focus_spin, self.short_spin, self.long_spin, self.every_spin)
        ):
            lengths.addWidget(spin, i // 2, i % 2)
        lengths.setColumnStretch(2, 1)
        form.addRow("Timer", timer_row)
        form.addRow("", lengths)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        self._type_changed()
        layout.addLayout(form)

        self.host_button = QPushButton("Host jam")
        self.host_button.setObjectName("Primary")
        self.host_button.setToolTip("Start a room and get a code to share (Ctrl+H)")
        self.host_button.clicked.connect(self._on_host)
        layout.addWidget(self.host_button, alignment=Qt.AlignmentFlag.AlignRight)
        return frame

    def _listing_rows(self, form: QFormLayout) -> None:
        """Subject and privacy: how the jam is listed in the lobby."""
        self.discipline_combo = QComboBox()
        self.discipline_combo.setEditable(True)
        self.discipline_combo.addItem("")
        self.discipline_combo.addItems(list(DISCIPLINES))
        edit = self.discipline_combo.lineEdit()
        if edit is not None:
            edit.setMaxLength(DISCIPLINE_MAX)
            edit.setPlaceholderText("Optional: pick or type one")
        self.discipline_combo.setToolTip("Shown in the lobby, so others can find your jam")
        form.addRow("Subject", self.discipline_combo)
        privacy = QVBoxLayout()  # one under the other: the card fits the minimum width
        privacy.setSpacing(2)
        self.private_check = QCheckBox("Private (code needed)")
        self.private_check.setToolTip(
            "The code is never shown on the network: only people you give it to can join"
        )
        self.show_title_check = QCheckBox("Still show the title in the lobby")
        self.show_title_check.setEnabled(False)
        self.private_check.toggled.connect(self.show_title_check.setEnabled)
        privacy.addWidget(self.private_check)
        privacy.addWidget(self.show_title_check)
        form.addRow("Who", privacy)

    def _join_card(self) -> QFrame:
        frame, layout = card("Join a jam")
        hint = QLabel("Ask the host for the 6-character code.")
        hint.setObjectName("Hint")
        layout.addWidget(hint)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("Code, like ALGO7X")
        self.code_edit.setAccessibleName("Join code or jamdesk link")
        self.code_edit.setMaxLength(600)
        self.code_edit.textEdited.connect(self._upper_code)
        self.code_edit.returnPressed.connect(self._on_join)
        layout.addWidget(self.code_edit)
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText("Host address (optional)")
        self.address_edit.setAccessibleName("Host address, optional")
        self.address_edit.setToolTip(
            "Only needed when the room is not found on your network, e.g. 192.168.1.20:41234."
        )
        layout.addWidget(self.address_edit)
        self.signal_edit = QLineEdit()
        self.signal_edit.setPlaceholderText("Internet: signalling URL")
        self.signal_edit.setAccessibleName("Signalling URL, to meet over the internet")
        self.signal_edit.setToolTip(
            "A jamdesk signal server, e.g. https://signal.example.org:8787. Kept for next time; "
            "also used when you host."
        )
        layout.addWidget(self.signal_edit)
        self.join_button = QPushButton("Join jam")
        self.join_button.setObjectName("Primary")
        self.join_button.setToolTip("Join with the code (Enter)")
        self.join_button.clicked.connect(self._on_join)
        layout.addStretch(1)
        layout.addWidget(self.join_button, alignment=Qt.AlignmentFlag.AlignRight)
        return frame

    # -- feedback ---------------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """Show ``message`` as an error and enable the buttons again."""
        self._show(message, "Error")
        self.set_busy(False)

    def show_progress(self, message: str) -> None:
        """Show what is happening (e.g. "Looking for ALGO7X...") and disable the buttons."""
        self._show(message, "Notice")
        self.set_busy(True)

    def clear_status(self) -> None:
        """Hide the status line and enable the buttons."""
        self.status.clear()
        self.status.hide()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        """While an attempt runs: the host and join buttons off, a busy indicator and
        Cancel on (hidden otherwise: a hidden indicator costs nothing)."""
        self.host_button.setEnabled(not busy)
        self.join_button.setEnabled(not busy)
        self.busy_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def _cancel_if_busy(self) -> None:
        if self.cancel_button.isVisible():
            self.cancel_requested.emit()

    def _show(self, message: str, kind: str) -> None:
        self.status.setObjectName(kind)
        self.status.setText(message)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.show()

    # -- actions ----------------------------------------------------------------------------------

    def _name(self) -> str | None:
        name = self.name_edit.text().strip()
        if not name:
            self.show_error("Type your name first, so others know who joined.")
            self.name_edit.setFocus()
            return None
        return name

    def _on_host(self) -> None:
        name = self._name()
        if name is None:
            return
        title = self.title_edit.text().strip() or "Focus jam"
        timer = self.timer_spec()
        self.host_requested.emit(
            HostForm(
                name=name,
                title=title,
                session_type=SessionType(self.type_combo.currentData()),
                timer=timer,
                discipline=self.discipline_combo.currentText().strip(),
                private=self.private_check.isChecked(),
                show_title=self.private_check.isChecked() and self.show_title_check.isChecked(),
                signal_url=self.signal_edit.text().strip(),
            )
        )

    def _on_join(self) -> None:
        name = self._name()
        if name is None:
            return
        code = self.code_edit.text().strip()
        if not code:
            self.show_error("Type the jam's code, like ALGO7X.")
            self.code_edit.setFocus()
            return
        self.join_requested.emit(
            JoinForm(
                name=name,
                code=code,
                address=self.address_edit.text().strip(),
                signal_url=self.signal_edit.text().strip(),
            )
        )

    def timer_spec(self) -> str:
        """The chosen timer as a spec: ``countdown:25m``, ``stopwatch`` or
        ``pomodoro:25/5/15x4``."""
        if self.stopwatch_radio.isChecked():
            return "stopwatch"
        if self.pomodoro_radio.isChecked():
            return (
                f"pomodoro:{self.focus_spin.value()}/{self.short_spin.value()}/"
                f"{self.long_spin.value()}x{self.every_spin.value()}"
            )
        return f"countdown:{self.minutes_spin.value()}m"

    def _type_changed(self) -> None:
        """Show the chosen session type's own timer (the host can still change it)."""
        anchor = default_timer(SessionType(self.type_combo.currentData()))
        if anchor.plan is not None:
            self.pomodoro_radio.setChecked(True)
            plan = anchor.plan
            self.focus_spin.setValue(plan.focus_ms // MINUTE_MS)
            self.short_spin.setValue(plan.short_break_ms // MINUTE_MS)
            self.long_spin.setValue(plan.long_break_ms // MINUTE_MS)
            self.every_spin.setValue(plan.long_every)
        elif anchor.mode is TimerMode.STOPWATCH:
            self.stopwatch_radio.setChecked(True)
        else:
            self.countdown_radio.setChecked(True)
            self.minutes_spin.setValue((anchor.duration_ms or 0) // MINUTE_MS)
        self._timer_kind_changed()

    def _timer_kind_changed(self) -> None:
        pomodoro = self.pomodoro_radio.isChecked()
        self.minutes_spin.setVisible(self.countdown_radio.isChecked())
        for spin in (self.focus_spin, self.short_spin, self.long_spin, self.every_spin):
            spin.setVisible(pomodoro)

    def _upper_code(self, text: str) -> None:
        """Codes show in capitals as you type; a ``jamdesk:`` link is kept as it is (its
        scheme in lower case, even when typed while the field was upper-casing)."""
        pos = self.code_edit.cursorPosition()
        if ":" in text:
            if text[:8].lower() == "jamdesk:" and not text.startswith("jamdesk:"):
                self.code_edit.setText("jamdesk" + text[7:])
                self.code_edit.setCursorPosition(pos)
            return
        self.code_edit.setText(text.upper())
        self.code_edit.setCursorPosition(pos)

    def _focus_code(self) -> None:
        self.code_edit.setFocus()
        self.code_edit.selectAll()

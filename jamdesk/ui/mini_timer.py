"""The mini timer: a small frameless window that stays on top of the student's editor with
the time left, the phase and Start/Pause; dragged anywhere by its body, it comes back where
it was left (the place is kept in :class:`~jamdesk.ui.preferences.Preferences`)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from jamdesk.ui.preferences import Preferences
from jamdesk.ui.presence_view import Kind, Presence


class MiniTimer(QWidget):
    """The always-on-top timer. Emits :attr:`start_pause` for its button, :attr:`open_app`
    on a double click, and :attr:`hidden` when the student closes it (Esc or its close button)."""

    start_pause = Signal()
    open_app = Signal()
    hidden = Signal()

    def __init__(self, prefs: Preferences) -> None:
        super().__init__(
            None,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self._prefs = prefs
        self._drag_from: QPoint | None = None
        self.setObjectName("MiniTimer")
        self.setWindowTitle("Jamdesk mini timer")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        frame = QFrame(self)
        frame.setObjectName("MiniTimer")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        row = QHBoxLayout(frame)
        row.setContentsMargins(14, 8, 8, 8)
        words = QVBoxLayout()
        words.setSpacing(0)
        self.time_label = QLabel("--:--")
        self.time_label.setObjectName("MiniTime")
        self.phase_label = QLabel("")
        self.phase_label.setObjectName("MiniPhase")
        words.addWidget(self.time_label)
        words.addWidget(self.phase_label)
        row.addLayout(words, 1)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("Primary")
        self.start_button.setAccessibleName("Start or pause the shared timer")
        self.start_button.clicked.connect(self.start_pause.emit)
        close = QPushButton("✕")
        close.setObjectName("MiniClose")
        close.setToolTip("Hide the mini timer (Esc)")
        close.setAccessibleName("Hide the mini timer")
        close.setFixedWidth(28)
        close.clicked.connect(self.close)
        row.addWidget(self.start_button)
        row.addWidget(close)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        self.setToolTip("Drag to move; double-click to open Jamdesk")
        self.resize(250, 64)

    def show_presence(self, shown: Presence, start_text: str | None) -> None:
        """Show the jam now: ``start_text`` is the button's words (``None``: hidden, this
        role cannot run the timer)."""
        self.time_label.setText(shown.time_text)
        self.phase_label.setText(shown.phase_text)
        kind = "break" if shown.kind is Kind.BREAK else shown.kind.value
        if self.property("phase") != kind:
            for widget in (self, self.time_label, self.phase_label):
                widget.setProperty("phase", kind)
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        self.start_button.setVisible(start_text is not None)
        if start_text is not None:
            self.start_button.setText(start_text)

    def appear(self) -> None:
        """Show where it was left (top right of the main screen the first time)."""
        pos = self._prefs.mini_timer_pos
        screen = QGuiApplication.primaryScreen()
        if pos is None and screen is not None:
            area = screen.availableGeometry()
            pos = QPoint(area.right() - self.width() - 24, area.top() + 24)
        if pos is not None:
            self.move(pos)
        self.show()
        self.raise_()

    # -- dragging ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Start a drag from anywhere on the body."""
        if event.button() is Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Follow the pointer while dragging."""
        if self._drag_from is not None:
            self.move(event.globalPosition().toPoint() - self._drag_from)
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """End the drag and remember the place."""
        if self._drag_from is not None:
            self._drag_from = None
            self._prefs.mini_timer_pos = self.pos()
            event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Open the main window."""
        self.open_app.emit()
        event.accept()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Hidden, not destroyed: its place is kept."""
        self._prefs.mini_timer_pos = self.pos()
        self.hidden.emit()
        super().closeEvent(event)

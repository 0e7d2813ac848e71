"""The tray icon: the phase at a glance (colour), the time left (a ring that empties), the
room in its tooltip, and a menu for what a student does without opening the window.

Drawn in code at the size the tray asks for; redrawn only when what it shows changes (the
kind, or the ring by a 60th), so a running jam costs the tray a few repaints a minute.
The app's icon (``resources/icons/jamdesk.svg``, rendered by ``make_icons.py``) is shown
while no jam runs.
"""

from __future__ import annotations

import math
from importlib import resources

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from jamdesk.ui.presence_view import Kind, Presence

KIND_COLOURS = {
    Kind.IDLE: "#4F5BD5",
    Kind.FOCUS: "#4F5BD5",
    Kind.BREAK: "#0B8A7A",
    Kind.PAUSED: "#8A8FA8",
    Kind.DONE: "#1E7F4F",
}
"""The tray's background for each kind: indigo focus, teal break, grey paused, green done."""
RING_STEPS = 60


ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
"""The sizes, in pixels, of the shipped icon files."""


def icon_files() -> list[str]:
    """The icon files :func:`app_icon` loads, as paths inside ``jamdesk.resources``."""
    return [f"icons/png/jamdesk-{size}.png" for size in ICON_SIZES]


def app_icon() -> QIcon:
    """Jamdesk's icon at every size shipped (``resources/icons/png``), for windows and the
    tray; an empty icon when the files are missing (a broken install still runs)."""
    icon = QIcon()
    folder = resources.files("jamdesk.resources")
    for name in icon_files():
        path = folder.joinpath(*name.split("/"))
        if path.is_file():
            icon.addFile(str(path))
    return icon


def tray_pixmap(kind: Kind, fraction_left: float | None, size: int = 64) -> QPixmap:
    """The tray picture: a rounded square in ``kind``'s colour with a white ring for the
    time left (a full circle when ``fraction_left`` is ``None``: a stopwatch), and two bars
    while paused."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(KIND_COLOURS[kind]))
    radius = size * 0.22
    painter.drawRoundedRect(QRectF(0, 0, size, size), radius, radius)
    pen_w = max(2.0, size * 0.11)
    ring = QRectF(size * 0.2, size * 0.2, size * 0.6, size * 0.6)
    painter.setPen(QPen(QColor(255, 255, 255, 90), pen_w))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(ring)
    white = QPen(QColor("white"), pen_w)
    white.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(white)
    if kind is Kind.PAUSED:
        bars = QPen(white)
        bars.setWidthF(pen_w * 0.8)
        painter.setPen(bars)
        for x in (0.43, 0.57):
            painter.drawLine(QPointF(size * x, size * 0.4), QPointF(size * x, size * 0.6))
    elif kind is Kind.DONE:
        painter.drawEllipse(ring)
        tick = [QPointF(size * 0.4, size * 0.5), QPointF(size * 0.47, size * 0.58)]
        painter.drawLine(tick[0], tick[1])
        painter.drawLine(tick[1], QPointF(size * 0.61, size * 0.42))
    else:
        left = 1.0 if fraction_left is None else fraction_left
        span = round(-360 * 16 * left)
        if span:
            painter.drawArc(ring, 90 * 16, span)
    painter.end()
    return pixmap


def ring_step(fraction_left: float | None) -> int:
    """The ring's drawn position, in 60ths (the tray is redrawn only when it moves)."""
    return -1 if fraction_left is None else math.ceil(fraction_left * RING_STEPS)


class TrayIcon(QSystemTrayIcon):
    """Jamdesk in the system tray. Emits a signal per menu action; the owner decides what
    each does (``ui/presence.py``). :meth:`show_jam` puts a jam's look on it, :meth:`idle`
    the app's own icon."""

    show_hide = Signal()
    start_pause = Signal()
    skip = Signal()
    mute_toggled = Signal(bool)
    mini_timer = Signal()
    leave = Signal()
    quit_app = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app_icon = app_icon()
        self._drawn: tuple[Kind, int] | None = None
        self.setIcon(self._app_icon)
        self.setToolTip("Jamdesk")
        self.menu = QMenu(parent)
        self.show_action = self._add("Show Jamdesk", self.show_hide.emit)
        self.menu.addSeparator()
        self.start_action = self._add("Start", self.start_pause.emit)
        self.skip_action = self._add("Skip phase", self.skip.emit)
        self.mute_action = QAction("Mute sound", self.menu, checkable=True)
        self.mute_action.toggled.connect(self.mute_toggled.emit)
        self.menu.addAction(self.mute_action)
        self.mini_action = self._add("Mini timer", self.mini_timer.emit)
        self.mini_action.setShortcut("Ctrl+M")
        self.leave_action = self._add("Leave jam", self.leave.emit)
        self.menu.addSeparator()
        self.quit_action = self._add("Quit Jamdesk", self.quit_app.emit)
        self.quit_action.setShortcut("Ctrl+Q")
        self.setContextMenu(self.menu)
        self.activated.connect(self._on_activated)
        self.idle()

    def _add(self, text: str, slot: object) -> QAction:
        action = QAction(text, self.menu)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_hide.emit()

    def idle(self) -> None:
        """No jam: the app's icon, and only Show, Mini timer off, Quit."""
        self._drawn = None
        self.setIcon(self._app_icon)
        self.setToolTip("Jamdesk")
        for action in (self.start_action, self.skip_action, self.leave_action, self.mute_action):
            action.setVisible(False)
        self.mini_action.setEnabled(False)

    def show_jam(
        self,
        shown: Presence,
        *,
        start_text: str | None,
        can_skip: bool,
        muted: bool | None,
    ) -> None:
        """Show a jam: ``start_text`` is the Start/Pause item's words (``None``: this role
        cannot run the timer); ``muted`` is ``None`` while sound is off."""
        key = (shown.kind, ring_step(shown.fraction_left))
        if key != self._drawn:
            self._drawn = key
            icon = QIcon()
            for size in (16, 22, 24, 32, 48, 64):
                icon.addPixmap(tray_pixmap(shown.kind, shown.fraction_left, size))
            self.setIcon(icon)
        if self.toolTip() != shown.tooltip:
            self.setToolTip(shown.tooltip)
        self.start_action.setVisible(start_text is not None)
        if start_text is not None:
            self.start_action.setText(start_text)
        self.skip_action.setVisible(can_skip)
        self.mute_action.setVisible(muted is not None)
        if muted is not None and self.mute_action.isChecked() != muted:
            self.mute_action.blockSignals(True)
            self.mute_action.setChecked(muted)
            self.mute_action.blockSignals(False)
        self.leave_action.setVisible(True)
        self.mini_action.setEnabled(True)

    def set_window_shown(self, shown: bool) -> None:
        """The first item's words: Hide when the window is on screen, Show when not."""
        self.show_action.setText("Hide Jamdesk" if shown else "Show Jamdesk")

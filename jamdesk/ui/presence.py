"""The jam beside the student's work: the window title, the tray icon, the mini timer, and
the notification and chime at each phase change.

:class:`DesktopPresence` copies :func:`~jamdesk.ui.presence_view.presence` onto the title,
the tray and the mini timer, and turns :class:`~jamdesk.ui.presence_view.PhaseWatch`'s
alerts into a notification (:mod:`jamdesk.ui.notifier`) and a chime (the jam's own pygame
mixer). It refreshes on the jam's updates and, while the timer runs, once a second at the
instant the digits change (a single-shot timer, never a fast poll: idle CPU stays low).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from jamdesk.core.kinds import Lifecycle
from jamdesk.ui.mini_timer import MiniTimer
from jamdesk.ui.notifier import Notifier
from jamdesk.ui.preferences import Preferences
from jamdesk.ui.presence_view import Alert, PhaseWatch, next_tick_ms, presence
from jamdesk.ui.room_view import room_view
from jamdesk.ui.tray import TrayIcon

if TYPE_CHECKING:
    from jamdesk.app.audio import Sound
    from jamdesk.app.jam import Jam
    from jamdesk.app.jam_state import JamUpdate
    from jamdesk.ui.room_screen import RoomScreen

log = logging.getLogger(__name__)


class PresenceWindow(Protocol):
    """What the presence uses of the main window (``ui/window.py``'s ``MainWindow``): its
    sound and room screen, and the window calls it makes. A protocol, so this module does
    not import the window that owns it."""

    sound: Sound | None
    room: RoomScreen | None

    def quit_app(self) -> None:
        """Quit Jamdesk."""

    def setWindowTitle(self, title: str, /) -> None:  # noqa: N802 - Qt's names
        """Qt's."""

    def isVisible(self) -> bool:  # noqa: N802
        """Qt's."""

    def isActiveWindow(self) -> bool:  # noqa: N802
        """Qt's."""

    def isMinimized(self) -> bool:  # noqa: N802
        """Qt's."""

    def showNormal(self) -> None:  # noqa: N802
        """Qt's."""

    def raise_(self) -> None:
        """Qt's."""

    def activateWindow(self) -> None:  # noqa: N802
        """Qt's."""

    def hide(self) -> None:
        """Qt's."""


class DesktopPresence(QObject):
    """The desktop side of one window. :attr:`alerted` carries each alert's title once it
    has been given (notification and chime as the settings say)."""

    alerted = Signal(str)

    def __init__(
        self,
        window: PresenceWindow,
        prefs: Preferences,
        *,
        notifier: Notifier | None = None,
        tray_available: bool | None = None,
    ) -> None:
        super().__init__()
        self._window = window
        self.prefs = prefs
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray: TrayIcon | None = TrayIcon() if tray_available else None
        self.notifier = notifier or Notifier(self.tray)
        self.notifier.set_tray(self.tray)
        self.mini = MiniTimer(prefs)
        self.mini.start_pause.connect(self._start_pause)
        self.mini.open_app.connect(self.show_window)
        self._watch = PhaseWatch()
        self._jam: Jam | None = None
        self._unsubscribe: Callable[[], None] = lambda: None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        if self.tray is not None:
            self.tray.show_hide.connect(self.toggle_window)
            self.tray.start_pause.connect(self._start_pause)
            self.tray.skip.connect(self._skip)
            self.tray.mute_toggled.connect(self._mute)
            self.tray.mini_timer.connect(self.toggle_mini)
            self.tray.leave.connect(self._leave)
            self.tray.quit_app.connect(window.quit_app)
            self.tray.show()

    # -- following a jam --------------------------------------------------------------------
    def follow(self, jam: Jam) -> None:
        """Show ``jam`` from now on (its current phase is no news: no alert now)."""
        self._unsubscribe()
        self._jam = jam
        self._watch = PhaseWatch()
        self._unsubscribe = jam.subscribe(self._on_update)
        self.refresh()

    def stop(self) -> None:
        """No jam any more: the app's own icon and title; the mini timer goes."""
        self._unsubscribe()
        self._unsubscribe = lambda: None
        self._jam = None
        self._timer.stop()
        self.mini.hide()
        if self.tray is not None:
            self.tray.idle()
        self._window.setWindowTitle("Jamdesk")

    def _on_update(self, update: JamUpdate) -> None:
        if not update.closed:
            self.refresh()

    def refresh(self) -> None:
        """Show the jam now, give any alert due, and wake at the next change of second."""
        jam = self._jam
        if jam is None or jam.closed:
            return
        reading = jam.reading()
        shown = presence(jam.state, reading)
        self._window.setWindowTitle(shown.window_title)
        # The same rules as the room's own buttons (which a role gets, and when).
        view = room_view(jam.state, jam.role, reading, hosting=jam.hosting)
        start_text = view.start_text if view.timer_controls and view.start_enabled else None
        if self.tray is not None:
            sound = self._window.sound
            player = sound.player if sound is not None else None
            self.tray.show_jam(
                shown,
                start_text=start_text,
                can_skip=view.skip and view.skip_enabled,
                muted=player.muted if player is not None else None,
            )
            self.tray.set_window_shown(self._window.isVisible())
        if self.mini.isVisible():
            self.mini.show_presence(shown, start_text)
        alert = self._watch.feed(jam.state, reading, time.time_ns() // 1_000_000)
        if alert is not None:
            self._give(alert)
        if reading.running and jam.state.lifecycle is Lifecycle.ACTIVE:
            self._timer.start(next_tick_ms(reading.remaining_ms, reading.elapsed_ms))
        else:
            self._timer.stop()

    def _give(self, alert: Alert) -> None:
        prefs = self.prefs.alerts
        if prefs.only_unfocused and self._window.isActiveWindow():
            log.info("alert %r not given: the window has the focus", alert.title)
            return
        if prefs.notify:
            self.notifier.notify(alert.title, alert.body)
        sound = self._window.sound
        if prefs.chime and sound is not None:
            sound.chime(prefs.chime_volume / 100)
        self.alerted.emit(alert.title)

    # -- what the tray and the mini timer do --------------------------------------------------
    def show_window(self) -> None:
        """Bring the main window to the front."""
        window = self._window
        window.showNormal()
        window.raise_()
        window.activateWindow()
        if self.tray is not None:
            self.tray.set_window_shown(True)

    def toggle_window(self) -> None:
        """Show the window, or hide it to the tray when it is on screen."""
        if self._window.isVisible() and not self._window.isMinimized():
            self._window.hide()
            if self.tray is not None:
                self.tray.set_window_shown(False)
        else:
            self.show_window()

    def toggle_mini(self) -> None:
        """Show or hide the mini timer (only while in a jam)."""
        if self.mini.isVisible():
            self.mini.close()
        elif self._jam is not None:
            self.mini.appear()
            self.refresh()

    def _start_pause(self) -> None:
        room = self._window.room
        if room is not None:
            room.toggle_if_allowed()

    def _skip(self) -> None:
        room = self._window.room
        if room is not None:
            room.skip_if_allowed()

    def _mute(self, muted: bool) -> None:
        room = self._window.room
        if room is not None:
            room.sound.mute_check.setChecked(muted)

    def _leave(self) -> None:
        room = self._window.room
        if room is not None:
            self.show_window()
            room.leave_requested.emit()

    def close(self) -> None:
        """Take the tray icon and the mini timer away (the app is quitting)."""
        self.stop()
        self.mini.hide()
        self.notifier.close()
        if self.tray is not None:
            self.tray.hide()

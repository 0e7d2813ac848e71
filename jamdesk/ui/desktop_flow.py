"""The window as a desktop citizen: closing to the tray during a jam (or asking, with no
tray), quitting cleanly, the window's size and place kept, and the window-wide keys (F1 or
``?`` for the shortcut sheet, Ctrl+, for settings, Ctrl+M for the mini timer, Ctrl+Q).

A mixin of :class:`~jamdesk.ui.window.MainWindow`, as the history and profile flows are:
it keeps ``window.py`` to the screens and the jam.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon

from jamdesk.ui.dialogs import confirm
from jamdesk.ui.preferences import Preferences
from jamdesk.ui.presence import DesktopPresence
from jamdesk.ui.settings_dialog import SettingsDialog
from jamdesk.ui.shortcuts import ShortcutsDialog
from jamdesk.ui.theme import Theme, ThemeChoice

if TYPE_CHECKING:
    from jamdesk.app.audio import Sound
    from jamdesk.app.jam import Jam
    from jamdesk.ui.room_screen import RoomScreen

log = logging.getLogger(__name__)
DEFAULT_SIZE = (900, 640)


class DesktopFlow(QMainWindow):
    """Tray, close, quit, geometry and window-wide keys. Expects ``jam``, ``sound`` and
    ``room`` (the window sets them)."""

    jam: Jam | None
    sound: Sound | None
    room: RoomScreen | None

    def _setup_desktop(self, theme: Theme | None, tray: bool | None) -> None:
        self.prefs = Preferences()
        self.theme = theme
        self.presence = DesktopPresence(self, self.prefs, tray_available=tray)
        self._quitting = False
        # The app proper (ui/main.py) sets this: closing then quits the application, or, in
        # a jam, keeps it in the tray. A window made on its own (a widget test) just closes.
        self.owns_app = False
        self.settings_dialog: SettingsDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        geometry = self.prefs.window_geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        for keys, slot in (
            ("F1", self.open_shortcuts),
            ("?", self.open_shortcuts),
            ("Ctrl+,", self.open_settings),
            ("Ctrl+M", self.presence.toggle_mini),
            ("Ctrl+Q", self.quit_app),
        ):
            # A field being typed in takes "?" as text first (QLineEdit accepts the
            # ShortcutOverride of printable keys), so "?" opens the sheet only elsewhere.
            QShortcut(QKeySequence(keys), self, slot)

    # -- dialogs ------------------------------------------------------------------------------
    def open_shortcuts(self) -> None:
        """Show every shortcut (F1 or ``?``)."""
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.show()
        self.shortcuts_dialog.raise_()

    def open_settings(self) -> None:
        """Theme and alerts (Ctrl+,)."""
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(
                self, self.prefs, self._set_theme, self._try_chime
            )
        self.settings_dialog.show()
        self.settings_dialog.raise_()

    def _set_theme(self, choice: ThemeChoice) -> None:
        app = QApplication.instance()
        if self.theme is None and isinstance(app, QApplication):
            self.theme = Theme(app, choice)
        elif self.theme is not None:
            self.theme.set_choice(choice)

    def _try_chime(self, volume: float) -> bool:
        return self.sound is not None and self.sound.chime(volume)

    # -- closing and quitting -------------------------------------------------------------------
    def quit_app(self) -> None:
        """Quit Jamdesk: the jam is closed and saved (by the window's shutdown)."""
        log.info("quit asked")
        self._quitting = True
        self.close()

    def _in_jam(self) -> bool:
        return self.jam is not None and not self.jam.closed

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """In a jam, closing keeps it running in the tray (said once), or asks first when
        this desktop has no tray; otherwise Jamdesk quits."""
        self.prefs.window_geometry = self.saveGeometry()
        tray = self.presence.tray
        if not self.owns_app or self._quitting or not self._in_jam():
            event.accept()
            self.presence.close()
            app = QApplication.instance()
            if self.owns_app and app is not None:
                app.quit()
            return
        event.ignore()
        if tray is not None and tray.isVisible():
            self.hide()
            tray.set_window_shown(False)
            if not self.prefs.tray_hint_shown:
                self.prefs.tray_hint_shown = True
                tray.showMessage(
                    "Jamdesk is still running",
                    "Your jam goes on here in the tray. Quit from this icon's menu.",
                    QSystemTrayIcon.MessageIcon.Information,
                    8_000,
                )
            log.info("window hidden to the tray; the jam goes on")
            return
        self.close_dialog = confirm(
            self,
            "Leave the jam?",
            "Closing Jamdesk leaves the jam.",
            "Leave and quit",
            self.quit_app,
            detail="The jam is saved on this computer. Others in the room go on without you.",
        )

"""This computer's UI preferences: Qt's per-user settings (``QSettings("Jamdesk", "Jamdesk")``).

What lives here is a matter of taste for one student on one computer (theme, alerts, the
chime's volume, where the window and the mini timer were), never room state or history,
which live in the database (docs/ARCHITECTURE.md, "UI"). A value that cannot be read (a
hand-edited file, an old version) falls back to its default: preferences never stop the app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QPoint, QSettings

from jamdesk.ui.theme import ThemeChoice

log = logging.getLogger(__name__)


def _settings() -> QSettings:
    return QSettings("Jamdesk", "Jamdesk")


@dataclass(frozen=True)
class AlertPrefs:
    """How phase changes reach the student.

    Attributes:
        notify: show a desktop notification.
        chime: play the chime.
        chime_volume: the chime's loudness, 0 to 100.
        only_unfocused: alert only while the Jamdesk window is not the active one.
    """

    notify: bool = True
    chime: bool = True
    chime_volume: int = 70
    only_unfocused: bool = False


class Preferences:
    """Reads and writes the preferences; each property is read fresh (another window of the
    app, or the settings dialog, may have changed it)."""

    def __init__(self) -> None:
        self._s = _settings()

    def clear(self) -> None:
        """Forget every preference (Delete everything): the signalling URL, the theme, the
        alerts, the window's place; the next read gives the defaults."""
        self._s.clear()
        self._s.sync()

    def _flag(self, key: str, default: bool) -> bool:
        """A yes/no setting: a bool, or the text ``"true"``/``"false"`` that some QSettings
        back ends (INI files) give back; anything else is ``default``."""
        value = self._s.value(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return default

    # -- theme ---------------------------------------------------------------------------
    @property
    def theme(self) -> ThemeChoice:
        """System, light or dark (system when unset or unreadable)."""
        value = self._s.value("theme", ThemeChoice.SYSTEM.value)
        try:
            return ThemeChoice(str(value))
        except ValueError:
            log.warning("ignoring an unknown theme setting %r", value)
            return ThemeChoice.SYSTEM

    @theme.setter
    def theme(self, choice: ThemeChoice) -> None:
        self._s.setValue("theme", choice.value)

    # -- alerts --------------------------------------------------------------------------
    @property
    def alerts(self) -> AlertPrefs:
        """The alert settings (defaults where unset)."""
        default = AlertPrefs()
        try:
            volume = int(str(self._s.value("chime_volume", default.chime_volume)))
        except ValueError:
            volume = default.chime_volume
        return AlertPrefs(
            notify=self._flag("notify", default.notify),
            chime=self._flag("chime", default.chime),
            chime_volume=max(0, min(100, volume)),
            only_unfocused=self._flag("only_unfocused", default.only_unfocused),
        )

    @alerts.setter
    def alerts(self, prefs: AlertPrefs) -> None:
        self._s.setValue("notify", prefs.notify)
        self._s.setValue("chime", prefs.chime)
        self._s.setValue("chime_volume", prefs.chime_volume)
        self._s.setValue("only_unfocused", prefs.only_unfocused)

    # -- one-off hints, names, places ------------------------------------------------------
    @property
    def tray_hint_shown(self) -> bool:
        """Whether "Jamdesk keeps running in the tray" has been said once already."""
        return self._flag("tray_hint_shown", False)

    @tray_hint_shown.setter
    def tray_hint_shown(self, shown: bool) -> None:
        self._s.setValue("tray_hint_shown", shown)

    @property
    def name(self) -> str:
        """The display name last used on this computer (``""`` when none)."""
        return str(self._s.value("name", "") or "")[:64]

    @name.setter
    def name(self, name: str) -> None:
        self._s.setValue("name", name)

    @property
    def signal_url(self) -> str:
        """The signalling URL last used (``""`` when none)."""
        return str(self._s.value("signal_url", "") or "")

    @signal_url.setter
    def signal_url(self, url: str) -> None:
        self._s.setValue("signal_url", url)

    @property
    def window_geometry(self) -> QByteArray | None:
        """``QWidget.saveGeometry()`` of the main window (size, place, screen), if saved."""
        value = self._s.value("window_geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @window_geometry.setter
    def window_geometry(self, geometry: QByteArray) -> None:
        self._s.setValue("window_geometry", geometry)

    @property
    def mini_timer_pos(self) -> QPoint | None:
        """Where the mini timer's top-left corner was (screen pixels), if saved."""
        value = self._s.value("mini_timer_pos")
        return value if isinstance(value, QPoint) else None

    @mini_timer_pos.setter
    def mini_timer_pos(self, pos: QPoint) -> None:
        self._s.setValue("mini_timer_pos", pos)

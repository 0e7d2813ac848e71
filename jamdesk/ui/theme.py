"""The look: our style sheet in a light and a dark palette, following the system's colour
scheme or the student's choice, and the small pictures drawn in code (status dots, avatars).

The style sheet ships in ``resources/`` (installed as ``jamdesk.resources``) with ``@token``
colours; :data:`PALETTES` fills them. Every text colour is checked against its background
for WCAG 2.1 AA (4.5:1; 3:1 for the big timer) by :func:`contrast_ratio` in the tests.
The system's scheme is Qt's ``QStyleHints.colorScheme()`` (Qt 6.5+), followed live through
its ``colorSchemeChanged`` signal (docs/ARCHITECTURE.md, "UI").
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from enum import StrEnum
from importlib import resources

from PySide6.QtCore import QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


class ThemeChoice(StrEnum):
    """What the student picked in Settings: follow the system, or a fixed scheme."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


LIGHT = {
    "text": "#1F2333",
    "window": "#F4F5FA",
    "card": "#FFFFFF",
    "border": "#E1E4EE",
    "brand": "#2B2F77",
    "muted": "#5B6178",
    "hint": "#656A83",
    "error": "#B3261E",
    "error_bg": "#FDECEA",
    "notice": "#2B2F77",
    "notice_bg": "#E8EAFB",
    "field_border": "#C9CDDB",
    "accent": "#4F5BD5",
    "accent_text": "#4550C8",
    "hover": "#EEF0FA",
    "disabled": "#767B92",
    "disabled_bg": "#F1F2F6",
    "primary": "#4F5BD5",
    "on_primary": "#FFFFFF",
    "primary_hover": "#3F4AC0",
    "primary_disabled": "#C9CCEE",
    "on_primary_disabled": "#3F4470",
    "danger_border": "#E7B4B0",
    "finished": "#1E7F4F",
    "break": "#0B6E7A",
}
"""The light palette (the colours of Jamdesk's first look)."""

DARK = {
    "text": "#E6E8F2",
    "window": "#14161F",
    "card": "#1D2030",
    "border": "#2E3247",
    "brand": "#C3C8FF",
    "muted": "#A9AEC6",
    "hint": "#9CA1BC",
    "error": "#FFB4AB",
    "error_bg": "#3D1D1B",
    "notice": "#D9DCFF",
    "notice_bg": "#2A2E52",
    "field_border": "#454A68",
    "accent": "#8F98FF",
    "accent_text": "#A3AAFF",
    "hover": "#272B40",
    "disabled": "#8A8FA8",
    "disabled_bg": "#1A1C27",
    "primary": "#4A56CF",
    "on_primary": "#FFFFFF",
    "primary_hover": "#5C68E0",
    "primary_disabled": "#30345A",
    "on_primary_disabled": "#A9AEC6",
    "danger_border": "#6B3430",
    "finished": "#6EDBA4",
    "break": "#62D2E2",
}
"""The dark palette: the same roles, light text on deep blue-grey."""

PALETTES = {ThemeChoice.LIGHT: LIGHT, ThemeChoice.DARK: DARK}

CONTRAST_PAIRS: tuple[tuple[str, str, float], ...] = (
    ("text", "window", 4.5),
    ("text", "card", 4.5),
    ("muted", "window", 4.5),
    ("muted", "card", 4.5),
    ("hint", "window", 4.5),
    ("hint", "card", 4.5),
    ("brand", "card", 4.5),
    ("brand", "notice_bg", 4.5),
    ("error", "error_bg", 4.5),
    ("notice", "notice_bg", 4.5),
    ("accent_text", "card", 4.5),
    ("disabled", "disabled_bg", 3.0),  # inactive controls: exempt from WCAG 1.4.3; kept 3:1
    ("on_primary", "primary", 4.5),
    ("on_primary", "primary_hover", 4.5),
    ("on_primary_disabled", "primary_disabled", 3.0),
    ("error", "card", 4.5),
    ("finished", "card", 3.0),  # the 88 px timer: large text
    ("break", "card", 4.5),
    ("text", "notice_bg", 4.5),
)
"""(text token, background token, least ratio) for every pairing the style sheet makes."""


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours, 1.0 to 21.0 (relative luminance
    per the WCAG definition, sRGB)."""

    def luminance(colour: str) -> float:
        q = QColor(colour)
        return (
            0.2126 * _channel(q.red()) + 0.7152 * _channel(q.green()) + 0.0722 * _channel(q.blue())
        )

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


STYLE_SHEET = "style.qss"
"""The style sheet's file in ``jamdesk.resources`` (``resources/``)."""


def style_sheet(scheme: ThemeChoice = ThemeChoice.LIGHT) -> str:
    """The style sheet in ``scheme``'s colours (light or dark), or ``""`` (logged) when the
    file cannot be read. An unknown ``@token`` is left as is and logged."""
    try:
        text = resources.files("jamdesk.resources").joinpath(STYLE_SHEET).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        log.warning("style sheet not found, using Qt's default look: %s", exc)
        return ""
    palette = PALETTES.get(scheme, LIGHT)

    def fill(match: re.Match[str]) -> str:
        colour = palette.get(match.group(1))
        if colour is None:
            log.warning("style sheet names an unknown colour @%s", match.group(1))
            return match.group(0)
        return colour

    return re.sub(r"@([a-z_]+)", fill, text)


def qt_palette(scheme: ThemeChoice) -> QPalette:
    """Qt's palette in our colours, for what the style sheet does not reach (dialogs,
    menus, scroll bars, the tray's menu)."""
    colours = PALETTES.get(scheme, LIGHT)
    palette = QPalette()
    role = QPalette.ColorRole
    for name, token in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "card"),
        (role.AlternateBase, "hover"),
        (role.Text, "text"),
        (role.Button, "card"),
        (role.ButtonText, "text"),
        (role.Highlight, "accent"),
        (role.HighlightedText, "on_primary"),
        (role.ToolTipBase, "card"),
        (role.ToolTipText, "text"),
        (role.PlaceholderText, "hint"),
        (role.Link, "accent_text"),
    ):
        palette.setColor(name, QColor(colours[token]))
    palette.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(colours["disabled"]))
    palette.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(colours["disabled"]))
    return palette


def system_scheme() -> ThemeChoice:
    """The desktop's colour scheme now (light when Qt cannot tell)."""
    hints = QGuiApplication.styleHints()
    return ThemeChoice.DARK if hints.colorScheme() is Qt.ColorScheme.Dark else ThemeChoice.LIGHT


class Theme(QObject):
    """Applies the look to the application and keeps it current.

    ``choice`` is the student's setting; with :attr:`ThemeChoice.SYSTEM` the scheme follows
    the desktop live. :attr:`changed` carries the scheme now in use (light or dark).
    """

    changed = Signal(str)

    def __init__(self, app: QApplication, choice: ThemeChoice = ThemeChoice.SYSTEM) -> None:
        super().__init__(app)
        self._app = app
        self._choice = choice
        self.scheme: ThemeChoice | None = None
        self._system = system_scheme()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_change)
        self.apply()

    @property
    def choice(self) -> ThemeChoice:
        """The student's setting."""
        return self._choice

    def set_choice(self, choice: ThemeChoice) -> None:
        """Use ``choice`` from now on (applied at once)."""
        self._choice = choice
        self.apply()

    def _on_system_change(self, scheme: Qt.ColorScheme) -> None:
        """The desktop changed its scheme (the signal carries the new one)."""
        self._system = ThemeChoice.DARK if scheme is Qt.ColorScheme.Dark else ThemeChoice.LIGHT
        if self._choice is ThemeChoice.SYSTEM:
            self.apply()

    def apply(self) -> None:
        """Put the style sheet and palette of the scheme in use on the application."""
        scheme = self._system if self._choice is ThemeChoice.SYSTEM else self._choice
        if scheme is self.scheme:
            return
        self.scheme = scheme
        self._app.setPalette(qt_palette(scheme))
        self._app.setStyleSheet(style_sheet(scheme))
        log.info("theme %s (%s)", scheme.value, self._choice.value)
        self.changed.emit(scheme.value)


STATUS_COLOURS = {"active": "#2E9E5B", "paused": "#E0A100", "done": "#4F5BD5"}
"""Colour of each participant status's dot (colour-blind safe trio with distinct lightness)."""


def status_icon(status: str, away: bool = False) -> QIcon:
    """A round dot in the status's colour (hollow while the participant is away).

    Drawn rather than an emoji, which many Linux desktops cannot render.
    """
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(STATUS_COLOURS.get(status, "#9AA0B4"))
    painter.setPen(QPen(colour, 2))
    painter.setBrush(QColor(0, 0, 0, 0) if away else colour)
    painter.drawEllipse(2, 2, 10, 10)
    painter.end()
    return QIcon(pixmap)


DEFAULT_AVATAR = "#4F5BD5"


def initials(name: str) -> str:
    """Up to two initials of a display name (``"Ana Lima"`` -> ``"AL"``; marks such as a
    ghost's 👻 are skipped)."""
    firsts = [next((c for c in word if c.isalnum()), "") for word in name.split()]
    return ("".join(c for c in firsts if c)[:2] or "?").upper()


def avatar_icon(name: str, color: str, status: str, *, away: bool = False) -> QIcon:
    """A person as others see them: initials on their chosen colour (grey while away), with
    their status dot in the corner."""
    size = 30
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#B9BDCC") if away else QColor(color or DEFAULT_AVATAR))
    painter.drawEllipse(1, 1, size - 4, size - 4)
    font = painter.font()
    font.setPixelSize(11)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRect(1, 1, size - 4, size - 4), Qt.AlignmentFlag.AlignCenter, initials(name))
    painter.setPen(QPen(QColor("white"), 2))
    painter.setBrush(QColor(0, 0, 0, 0) if away else QColor(STATUS_COLOURS.get(status, "#9AA0B4")))
    painter.drawEllipse(size - 12, size - 12, 10, 10)
    painter.end()
    return QIcon(pixmap)


def clock_time(at_ms: int) -> str:
    """A room-clock instant (ms since the Unix epoch) as local ``HH:MM``."""
    return datetime.fromtimestamp(at_ms / 1000).strftime("%H:%M")


def format_duration(ms: int) -> str:
    """A length of time for people: ``"25 min"``, ``"1 h 05 min"``, ``"under a minute"``."""
    minutes = round(max(0, ms) / 60_000)
    if minutes == 0:
        return "under a minute" if ms > 0 else "0 min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"

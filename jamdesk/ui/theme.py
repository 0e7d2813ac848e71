"""Loading the style sheet shipped in ``resources/`` (installed as ``jamdesk.resources``)."""

from __future__ import annotations

import logging
from datetime import datetime
from importlib import resources

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

log = logging.getLogger(__name__)


def style_sheet() -> str:
    """The application's Qt style sheet, or ``""`` (logged) when it cannot be read."""
    try:
        return resources.files("jamdesk.resources").joinpath("style.qss").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        log.warning("style sheet not found, using Qt's default look: %s", exc)
        return ""


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

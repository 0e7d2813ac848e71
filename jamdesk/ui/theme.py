"""Loading the style sheet shipped in ``resources/`` (installed as ``jamdesk.resources``)."""

from __future__ import annotations

import logging
from importlib import resources

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


def format_ms(ms: int, *, round_up: bool) -> str:
    """``1_500_000`` -> ``"25:00"``; past an hour ``"1:05:00"``.

    A countdown rounds up (it shows 00:01 until it truly reaches zero); a stopwatch rounds down.
    """
    ms = max(0, ms)
    seconds = (ms + 999) // 1000 if round_up else ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"

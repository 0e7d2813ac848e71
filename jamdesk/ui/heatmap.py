"""A GitHub-style heatmap of focus minutes: the last 52 weeks by day, a tooltip per day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from jamdesk.ui.theme import format_duration

CELL = 12
GAP = 2
LEGEND = 22  # room for the Less-More legend under the grid
LEFT = 34  # room for weekday labels
TOP = 20  # room for month labels
SHADES = ("#EBEDF3", "#C6CBF5", "#949DEB", "#5F6BDD", "#2F3AAE")
"""Empty, then four levels of focus (indigo, like the app's accent)."""
LIMITS = (0.0, 30.0, 60.0, 120.0)
"""Minutes at which each shade above the first begins."""


def shade_for(minutes: float) -> int:
    """Which of :data:`SHADES` a day with ``minutes`` of focus gets (0: none)."""
    level = 0
    for i, limit in enumerate(LIMITS):
        if minutes > limit:
            level = i + 1
    return level


class HeatmapWidget(QWidget):
    """Draws ``days`` (oldest first, weeks starting on Monday) as columns of 7 squares."""

    def __init__(self, days: list[tuple[date, float]] | None = None) -> None:
        super().__init__()
        self._days: list[tuple[date, float]] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_days(days or [])

    def set_days(self, days: list[tuple[date, float]]) -> None:
        """Show ``days``; the first must be a Monday."""
        self._days = days
        self.updateGeometry()
        self.update()

    def weeks(self) -> int:
        """How many week columns are drawn."""
        return (len(self._days) + 6) // 7

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Wide enough for every week, tall enough for 7 days and the labels."""
        return QSize(LEFT + self.weeks() * (CELL + GAP), TOP + 7 * (CELL + GAP) + LEGEND)

    def cell_rect(self, index: int) -> QRect:
        """Where day number ``index`` is drawn."""
        week, weekday = divmod(index, 7)
        return QRect(LEFT + week * (CELL + GAP), TOP + weekday * (CELL + GAP), CELL, CELL)

    def day_at(self, point: QPoint) -> tuple[date, float] | None:
        """The day under ``point``, if any."""
        for i, day in enumerate(self._days):
            if self.cell_rect(i).contains(point):
                return day
        return None

    def _text_colour(self) -> QColor:
        """The labels' colour: the theme's hint colour (readable on light and dark)."""
        return self.palette().color(QPalette.ColorRole.PlaceholderText)

    def _shade(self, index: int) -> QColor:
        """A day's colour; a day with no focus takes the theme's quiet background."""
        if index == 0:
            return self.palette().color(QPalette.ColorRole.AlternateBase)
        return QColor(SHADES[index])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """Draw the labels and one rounded square per day."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._text_colour())
        font = painter.font()
        font.setPointSize(8)
        painter.setFont(font)
        for weekday, label in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
            painter.drawText(
                QRect(0, TOP + weekday * (CELL + GAP) - 2, LEFT - 4, CELL + 4),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        last_month, last_week = None, -3
        for i, (day, _) in enumerate(self._days):
            week = i // 7
            if i % 7 == 0 and day.month != last_month:
                last_month = day.month
                if week - last_week >= 3:  # leave room for the previous label
                    painter.drawText(LEFT + week * (CELL + GAP), TOP - 6, day.strftime("%b"))
                    last_week = week
        painter.setPen(Qt.PenStyle.NoPen)
        for i, (_, minutes) in enumerate(self._days):
            painter.setBrush(self._shade(shade_for(minutes)))
            painter.drawRoundedRect(self.cell_rect(i), 3, 3)
        self._legend(painter)
        painter.end()

    def _legend(self, painter: QPainter) -> None:
        y = TOP + 7 * (CELL + GAP) + 6
        right = LEFT + self.weeks() * (CELL + GAP)
        x = right - len(SHADES) * (CELL + GAP) - 36
        painter.setPen(self._text_colour())
        painter.drawText(
            QRect(x - 40, y - 2, 36, CELL + 4),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "Less",
        )
        painter.setPen(Qt.PenStyle.NoPen)
        for i in range(len(SHADES)):
            painter.setBrush(self._shade(i))
            painter.drawRoundedRect(QRect(x + i * (CELL + GAP), y, CELL, CELL), 3, 3)
        painter.setPen(self._text_colour())
        painter.drawText(
            QRect(x + len(SHADES) * (CELL + GAP) + 4, y - 2, 36, CELL + 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            "More",
        )

    def event(self, event: QEvent) -> bool:
        """Tooltips: the date and the focus time of the day under the mouse."""
        if isinstance(event, QHelpEvent):
            found = self.day_at(event.pos())
            if found is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), tooltip(*found), self)
            return True
        return super().event(event)

    def export_png(self, path: Path) -> bool:
        """Save the heatmap as a PNG; returns whether it was written."""
        return self.grab().save(str(path), "PNG")


def tooltip(day: date, minutes: float) -> str:
    """``"Tue 3 Mar 2026 · 1 h 15 min of focus"`` (or "no focus")."""
    label = f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"
    if minutes <= 0:
        return f"{label} · no focus"
    return f"{label} · {format_duration(int(minutes * 60_000))} of focus"

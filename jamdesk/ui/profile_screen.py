"""The profile screen: level and EXP, lifetime stats, the heatmap, and your data.

It shows an :class:`~jamdesk.app.progress.Overview` and asks the window (through signals) to
rename, recolour, export or delete; it holds no rules and touches no database.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jamdesk.app.progress import Overview, heatmap_days, set_aside_words
from jamdesk.ui import dialogs
from jamdesk.ui.heatmap import HeatmapWidget
from jamdesk.ui.theme import format_duration, initials


class ProfileScreen(QWidget):
    """Signals carry the student's choices; the window carries them out."""

    back = Signal()
    rename_requested = Signal(str)
    color_requested = Signal(str)
    export_data_requested = Signal(Path)
    delete_requested = Signal()

    def __init__(self, overview: Overview, name: str, color: str, repaired: int = 0) -> None:
        super().__init__()
        self.setObjectName("Screen")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.setSpacing(14)

        outer.addLayout(self._build_top(name, color))
        outer.addWidget(self._build_card(overview))
        heat_title = QLabel("The last 52 weeks")
        heat_title.setObjectName("CardTitle")
        self.heatmap = HeatmapWidget(heatmap_days(overview))
        outer.addWidget(heat_title)
        outer.addWidget(self.heatmap, alignment=Qt.AlignmentFlag.AlignLeft)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("Notice")
        self.status.setVisible(bool(repaired))
        if repaired:
            self.status.setText(
                f"The stored figures of {repaired} jam(s) did not match their "
                "history; they were recomputed from it."
            )
        outer.addWidget(self.status)
        outer.addStretch(1)

        outer.addLayout(self._build_buttons())

    def _build_top(self, name: str, color: str) -> QHBoxLayout:
        top = QHBoxLayout()
        self.avatar = QLabel()
        self.avatar.setObjectName("Avatar")
        self.avatar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.avatar.setFixedSize(56, 56)
        self.name_edit = QLineEdit(name)
        self.name_edit.setMaxLength(40)
        self.name_edit.setToolTip("Your name in rooms (Enter to save)")
        self.name_edit.returnPressed.connect(
            lambda: self.rename_requested.emit(self.name_edit.text().strip())
        )
        self.color_button = QPushButton("Colour…")
        self.color_button.setToolTip("Choose your avatar colour")
        self.color_button.clicked.connect(self._pick_color)
        back = QPushButton("Back")
        back.setToolTip("Back to the start (Esc)")
        back.clicked.connect(self.back.emit)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back.emit)
        top.addWidget(self.avatar)
        top.addWidget(self.name_edit, 1)
        top.addWidget(self.color_button)
        top.addStretch(1)
        top.addWidget(back)
        self.set_avatar(name, color)
        return top

    def _build_card(self, overview: Overview) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        grid = QGridLayout(card)
        level = overview.level
        self.level_label = QLabel(f"Level {level.level}")
        self.level_label.setObjectName("RoomTitle")
        self.level_bar = QProgressBar()
        self.level_bar.setRange(0, level.next_level_at - level.level_floor)
        self.level_bar.setValue(level.into_level)
        self.level_bar.setFormat(f"{level.exp} EXP · {level.to_next} to level {level.level + 1}")
        self.level_bar.setTextVisible(True)
        grid.addWidget(self.level_label, 0, 0)
        grid.addWidget(self.level_bar, 0, 1, 1, 2)
        figures = [
            ("Focus", format_duration(overview.total_focus_ms)),
            ("Focus blocks", str(overview.focus_blocks)),
            ("Jams completed", f"{overview.sessions_completed} of {overview.sessions}"),
            ("Streak", _days(overview.streaks.current)),
            ("Longest streak", _days(overview.streaks.longest)),
        ]
        self.figures: dict[str, QLabel] = {}
        for i, (label, value) in enumerate(figures):
            title = QLabel(label)
            title.setObjectName("Hint")
            shown = QLabel(value)
            shown.setObjectName("Figure")
            self.figures[label] = shown
            grid.addWidget(title, 1 + i // 3 * 2, i % 3)
            grid.addWidget(shown, 2 + i // 3 * 2, i % 3)
        self.set_aside_label = QLabel(set_aside_words(overview.set_aside))
        self.set_aside_label.setObjectName("Hint")
        self.set_aside_label.setWordWrap(True)
        self.set_aside_label.setVisible(bool(overview.set_aside))
        grid.addWidget(self.set_aside_label, 5, 0, 1, 3)
        return card

    def _build_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.png_button = QPushButton("Save heatmap as PNG…")
        self.png_button.clicked.connect(self._save_png)
        self.export_button = QPushButton("Export my data…")
        self.export_button.setToolTip("Everything Jamdesk keeps about you, as one JSON file")
        self.export_button.clicked.connect(self._export)
        self.delete_button = QPushButton("Delete everything…")
        self.delete_button.setObjectName("Danger")
        self.delete_button.setToolTip("Profile, history, tasks and stats, from this computer")
        self.delete_button.clicked.connect(self._confirm_delete)
        buttons.addWidget(self.png_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.delete_button)
        return buttons

    def set_avatar(self, name: str, color: str) -> None:
        """Show the initials on the chosen colour."""
        self._color = color
        self.avatar.setText(initials(name))
        self.avatar.setStyleSheet(
            f"background: {color}; color: white; border-radius: 28px; "
            "font-size: 20px; font-weight: 700;"
        )

    def show_message(self, text: str) -> None:
        """A line of news under the heatmap (saved, exported, failed...)."""
        self.status.setText(text)
        self.status.show()

    def _pick_color(self) -> None:
        dialogs.pick_colour(self, "Your avatar colour", self._color, self.color_requested.emit)

    def _save_png(self) -> None:
        def save(path: Path) -> None:
            ok = self.heatmap.export_png(path)
            self.show_message(f"Saved to {path}." if ok else f"Could not save {path}.")

        dialogs.save_file(self, "Save heatmap", "jamdesk-heatmap.png", "PNG image (*.png)", save)

    def _export(self) -> None:
        dialogs.save_file(
            self,
            "Export my data",
            "jamdesk-data.json",
            "JSON (*.json)",
            self.export_data_requested.emit,
        )

    def _confirm_delete(self) -> None:
        dialogs.confirm(
            self,
            "Delete everything?",
            "This deletes your profile, every jam in your history, your tasks and your "
            "stats from this computer. It cannot be undone.",
            "Delete everything",
            self.delete_requested.emit,
            detail="Tip: export your data first.",
        )


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"

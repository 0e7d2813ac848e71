"""The summary shown when a jam ends: what everyone did, with an export to Markdown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jamdesk.core.summary import RoomSummary, to_markdown
from jamdesk.ui import dialogs
from jamdesk.ui.theme import format_duration

COLUMNS = ("Who", "Focus", "Blocks", "Goal", "Done", "Tasks done", "Reactions")


class SummaryScreen(QWidget):
    """One row per participant. Emits :attr:`closed` when the student is done reading."""

    closed = Signal()

    def __init__(self, summary: RoomSummary, me: str) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self.summary = summary
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(12)
        title = QLabel(summary.title)
        title.setObjectName("RoomTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        length = format_duration(summary.ended_at_ms - summary.started_at_ms)
        cycles = (
            f" · {summary.cycles_completed} Pomodoro cycle"
            + ("s" if summary.cycles_completed != 1 else "")
            if summary.cycles_completed
            else ""
        )
        meta = QLabel(
            f"{summary.session_type.capitalize()} · {summary.timer} · {length}{cycles} · "
            f"code {summary.code}"
        )
        meta.setObjectName("RoomMeta")
        layout.addWidget(title)
        layout.addWidget(meta)
        self.room_goal_label = QLabel(f"Room goal: {summary.room_goal}")
        self.room_goal_label.setTextFormat(Qt.TextFormat.PlainText)
        self.room_goal_label.setWordWrap(True)
        self.room_goal_label.setVisible(bool(summary.room_goal))
        layout.addWidget(self.room_goal_label)

        self.table = QTableWidget(len(summary.participants), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for row, p in enumerate(summary.participants):
            who = p.name + (" (you)" if p.participant_id == me else "")
            cells = (
                who,
                format_duration(p.focus_ms),
                str(p.focus_blocks),
                p.goal or "—",
                "yes" if p.goal_done else "no",
                str(p.tasks_completed),
                str(p.reactions_received),
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("Hint")
        self.export_button = QPushButton("Export as Markdown…")
        self.export_button.setToolTip("Save this summary as a Markdown file (Ctrl+S)")
        self.export_button.setShortcut("Ctrl+S")
        self.export_button.clicked.connect(self._export_dialog)
        self.done_button = QPushButton("Done")
        self.done_button.setObjectName("Primary")
        self.done_button.clicked.connect(self.closed.emit)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.done_button)
        layout.addLayout(buttons)

    def export(self, path: Path) -> None:
        """Write the Markdown summary to ``path``; the outcome is shown in words."""
        try:
            path.write_text(to_markdown(self.summary), encoding="utf-8")
        except OSError as exc:
            self.status.setText(f"Could not save the summary: {exc.strerror or exc}.")
            return
        self.status.setText(f"Saved to {path}.")

    def _export_dialog(self) -> None:
        suggested = f"jam-{self.summary.code}.md"
        dialogs.save_file(self, "Export summary", suggested, "Markdown (*.md)", self.export)

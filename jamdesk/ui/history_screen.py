"""The history screen: past jams from this computer, searchable, with their summary and
timeline, and the ways into Ghost Replay (watch, or work beside the ghosts)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jamdesk.app.history import OUTCOME_NOTES, HistoryEntry, matches
from jamdesk.core.kinds import SessionType
from jamdesk.core.summary import RoomSummary
from jamdesk.core.timeline import TimelineEntry
from jamdesk.ui import dialogs
from jamdesk.ui.room_panels import wrap_lines
from jamdesk.ui.shortcuts import on_enter
from jamdesk.ui.theme import clock_time, format_duration

PERIODS = {"Any time": None, "Last 7 days": 7, "Last 30 days": 30, "Last 365 days": 365}
COLUMNS = ("When", "Title", "Type", "Length", "With", "Your focus")


class HistoryScreen(QWidget):
    """Signals ask the window to load details, replay, export or import."""

    back = Signal()
    details_requested = Signal(int)
    watch_requested = Signal(int)
    beside_requested = Signal(int)
    export_requested = Signal(int, Path)
    import_requested = Signal(Path)

    def __init__(self, entries: list[HistoryEntry]) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self.entries = entries
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 20, 28, 20)
        outer.addLayout(self._build_top())
        outer.addWidget(self._build_split(), 1)
        outer.addLayout(self._build_buttons())
        QShortcut(QKeySequence("Ctrl+F"), self, self.search.setFocus)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back.emit)
        on_enter(self.table, lambda: self._emit(self.watch_requested))  # the list only
        self.apply_filters()

    def _build_top(self) -> QHBoxLayout:
        top = QHBoxLayout()
        title = QLabel("Your jams")
        title.setObjectName("RoomTitle")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles and people (Ctrl+F)")
        self.search.textChanged.connect(self.apply_filters)
        self.type_filter = QComboBox()
        self.type_filter.addItem("All types", None)
        for kind in SessionType:
            self.type_filter.addItem(kind.label, kind.value)
        self.type_filter.currentIndexChanged.connect(self.apply_filters)
        self.period = QComboBox()
        self.period.addItems(list(PERIODS))
        self.period.currentIndexChanged.connect(self.apply_filters)
        back = QPushButton("Back")
        back.setToolTip("Back to the start (Esc)")
        back.clicked.connect(self.back.emit)
        for widget in (title, self.search, self.type_filter, self.period, back):
            top.addWidget(widget, 1 if widget is self.search else 0)
        return top

    def _build_split(self) -> QSplitter:
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The title keeps a readable width (the list scrolls sideways before a title is
        # cut to "O…"); the student can widen it.
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, 220)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda _: self._emit(self.watch_requested))
        split.addWidget(self.table)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        self.detail_title = QLabel("Choose a jam")
        self.detail_title.setObjectName("CardTitle")
        self.detail_title.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_summary = QLabel()
        self.detail_summary.setWordWrap(True)
        self.detail_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.detail_timeline = QListWidget()
        wrap_lines(self.detail_timeline)
        who = QLabel("Replay whom?")
        who.setObjectName("Hint")
        self.people = QListWidget()
        self.people.setMaximumHeight(96)
        self.people.setToolTip("Tick the people to bring back as ghosts")
        side_layout.addWidget(self.detail_title)
        side_layout.addWidget(self.detail_summary)
        side_layout.addWidget(who)
        side_layout.addWidget(self.people)
        side_layout.addWidget(self.detail_timeline, 1)
        split.addWidget(side)
        split.setSizes([640, 260])
        return split

    def _build_buttons(self) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.watch_button = QPushButton("Watch replay")
        self.watch_button.setToolTip("Watch the jam again, 1x, 2x or 4x (Enter)")
        self.watch_button.clicked.connect(lambda: self._emit(self.watch_requested))
        self.beside_button = QPushButton("Work beside the ghosts")
        self.beside_button.setObjectName("Primary")
        self.beside_button.setToolTip("Start your own jam with its people as ghosts, in real time")
        self.beside_button.clicked.connect(lambda: self._emit(self.beside_requested))
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the jam as a replay file to share")
        self.export_button.clicked.connect(self._export)
        import_button = QPushButton("Import…")
        import_button.setToolTip("Add a replay file a friend sent you")
        import_button.clicked.connect(self._import)
        self.status = QLabel()
        self.status.setObjectName("Hint")
        self.status.setWordWrap(True)
        buttons.addWidget(self.status, 1)
        for button in (import_button, self.export_button, self.watch_button, self.beside_button):
            buttons.addWidget(button)
        return buttons

    # -- list -------------------------------------------------------------------------------

    def visible_entries(self) -> list[HistoryEntry]:
        """The entries that pass the search and filters, newest first."""
        days = PERIODS[self.period.currentText()]
        since = date.today() - timedelta(days=days) if days else None
        return [
            e
            for e in self.entries
            if matches(
                e, text=self.search.text(), since=since, session_type=self.type_filter.currentData()
            )
        ]

    def apply_filters(self) -> None:
        """Re-list the jams that pass the filters."""
        shown = self.visible_entries()
        self.table.setRowCount(len(shown))
        for row, e in enumerate(shown):
            started = datetime.fromtimestamp(e.started_at_ms / 1000)
            when = started.strftime(
                "%d %b %H:%M" if started.year == date.today().year else "%d %b %Y"
            )
            title = e.title + OUTCOME_NOTES.get(e.outcome, "")
            title += " (imported)" if e.imported else ""
            cells = (
                when,
                title,
                e.session_type.capitalize(),
                format_duration(e.duration_ms),
                ", ".join(e.participants),
                format_duration(e.my_focus_ms),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, e.session_id)
                self.table.setItem(row, col, item)
        self.status.setText(
            f"{len(shown)} of {len(self.entries)} jams"
            if self.entries
            else "No jams yet: host or join one, and it will be kept here."
        )
        for button in (self.watch_button, self.beside_button, self.export_button):
            button.setEnabled(bool(shown))
        if shown:
            self.table.selectRow(0)

    def selected_id(self) -> int | None:
        """The chosen jam's number, if any."""
        items = self.table.selectedItems()
        return int(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def show_detail(self, summary: RoomSummary, lines: list[TimelineEntry]) -> None:
        """Show a jam's summary and timeline beside the list."""
        self.detail_title.setText(summary.title)
        people = "\n".join(
            f"{p.name}: {format_duration(p.focus_ms)} focus, {p.focus_blocks} blocks"
            + (f", goal “{p.goal}”{' done' if p.goal_done else ''}" if p.goal else "")
            for p in summary.participants
        )
        self.detail_summary.setText(f"{summary.timer}\n{people}")
        self.people.clear()
        for p in summary.participants:
            item = QListWidgetItem(p.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.people.addItem(item)
        self.detail_timeline.clear()
        for line in lines:
            self.detail_timeline.addItem(f"{clock_time(line.at_ms)}  {line.text}")

    def chosen_people(self) -> list[str]:
        """The names ticked for a replay (all of them when none is)."""
        items = [self.people.item(i) for i in range(self.people.count())]
        ticked = [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]
        return ticked or [i.text() for i in items]

    def show_message(self, text: str) -> None:
        """A line of news at the bottom."""
        self.status.setText(text)

    def _selected(self) -> None:
        session_id = self.selected_id()
        if session_id is not None:
            self.details_requested.emit(session_id)

    def _emit(self, signal: object) -> None:
        session_id = self.selected_id()
        if session_id is not None:
            signal.emit(session_id)  # type: ignore[attr-defined]

    def _export(self) -> None:
        session_id = self.selected_id()
        if session_id is None:
            return
        dialogs.save_file(
            self,
            "Export jam",
            f"jam-{session_id}.jamreplay",
            "Jamdesk replay (*.jamreplay)",
            lambda path: self.export_requested.emit(session_id, path),
        )

    def _import(self) -> None:
        dialogs.open_file(
            self,
            "Import a replay",
            "Jamdesk replay (*.jamreplay);;All files (*)",
            self.import_requested.emit,
        )

"""The lobby screen: the jams on this network, live, and the lobby chat.

It renders what the app layer's :class:`~jamdesk.app.lobby.Lobby` reports and emits what the
student asks for; it holds no rules. Each room's time left is computed here once a second from
its advertised timer anchor (through ``reading``), never polled over the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from jamdesk.app.lobby import ChatLine, ListedRoom
from jamdesk.core.kinds import SessionType
from jamdesk.core.timer import TimerReading
from jamdesk.ui.room_panels import wrap_lines
from jamdesk.ui.room_view import format_ms
from jamdesk.ui.shortcuts import on_enter
from jamdesk.ui.start_screen import card
from jamdesk.ui.theme import clock_time

Reader = Callable[[ListedRoom], TimerReading | None]
_COLUMNS = ["Jam", "Subject", "Type", "Host", "People", "Timer"]
_ALL = "All"


def timer_text(room: ListedRoom, reading: TimerReading | None) -> str:
    """What the Timer column shows: the phase and time left, or how long it has run."""
    if room.lifecycle == "ended":
        return "Ended"
    if reading is None:
        return ""
    state = "" if reading.running else ", paused" if reading.elapsed_ms else ", ready"
    if reading.phase is not None and reading.remaining_ms is not None:
        phase = reading.phase.value.replace("_", " ").capitalize()
        return f"{phase} · {format_ms(reading.remaining_ms, round_up=True)} left{state}"
    if reading.remaining_ms is not None:
        return f"{format_ms(reading.remaining_ms, round_up=True)} left{state}"
    return f"{format_ms(reading.elapsed_ms, round_up=False)}{state}"


def _type_label(value: str) -> str:
    try:
        return SessionType(value).label
    except ValueError:
        return value.title()


class LobbyScreen(QWidget):
    """Rooms nearby with filters, one click (or Enter) to join, a code field for private
    rooms, and the lobby chat.

    Signals: ``join_requested(code)``, ``join_internet_requested(code, signal_url)`` (a
    room from a signalling server's internet lobby), ``say_requested(text)``, ``back()``.
    """

    join_requested = Signal(str)
    join_internet_requested = Signal(str, str)  # code, the signalling server's URL
    say_requested = Signal(str)
    back = Signal()

    def __init__(self, reader: Reader) -> None:
        super().__init__()
        self.setObjectName("Screen")
        self._reader = reader
        self.rooms: list[ListedRoom] = []
        self._shown: list[ListedRoom] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 22, 28, 22)
        outer.setSpacing(14)

        heading = QHBoxLayout()
        title = QLabel("Rooms nearby")
        title.setObjectName("Brand")
        self.back_button = QPushButton("Back")
        self.back_button.setToolTip("Back to the start screen (Esc)")
        self.back_button.clicked.connect(self.back.emit)
        heading.addWidget(title, 1)
        heading.addWidget(self.back_button, alignment=Qt.AlignmentFlag.AlignTop)
        outer.addLayout(heading)

        body = QHBoxLayout()
        body.setSpacing(16)
        body.addWidget(self._rooms_card(), 2)  # the list needs the room: titles stay whole
        body.addWidget(self._chat_card(), 1)
        outer.addLayout(body, 1)

        self.status = QLabel()
        self.status.setObjectName("Notice")
        self.status.setWordWrap(True)
        self.status.hide()
        outer.addWidget(self.status)

        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._refresh_timers)
        self._ticker.start()
        QShortcut(QKeySequence("Escape"), self, self.back.emit)
        QShortcut(QKeySequence("Ctrl+F"), self, self.discipline_filter.setFocus)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.chat_edit.setFocus)

    def _rooms_card(self) -> QWidget:
        frame, layout = card("Jams on your network")
        filters = QHBoxLayout()
        self.discipline_filter = QComboBox()
        self.discipline_filter.setToolTip("Show one subject only (Ctrl+F)")
        self.discipline_filter.addItem(f"{_ALL} subjects", _ALL)
        self.type_filter = QComboBox()
        self.type_filter.addItem(f"{_ALL} types", _ALL)
        for kind in SessionType:
            self.type_filter.addItem(kind.label, kind.value)
        for combo in (self.discipline_filter, self.type_filter):
            combo.currentIndexChanged.connect(self._show_rooms)
            filters.addWidget(combo)
        filters.addStretch(1)
        layout.addLayout(filters)

        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _col: self._join_row(row))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)

        self.empty = QLabel(
            "No jams on your network yet. Host one from the start screen and it shows up "
            "here for everyone nearby."
        )
        self.empty.setObjectName("Hint")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

        row = QHBoxLayout()
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("Code of a private jam, like ALGO7X")
        self.code_edit.setMaxLength(9)
        self.code_edit.returnPressed.connect(self._join_code)
        self.join_button = QPushButton("Join")
        self.join_button.setObjectName("Primary")
        self.join_button.setToolTip("Join the chosen jam (Enter), or the one with this code")
        self.join_button.clicked.connect(self._join_clicked)
        row.addWidget(self.code_edit, 1)
        row.addWidget(self.join_button)
        layout.addLayout(row)
        # Enter joins only from the list itself: in the chat or code field it sends or joins
        # what was typed (a window-wide shortcut would take the chat's Enter).
        on_enter(self.table, self._join_clicked)
        return frame

    def _chat_card(self) -> QWidget:
        frame, layout = card("Lobby chat")
        self.people = QLabel("Looking for the lobby...")
        self.people.setObjectName("Hint")
        layout.addWidget(self.people)
        self.chat_view = QListWidget()
        wrap_lines(self.chat_view)
        layout.addWidget(self.chat_view, 1)
        self.chat_edit = QLineEdit()
        self.chat_edit.setMaxLength(2000)
        self.chat_edit.setPlaceholderText("Say hello to everyone nearby (Ctrl+Enter)")
        self.chat_edit.returnPressed.connect(self._say)
        layout.addWidget(self.chat_edit)
        return frame

    # -- what the window feeds in ------------------------------------------------------------

    def show_rooms(self, rooms: Sequence[ListedRoom]) -> None:
        """Show this list of rooms (the filters stay as chosen)."""
        self.rooms = list(rooms)
        chosen = self.discipline_filter.currentData()
        subjects = sorted({r.discipline for r in self.rooms if r.discipline})
        self.discipline_filter.blockSignals(True)
        self.discipline_filter.clear()
        self.discipline_filter.addItem(f"{_ALL} subjects", _ALL)
        for subject in subjects:
            self.discipline_filter.addItem(subject, subject)
        index = self.discipline_filter.findData(chosen)
        self.discipline_filter.setCurrentIndex(max(0, index))
        self.discipline_filter.blockSignals(False)
        self._show_rooms()

    def show_chat(self, lines: Sequence[ChatLine]) -> None:
        """Show the lobby chat (the latest lines last)."""
        self.chat_view.clear()
        for line in lines:
            where = "🌐 " if line.internet else ""  # through the signalling server's lobby
            item = QListWidgetItem(f"{clock_time(line.at_ms)}  {where}{line.name}: {line.text}")
            if line.mine:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.chat_view.addItem(item)
        self.chat_view.scrollToBottom()

    def show_people(self, count: int) -> None:
        """How many are in the lobby chat."""
        self.people.setText(
            "Just you in the lobby chat so far." if count <= 1 else f"{count} in the lobby chat"
        )

    def show_message(self, message: str) -> None:
        """A line for the student under the lists."""
        self.status.setText(message)
        self.status.show()

    # -- internals ----------------------------------------------------------------------------

    def _show_rooms(self) -> None:
        subject = self.discipline_filter.currentData()
        kind = self.type_filter.currentData()
        self._shown = [
            r
            for r in self.rooms
            if subject in (_ALL, r.discipline) and kind in (_ALL, r.session_type)
        ]
        selected = self._selected()
        self.table.setRowCount(len(self._shown))
        for row, room in enumerate(self._shown):
            title = room.title or "Private jam"
            if room.private and room.title:
                title = f"{title} · private"
            if not room.compatible:
                title += " (other Jamdesk version)"
            if room.internet:  # marked first, so the mark stays when the title is cut
                title = f"🌐 {title}"
            cells = [
                title,
                room.discipline,
                _type_label(room.session_type),
                room.host_name,
                str(room.count),
                timer_text(room, self._reader(room)),
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if room.private:
                    item.setToolTip("A private jam: ask its host for the code and type it below.")
                elif room.internet:
                    item.setToolTip(
                        f"Over the internet, listed by the signalling server {room.signal_url}"
                    )
                if col == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
            if selected is not None and room.key == selected.key:
                self.table.selectRow(row)
        self.empty.setVisible(not self.rooms)
        if self.rooms and not self._shown:
            self.empty.setText("No jams match these filters.")
            self.empty.show()
        elif not self.rooms:
            self.empty.setText(
                "No jams on your network yet. Host one from the start screen and it shows "
                "up here for everyone nearby."
            )

    def _refresh_timers(self) -> None:
        for row, room in enumerate(self._shown):
            item = self.table.item(row, 5)
            if item is not None:
                item.setText(timer_text(room, self._reader(room)))

    def _selected(self) -> ListedRoom | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self._shown):
            return None
        return self._shown[rows[0].row()]

    def _selection_changed(self) -> None:
        room = self._selected()
        if room is not None and room.private:
            self.code_edit.setFocus()
            self.show_message("This jam is private: type its code to join.")

    def _join_row(self, row: int) -> None:
        if 0 <= row < len(self._shown):
            room = self._shown[row]
            if room.code is None:
                self.code_edit.setFocus()
                self.show_message("This jam is private: type its code to join.")
            elif not room.compatible:
                self.show_message("That jam runs another version of Jamdesk; update both.")
            elif room.internet:
                self.join_internet_requested.emit(room.code, room.signal_url)
            else:
                self.join_requested.emit(room.code)

    def _join_clicked(self) -> None:
        if self.code_edit.text().strip():
            self._join_code()
            return
        room = self._selected()
        if room is None:
            self.show_message("Choose a jam in the list, or type a code.")
            return
        self._join_row(self._shown.index(room))

    def _join_code(self) -> None:
        code = self.code_edit.text().strip()
        if code:
            self.join_requested.emit(code)

    def _say(self) -> None:
        text = self.chat_edit.text().strip()
        if text:
            self.say_requested.emit(text)
            self.chat_edit.clear()

"""The room's side panels: people (with role actions), chat, room tasks and the timeline.

Each panel renders from the jam's state or log and sends commands through a ``send`` callable;
none holds a rule. Text people typed is always shown as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from jamdesk.core.commands import (
    AddTask,
    Chat,
    Command,
    DeleteTask,
    Demote,
    Promote,
    React,
    Remove,
    ToggleTask,
    TransferHost,
)
from jamdesk.core.events import ChatPosted, Event
from jamdesk.core.kinds import Role
from jamdesk.core.room import RoomState
from jamdesk.core.rules import MAX_CHAT_CHARS, MAX_TASK_CHARS, REACTIONS
from jamdesk.core.timeline import describe
from jamdesk.ui.theme import avatar_icon, clock_time

Send = Callable[[Command], None]
AWAY = QColor("#9AA0B4")


def wrap_lines(view: QListWidget) -> None:
    """Wrap long lines to the view's width instead of scrolling sideways."""
    view.setWordWrap(True)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)


PATH_WORDS = {"direct": " · direct", "turn": " · via TURN", "relayed": " · relayed"}
"""How a member's link reaches the host, as the people list says it."""
PATH_TIPS = {
    "direct": "Connected straight to the host.",
    "turn": "Connected to the host through a TURN server.",
    "relayed": "Connected through the signalling server's relay (end-to-end encrypted); "
    "Jamdesk keeps trying for a direct connection.",
}


class PeoplePanel(QListWidget):
    """Everyone in the room with status, goal and progress; right-click for role actions."""

    def __init__(self, send: Send) -> None:
        super().__init__()
        self._send = send
        self._state: RoomState | None = None
        self._me = ""
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab to it; the Menu key acts
        self.setAccessibleName("People in the jam")
        self.setIconSize(QSize(30, 30))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def show_state(self, state: RoomState, me: str, paths: Mapping[str, str] | None = None) -> None:
        """Show ``state``'s participants (removed ones are left out); ``paths`` says how
        each member reaches the host (``direct``, ``turn``, ``relayed``), shown as words
        once someone is not direct."""
        self._state, self._me = state, me
        paths = dict(paths or {})
        if all(path == "direct" for path in paths.values()):
            paths = {}  # the usual case (and every LAN room): nothing worth a word
        self.clear()
        for p in state.participants:
            if p.removed:
                continue
            role = "" if p.role is Role.PARTICIPANT else f" ({p.role.value})"
            you = " — you" if p.participant_id == me else ""
            away = " · away" if not p.present else ""
            progress = f" · {p.progress}%" if p.progress else ""
            goal = f"\n      {p.goal}" if p.goal else ""
            link = PATH_WORDS.get(paths.get(p.participant_id, ""), "") if p.present else ""
            item = QListWidgetItem(
                avatar_icon(p.name, p.avatar_color, p.status.value, away=not p.present),
                f"{p.name}{role}{you}  ·  {p.status.value}{progress}{away}{link}{goal}",
            )
            if link:
                item.setToolTip(PATH_TIPS[paths[p.participant_id]])
            item.setData(Qt.ItemDataRole.UserRole, p.participant_id)
            if not p.present:
                item.setForeground(QBrush(AWAY))
            self.addItem(item)

    def actions_for(self, participant_id: str) -> list[tuple[str, Command]]:
        """The role actions our role may take on that participant (shown in the menu)."""
        state = self._state
        if state is None:
            return []
        me, them = state.participant(self._me), state.participant(participant_id)
        if me is None or them is None or them.participant_id == self._me or not them.present:
            return []
        out: list[tuple[str, Command]] = []
        if me.role is Role.HOST:
            if them.role is Role.PARTICIPANT:
                out.append((f"Make {them.name} a co-host", Promote(participant_id=participant_id)))
            if them.role is Role.COHOST:
                out.append(
                    (f"Make {them.name} a participant", Demote(participant_id=participant_id))
                )
            out.append(
                (f"Hand the host role to {them.name}", TransferHost(participant_id=participant_id))
            )
        if me.role is Role.HOST or (me.role is Role.COHOST and them.role is Role.PARTICIPANT):
            out.append((f"Remove {them.name} from the jam", Remove(participant_id=participant_id)))
        return out

    def _menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        pid = str(item.data(Qt.ItemDataRole.UserRole))
        them = self._state.participant(pid) if self._state is not None else None
        actions = self.actions_for(pid)
        menu = QMenu(self)
        if them is not None and them.present and pid != self._me:
            react = menu.addMenu(f"React to {them.name}")
            for emoji in REACTIONS:
                action = QAction(emoji, react)
                action.triggered.connect(
                    lambda _=False, e=emoji: self._send(React(emoji=e, to=pid))
                )
                react.addAction(action)
        for label, command in actions:
            action = QAction(label, menu)
            action.triggered.connect(lambda _=False, c=command: self._send(c))
            menu.addAction(action)
        if not menu.isEmpty():
            self.menu = menu  # kept until the next one: popup() returns at once
            menu.popup(self.mapToGlobal(pos))  # not exec(): no nested event loop

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """The Menu key (or Shift+F10) opens the chosen person's actions, as a right-click
        does: every role action can be reached from the keyboard."""
        menu_key = event.key() == Qt.Key.Key_Menu or (
            event.key() == Qt.Key.Key_F10 and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        item = self.currentItem()
        if menu_key and item is not None:
            self._menu(self.visualItemRect(item).center())
            event.accept()
            return
        super().keyPressEvent(event)


class ChatPanel(QWidget):
    """The room's chat: messages as plain text, and a line to write one (Enter sends)."""

    def __init__(self, send: Send) -> None:
        super().__init__()
        self._send = send
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.messages = QListWidget()
        wrap_lines(self.messages)
        self.messages.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("Message the room (Enter to send)")
        self.entry.setMaxLength(MAX_CHAT_CHARS)
        self.entry.returnPressed.connect(self._post)
        layout.addWidget(self.messages, 1)
        layout.addWidget(self.entry)

    def add(self, state: RoomState | None, events: list[Event]) -> None:
        """Append the chat messages among ``events`` (``state``: just before them)."""
        for event in events:
            if isinstance(event.body, ChatPosted):
                name = state.name_of(event.body.participant_id) if state else "someone"
                item = QListWidgetItem(f"{clock_time(event.at_ms)}  {name}: {event.body.text}")
                self.messages.addItem(item)  # QListWidgetItem text is never parsed as markup
        self.messages.scrollToBottom()

    def _post(self) -> None:
        text = self.entry.text().strip()
        if text:
            self._send(Chat(text=text))
            self.entry.clear()


@dataclass(frozen=True)
class TaskItem:
    """One row of a task list: an id, the title, done or not, and who owns it (or "")."""

    task_id: str
    title: str
    done: bool
    detail: str = ""


class TasksPanel(QWidget):
    """A task list: tick to mark done, add with Enter, Delete removes the selected one.

    Serves the room's tasks and the personal list alike; what a change does is given by
    ``on_add(title)``, ``on_toggle(task_id, done)`` and ``on_delete(task_id)``.
    """

    def __init__(
        self,
        on_add: Callable[[str], None],
        on_toggle: Callable[[str, bool], None],
        on_delete: Callable[[str], None],
        placeholder: str,
    ) -> None:
        super().__init__()
        self._on_add, self._on_toggle, self._on_delete = on_add, on_toggle, on_delete
        self._rendering = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tasks = QListWidget()
        self.tasks.itemChanged.connect(self._toggled)
        row = QHBoxLayout()
        self.entry = QLineEdit()
        self.entry.setPlaceholderText(placeholder)
        self.entry.setMaxLength(MAX_TASK_CHARS)
        self.entry.returnPressed.connect(self._add)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected task (Del)")
        self.delete_button.clicked.connect(self._delete)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.tasks, self._delete)
        row.addWidget(self.entry, 1)
        row.addWidget(self.delete_button)
        layout.addWidget(self.tasks, 1)
        layout.addLayout(row)

    def show_items(self, items: list[TaskItem]) -> None:
        """Show ``items`` (ticked when done)."""
        self._rendering = True
        self.tasks.clear()
        for task in items:
            text = f"{task.title}  ·  {task.detail}" if task.detail else task.title
            item = QListWidgetItem(text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if task.done else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, task.task_id)
            self.tasks.addItem(item)
        self._rendering = False

    def _toggled(self, item: QListWidgetItem) -> None:
        if not self._rendering:
            done = item.checkState() == Qt.CheckState.Checked
            self._on_toggle(str(item.data(Qt.ItemDataRole.UserRole)), done)

    def _add(self) -> None:
        title = self.entry.text().strip()
        if title:
            self._on_add(title)
            self.entry.clear()

    def _delete(self) -> None:
        item = self.tasks.currentItem()
        if item is not None:
            self._on_delete(str(item.data(Qt.ItemDataRole.UserRole)))


def room_tasks_panel(send: Send) -> TasksPanel:
    """The room's task list, changed through room commands."""
    return TasksPanel(
        on_add=lambda title: send(AddTask(title=title)),
        on_toggle=lambda tid, done: send(ToggleTask(task_id=tid, done=done)),
        on_delete=lambda tid: send(DeleteTask(task_id=tid)),
        placeholder="Add a task for the room (Enter)",
    )


def room_task_items(state: RoomState) -> list[TaskItem]:
    """The room's tasks as rows, each with its owner's name."""
    return [TaskItem(t.task_id, t.title, t.done, state.name_of(t.owner_id)) for t in state.tasks]


class TimelinePanel(QListWidget):
    """The shared timeline, newest at the bottom."""

    def __init__(self) -> None:
        super().__init__()
        wrap_lines(self)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def add(self, state: RoomState | None, event: Event) -> None:
        """Append the sentence for ``event`` (``state``: just before it)."""
        self.addItem(QListWidgetItem(f"{clock_time(event.at_ms)}  {describe(state, event)}"))
        self.scrollToBottom()

"""Every keyboard shortcut on one sheet (F1 or ``?``), and the accessible names every input
needs (a screen reader says what a field is for; tests check that none lacks one).

:data:`SHORTCUTS` is the sheet's table. ``tests/ui/test_desktop.py`` checks it against the
``QShortcut`` objects the screens really make, so the sheet cannot drift from the keys.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("Anywhere", "F1 or ?", "This list of shortcuts"),
    ("Anywhere", "Ctrl+,", "Settings: theme, notifications, chime"),
    ("Anywhere", "Ctrl+M", "Mini timer on top of your work (in a jam)"),
    ("Anywhere", "Ctrl+Q", "Quit Jamdesk (a jam is closed and saved)"),
    ("Start", "Ctrl+H", "Host a jam"),
    ("Start", "Ctrl+J", "Type a code to join"),
    ("Start", "Ctrl+L", "Rooms nearby (the lobby)"),
    ("Start", "Ctrl+Shift+H", "Your jams (history and replays)"),
    ("Start", "Ctrl+P", "Your progress"),
    ("Room", "Space", "Start, pause or resume the timer (host and co-hosts)"),
    ("Room", "Ctrl+R", "Reset the timer"),
    ("Room", "Ctrl+W", "Leave the jam"),
    ("Room", "Ctrl+Shift+C", "Copy the join code"),
    ("Room", "Ctrl+Return", "Write in the chat"),
    ("Room", "Menu key", "Actions for the person chosen in People"),
    ("Room tasks", "Delete", "Delete the chosen task"),
    ("Summary", "Ctrl+S", "Save the summary as a Markdown file"),
    ("Lobby", "Ctrl+F", "Filter by subject"),
    ("Lobby", "Ctrl+Return", "Write in the lobby chat"),
    ("Lobby", "Return", "Join the chosen room (in the list)"),
    ("Lobby", "Escape", "Back to the start"),
    ("Your jams", "Ctrl+F", "Search"),
    ("Your jams", "Return", "Watch the chosen jam (in the list)"),
    ("Your jams", "Escape", "Back"),
    ("Replay", "Space", "Play or pause"),
    ("Replay", "Escape", "Close the replay"),
    ("Your progress", "Escape", "Back"),
    ("Mini timer", "Escape", "Hide it"),
)
"""(where, keys, what it does) for every shortcut, in the order the sheet lists them."""


class ShortcutsDialog(QDialog):
    """The shortcut sheet: a read-only table, closed with Esc or Close (not modal: the jam
    and its timer go on behind it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        intro = QLabel("Every shortcut in Jamdesk. Tab and Shift+Tab move between controls.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(SHORTCUTS), 3)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, cells in enumerate(SHORTCUTS):
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 560)


INPUTS = (QLineEdit, QAbstractSpinBox, QComboBox, QSlider)


def name_inputs(root: QWidget) -> list[QWidget]:
    """Give every input under ``root`` with no accessible name one, from its label's text
    (a ``QLabel`` buddy), else its placeholder, else its tooltip. Returns those still
    without a name (none, in a screen built right)."""
    buddies: dict[int, str] = {}
    for label in root.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None:
            buddies[id(buddy)] = label.text().replace("&", "")
    nameless: list[QWidget] = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INPUTS) or widget.accessibleName():
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(), INPUTS):
            continue  # the line edit inside a spin box or combo box: named by its owner
        name = buddies.get(id(widget), "")
        if not name and isinstance(widget, QLineEdit):
            name = widget.placeholderText()
        name = name or widget.toolTip()
        if name:
            widget.setAccessibleName(name.split(" (")[0])
        else:
            nameless.append(widget)
    return nameless


def focusable(widget: QWidget) -> None:
    """Let ``widget`` take the keyboard focus by Tab and by click."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


class _EnterFilter(QObject):
    def __init__(self, widget: QWidget, slot: Callable[[], None]) -> None:
        super().__init__(widget)
        self._slot = slot

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        enter = (
            event.type() is QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers()
        )
        if enter:
            self._slot()
        return enter


def on_enter(widget: QWidget, slot: Callable[[], None]) -> None:
    """Call ``slot`` when Enter is pressed in ``widget`` itself (a list: join or watch
    the chosen row), never when it is pressed in a field beside it. An event filter, not
    a ``QShortcut``: a shortcut is window-wide by default, and an item view takes Enter
    before a widget-only shortcut sees it."""
    widget.installEventFilter(_EnterFilter(widget, slot))

"""Dialogs that never block: each is opened with ``open()`` and answers through a callback.

Qt's static helpers (``QFileDialog.getSaveFileName``, ``QInputDialog.getItem``,
``QMessageBox.exec``...) run a nested event loop. Under qasync that loop also steps asyncio
tasks, and when it is entered from inside a task every other task fails with
``RuntimeError: Cannot enter into task`` (ICE checks, DTLS, the host's tick: the room
breaks). So no screen calls them; they call these, which return at once and leave the
event loop alone (Qt documents ``QDialog.open()`` as the window-modal, non-blocking form).
``tests/ui/test_dialogs.py`` checks that ``jamdesk/ui`` calls no blocking form.

Every helper returns the dialog (tests answer it), made with ``WA_DeleteOnClose``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)


def _prepare(dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)


def save_file(
    parent: QWidget,
    title: str,
    suggested: str,
    name_filter: str,
    on_chosen: Callable[[Path], None],
) -> QFileDialog:
    """Ask where to save; ``on_chosen(path)`` when the student picks a file (nothing on
    Cancel)."""
    dialog = QFileDialog(parent, title, suggested, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.selectFile(suggested)
    dialog.fileSelected.connect(lambda name: on_chosen(Path(name)) if name else None)
    _prepare(dialog)
    dialog.open()
    return dialog


def open_file(
    parent: QWidget, title: str, name_filter: str, on_chosen: Callable[[Path], None]
) -> QFileDialog:
    """Ask for an existing file to open; ``on_chosen(path)`` when one is picked."""
    dialog = QFileDialog(parent, title, "", name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.fileSelected.connect(lambda name: on_chosen(Path(name)) if name else None)
    _prepare(dialog)
    dialog.open()
    return dialog


def open_folder(parent: QWidget, title: str, on_chosen: Callable[[Path], None]) -> QFileDialog:
    """Ask for a folder; ``on_chosen(path)`` when one is picked."""
    dialog = QFileDialog(parent, title)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    dialog.fileSelected.connect(lambda name: on_chosen(Path(name)) if name else None)
    _prepare(dialog)
    dialog.open()
    return dialog


def pick_colour(
    parent: QWidget, title: str, current: str, on_chosen: Callable[[str], None]
) -> QColorDialog:
    """Ask for a colour; ``on_chosen("#rrggbb")`` when one is picked."""
    dialog = QColorDialog(QColor(current or "#4F5BD5"), parent)
    dialog.setWindowTitle(title)
    dialog.colorSelected.connect(
        lambda colour: on_chosen(QColor(colour).name()) if QColor(colour).isValid() else None
    )
    _prepare(dialog)
    dialog.open()
    return dialog


def confirm(
    parent: QWidget,
    title: str,
    text: str,
    action: str,
    on_yes: Callable[[], None],
    *,
    detail: str = "",
    on_no: Callable[[], None] | None = None,
) -> QMessageBox:
    """Ask before something that cannot be undone. The button that does it says ``action``
    ("End for everyone"); Cancel is the default, so Enter or Esc does nothing harmful."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)

    def answered(button: object) -> None:
        if button is yes:
            on_yes()
        elif on_no is not None:
            on_no()

    box.buttonClicked.connect(answered)
    _prepare(box)
    box.open()
    return box


class ChoiceDialog(QDialog):
    """One or more drop-down questions answered together (Add a ghost: which jam, whose
    ghost). ``on_chosen(indices)`` gets the index picked in each list, on OK.

    ``follow`` lets a later list depend on an earlier one: ``follow(i, index)`` returns the
    new options of list ``i + 1`` when list ``i`` changes.
    """

    def __init__(
        self,
        parent: QWidget,
        title: str,
        questions: Sequence[tuple[str, Sequence[str]]],
        on_chosen: Callable[[list[int]], None],
        follow: Callable[[int, int], Sequence[str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.combos: list[QComboBox] = []
        for i, (label, options) in enumerate(questions):
            text = QLabel(label)
            combo = QComboBox()
            combo.addItems(list(options))
            combo.setAccessibleName(label)
            text.setBuddy(combo)
            layout.addWidget(text)
            layout.addWidget(combo)
            self.combos.append(combo)
            if follow is not None and i + 1 < len(questions):
                combo.currentIndexChanged.connect(
                    lambda index, i=i: self._refill(i + 1, follow(i, index))
                )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.accepted.connect(lambda: on_chosen([c.currentIndex() for c in self.combos]))
        _prepare(self)

    def _refill(self, i: int, options: Sequence[str]) -> None:
        combo = self.combos[i]
        combo.clear()
        combo.addItems(list(options))

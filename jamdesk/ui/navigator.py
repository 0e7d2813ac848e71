"""Which screen shows: the start screen at home, and the screens opened over it (a room, the
summary, history, a replay, the profile, the lobby). Screens are made by the window; the
navigator puts them on the stack, shows them, and removes and deletes them when closed."""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QWidget


class Navigator:
    """Owns ``stack``; ``home`` is the screen to come back to."""

    def __init__(self, stack: QStackedWidget, home: QWidget) -> None:
        self.stack = stack
        self.home = home
        stack.addWidget(home)

    def open(self, screen: QWidget) -> None:
        """Show ``screen`` (added to the stack)."""
        self.stack.addWidget(screen)
        self.stack.setCurrentWidget(screen)

    def close(self, screen: QWidget | None, back_to: QWidget | None = None) -> None:
        """Show ``back_to`` (home when ``None``), then remove and delete ``screen``."""
        self.stack.setCurrentWidget(back_to or self.home)
        if screen is not None:
            self.stack.removeWidget(screen)
            screen.deleteLater()

    @property
    def current(self) -> QWidget:
        """The screen on show."""
        shown = self.stack.currentWidget()
        return shown if shown is not None else self.home

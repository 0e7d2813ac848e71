"""Start the GUI: QApplication on the qasync loop, the window first, heavy imports later."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
import threading
import time

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from jamdesk import APP_ID
from jamdesk.ui.preferences import Preferences
from jamdesk.ui.quit_signals import QuitOnSignal
from jamdesk.ui.theme import Theme
from jamdesk.ui.tray import app_icon
from jamdesk.ui.window import MainWindow

log = logging.getLogger(__name__)


def create_app(argv: list[str] | None = None) -> tuple[QApplication, Theme]:
    """The QApplication (existing one reused), named, with its icon, and styled in the
    theme the student chose (following the desktop's scheme by default)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("Jamdesk")
    app.setOrganizationName("Jamdesk")
    app.setDesktopFileName(APP_ID)  # the .desktop file: its icon in the task bar
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")  # the same look on every platform, under our style sheet
    # Closing the window during a jam keeps it in the tray: the window decides when to quit.
    app.setQuitOnLastWindowClosed(False)
    return app, Theme(app, Preferences().theme)


HEAVY_MODULES = (
    "sqlalchemy",
    "alembic.command",
    "aiortc",
    "zeroconf",
    "jamdesk.app.context",
    "jamdesk.app.audio",
    "jamdesk.ui.room_screen",
    "jamdesk.ui.lobby_screen",
    "pygame",
)
"""What the first Host or Join needs (about 1.5 s of imports), loaded after the first paint."""


def preload_later(delay_ms: int = 200) -> None:
    """Import :data:`HEAVY_MODULES` on a background thread once the window is up, so the
    first Host or Join does not spend its first seconds importing (the window stays
    responsive: an import holds the GIL only in bursts). Failures are left for the real
    import to report."""

    def work() -> None:
        started = time.perf_counter()
        for name in HEAVY_MODULES:
            try:
                importlib.import_module(name)
            except Exception:
                log.debug("preloading %s failed", name, exc_info=True)
        log.info("preloaded in %d ms", (time.perf_counter() - started) * 1000)

    def start() -> None:
        threading.Thread(target=work, name="jamdesk-preload", daemon=True).start()

    QTimer.singleShot(delay_ms, start)


def run_gui(args: argparse.Namespace, *, default_name: str) -> int:
    """Show the window and run until it is closed; returns the exit code. ``default_name``
    is the display name to offer when the profile has none (the command line's guess)."""
    app, theme = create_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(args, default_name, theme=theme)
    window.owns_app = True
    window.show()
    # Logged from the first turn of the event loop, once the window has been exposed.
    QTimer.singleShot(0, lambda: log.info("first window shown"))
    QTimer.singleShot(0, window.act_on_arguments)
    if getattr(args, "command", None) is None:
        preload_later()  # nothing asked yet: get the jam's modules ready meanwhile
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    # SIGTERM (logout, kill) and Ctrl+C quit at once, idle or not: the jam is closed and
    # the session kept (a signal taken before the loop runs quits as soon as it does).
    # Qt 6's quit() asks each window first, and a window in a jam would keep running in
    # the tray (or ask): a signal means quit now, so it goes through quit_app.
    quitter = QuitOnSignal(window.quit_app)
    try:
        with loop:
            loop.run_until_complete(closed.wait())
            loop.run_until_complete(window.shutdown())
    finally:
        quitter.close()
    return 0

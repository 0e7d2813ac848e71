"""Real widgets offscreen on a real qasync loop; jams are real, on loopback.

A test that talks to a jam runs its whole scenario as one coroutine on the qasync loop
(``qloop.run(scenario())``), as the app itself does: Qt runs asyncio callbacks whenever it
processes events (a click, a repaint), and aiortc needs the loop to be *running* then.
``until`` and ``signal`` wait inside that loop, on a condition or a signal, with a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QSettings, SignalInstance
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from jamdesk.core.kinds import SessionType
from jamdesk.net import addresses
from jamdesk.ui.theme import style_sheet

if TYPE_CHECKING:
    from jamdesk.app.jam import Jam
    from jamdesk.ui.room_screen import RoomScreen
    from jamdesk.ui.window import MainWindow

addresses.install(addresses.NetworkMode.LOOPBACK)
T = TypeVar("T")


def argparse_for(tmp_path: Path, name: str) -> argparse.Namespace:
    """The command line of ``jamdesk --name NAME --data-dir ...`` (a data folder per name)."""
    return argparse.Namespace(name=name, data_dir=str(tmp_path / name.lower()), clock_skew_ms=0)


def main_window(tmp_path: Path, qtbot: QtBot, name: str = "Ana") -> MainWindow:
    """Jamdesk's window for ``name`` with its own data folder, shown (no tray icon)."""
    from jamdesk.ui.window import MainWindow

    window = MainWindow(argparse_for(tmp_path, name), name, tray=False)
    qtbot.addWidget(window)
    window.show()
    return window


async def host_in(w: MainWindow, session_type: SessionType | None = None) -> tuple[RoomScreen, Jam]:
    """Click Host in ``w`` (as ``session_type``, when given) and wait for its room; returns
    the room screen and the jam."""
    if session_type is not None:
        w.start.type_combo.setCurrentIndex(list(SessionType).index(session_type))
    entered = expect(w.room_entered)
    w.start.host_button.click()
    await asyncio.wait_for(entered, 15)
    room, jam = w.room, w.jam
    assert room is not None
    assert jam is not None
    return room, jam


async def until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Return once ``predicate()`` holds, re-checked as the loop turns."""

    async def check() -> None:
        while not predicate():  # noqa: ASYNC110 - widget state has no event; as qtbot.waitUntil
            await asyncio.sleep(0.01)

    await asyncio.wait_for(check(), timeout_s)


async def signal(sig: SignalInstance, timeout_s: float = 15.0) -> None:
    """Return once ``sig`` is emitted (connect before triggering: use ``expect``)."""
    await asyncio.wait_for(expect(sig), timeout_s)


def expect(sig: SignalInstance) -> asyncio.Future[None]:
    """A future resolved by the next emission of ``sig``."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def fire(*_args: object) -> None:
        if not future.done():
            future.set_result(None)
        sig.disconnect(fire)

    sig.connect(fire)
    return future


def press(box: QMessageBox, text: str) -> None:
    """Click the button of ``box`` whose text is ``text`` (a confirmation's answer)."""
    assert box.isVisible(), "the question is not on screen"
    for button in box.buttons():
        if button.text().replace("&", "") == text:
            button.click()
            return
    raise AssertionError(f"no button {text!r} in {[b.text() for b in box.buttons()]}")


@pytest.fixture(autouse=True)
def fresh_preferences() -> None:
    """Each test starts with this computer's preferences unset (name, theme, alerts...)."""
    QSettings("Jamdesk", "Jamdesk").clear()


class QLoop:
    """The qasync loop for one test."""

    def __init__(self, loop: qasync.QEventLoop) -> None:
        self.loop = loop

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 60.0) -> T:
        """Run ``coro`` to completion on the Qt-driven asyncio loop."""
        result: T = self.loop.run_until_complete(asyncio.wait_for(coro, timeout_s))
        return result


@pytest.fixture(autouse=True)
def styled(qapp: QApplication) -> None:
    """Every widget test sees the app's own look (as ``ui.main.create_app`` sets it)."""
    qapp.setStyle("Fusion")
    qapp.setStyleSheet(style_sheet())


@pytest.fixture(scope="session")
def _session_loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """One qasync loop for every widget test. A qasync loop that is closed leaves Qt timers
    behind that can still fire while a later test processes events (seen as a segfault in
    pytest-qt's event processing), so the loop is made once and closed once, at the end."""
    loop = qasync.QEventLoop(qapp)
    yield loop
    loop.close()


@pytest.fixture
def qloop(_session_loop: qasync.QEventLoop) -> Iterator[QLoop]:
    """The shared qasync loop, current for this test; the test's leftover tasks are finished
    when it ends."""
    asyncio.set_event_loop(_session_loop)
    before = set(asyncio.all_tasks(_session_loop))
    yield QLoop(_session_loop)
    pending = [t for t in asyncio.all_tasks(_session_loop) if not t.done() and t not in before]
    for task in pending:
        task.cancel()
    _session_loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    asyncio.set_event_loop(None)

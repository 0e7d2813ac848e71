"""Take the screenshots in ``docs/screenshots/``: every screen in the light and the dark
theme, the mini timer, the tray's menu and a notification, from the real app on a real X
server.

Run ``bash docs/screenshots/make.sh`` (it starts Xvfb, openbox and a tray, trayer, on a
display of its own, then runs this file there). The window is the real ``MainWindow`` on a
real jam hosted on loopback; screens are saved with ``QWidget.grab()``, and what only the
X server can show (the tray, its menu, the balloon) with ImageMagick's ``import -window
root``.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import qasync
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QWidget

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from jamdesk.core.kinds import SessionType  # noqa: E402
from jamdesk.net import addresses  # noqa: E402
from jamdesk.ui.theme import Theme, ThemeChoice  # noqa: E402
from jamdesk.ui.window import MainWindow  # noqa: E402


async def until(check: Callable[[], bool], timeout_s: float = 20) -> None:
    """Wait (turning the loop) until ``check()`` holds."""
    async with asyncio.timeout(timeout_s):
        while not check():  # noqa: ASYNC110 - widget state has no event to wait on
            await asyncio.sleep(0.05)


async def settle(seconds: float = 0.4) -> None:
    """Let Qt paint (and the X server show) what was just opened."""
    await asyncio.sleep(seconds)


def save(widget: QWidget, name: str) -> None:
    path = HERE / f"{name}.png"
    widget.grab().save(str(path))
    print(path.name)


def screen_shot(name: str, crop: str | None = None) -> None:
    """The whole X screen (the tray and its menu live outside our windows)."""
    path = HERE / f"{name}.png"
    command = ["import", "-window", "root"]
    if crop:
        command += ["-crop", crop]
    subprocess.run([*command, str(path)], check=True)
    print(path.name)


async def both(theme: Theme, name: str, widget: Callable[[], QWidget]) -> None:
    for choice in (ThemeChoice.LIGHT, ThemeChoice.DARK):
        theme.set_choice(choice)
        await settle(0.3)
        save(widget(), f"{name}-{choice.value}")


async def tour(app: QApplication, data: Path) -> None:
    theme = Theme(app, ThemeChoice.LIGHT)
    args = argparse.Namespace(name="Ana", data_dir=str(data), clock_skew_ms=0)
    w = MainWindow(args, "Ana", theme=theme, tray=None)
    w.resize(900, 640)
    w.move(20, 20)
    w.show()
    await settle(1.0)
    await both(theme, "start", lambda: w)

    w.start.title_edit.setText("Linear algebra, chapter 4")
    w.start.type_combo.setCurrentIndex(list(SessionType).index(SessionType.POMODORO))
    w.start.host_button.click()
    await until(lambda: w.room is not None)
    room, jam = w.room, w.jam
    assert room is not None
    assert jam is not None
    room.goal_edit.setText("Finish exercises 4.1 to 4.6")
    room.goal_edit.returnPressed.emit()
    room.start_button.click()
    await until(lambda: jam.state.lifecycle.value == "active")
    await settle(1.2)
    await both(theme, "room", lambda: w)
    room.skip_button.click()  # a break: the teal timer and a notification
    await settle(1.2)
    await both(theme, "room-break", lambda: w)

    await desktop_shots(w, theme)
    await after_the_jam(w, theme)


async def desktop_shots(w: MainWindow, theme: Theme) -> None:
    """The mini timer, the tray's menu and a notification (on the real X screen)."""
    tray = w.presence.tray
    for choice in (ThemeChoice.LIGHT, ThemeChoice.DARK):
        theme.set_choice(choice)
        w.presence.toggle_mini()
        await until(w.presence.mini.isVisible)
        w.presence.mini.move(QPoint(960, 480))
        await settle(0.6)
        save(w.presence.mini, f"mini-timer-{choice.value}")
        if tray is not None:
            tray.menu.popup(QPoint(1000, 150))
            await settle(1.0)
            screen_shot(f"tray-menu-{choice.value}", "420x420+880+0")
            tray.menu.hide()
        w.presence.toggle_mini()
    theme.set_choice(ThemeChoice.LIGHT)
    if tray is not None:
        w.presence.notifier.notify("Short break time", "Short break: 5 min. Back at 14:40.")
        await settle(1.5)
        screen_shot("notification", "700x300+580+0")


async def after_the_jam(w: MainWindow, theme: Theme) -> None:
    """Ending (asked first), the summary, Your jams, Your progress, Settings, the
    shortcut sheet and the lobby."""
    room = w.room
    assert room is not None
    room.end_button.click()
    await settle(0.5)
    screen_shot("end-confirm", "920x680+10+0")  # the question is a window of its own
    dialog = room.end_dialog
    for button in dialog.buttons():
        if button.text().replace("&", "") == "End for everyone":
            button.click()
    await until(room.summary_button.isVisible)
    room.summary_button.click()
    await until(lambda: w.summary is not None)
    await settle(0.8)
    await both(theme, "summary", lambda: w)
    assert w.summary is not None
    w.summary.closed.emit()
    await until(lambda: w.summary is None and w.room is None)

    w.start.history_requested.emit()
    await until(lambda: w.history is not None)
    await settle(0.8)
    await both(theme, "history", lambda: w)
    assert w.history is not None
    w.history.back.emit()
    await settle(0.3)

    w.start.profile_requested.emit()
    await until(lambda: w.profile is not None)
    await settle(0.8)
    await both(theme, "profile", lambda: w)
    assert w.profile is not None
    w.profile.back.emit()
    await settle(0.3)

    w.open_settings()
    await settle(0.5)
    assert w.settings_dialog is not None
    await both(theme, "settings", lambda: w.settings_dialog)  # type: ignore[arg-type, return-value]
    w.settings_dialog.close()
    w.open_shortcuts()
    await settle(0.5)
    assert w.shortcuts_dialog is not None
    save(w.shortcuts_dialog, "shortcuts")
    w.shortcuts_dialog.close()

    w.start.lobby_requested.emit()
    await until(lambda: w.lobby_screen is not None)
    await settle(2.0)
    await both(theme, "lobby", lambda: w)
    await w.shutdown()


def main() -> None:
    addresses.install(addresses.NetworkMode.LOOPBACK)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Jamdesk")
    app.setOrganizationName("Jamdesk")
    app.setStyle("Fusion")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as tmp, loop:
        loop.run_until_complete(tour(app, Path(tmp)))


if __name__ == "__main__":
    main()

"""Jamdesk beside the student's work, with real parts: a hosted jam on loopback, a real
D-Bus notification service on a private bus, the chime captured through SDL's disk driver,
the tray's menu, the mini timer, the theme following the desktop, and the keys."""

from __future__ import annotations

import array
import asyncio
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QPalette, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from jamdesk.audio.mixer import RATE
from jamdesk.core.kinds import Lifecycle, SessionType
from jamdesk.ui.lobby_screen import LobbyScreen
from jamdesk.ui.preferences import AlertPrefs, Preferences
from jamdesk.ui.shortcuts import SHORTCUTS, name_inputs
from jamdesk.ui.theme import DARK, LIGHT, Theme, ThemeChoice
from jamdesk.ui.window import MainWindow
from tests.ui.conftest import QLoop, expect, host_in, main_window, press, until

UI = Path(__file__).resolve().parents[2] / "jamdesk" / "ui"


@pytest.fixture
def notification_bus(monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[str]]:
    """A private session bus (dbus-daemon) with a real notification service on it; the
    app finds it through ``$DBUS_SESSION_BUS_ADDRESS`` as on a desktop."""
    if shutil.which("dbus-daemon") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("dbus-daemon is missing: apt-get install dbus-daemon")
        pytest.skip("dbus-daemon is not installed (apt-get install dbus-daemon)")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    daemon = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.notification_daemon", address],
        stdout=subprocess.PIPE,
        text=True,
        cwd=UI.parents[1],
    )
    assert daemon.stdout is not None
    assert daemon.stdout.readline().strip() == "ready"
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    yield daemon
    daemon.kill()
    bus.kill()
    daemon.wait()
    bus.wait()


def sounds_in(path: Path) -> list[float]:
    """Start times (s) of the separate sounds in a capture: loud stretches parted by at
    least 0.3 s of near silence."""
    data = path.read_bytes()
    left = array.array("h", data[: len(data) // 4 * 4])[::2]
    starts: list[float] = []
    quiet = RATE  # samples of silence so far (the start counts as silence)
    for i in range(0, len(left), 256):
        loud = max((abs(v) for v in left[i : i + 256]), default=0) > 300
        if loud and quiet >= 0.3 * RATE:
            starts.append(i / RATE)
        quiet = 0 if loud else quiet + 256
    return starts


def test_a_phase_change_gives_one_notification_and_one_chime(
    qtbot: QtBot,
    qloop: QLoop,
    tmp_path: Path,
    notification_bus: subprocess.Popen[str],
    captured: Path,
) -> None:
    w = main_window(tmp_path, qtbot, "Ana")

    async def scenario() -> None:
        room, jam = await host_in(w, SessionType.POMODORO)
        await until(lambda: w.sound is not None and w.sound.player is not None)
        room.start_button.click()
        await until(lambda: jam.state.lifecycle is Lifecycle.ACTIVE)
        assert re.fullmatch(r"2[45]:\d\d · Focus · block 1 · Focus jam · Jamdesk", w.windowTitle())
        alerted = expect(w.presence.alerted)
        delivered = expect(w.presence.notifier.sent)
        room.skip_button.click()  # focus → short break: a phase change
        await asyncio.wait_for(alerted, 10)
        await asyncio.wait_for(delivered, 10)
        await until(lambda: w.windowTitle().startswith("05:00 · Short break"))
        await until(
            lambda: len(sounds_in(captured)) == 1 and captured.stat().st_size > 4 * RATE * 4
        )
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())
    assert notification_bus.stdout is not None
    line = json.loads(notification_bus.stdout.readline())
    assert line["summary"] == "Short break time"
    assert re.fullmatch(r"Short break: 5 min\. Back at \d\d:\d\d\.", line["body"])
    assert (line["app"], line["replaces"]) == ("Jamdesk", 0)
    assert len(sounds_in(captured)) == 1  # one chime in four seconds of output: not two


def test_alerts_follow_the_settings(qtbot: QtBot, qloop: QLoop, tmp_path: Path) -> None:
    Preferences().alerts = AlertPrefs(notify=False, chime=False)
    w = main_window(tmp_path, qtbot, "Ana")
    sent: list[tuple[str, str, str]] = []
    w.presence.notifier.sent.connect(lambda *a: sent.append(a))

    async def scenario() -> None:
        room, jam = await host_in(w, SessionType.POMODORO)
        room.start_button.click()
        await until(lambda: jam.state.lifecycle is Lifecycle.ACTIVE)
        alerted = expect(w.presence.alerted)
        room.skip_button.click()
        await asyncio.wait_for(alerted, 10)
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())
    assert sent == []  # notifications off: nothing sent


@pytest.mark.allow_warnings
def test_a_failure_in_a_room_action_is_shown_in_the_room_and_logged(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    w = main_window(tmp_path, qtbot, "Ana")

    async def scenario() -> None:
        room, jam = await host_in(w)

        async def broken(_cmd: object) -> None:
            raise RuntimeError("the network layer fell over")

        jam.send = broken  # type: ignore[method-assign]
        room.start_button.click()
        await until(room.notice.isVisible)
        assert "the network layer fell over" in room.notice.text()
        assert w.nav.current is room  # said where the student is, not on the start screen
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())
    bugs = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any(r.exc_info and "fell over" in str(r.exc_info[1]) for r in bugs)


def test_the_tray_menu_runs_the_timer_shows_the_time_and_leaves(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    from tests.ui.conftest import argparse_for

    w = MainWindow(argparse_for(tmp_path, "Ana"), "Ana", tray=True)
    qtbot.addWidget(w)
    w.show()
    tray = w.presence.tray
    assert tray is not None
    assert not tray.start_action.isVisible()  # no jam: Show, Mini timer (off) and Quit only

    async def scenario() -> None:
        _room, jam = await host_in(w)
        assert tray.start_action.text() == "Start"
        assert not tray.skip_action.isVisible()  # a countdown has no phases to skip
        tray.start_action.trigger()
        await until(lambda: jam.state.lifecycle is Lifecycle.ACTIVE)
        await until(lambda: tray.start_action.text() == "Pause")
        assert re.fullmatch(r"Focus jam \(\w{6}\)\nCountdown · \d\d:\d\d left", tray.toolTip())
        tray.show_hide.emit()  # from the tray: hide the window, then bring it back
        assert not w.isVisible()
        assert tray.show_action.text() == "Show Jamdesk"
        tray.show_hide.emit()
        assert w.isVisible()
        left = expect(w.room_left)
        tray.leave_action.trigger()
        await asyncio.wait_for(left, 10)
        assert tray.toolTip() == "Jamdesk"
        assert w.windowTitle() == "Jamdesk"
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())


def test_closing_in_a_jam_keeps_it_in_the_tray_and_says_so_once(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    from tests.ui.conftest import argparse_for

    w = MainWindow(argparse_for(tmp_path, "Ana"), "Ana", tray=True)
    w.owns_app = True
    qtbot.addWidget(w)
    w.show()

    async def scenario() -> None:
        await host_in(w)
        w.close()
        assert not w.isVisible()
        assert w.jam is not None
        assert not w.jam.closed  # the jam goes on
        assert Preferences().tray_hint_shown
        w.owns_app = False  # let the test's teardown close it for good
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())


def test_with_no_tray_closing_in_a_jam_asks_first(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    w = main_window(tmp_path, qtbot, "Ana")
    w.owns_app = True

    async def scenario() -> None:
        await host_in(w)
        w.close()
        assert w.isVisible()  # not closed: asked
        box = w.close_dialog
        assert isinstance(box, QMessageBox)
        press(box, "Cancel")
        assert w.isVisible()
        assert w.jam is not None
        assert not w.jam.closed
        w.owns_app = False
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())


def test_the_mini_timer_shows_the_time_runs_the_timer_and_keeps_its_place(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    w = main_window(tmp_path, qtbot, "Ana")

    async def scenario() -> None:
        _room, jam = await host_in(w)
        mini = w.presence.mini
        QTest.keyClick(w, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
        await until(mini.isVisible)
        assert mini.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
        assert mini.time_label.text() == w.room.timer_label.text()  # type: ignore[union-attr]
        mini.start_button.click()
        await until(lambda: jam.state.lifecycle is Lifecycle.ACTIVE)
        await until(lambda: mini.start_button.text() == "Pause")
        mini.move(QPoint(40, 50))
        mini.close()
        assert Preferences().mini_timer_pos == QPoint(40, 50)
        w.presence.toggle_mini()
        assert mini.pos() == QPoint(40, 50)
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())


def test_the_theme_follows_a_change_of_the_desktops_scheme(qapp: QApplication) -> None:
    hints = QGuiApplication.styleHints()
    theme = Theme(qapp, ThemeChoice.SYSTEM)
    try:
        assert theme.scheme is ThemeChoice.LIGHT  # offscreen: the platform says nothing
        schemes: list[str] = []
        theme.changed.connect(schemes.append)
        # What Qt does when the desktop switches to dark (the offscreen platform has no
        # desktop to ask, so the platform's signal is sent as a real one would be).
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert schemes == ["dark"]
        assert qapp.palette().color(QPalette.ColorRole.Window).name().upper() == DARK["window"]
        assert DARK["card"] in qapp.styleSheet()
        theme.set_choice(ThemeChoice.LIGHT)  # the student's choice wins over the desktop
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert schemes == ["dark", "light"]
        assert qapp.palette().color(QPalette.ColorRole.Window).name().upper() == LIGHT["window"]
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Unknown)
        theme.deleteLater()


def test_the_name_typed_last_time_is_offered_again(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    w = main_window(tmp_path, qtbot, "Ana")
    w.start.name_edit.setText("Ana Lima")

    async def scenario() -> None:
        await host_in(w)
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())
    from tests.ui.conftest import argparse_for

    args = argparse_for(tmp_path, "Ana")
    args.name = None  # no --name: the login name "ana" would be the default
    again = MainWindow(args, "ana")
    qtbot.addWidget(again)
    assert again.start.name_edit.text() == "Ana Lima"


def test_enter_in_the_lobby_chat_sends_and_does_not_join(qtbot: QtBot) -> None:
    screen = LobbyScreen(lambda _room: None)
    qtbot.addWidget(screen)
    screen.show()
    said: list[str] = []
    joined: list[str] = []
    screen.say_requested.connect(said.append)
    screen.join_requested.connect(joined.append)
    from tests.ui.test_lobby_screen import listed

    screen.show_rooms([listed("Calculus", "Mathematics", SessionType.POMODORO, code="ALGO7X")])
    screen.table.selectRow(0)  # a room is chosen, and the student types in the chat
    screen.chat_edit.setFocus()
    QTest.keyClicks(screen.chat_edit, "hello all")
    QTest.keyClick(screen.chat_edit, Qt.Key.Key_Return)
    assert said == ["hello all"]
    assert joined == []
    screen.table.setFocus()
    QTest.keyClick(screen.table, Qt.Key.Key_Return)  # Enter on the list joins the chosen room
    assert joined == ["ALGO7X"]


def test_every_shortcut_the_screens_make_is_on_the_sheet(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    w = main_window(tmp_path, qtbot, "Ana")
    listed = {keys for _where, keys, _what in SHORTCUTS}
    listed |= {part for keys in listed for part in keys.split(" or ")}

    def keys_of(root: object) -> set[str]:
        return {
            s.key().toString()
            for s in root.findChildren(QShortcut)  # type: ignore[attr-defined]
        }

    async def scenario() -> None:
        await host_in(w)
        made = keys_of(w) | keys_of(w.presence.mini)
        words = {"Esc": "Escape", "Return": "Return", "Del": "Delete"}
        missing = {k for k in made if words.get(k, k) not in listed}
        assert missing == set()
        QTest.keyClick(w, Qt.Key.Key_F1)
        assert w.shortcuts_dialog is not None
        assert w.shortcuts_dialog.isVisible()
        assert w.shortcuts_dialog.table.rowCount() == len(SHORTCUTS)
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())


def test_every_input_has_an_accessible_name(qtbot: QtBot, qloop: QLoop, tmp_path: Path) -> None:
    w = main_window(tmp_path, qtbot, "Ana")

    async def scenario() -> None:
        await host_in(w)
        for screen in (w.start, w.room):
            assert screen is not None
            assert name_inputs(screen) == []
            for edit in screen.findChildren(QLineEdit):
                if edit.isVisibleTo(screen) and not edit.parent().inherits("QAbstractSpinBox"):
                    assert edit.accessibleName() or edit.parent().accessibleName()
        await w.shutdown()  # the jam closed: its advert leaves the LAN

    qloop.run(scenario())
    assert w.start.code_edit.accessibleName() == "Join code or jamdesk link"


def test_no_screen_runs_a_nested_dialog_loop() -> None:
    """A modal ``exec()`` or a static ``QFileDialog.get…`` / ``QInputDialog.get…`` inside
    an asyncio task breaks every other task (the walkthrough's Add a ghost). Dialogs are
    opened with ``open()`` and answered by signals (``ui/dialogs.py``)."""
    blocking = re.compile(
        r"\.exec\(|\bget(Open|Save)File(Name|Names|Url)\b|\bgetExistingDirectory\b"
        r"|\bQInputDialog\.get|\bQColorDialog\.getColor|QMessageBox\.(question|warning|"
        r"information|critical)\("
    )
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(UI.glob("*.py"))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if blocking.search(line) and "``" not in line  # code, not the docs that warn of it
    ]
    assert found == []


def test_the_start_screen_and_the_room_fit_the_smallest_window(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    """Nothing is cut off at the minimum size (so neither at the default, 900 x 640)."""
    from jamdesk.ui.window import MINIMUM_SIZE

    w = main_window(tmp_path, qtbot, "Ana")
    least_w, least_h = MINIMUM_SIZE
    for kind in (SessionType.POMODORO, SessionType.FOCUS, SessionType.RUNNING):
        w.start.type_combo.setCurrentIndex(list(SessionType).index(kind))
        hint = w.start.minimumSizeHint()
        assert (hint.width() <= least_w, hint.height() <= least_h) == (True, True), (kind, hint)

    async def scenario() -> None:
        room, _jam = await host_in(w)
        hint = room.minimumSizeHint()
        assert (hint.width() <= least_w, hint.height() <= least_h) == (True, True), hint
        w.resize(least_w, least_h)
        await until(lambda: w.room is not None and w.room.reaction_buttons[0].height() >= 30)
        await w.shutdown()

    qloop.run(scenario())


def test_a_slow_join_shows_it_is_busy_and_can_be_cancelled(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    w = main_window(tmp_path, qtbot, "Bo")

    async def scenario() -> None:
        w.start.code_edit.setText("ZZZZZZ")  # nobody hosts it: the search would take seconds
        w.start.join_button.click()
        await until(w.start.cancel_button.isVisible)
        assert w.start.busy_bar.isVisible()
        assert not w.start.join_button.isEnabled()
        QTest.keyClick(w.start, Qt.Key.Key_Escape)  # Esc, as the button says
        await until(w.start.join_button.isEnabled)
        assert not w.start.busy_bar.isVisible()
        assert w.start.status.text() == "Stopped. Nothing was opened."
        assert w.room is None
        await w.shutdown()

    qloop.run(scenario())


def test_a_screen_opened_late_does_not_flash_an_old_reaction(qtbot: QtBot, qloop: QLoop) -> None:
    from jamdesk.core.commands import React
    from jamdesk.ui.room_screen import RoomScreen
    from tests.factories import loopback_jam

    async def scenario() -> None:
        jam = await loopback_jam()
        try:
            first = RoomScreen(jam)
            qtbot.addWidget(first)
            await jam.send(React(emoji="🔥"))
            await until(lambda: "🔥" in first.reaction_label.text())  # live: shown
            late = RoomScreen(jam)  # as a late joiner's screen reads the log back
            qtbot.addWidget(late)
            assert late.reaction_label.text() == ""
            assert any("🔥" in late.timeline.item(i).text() for i in range(late.timeline.count()))
            first.detach()
            late.detach()
        finally:
            await jam.close()

    qloop.run(scenario())


def test_add_a_ghost_leaves_the_jam_running_while_its_dialog_is_open(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path
) -> None:
    """The walkthrough's defect: the dialog ran a nested loop inside a task, and every
    other task of the jam failed with "Cannot enter into task" after a few seconds."""
    w = main_window(tmp_path, qtbot, "Ana")

    async def scenario() -> None:
        await host_in(w)  # a first jam, so there is someone to bring back
        left = expect(w.room_left)
        w.room.leave_button.click()  # type: ignore[union-attr]
        await asyncio.wait_for(left, 10)
        room, jam = await host_in(w)
        room.start_button.click()
        await until(lambda: jam.state.lifecycle is Lifecycle.ACTIVE)
        room.ghost_button.click()
        await until(lambda: w.ghost_dialog is not None and w.ghost_dialog.isVisible())
        shown = room.timer_label.text()
        await until(lambda: room.timer_label.text() != shown, timeout_s=3)  # still ticking
        await until(lambda: room.timer_label.text() != shown and jam.reading().elapsed_ms > 2_500)
        dialog = w.ghost_dialog
        assert dialog is not None
        answered = expect(dialog.finished)
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        await asyncio.wait_for(answered, 5)
        room.start_button.click()  # the jam still answers
        await until(lambda: jam.state.lifecycle is Lifecycle.PAUSED)
        assert w.ghosts == []  # Esc brought nobody
        await w.shutdown()

    qloop.run(scenario())


def test_enter_in_the_search_of_your_jams_searches_and_opens_nothing(qtbot: QtBot) -> None:
    from jamdesk.app.history import HistoryEntry
    from jamdesk.ui.history_screen import HistoryScreen

    entry = HistoryEntry(
        1, "Organic chemistry", "study", 0, 60_000, ["Ana"], 60_000, "ended", False, None
    )
    screen = HistoryScreen([entry])
    qtbot.addWidget(screen)
    screen.show()
    opened: list[int] = []
    screen.watch_requested.connect(opened.append)
    screen.search.setFocus()
    QTest.keyClicks(screen.search, "organic")
    screen.table.selectRow(0)  # a jam is chosen, and the search box has the keyboard
    screen.search.setFocus()
    QTest.keyClick(screen.search, Qt.Key.Key_Return)
    assert opened == []  # typing in the search opens no replay
    screen.table.setFocus()
    QTest.keyClick(screen.table, Qt.Key.Key_Return)
    assert opened == [1]  # Enter on the list does
    assert screen.table.columnWidth(1) >= 200  # the title is not cut to "O…"


def test_every_text_colour_meets_wcag_aa_on_its_background_in_both_themes() -> None:
    from jamdesk.ui.theme import CONTRAST_PAIRS, PALETTES, contrast_ratio

    too_low = [
        (scheme.value, fg, bg, round(contrast_ratio(colours[fg], colours[bg]), 2))
        for scheme, colours in PALETTES.items()
        for fg, bg, least in CONTRAST_PAIRS
        if contrast_ratio(colours[fg], colours[bg]) < least
    ]
    assert too_low == []
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # WCAG's own


def test_the_menu_key_opens_a_persons_actions_from_the_keyboard(qtbot: QtBot) -> None:
    from jamdesk.core import timer
    from jamdesk.core.events import MemberJoined
    from jamdesk.ui.room_panels import PeoplePanel
    from tests.factories import room_log

    log = room_log(timer.countdown(60_000), host_id="h")
    log.append("b", [MemberJoined(participant_id="b", name="Bo")], 1)
    panel = PeoplePanel(lambda _cmd: None)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_state(log.state, "h")
    assert panel.focusPolicy() == Qt.FocusPolicy.StrongFocus  # Tab reaches it
    panel.setFocus()
    panel.setCurrentRow(1)  # Bo
    QTest.keyClick(panel, Qt.Key.Key_Menu)
    assert panel.menu.isVisible()
    words = [a.text() for a in panel.menu.actions()]
    assert "Make Bo a co-host" in words
    panel.menu.hide()


def test_the_host_sets_the_room_goal_in_the_header_and_sees_it_kept(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path
) -> None:
    """Issue 13: a goal for the whole room, set by the host or a co-host, shown to all."""
    w = main_window(tmp_path, qtbot, "Ana")
    w.resize(900, 640)
    w.show()

    async def scenario() -> None:
        room, jam = await host_in(w)
        assert room.room_goal_edit.isVisible()
        assert not room.room_goal_edit.isReadOnly()  # the host may set it
        room.room_goal_edit.setText("Finish problem set 4")
        room.room_goal_edit.returnPressed.emit()
        await until(lambda: jam.state.room_goal == "Finish problem set 4")
        room.setFocus()
        room.refresh()
        assert room.room_goal_edit.text() == "Finish problem set 4"
        w.grab().save(str(shots / "room-goal.png"))
        await w.shutdown()

    qloop.run(scenario())

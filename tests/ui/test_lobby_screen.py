"""pytest-qt tests of the lobby screen, with real rooms advertised on 127.0.0.1 behind it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.lobby import ChatLine, ListedRoom
from jamdesk.app.opening import host_jam
from jamdesk.core import timer
from jamdesk.core.commands import StartTimer
from jamdesk.core.kinds import SessionType
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.net.addresses import NetworkMode
from jamdesk.ui.lobby_screen import LobbyScreen, timer_text
from jamdesk.ui.start_screen import HostForm, StartScreen
from tests.ui.conftest import QLoop, expect, main_window, until

CLOCK = LocalClock()


def listed(
    title: str, subject: str, kind: SessionType, *, code: str | None = "ALGO7X"
) -> ListedRoom:
    return ListedRoom(
        key=title,
        title=title,
        discipline=subject,
        session_type=kind.value,
        host_name="Ana",
        count=3,
        lifecycle="active",
        code=code,
        timer=timer.start(timer.pomodoro_timer(), CLOCK.now_ms() - 5 * MINUTE_MS),
        compatible=True,
    )


def test_timer_text_reads_the_anchor_locally() -> None:
    room = listed("Calculus", "Mathematics", SessionType.POMODORO)
    reading = timer.read(room.timer, room.timer.started_at_ms + 5 * MINUTE_MS)  # type: ignore[arg-type, operator]
    assert timer_text(room, reading) == "Focus · 20:00 left"


def test_filters_private_rooms_and_joining(qtbot: QtBot) -> None:
    screen = LobbyScreen(lambda room: None)
    qtbot.addWidget(screen)
    screen.show_rooms(
        [
            listed("Calculus", "Mathematics", SessionType.POMODORO, code="ALGO7X"),
            listed("Mechanics", "Physics", SessionType.STUDY, code="PHYS42"),
            listed("", "", SessionType.FOCUS, code=None),
        ]
    )
    assert screen.table.rowCount() == 3
    screen.discipline_filter.setCurrentIndex(screen.discipline_filter.findData("Physics"))
    assert screen.table.rowCount() == 1
    assert screen.table.item(0, 0).text() == "Mechanics"
    with qtbot.waitSignal(screen.join_requested) as joined:
        screen.table.selectRow(0)
        screen.join_button.click()
    assert joined.args == ["PHYS42"]

    screen.discipline_filter.setCurrentIndex(0)
    screen.type_filter.setCurrentIndex(screen.type_filter.findData("FOCUS"))
    assert screen.table.item(0, 0).text() == "Private jam"
    with qtbot.assertNotEmitted(screen.join_requested):
        screen.table.cellDoubleClicked.emit(0, 0)
    assert "private" in screen.status.text()
    with qtbot.waitSignal(screen.join_requested) as joined:
        qtbot.keyClicks(screen.code_edit, "SECR3T")
        qtbot.keyClick(screen.code_edit, Qt.Key.Key_Return)
    assert joined.args == ["SECR3T"]

    screen.show_chat([ChatLine("Bo", "hi all", CLOCK.now_ms(), False)])
    assert screen.chat_view.item(0).text().endswith("Bo: hi all")
    with qtbot.waitSignal(screen.say_requested) as said:
        qtbot.keyClicks(screen.chat_edit, "hello")
        qtbot.keyClick(screen.chat_edit, Qt.Key.Key_Return)
    assert said.args == ["hello"]


def test_start_screen_hosts_a_private_jam_with_a_subject(qtbot: QtBot) -> None:
    screen = StartScreen("Ana")
    qtbot.addWidget(screen)
    screen.discipline_combo.setCurrentText("Physics")
    assert not screen.show_title_check.isEnabled()
    screen.private_check.setChecked(True)
    screen.show_title_check.setChecked(True)
    with qtbot.waitSignal(screen.host_requested) as blocker:
        screen.host_button.click()
    form = blocker.args[0]
    assert isinstance(form, HostForm)
    assert (form.discipline, form.private, form.show_title) == ("Physics", True, True)


async def open_rooms() -> list[Jam]:
    rooms = []
    for title, subject, kind, private in [
        ("Calculus II", "Mathematics", SessionType.POMODORO, False),
        ("Organic chemistry", "Chemistry", SessionType.STUDY, False),
        ("Thesis writing", "Literature", SessionType.FOCUS, True),
    ]:
        settings = HostSettings(
            name="Ana",
            title=title,
            session_type=kind,
            timer=timer.pomodoro_timer()
            if kind is SessionType.POMODORO
            else timer.countdown(50 * MINUTE_MS),
            bind_host="127.0.0.1",
            discipline=subject,
            private=private,
        )
        rooms.append(await host_jam(settings, clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK))
    await rooms[0].send(StartTimer())
    return rooms


def test_the_lobby_lists_real_rooms_and_one_click_joins(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path
) -> None:
    w = main_window(tmp_path, qtbot, "Bo")
    w.resize(1100, 640)

    async def scenario() -> None:
        rooms = await open_rooms()
        try:
            shown = expect(w.lobby_shown)
            w.start.lobby_button.click()
            await asyncio.wait_for(shown, 15)
            screen = w.lobby_screen
            assert screen is not None
            await until(lambda: screen.table.rowCount() == 3)
            await until(lambda: "lobby chat" in screen.people.text())
            await w.lobby.say("anyone up for calculus?")  # type: ignore[union-attr]
            await until(lambda: screen.chat_view.count() == 1)
            await until(
                lambda: any(
                    screen.table.item(r, 5).text().startswith("Focus")
                    and "left" in screen.table.item(r, 5).text()
                    for r in range(3)
                )
            )
            titles = sorted(screen.table.item(r, 0).text() for r in range(3))
            assert titles == ["Calculus II", "Organic chemistry", "Private jam"]
            w.grab().save(str(shots / "jamdesk-lobby.png"))

            entered = expect(w.room_entered)
            row = next(r for r in range(3) if screen.table.item(r, 0).text() == "Calculus II")
            screen.table.cellDoubleClicked.emit(row, 0)
            await asyncio.wait_for(entered, 15)
            assert w.jam is not None
            assert w.jam.state.title == "Calculus II"
            assert w.lobby is None  # leaving the lobby screen leaves the lobby chat
            await w.shutdown()
        finally:
            for room in rooms:
                await room.close()

    qloop.run(scenario())


def test_a_join_link_is_kept_as_pasted_and_the_signalling_url_goes_with_the_form(
    qtbot: QtBot,
) -> None:
    screen = StartScreen("Bo")
    qtbot.addWidget(screen)
    link = "jamdesk://join?signal=http%3A%2F%2F127.0.0.1%3A8787&code=ALGO7X"
    qtbot.keyClicks(screen.code_edit, link)
    assert screen.code_edit.text() == link  # not upper-cased like a code
    screen.signal_edit.setText("https://signal.example.org")
    with qtbot.waitSignal(screen.join_requested) as joined:
        screen.join_button.click()
    form = joined.args[0]
    assert (form.code, form.signal_url) == (link, "https://signal.example.org")


def test_an_internet_room_is_marked_and_joined_through_its_signalling_server(
    qtbot: QtBot, shots: Path
) -> None:
    """Issue 13: "Rooms nearby" shows LAN and internet rooms together, marked."""
    import dataclasses

    screen = LobbyScreen(
        lambda room: timer.read(room.timer, CLOCK.now_ms()) if room.timer else None
    )
    qtbot.addWidget(screen)
    screen.resize(900, 600)
    far = dataclasses.replace(
        listed("Organic chemistry", "Chemistry", SessionType.STUDY, code="CHEM42"),
        key="internet:CHEM42",
        signal_url="https://signal.example.org",
    )
    screen.show_rooms([listed("Calculus", "Mathematics", SessionType.POMODORO), far])
    assert screen.table.item(0, 0).text() == "Calculus"
    assert screen.table.item(1, 0).text() == "🌐 Organic chemistry"
    assert "signal.example.org" in screen.table.item(1, 0).toolTip()
    screen.grab().save(str(shots / "lobby-internet.png"))
    with (
        qtbot.assertNotEmitted(screen.join_requested),
        qtbot.waitSignal(screen.join_internet_requested) as joined,
    ):
        screen.table.cellDoubleClicked.emit(1, 0)
    assert joined.args == ["CHEM42", "https://signal.example.org"]

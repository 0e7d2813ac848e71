"""pytest-qt tests of the start and room screens, with real jams behind them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from jamdesk.app import storage
from jamdesk.app.clock import LocalClock
from jamdesk.app.opening import join_jam
from jamdesk.core.commands import AddTask, Chat, React, SetStatus
from jamdesk.core.kinds import Lifecycle, SessionType, Status
from jamdesk.net.addresses import NetworkMode
from jamdesk.store.paths import DB_NAME
from jamdesk.ui.room_screen import RoomScreen
from jamdesk.ui.start_screen import HostForm, StartScreen
from jamdesk.ui.window import MainWindow
from tests.diskfull import fill, mounted
from tests.ui.conftest import QLoop, expect, host_in, main_window, press, until


def test_start_screen_asks_for_name_and_code_in_words(qtbot: QtBot) -> None:
    screen = StartScreen("")
    qtbot.addWidget(screen)
    with qtbot.assertNotEmitted(screen.join_requested):
        screen.join_button.click()
    assert "Type your name" in screen.status.text()
    screen.name_edit.setText("Ana")
    with qtbot.assertNotEmitted(screen.join_requested):
        screen.join_button.click()
    assert "code" in screen.status.text()


def test_start_screen_emits_the_host_form(qtbot: QtBot) -> None:
    screen = StartScreen("Ana")
    qtbot.addWidget(screen)
    screen.title_edit.setText("Morning run")
    screen.type_combo.setCurrentIndex(list(SessionType).index(SessionType.RUNNING))
    screen.stopwatch_radio.setChecked(True)
    with qtbot.waitSignal(screen.host_requested) as blocker:
        screen.host_button.click()
    assert blocker.args == [
        HostForm(
            name="Ana", title="Morning run", session_type=SessionType.RUNNING, timer="stopwatch"
        )
    ]
    assert isinstance(blocker.args[0].session_type, SessionType)


def test_code_field_upper_cases_as_you_type(qtbot: QtBot) -> None:
    screen = StartScreen("Ana")
    qtbot.addWidget(screen)
    qtbot.keyClicks(screen.code_edit, "algo7x")
    assert screen.code_edit.text() == "ALGO7X"


def window(tmp_path: Path, qtbot: QtBot) -> MainWindow:
    return main_window(tmp_path, qtbot)


def test_host_in_the_window_and_a_member_joins(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path
) -> None:
    w = window(tmp_path, qtbot)

    async def scenario() -> None:
        w.start.title_edit.setText("Algorithms revision")
        room, jam = await host_in(w)
        assert room.code_label.text() == jam.code
        assert room.timer_label.text() == "50:00"  # FOCUS: a 50-minute countdown by default
        assert room.lifecycle_label.text() == "READY"

        member = await join_jam(
            "Bo",
            address=("127.0.0.1", jam.port),
            clock=LocalClock(skew_ms=-45_000),
            db=None,
            mode=NetworkMode.LOOPBACK,
        )
        await until(lambda: room.people.count() == 2)
        assert "Bo" in room.people.item(1).text()

        qtbot.mouseClick(room.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: room.lifecycle_label.text() == "FOCUSING")
        assert room.start_button.text() == "Pause"
        await until(lambda: member.state.lifecycle is Lifecycle.ACTIVE)

        # The member's own screen: the same timer (despite a clock 45 s slow), no host controls.
        member_room = RoomScreen(member)
        qtbot.addWidget(member_room)
        assert not member_room.start_button.isVisibleTo(member_room)
        assert not member_room.end_button.isVisibleTo(member_room)
        await until(lambda: member_room.timer_label.text() == room.timer_label.text())

        await member.send(SetStatus(value=Status.DONE))
        await until(lambda: "done" in room.people.item(1).text())
        w.grab().save(str(shots / "test_room_host.png"))
        member_room.grab().save(str(shots / "test_room_member.png"))

        # Chat, tasks and reactions from the member appear on the host's screen.
        await member.send(Chat(text="<b>not bold</b> & fine"))
        await until(lambda: room.chat.messages.count() == 1)
        assert room.chat.messages.item(0).text().endswith("Bo: <b>not bold</b> & fine")
        await member.send(AddTask(title="Problem 2"))
        await until(lambda: room.tasks.tasks.count() == 1)
        room.tasks.tasks.item(0).setCheckState(Qt.CheckState.Checked)  # the host ticks it
        await until(lambda: bool(member.state.tasks) and member.state.tasks[0].done)
        await member.send(React(emoji="👏"))
        await until(lambda: "Bo 👏" in room.reaction_label.text())
        await until(lambda: room.timeline.count() >= 8)
        timeline = [room.timeline.item(i).text() for i in range(room.timeline.count())]
        assert any(line.endswith("Ana finished “Problem 2”") for line in timeline)
        room.tabs.setCurrentWidget(room.chat)
        w.grab().save(str(shots / "test_room_chat.png"))
        # My tasks: this computer only, kept in the database.
        room.tabs.setCurrentWidget(room.my_tasks)
        room.my_tasks.entry.setText("Flashcards for Friday")
        room.my_tasks.entry.returnPressed.emit()
        await until(lambda: room.my_tasks.tasks.count() == 1)
        room.my_tasks.tasks.item(0).setCheckState(Qt.CheckState.Checked)
        assert w._app is not None
        app = w._app
        await until(lambda: app.db.db.personal_tasks()[0].done)
        w.grab().save(str(shots / "test_room_my_tasks.png"))

        room.end_button.click()  # ending: the jam is over for everyone, once confirmed
        assert not member.closed  # nothing yet: the host is asked first
        press(room.end_dialog, "End for everyone")
        await until(lambda: member.closed)
        await until(lambda: room.lifecycle_label.text() == "ENDED")
        assert not room.end_button.isVisible()
        shown = expect(w.summary_shown)
        room.summary_button.click()
        await asyncio.wait_for(shown, 5)
        summary = w.summary
        assert summary is not None
        names = [summary.table.item(r, 0).text() for r in range(summary.table.rowCount())]
        assert names == ["Ana (you)", "Bo"]
        summary.export(tmp_path / "jam.md")
        assert "| Bo (participant) |" in (tmp_path / "jam.md").read_text()
        w.grab().save(str(shots / "test_summary.png"))
        left = expect(w.room_left)
        summary.done_button.click()
        await asyncio.wait_for(left, 10)
        assert "saved on this computer" in w.start.status.text()
        member_room.detach()
        await w.shutdown()

    qloop.run(scenario())


def test_host_leaving_hands_the_room_over(qtbot: QtBot, qloop: QLoop, tmp_path: Path) -> None:
    w = window(tmp_path, qtbot)

    async def scenario() -> None:
        entered = expect(w.room_entered)
        w.start.host_button.click()
        await asyncio.wait_for(entered, 15)
        assert w.jam is not None
        member = await join_jam(
            "Bo",
            address=("127.0.0.1", w.jam.port),
            clock=LocalClock(),
            db=None,
            mode=NetworkMode.LOOPBACK,
        )
        assert w.room is not None
        await until(lambda: w.room is not None and w.room.people.count() == 2)
        left = expect(w.room_left)
        w.room.leave_button.click()
        await asyncio.wait_for(left, 15)
        await until(lambda: member.hosting)
        assert member.state.host_id == member.me
        assert w.start.status.text() == "You left the jam. Bo is now the host."
        await member.close()
        await w.shutdown()

    qloop.run(scenario())


def test_join_failure_is_shown_in_plain_words(qtbot: QtBot, qloop: QLoop, tmp_path: Path) -> None:
    w = window(tmp_path, qtbot)

    async def scenario() -> None:
        w.start.code_edit.setText("ALGO7X")
        w.start.address_edit.setText("127.0.0.1:9")  # nothing listens there
        w.start.join_button.click()
        await until(
            lambda: w.start.join_button.isEnabled() and w.start.status.objectName() == "Error",
            timeout_s=15,
        )
        assert "Could not reach the host at 127.0.0.1:9" in w.start.status.text()
        assert "Traceback" not in w.start.status.text()
        await w.shutdown()

    qloop.run(scenario())


def test_start_screen_follows_each_type_default_timer(qtbot: QtBot, shots: Path) -> None:
    screen = StartScreen("Ana")
    qtbot.addWidget(screen)
    expected = {
        SessionType.POMODORO: "pomodoro:25/5/15x4",
        SessionType.STUDY: "pomodoro:50/10/20x4",
        SessionType.RUNNING: "stopwatch",
        SessionType.MEDITATION: "countdown:15m",
    }
    for kind, spec in expected.items():
        screen.type_combo.setCurrentIndex(list(SessionType).index(kind))
        assert screen.timer_spec() == spec
    screen.type_combo.setCurrentIndex(list(SessionType).index(SessionType.POMODORO))
    screen.focus_spin.setValue(90)  # clamped to the allowed range
    assert screen.timer_spec() == "pomodoro:60/5/15x4"
    screen.resize(900, 640)
    screen.grab().save(str(shots / "test_start_pomodoro.png"))


@pytest.mark.allow_warnings
def test_a_damaged_history_is_offered_to_be_kept_aside(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path
) -> None:
    """Issue 16, item 8: Host on a damaged history says so and offers Keep aside; the file
    is moved aside untouched, and the next Host works on an empty history."""
    folder = tmp_path / "ana"
    folder.mkdir()
    (folder / DB_NAME).write_bytes(b"this is not SQLite" + bytes(8_000))
    damaged = (folder / DB_NAME).read_bytes()
    w = window(tmp_path, qtbot)

    async def scenario() -> None:
        w.start.host_button.click()
        await until(lambda: w.set_aside_dialog is not None and w.set_aside_dialog.isVisible())
        assert w.set_aside_dialog is not None
        await until(lambda: w.start.status.objectName() == "Error")
        assert "damaged" in w.start.status.text()
        assert "writable" not in w.start.status.text()
        w.grab().save(str(shots / "test_damaged_history.png"))
        w.set_aside_dialog.grab().save(str(shots / "test_damaged_history_dialog.png"))
        press(w.set_aside_dialog, "Keep it aside and start fresh")
        (kept,) = folder.glob(f"{DB_NAME}.damaged-*")
        assert kept.read_bytes() == damaged
        assert "Kept the damaged file" in w.start.status.text()
        room, jam = await host_in(w)
        assert room.code_label.text() == jam.code
        await w.shutdown()

    qloop.run(scenario())


@pytest.mark.allow_warnings
def test_a_full_disk_during_a_jam_is_said_once_in_the_room_and_the_jam_goes_on(
    qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, item 7: the room says once that Jamdesk cannot save; chats still go out;
    when space returns it says so, and everything said meanwhile is stored."""
    monkeypatch.setattr(storage, "RETRY_S", 0.2)
    with mounted(tmp_path / "ana") as disk:
        w = window(tmp_path, qtbot)

        async def scenario() -> None:
            room, jam = await host_in(w)
            assert w._app is not None
            app = w._app
            filler = fill(disk)
            for i in range(40):
                await jam.send(Chat(text=f"{i:02d} " + "x" * 1_500))
            await until(lambda: "the disk is full" in room.notice.text())
            assert room.chat.messages.count() == 40  # the jam goes on in memory
            w.grab().save(str(shots / "test_room_disk_full.png"))
            filler.unlink()
            await until(lambda: "saves again" in room.notice.text(), timeout_s=15)
            session = app.db.db.sessions()[0]
            chats = [e for e in app.db.db.events(session.id) if e.kind == "chat_posted"]
            assert len(chats) == 40
            await w.shutdown()

        qloop.run(scenario())

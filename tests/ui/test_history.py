"""History, the replay viewer and working beside ghosts, on real stored jams."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from jamdesk.core.commands import Chat, EndRoom, Join, SetGoal, SetStatus, StartTimer
from jamdesk.core.kinds import SessionType, Status
from jamdesk.store.db import Database
from jamdesk.ui.window import MainWindow
from tests.factories import room_log, run, store_log, stored_day
from tests.ui.conftest import QLoop, expect, until


def group_jam(db: Database, at: int) -> int:
    """A reading jam with Bo and Cy who set goals, chat and finish within 2 seconds."""
    log = room_log(at_ms=at, host_id="a", session_type=SessionType.READING)
    for pid, name in (("b", "Bo"), ("c", "Cy")):
        run(log, pid, Join(name=name), at)
    run(log, "a", StartTimer(), at + 100)
    run(log, "b", SetGoal(text="Chapter 4"), at + 200)
    run(log, "c", Chat(text="hi all"), at + 400)
    run(log, "b", SetStatus(value=Status.DONE), at + 800)
    run(log, "a", EndRoom(), at + 1_000)
    return store_log(db, log)


def test_history_replay_and_beside(qtbot: QtBot, qloop: QLoop, tmp_path: Path, shots: Path) -> None:
    data = tmp_path / "data"
    db = Database(data)
    for back in range(1, 6):
        stored_day(db, date.today() - timedelta(days=back * 20), 2)
    import time

    group_jam(db, int(time.time() * 1000) - 3_600_000)
    db.close()
    w = MainWindow(argparse.Namespace(name="Ana", data_dir=str(data), clock_skew_ms=0), "Ana")
    qtbot.addWidget(w)
    w.resize(900, 640)
    w.show()

    async def scenario() -> None:
        shown = expect(w.history_shown)
        w.start.history_button.click()
        await asyncio.wait_for(shown, 30)
        screen = w.history
        assert screen is not None
        assert screen.table.rowCount() == 6
        screen.search.setText("cy")  # people are searchable
        assert screen.table.rowCount() == 1
        screen.search.setText("")
        screen.type_filter.setCurrentIndex(screen.type_filter.findData(SessionType.POMODORO.value))
        assert screen.table.rowCount() == 5
        screen.type_filter.setCurrentIndex(0)
        screen.period.setCurrentText("Last 30 days")
        assert screen.table.rowCount() == 2
        screen.period.setCurrentText("Any time")
        screen.table.selectRow(0)  # newest: the reading jam
        await until(lambda: screen.detail_title.text() == "Algorithms")
        assert screen.detail_timeline.count() == 8  # opened, 2 joins, start, goal, chat, done, end
        w.grab().save(str(shots / "test_history.png"))

        assert screen.chosen_people() == ["Ana", "Bo", "Cy"]
        opened = expect(w.replay_shown)
        screen.watch_button.click()
        await asyncio.wait_for(opened, 10)
        replay = w.replay
        assert replay is not None
        assert replay.ghosts.count() == 3
        replay.speed.setCurrentIndex(2)  # 4x
        replay.toggle()
        await until(lambda: replay.playhead.finished, timeout_s=10)
        assert [
            replay.played.item(i).text().split("  ", 1)[1] for i in range(replay.played.count())
        ] == ["Ana started the timer", "Bo's goal: Chapter 4", "Cy: hi all", "Bo is done"]
        replay.seek(300)
        assert replay.played.count() == 2
        assert "Chapter 4" in "".join(
            replay.ghosts.item(i).text() for i in range(replay.ghosts.count())
        )
        w.grab().save(str(shots / "test_replay.png"))
        replay.close_replay()

        entered = expect(w.room_entered)
        screen.beside_button.click()
        await asyncio.wait_for(entered, 15)
        room = w.room
        assert room is not None
        await until(lambda: sum(1 for p in w.jam.state.participants if p.ghost) == 3)  # type: ignore[union-attr]
        await until(lambda: all(r.done for r in w.ghosts), timeout_s=10)
        assert any(
            "👻 Cy: hi all" in room.chat.messages.item(i).text()
            for i in range(room.chat.messages.count())
        )
        w.grab().save(str(shots / "test_beside.png"))
        await w.shutdown()

    qloop.run(scenario())

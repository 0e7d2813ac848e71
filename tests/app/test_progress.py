"""Progress from real stored sessions: live credit, the overview, and the tamper check."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jamdesk.app.progress import ProgressService, heatmap_days, refresh_session
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core import timer
from jamdesk.core.commands import AdvancePhase, EndRoom, StartTimer
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.store.db import Database
from tests.factories import room_log, run, store_log, stored_day

TZ = ZoneInfo("Europe/Paris")


async def test_overview_counts_exp_focus_and_streaks(tmp_path: Path) -> None:
    async_db = await AsyncDatabase.open(tmp_path)
    for day, blocks in ((date(2026, 2, 27), 2), (date(2026, 2, 28), 1), (date(2026, 3, 1), 4)):
        stored_day(async_db.db, day, blocks)
    service = ProgressService(async_db, TZ)
    view = await service.overview(today=date(2026, 3, 1))
    assert view.level.exp == 7 * 25
    assert view.level.level == 1
    assert view.focus_blocks == 7
    assert view.total_focus_ms == 7 * 25 * MINUTE_MS
    assert (view.streaks.current, view.streaks.longest) == (3, 3)
    assert view.sessions_completed == 3
    days = heatmap_days(view)
    assert days[-1] == (date(2026, 3, 1), 100.0)
    assert days[0][0].weekday() == 0
    assert len(days) == 51 * 7 + 7  # 52 weeks ending on a Sunday


async def test_editing_the_database_does_not_raise_exp(tmp_path: Path) -> None:
    async_db = await AsyncDatabase.open(tmp_path)
    sid = stored_day(async_db.db, date(2026, 3, 1), 2)
    con = sqlite3.connect(tmp_path / "jamdesk.sqlite3")
    con.execute("update session_stats set exp = 99999 where session_id = ?", (sid,))
    con.commit()
    con.close()
    service = ProgressService(async_db, TZ)
    assert (await service.overview(today=date(2026, 3, 1))).level.exp == 99999  # cached
    assert await service.verify() == [sid]  # flagged...
    assert (await service.overview(today=date(2026, 3, 1))).level.exp == 50  # ...and repaired
    assert await service.verify() == []


def _late_jam(db: Database, zone: str, blocks_done: int, run_min: int) -> int:
    """A Pomodoro jam held in ``zone`` from 23:30 there on 2026-03-01, ending after
    ``run_min`` minutes with ``blocks_done`` blocks completed."""
    where = ZoneInfo(zone)
    t0 = int(datetime(2026, 3, 1, 23, 30, tzinfo=where).timestamp() * 1000)
    log = room_log(timer.pomodoro_timer(), at_ms=t0, host_id="a")
    run(log, "a", StartTimer(), t0)
    for i in range(blocks_done):
        run(log, "a", AdvancePhase(), t0 + (25 + 30 * i) * MINUTE_MS)
        run(log, "a", AdvancePhase(), t0 + (30 + 30 * i) * MINUTE_MS)
    run(log, "a", EndRoom(), t0 + run_min * MINUTE_MS)
    sid = store_log(db, log, time_zone=zone)
    refresh_session(db, sid)
    return sid


async def test_a_streak_day_is_a_day_a_block_was_completed_in_the_jams_own_zone(
    tmp_path: Path,
) -> None:
    """Issue 13: a 23:30-00:30 jam made a 2-day streak, a second of focus counted as a day,
    and one history read as streak 1 in UTC and 2 in Tokyo."""
    async_db = await AsyncDatabase.open(tmp_path)
    _late_jam(async_db.db, "Asia/Tokyo", blocks_done=1, run_min=60)  # 23:55 done; 00:00 cut
    views = [
        await ProgressService(async_db, ZoneInfo(zone)).overview(today=date(2026, 3, 2))
        for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles")
    ]
    for view in views:  # read anywhere: the days of Tokyo, where it was held
        assert (view.streaks.current, view.streaks.longest) == (1, 1)
        assert set(view.days) == {date(2026, 3, 1), date(2026, 3, 2)}  # the heatmap: both
        assert view.days[date(2026, 3, 2)] == 25.0  # the unfinished block's minutes show
    second = await AsyncDatabase.open(tmp_path / "b")
    _late_jam(second.db, "Europe/Paris", blocks_done=0, run_min=0)  # a jam of no time at all
    view = await ProgressService(second, TZ).overview(today=date(2026, 3, 2))
    assert (view.streaks.current, view.streaks.longest) == (0, 0)


async def test_a_log_whose_times_do_not_add_up_is_set_aside_and_said(tmp_path: Path) -> None:
    async_db = await AsyncDatabase.open(tmp_path)
    kept = stored_day(async_db.db, date(2026, 3, 1), 2)
    edited = stored_day(async_db.db, date(2026, 3, 2), 1)
    con = sqlite3.connect(tmp_path / "jamdesk.sqlite3")
    first = con.execute(
        "select data from session_events where session_id = ? and seq = 1", (edited,)
    ).fetchone()[0]
    forged = first.replace('"focus_ms":1500000', '"focus_ms":3600000')
    assert forged != first
    con.execute(
        "update session_events set data = ? where session_id = ? and seq = 1", (forged, edited)
    )
    con.commit()
    con.close()
    service = ProgressService(async_db, TZ)
    assert await service.verify() == [edited]
    view = await service.overview(today=date(2026, 3, 2))
    assert view.set_aside == [edited]
    assert view.level.exp == 50  # the kept jam's two blocks only
    assert kept not in view.set_aside


async def test_export_and_delete_everything(tmp_path: Path) -> None:
    async_db = await AsyncDatabase.open(tmp_path)
    db = async_db.db
    db.profile("me", "Ana", 0)
    db.add_personal_task("Essay", 1)
    stored_day(db, date(2026, 3, 1), 1)
    service = ProgressService(async_db, TZ)
    await service.export(tmp_path / "all.json")
    text = (tmp_path / "all.json").read_text()
    assert '"display_name": "Ana"' in text
    assert '"Essay"' in text
    assert '"timer_started"' in text
    await service.delete_everything()
    con = sqlite3.connect(tmp_path / "jamdesk.sqlite3")
    for table in ("profile", "sessions", "session_events", "personal_tasks", "session_stats"):
        assert con.execute(f"select count(*) from {table}").fetchone() == (0,)
    con.close()
    assert_no_trace(tmp_path, [b"Essay", b"Ana"])


def assert_no_trace(folder: Path, secrets: list[bytes]) -> None:
    """None of ``secrets`` is left in the database, its WAL or its shared memory."""
    for path in folder.glob("jamdesk.sqlite3*"):
        raw = path.read_bytes()
        for secret in secrets:
            assert secret not in raw, (path, secret)


async def test_a_host_who_ran_blocks_and_handed_over_has_the_jam_completed(tmp_path: Path) -> None:
    """Issue 13: a host who ran the whole jam and then handed over never got "jams
    completed"; a hand-over is recorded as what it was."""
    from jamdesk.app.progress import completed

    async_db = await AsyncDatabase.open(tmp_path)
    db = async_db.db
    t0 = int(datetime(2026, 3, 1, 9, tzinfo=TZ).timestamp() * 1000)
    for blocks_done, outcome in ((2, "handed_over"), (0, "handed_over"), (2, "left")):
        log = room_log(timer.pomodoro_timer(), at_ms=t0, host_id="a")
        run(log, "a", StartTimer(), t0)
        for i in range(blocks_done):
            run(log, "a", AdvancePhase(), t0 + (25 + 30 * i) * MINUTE_MS)
            run(log, "a", AdvancePhase(), t0 + (30 + 30 * i) * MINUTE_MS)
        refresh_session(db, store_log(db, log, outcome=outcome))
    view = await ProgressService(async_db, TZ).overview(today=date(2026, 3, 1))
    assert (view.sessions, view.sessions_completed) == (3, 1)
    assert [completed(i, 1) for i in db.sessions()] == [False, True, True]  # newest first

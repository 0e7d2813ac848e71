"""Progress from real stored sessions: live credit, the overview, and the tamper check."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from jamdesk.app.progress import ProgressService, heatmap_days
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.pomodoro import MINUTE_MS
from tests.factories import stored_day

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

"""Progress for the profile screen and ``jamdesk stats``: EXP, level, focus, streaks, heatmap.

Each session's EXP and focus spans are derived from its stored log (:mod:`jamdesk.core.progress`)
and cached in ``session_stats``; the cache is refreshed on the database worker whenever a block
completes or a session finishes. :meth:`ProgressService.verify` recomputes everything from the
logs and reports any session whose cached figures differ (an edited database, or a crash before
a refresh) and repairs them, so EXP can never be raised by editing a number.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

import msgspec
import tzlocal

from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.events import Event, PhaseChanged, TimerCompleted
from jamdesk.core.progress import (
    LevelInfo,
    Streaks,
    awards,
    focus_spans,
    level_for,
    minutes_by_day,
    streaks,
)
from jamdesk.store.db import Database, SessionInfo, SessionStats

HEATMAP_WEEKS = 52


def credit_events(events: Sequence[Event]) -> bool:
    """Whether ``events`` may complete a focus block (so the session's EXP must be refreshed)."""
    return any(isinstance(e.body, PhaseChanged | TimerCompleted) for e in events)


def compute_stats(db: Database, info: SessionInfo) -> SessionStats:
    """A session's progress, recomputed from its stored log (runs on the database worker)."""
    events = db.events(info.id)
    if not events:
        return SessionStats(info.id, 0, 0, [], 0)
    earned = awards(events, info.participant_id)
    until = info.ended_at_ms if info.ended_at_ms is not None else events[-1].at_ms
    spans = focus_spans(events, info.participant_id, until_ms=until)
    return SessionStats(info.id, sum(a.exp for a in earned), len(earned), spans, events[-1].seq)


def refresh_session(db: Database, session_id: int) -> SessionStats | None:
    """Recompute and store one session's progress; ``None`` if it does not exist."""
    info = db.session(session_id)
    if info is None:
        return None
    stats = compute_stats(db, info)
    db.save_session_stats(stats)
    return stats


class Overview(msgspec.Struct, frozen=True):
    """Everything the profile screen shows. Days are local calendar days; minutes are focus."""

    level: LevelInfo
    total_focus_ms: int
    focus_blocks: int
    sessions: int
    sessions_completed: int
    streaks: Streaks
    days: dict[date, float]
    today: date


def overview_from(
    infos: Sequence[SessionInfo], stats: Sequence[SessionStats], tz: tzinfo, today: date
) -> Overview:
    """Aggregate cached stats (pure apart from the data handed in)."""
    spans = [span for s in stats for span in s.spans]
    days = minutes_by_day(spans, tz)
    return Overview(
        level=level_for(sum(s.exp for s in stats)),
        total_focus_ms=sum(end - start for start, end in spans),
        focus_blocks=sum(s.blocks for s in stats),
        sessions=len(infos),
        sessions_completed=sum(1 for i in infos if i.outcome == "ended"),
        streaks=streaks((d for d, minutes in days.items() if minutes > 0), today),
        days=days,
        today=today,
    )


def heatmap_days(overview: Overview, weeks: int = HEATMAP_WEEKS) -> list[tuple[date, float]]:
    """The last ``weeks`` weeks by day, oldest first, ending today; weeks start on Monday."""
    start = overview.today - timedelta(days=overview.today.weekday() + 7 * (weeks - 1))
    count = (overview.today - start).days + 1
    return [
        (start + timedelta(days=i), overview.days.get(start + timedelta(days=i), 0.0))
        for i in range(count)
    ]


class ProgressService:
    """Reads and checks progress; every database call runs on the worker thread."""

    def __init__(self, db: AsyncDatabase, tz: tzinfo | None = None) -> None:
        self._db = db
        self.tz = tz or tzlocal.get_localzone()

    async def overview(self, today: date | None = None) -> Overview:
        """The profile's figures from the cache."""
        infos = await self._db.call(self._db.db.sessions)
        stats = await self._db.call(self._db.db.all_session_stats)
        return overview_from(infos, stats, self.tz, today or datetime.now(self.tz).date())

    async def verify(self) -> list[int]:
        """Recompute every session from its log; returns the ids whose stored figures differed
        from their history (now repaired). Sessions with no figures yet are filled in."""

        def check(db: Database) -> list[int]:
            cached = {s.session_id: s for s in db.all_session_stats()}
            wrong = []
            for info in db.sessions():
                fresh = compute_stats(db, info)
                stored = cached.get(info.id)
                if stored != fresh:
                    if stored is not None:
                        wrong.append(info.id)
                    db.save_session_stats(fresh)
            return wrong

        return await self._db.call(check, self._db.db)

    async def export(self, path: Path) -> None:
        """Write everything stored to ``path`` as JSON. Raises ``OSError``."""
        data = await self._db.call(self._db.db.export_all)
        text = json.dumps(data, ensure_ascii=False, indent=1)
        await self._db.call(path.write_text, text, encoding="utf-8")

    async def delete_everything(self) -> None:
        """Delete the profile, history, tasks and stats, leaving no trace in the database."""
        await self._db.call(self._db.db.delete_all)

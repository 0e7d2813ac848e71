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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import tzlocal

from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.events import Event, PhaseChanged, TimerCompleted
from jamdesk.core.progress import (
    LevelInfo,
    Streaks,
    ledger,
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
    until = info.ended_at_ms if info.ended_at_ms is not None else events[-1].at_ms
    book = ledger(events, until_ms=until)
    mine = book.credit(info.participant_id)
    return SessionStats(
        info.id,
        book.counted_exp(info.participant_id),
        mine.blocks,
        mine.spans,
        events[-1].seq,
        block_ends=[a.at_ms for a in mine.awards],
        set_aside=book.problem,
    )


def local_zone_name() -> str:
    """This computer's IANA time zone ("Europe/Paris"), or "" when it cannot be told; a jam
    is recorded with it so its streak days stay the days it was held on."""
    try:
        return tzlocal.get_localzone_name() or ""
    except (LookupError, OSError, ValueError):  # tzlocal's errors for an unreadable setting
        return ""


def zone(name: str, fallback: tzinfo) -> tzinfo:
    """The zone named ``name``, or ``fallback`` for "" or a name this computer does not know."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def refresh_session(db: Database, session_id: int) -> SessionStats | None:
    """Recompute and store one session's progress; ``None`` if it does not exist."""
    info = db.session(session_id)
    if info is None:
        return None
    stats = compute_stats(db, info)
    db.save_session_stats(stats)
    return stats


class Overview(msgspec.Struct, frozen=True):
    """Everything the profile screen shows: minutes of focus by calendar day (each jam's
    minutes in the time zone it was held in) and the jams set aside (ids: their times do not
    add up, so their EXP is not counted)."""

    level: LevelInfo
    total_focus_ms: int
    focus_blocks: int
    sessions: int
    sessions_completed: int
    streaks: Streaks
    days: dict[date, float]
    today: date
    set_aside: list[int] = msgspec.field(default_factory=list)


def completed(info: SessionInfo, blocks: int) -> bool:
    """Whether a jam counts as completed for this profile: it was there when the jam ended,
    or it hosted the jam, completed at least one block and handed the room on as it left
    (README, "Progress")."""
    return info.outcome == "ended" or (info.outcome == "handed_over" and blocks > 0)


def overview_from(
    infos: Sequence[SessionInfo], stats: Sequence[SessionStats], tz: tzinfo, today: date
) -> Overview:
    """Aggregate cached stats (pure apart from the data handed in). A streak day is a day, in
    the zone the jam was held in (``tz`` for jams recorded without one), on which at least one
    focus block was completed (README, "Progress")."""
    zones = {i.id: zone(i.time_zone, tz) for i in infos}
    blocks = {s.session_id: s.blocks for s in stats}
    days: dict[date, float] = {}
    streak_days: set[date] = set()
    for s in stats:
        where = zones.get(s.session_id, tz)
        for day, minutes in minutes_by_day(s.spans, where).items():
            days[day] = days.get(day, 0.0) + minutes
        streak_days.update(datetime.fromtimestamp(end / 1000, where).date() for end in s.block_ends)
    return Overview(
        level=level_for(sum(s.exp for s in stats)),
        total_focus_ms=sum(end - start for s in stats for start, end in s.spans),
        focus_blocks=sum(s.blocks for s in stats),
        sessions=len(infos),
        sessions_completed=sum(1 for i in infos if completed(i, blocks.get(i.id, 0))),
        streaks=streaks(streak_days, today),
        days=days,
        today=today,
        set_aside=sorted(s.session_id for s in stats if s.set_aside),
    )


def set_aside_words(session_ids: Sequence[int]) -> str:
    """What the profile and ``jamdesk stats`` say of jams set aside (empty for none): their
    times do not add up (the stored history was edited or damaged), so their EXP is left out."""
    if not session_ids:
        return ""
    jams = ", ".join(f"#{n}" for n in session_ids)
    which = "jam" if len(session_ids) == 1 else "jams"
    return (
        f"{len(session_ids)} {which} set aside ({jams}): the stored times do not add up, "
        "so their EXP is not counted."
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

"""``jamdesk stats``: your level, EXP, focus time and streaks, checked against your history.

Only the database is opened (no network stack is loaded). Every session is first recomputed
from its log, so the figures printed are the ones the logs support; sessions whose stored
figures did not match are listed.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from jamdesk.app.progress import ProgressService, set_aside_words
from jamdesk.app.storage import AsyncDatabase
from jamdesk.store import owner
from jamdesk.store.db import DAMAGED, Database, StoreError, set_aside
from jamdesk.store.paths import data_dir


async def _stats(args: argparse.Namespace) -> dict[str, object]:
    db = await AsyncDatabase.open(data_dir(args.data_dir))
    try:
        await db.call(db.db.mark_interrupted, owner.alive)  # a killed jam is not "live"
        service = ProgressService(db)
        repaired = await service.verify()
        view = await service.overview()
    finally:
        await db.close()
    return {
        "level": view.level.level,
        "exp": view.level.exp,
        "exp_to_next_level": view.level.to_next,
        "focus_hours": round(view.total_focus_ms / 3_600_000, 2),
        "focus_blocks": view.focus_blocks,
        "sessions": view.sessions,
        "sessions_completed": view.sessions_completed,
        "streak_current_days": view.streaks.current,
        "streak_longest_days": view.streaks.longest,
        "repaired_sessions": repaired,
        "set_aside_sessions": view.set_aside,
    }


def run_stats(args: argparse.Namespace) -> int:
    """Print the stats (JSON with ``--json``); returns the exit code."""
    try:
        stats = asyncio.run(_stats(args))
    except (StoreError, OSError) as exc:
        print(f"jamdesk: {exc}")
        return 4
    if args.json:
        print(json.dumps(stats))
        return 0
    print(
        f"Level {stats['level']}  ·  {stats['exp']} EXP ({stats['exp_to_next_level']} to the "
        f"next level)"
    )
    print(
        f"Focus: {stats['focus_hours']} h in {stats['focus_blocks']} blocks, "
        f"{stats['sessions_completed']} of {stats['sessions']} sessions completed"
    )
    print(f"Streak: {stats['streak_current_days']} days (longest {stats['streak_longest_days']})")
    if stats["repaired_sessions"]:
        print(
            f"Note: the stored figures of {len(stats['repaired_sessions'])} session(s) did "  # type: ignore[arg-type]
            "not match their history and were recomputed."
        )
    if stats["set_aside_sessions"]:
        print(f"Note: {set_aside_words(stats['set_aside_sessions'])}")  # type: ignore[arg-type]
    return 0


def _days(n: object) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def run_repair(args: argparse.Namespace) -> int:
    """``jamdesk repair``: when the history file is damaged (or empty), keep it aside under
    a dated name (:func:`~jamdesk.store.db.set_aside`; nothing is deleted) and start an
    empty one. Exit 0 when the history is usable afterwards (or was already), 4 when not."""
    folder = data_dir(args.data_dir)
    try:
        Database(folder).close()
    except StoreError as exc:
        if exc.kind != DAMAGED:
            print(f"jamdesk: {exc}")
            return 4
        try:
            kept = set_aside(folder)
            Database(folder).close()
        except (StoreError, OSError) as again:
            print(f"jamdesk: could not start an empty history: {again}")
            return 4
        print(
            f"Kept the damaged history file as {kept} (nothing was deleted). Jamdesk starts "
            "with an empty history; your level starts again from the jams you hold next."
        )
        return 0
    print("Your history file is fine; nothing to repair.")
    return 0

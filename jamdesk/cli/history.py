"""``jamdesk history``, ``replay``, ``export`` and ``import``: past jams from the terminal.

``replay SESSION --headless`` prints one JSON line per re-enacted moment, at that moment (the
offset in the original jam divided by ``--speed``), then ``replay_done``; it sleeps between
moments and never polls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from jamdesk.app.history import OUTCOME_NOTES, HistoryService
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.replay import Playhead, ReplayError
from jamdesk.store import owner
from jamdesk.store.db import StoreError
from jamdesk.store.paths import data_dir
from jamdesk.store.replay_file import ReplayFileError


def _out(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _minutes(ms: int) -> str:
    return f"{round(ms / 60_000)} min"


async def _history(args: argparse.Namespace, service: HistoryService) -> int:
    entries = await service.entries()
    if args.json:
        print(
            json.dumps(
                [{k: getattr(e, k) for k in e.__struct_fields__} for e in entries],
                ensure_ascii=False,
            )
        )
        return 0
    if not entries:
        print("No jams yet.")
    for e in entries:
        when = datetime.fromtimestamp(e.started_at_ms / 1000).strftime("%Y-%m-%d %H:%M")
        extra = " (imported)" if e.imported else ""
        extra += OUTCOME_NOTES.get(e.outcome, "")
        print(
            f"{e.session_id:>5}  {when}  {e.title}  ·  {e.session_type.capitalize()}  ·  "
            f"{_minutes(e.duration_ms)}  ·  {', '.join(e.participants)}  ·  you focused "
            f"{_minutes(e.my_focus_ms)}{extra}"
        )
    return 0


async def _replay(args: argparse.Namespace, service: HistoryService) -> int:
    script = await service.script(args.session, args.participant or ())
    _out(
        {
            "event": "replay_started",
            "title": script.title,
            "speed": args.speed,
            "ghosts": [g.name for g in script.ghosts],
            "cues": len(script.cues),
            "length_ms": script.length_ms,
            "interrupted": script.interrupted,
        }
    )
    if script.interrupted:
        _out(
            {
                "event": "notice",
                "message": "This jam was interrupted; it replays up to where it stopped.",
            }
        )
    if not script.cues:
        _out({"event": "notice", "message": "Nothing happened in this jam to replay."})
    head = Playhead(script.cues, args.speed)
    start = time.monotonic_ns() // 1_000_000
    head.play(start)
    while not head.finished:
        now = time.monotonic_ns() // 1_000_000
        for cue in head.due(now):
            _out(
                {
                    "event": "replay",
                    "seq": cue.seq,
                    "offset_ms": cue.offset_ms,
                    "played_at_ms": now - start,
                    "who": cue.who_name,
                    "kind": type(cue.body).__struct_config__.tag,
                    "text": cue.text,
                }
            )
        wake = head.next_due_at(time.monotonic_ns() // 1_000_000)
        if wake is not None:
            await asyncio.sleep(max(0.0, (wake - time.monotonic_ns() // 1_000_000) / 1000))
    _out({"event": "replay_done"})
    return 0


async def _run(args: argparse.Namespace) -> int:
    db = await AsyncDatabase.open(data_dir(args.data_dir))
    await db.call(db.db.mark_interrupted, owner.alive)  # a killed jam is not "live"
    service = HistoryService(db)
    try:
        if args.command == "history":
            return await _history(args, service)
        if args.command == "replay":
            return await _replay(args, service)
        if args.command == "export":
            await service.export(args.session, Path(args.file))
            print(f"Saved jam {args.session} to {args.file}.")
            return 0
        session_id = await service.import_file(Path(args.file))
        print(f"Imported as jam {session_id}.")
        return 0
    finally:
        await db.close()


def run_history_command(args: argparse.Namespace) -> int:
    """Run ``history``, ``replay``, ``export`` or ``import``; returns the exit code."""
    try:
        return asyncio.run(_run(args))
    except (ReplayError, ReplayFileError, LookupError) as exc:
        if args.command == "replay":
            _out({"event": "error", "code": "replay", "reason": str(exc)})
        else:
            print(f"jamdesk: {exc}", file=sys.stderr)
        return 2
    except (StoreError, OSError) as exc:
        print(f"jamdesk: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 0

"""Ghost Replay figures. Prints JSON.

- ``load``: a 3-hour jam with 20 participants and 100,000 events, stored in SQLite: time to
  list history, open the jam and start replaying it (goal: under 300 ms), and the memory that
  replay holds (tracemalloc peak).
- ``timing``: a real-time replay at 1x over ``--minutes`` (default 10) of cues every 50-3000 ms:
  lateness of each cue against its schedule, p50/p99 (goal: p99 under 20 ms), and the CPU the
  process used between cues (no busy polling).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jamdesk.app.history import HistoryService
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.commands import Chat, Command, Join, React, SetProgress, SetStatus, StartTimer
from jamdesk.core.events import ChatPosted
from jamdesk.core.kinds import Status
from jamdesk.core.replay import Cue, Playhead
from jamdesk.core.room import RoomLog
from jamdesk.core.rules import Rejected, decide
from tests.factories import room_log

PEOPLE = 20
EVENTS = 100_000
HOURS = 3


def big_log() -> RoomLog:
    rng = random.Random(2)
    log = room_log(host_id="p0", at_ms=1_000_000)
    ids = [f"p{i}" for i in range(PEOPLE)]
    for pid in ids[1:]:
        log.append(pid, decide(log.state, pid, Join(name=f"Student {pid}"), 0), 1_000_000)  # type: ignore[arg-type]
    log.append("p0", list(decide(log.state, "p0", StartTimer(), 0)), 1_000_001)  # type: ignore[union-attr]
    step = HOURS * 3_600_000 / EVENTS
    t = 1_000_001.0
    while len(log.events) < EVENTS:
        t += step
        pid = rng.choice(ids)
        cmd: Command = rng.choice(
            [
                SetStatus(value=rng.choice(list(Status))),
                Chat(text="ok " * rng.randint(1, 20)),
                React(emoji="👏"),
                SetProgress(percent=rng.randint(0, 100)),
            ]
        )
        bodies = decide(log.state, pid, cmd, int(t))
        if not isinstance(bodies, Rejected) and bodies:
            log.append(pid, bodies, int(t))
    return log


async def load() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db = await AsyncDatabase.open(Path(tmp))
        log = big_log()
        sid = db.db.start_session(
            room_code="ALGO7X",
            title="Marathon",
            session_type="STUDY",
            role="host",
            participant_id="p0",
            started_at_ms=1_000_000,
        )
        db.db.append_events(sid, log.events)
        db.db.finish_session(sid, "ended", log.events[-1].at_ms)
        history = HistoryService(db)
        start = time.perf_counter()
        await history.entries()
        listed = time.perf_counter()
        stream = await history.open_replay(sid, ["Student p3"])
        stream.playhead.play(0)
        stream.playhead.due(0)
        opened = time.perf_counter()
        await stream.fill()  # what a replay reads in the background while it plays
        filled = time.perf_counter()
        tracemalloc.start()
        again = await history.open_replay(sid, ["Student p3"])
        await again.fill()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await db.close()
    return {
        "events": len(log.events),
        "participants": PEOPLE,
        "list_history_ms": round((listed - start) * 1000, 1),
        "open_and_start_replay_ms": round((opened - listed) * 1000, 1),
        "total_to_first_cue_ms": round((opened - start) * 1000, 1),
        "goal_ms": 300,
        "rest_read_in_background_ms": round((filled - opened) * 1000),
        "whole_replay_peak_memory_mb": round(peak / 1e6, 1),
    }


async def timing(minutes: float) -> dict[str, object]:
    rng = random.Random(3)
    cues, offset = [], 0
    while offset < minutes * 60_000:
        offset += rng.randint(50, 3_000)
        cues.append(Cue(offset, len(cues), "b", "Bo", ChatPosted(participant_id="b", text="x")))
    head = Playhead(cues)
    lateness: list[float] = []
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic_ns() / 1e6
    head.play(int(start))
    while not head.finished:
        now = time.monotonic_ns() / 1e6
        for cue in head.due(int(now)):
            lateness.append(now - (start + cue.offset_ms))
        wake = head.next_due_at(int(time.monotonic_ns() / 1e6))
        if wake is not None:
            await asyncio.sleep(max(0.0, (wake - time.monotonic_ns() / 1e6) / 1000))
    wall = time.monotonic_ns() / 1e6 - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) * 1000
    ordered = sorted(lateness)
    return {
        "minutes": minutes,
        "cues": len(cues),
        "lateness_ms": {
            "p50": round(ordered[len(ordered) // 2], 2),
            "p99": round(ordered[int(len(ordered) * 0.99)], 2),
            "max": round(ordered[-1], 2),
        },
        "goal_p99_ms": 20,
        "cpu_percent_while_replaying": round(100 * cpu / wall, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    result = {
        "benchmark": "replay",
        "load": asyncio.run(load()),
        "timing": asyncio.run(timing(args.minutes)),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Small builders shared by tests."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.opening import host_jam
from jamdesk.app.progress import refresh_session
from jamdesk.core import timer
from jamdesk.core.commands import AdvancePhase, Command, EndRoom, StartTimer
from jamdesk.core.events import RoomOpened
from jamdesk.core.kinds import SessionType
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.core.room import RoomLog
from jamdesk.core.rules import Rejected, decide
from jamdesk.core.timer import TimerAnchor
from jamdesk.net.addresses import NetworkMode
from jamdesk.store.db import Database


def room_log(
    anchor: TimerAnchor | None = None,
    *,
    at_ms: int = 0,
    host_id: str = "host",
    session_type: SessionType = SessionType.STUDY,
    private: bool = False,
) -> RoomLog:
    """A freshly opened room ``ALGO7X`` "Algorithms" hosted by Ana (25-minute countdown)."""
    opened = RoomOpened(
        code="ALGO7X",
        title="Algorithms",
        session_type=session_type,
        timer=anchor or timer.countdown(25 * 60_000),
        host_id=host_id,
        host_name="Ana",
        discipline="Computer Science",
        private=private,
    )
    return RoomLog(opened, at_ms=at_ms)


PARIS = ZoneInfo("Europe/Paris")


def run(log: RoomLog, actor: str, cmd: Command, at: int) -> None:
    """Decide ``cmd`` from ``actor`` at ``at`` and append its events; fails on a refusal."""
    bodies = decide(log.state, actor, cmd, at)
    assert not isinstance(bodies, Rejected), bodies
    log.append(actor, bodies, at)


def _run(log: RoomLog, cmd: Command, at: int) -> None:
    run(log, log.state.host_id, cmd, at)


def store_log(db: Database, log: RoomLog, outcome: str = "ended", time_zone: str = "") -> int:
    """Store ``log`` as a finished session of its host, held in ``time_zone``; returns the
    session id."""
    state = log.state
    sid = db.start_session(
        room_code=state.code,
        title=state.title,
        session_type=state.session_type.value,
        role="host",
        participant_id=state.host_id,
        started_at_ms=log.events[0].at_ms,
        time_zone=time_zone,
    )
    db.append_events(sid, log.events)
    db.finish_session(sid, outcome, log.events[-1].at_ms)
    return sid


def stored_day(db: Database, day: date, blocks: int, tz: tzinfo = PARIS, hour: int = 9) -> int:
    """Store a finished Pomodoro jam on ``day`` at ``hour`` with ``blocks`` completed 25-minute
    blocks, its progress refreshed; returns the session id."""
    t0 = int(datetime(day.year, day.month, day.day, hour, tzinfo=tz).timestamp() * 1000)
    log = room_log(timer.pomodoro_timer(), at_ms=t0, host_id="a", session_type=SessionType.POMODORO)
    _run(log, StartTimer(), t0)
    for i in range(blocks):
        _run(log, AdvancePhase(), t0 + (25 + 30 * i) * MINUTE_MS)
        _run(log, AdvancePhase(), t0 + (30 + 30 * i) * MINUTE_MS)
    _run(log, EndRoom(), t0 + 30 * blocks * MINUTE_MS)
    sid = store_log(db, log)
    refresh_session(db, sid)
    return sid


async def loopback_jam(title: str = "Listening", **settings: Any) -> Jam:
    """Ana hosting ``title`` (a 25-minute STUDY countdown) on 127.0.0.1, not advertised and not
    stored; ``settings`` override any :class:`HostSettings` field."""
    fields: dict[str, Any] = {
        "name": "Ana",
        "title": title,
        "session_type": SessionType.STUDY,
        "timer": timer.countdown(25 * 60_000),
        "bind_host": "127.0.0.1",
        "advertise": False,
    } | settings
    return await host_jam(
        HostSettings(**fields), clock=LocalClock(), db=None, mode=NetworkMode.LOOPBACK
    )


def jamdesk_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m jamdesk ARGS`` run to its end (60 s at most), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "jamdesk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

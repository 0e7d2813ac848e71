"""Shared helpers for the benchmarks: percentiles, a loopback room, JSON output."""

from __future__ import annotations

import itertools
import json
import statistics
import time
from typing import Any

from jamdesk.core import timer
from jamdesk.core.events import Event, RoomOpened
from jamdesk.core.kinds import SessionType
from jamdesk.core.room import RoomLog
from jamdesk.net import addresses
from jamdesk.net.host_service import HostService
from jamdesk.protocol.engine import HostEngine

addresses.install(addresses.NetworkMode.LOOPBACK)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": round(statistics.median(values), 3),
        "p95": round(pct(values, 0.95), 3),
        "p99": round(pct(values, 0.99), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def new_host(on_events: Any = None) -> HostService:
    counter = itertools.count(1)
    log = RoomLog(
        RoomOpened(
            code="ALGO7X",
            title="Bench",
            session_type=SessionType.FOCUS,
            timer=timer.countdown(25 * 60_000),
            host_id="host",
            host_name="Ana",
        ),
        at_ms=wall_ms(),
    )

    def ignore(_events: list[Event]) -> None:
        return None

    return HostService(
        HostEngine(log, lambda: f"p{next(counter)}"),
        wall_ms,
        on_events or ignore,
        bind_host="127.0.0.1",
    )


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, indent=2))

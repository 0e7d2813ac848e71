"""Real aiortc peers in one event loop, ICE restricted to 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from jamdesk.core.events import Event
from jamdesk.net import addresses
from jamdesk.net.host_service import HostService
from jamdesk.net.member_client import LinkState, MemberClient
from jamdesk.protocol.engine import HostEngine
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome
from tests.factories import room_log

addresses.install(addresses.NetworkMode.LOOPBACK)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Recorder:
    """Collects what a peer saw; ``wait_for`` waits on a condition, never a sleep."""

    outcomes: list[MemberOutcome] = field(default_factory=list)
    links: list[LinkState] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def host_events(self, events: list[Event]) -> None:
        self.events.extend(events)
        self._poke()

    def __post_init__(self) -> None:
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = []

    def outcome(self, out: MemberOutcome) -> None:
        self.outcomes.append(out)
        self._poke()

    def link(self, state: LinkState) -> None:
        self.links.append(state)
        self._poke()

    def _poke(self) -> None:
        for predicate, future in self._waiters:
            if not future.done() and predicate():
                future.set_result(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        """Return once ``predicate()`` holds, re-checked on every recorded change."""
        if predicate():
            return
        entry = (predicate, asyncio.get_running_loop().create_future())
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(entry[1], timeout_s)
        finally:
            self._waiters.remove(entry)


@dataclass
class Room:
    service: HostService
    host: Recorder
    port: int

    @property
    def events(self) -> list[Event]:
        return self.host.events

    def member(
        self,
        name: str,
        clock: Callable[[], int] = wall_ms,
        engine: MemberEngine | None = None,
        gate: asyncio.Event | None = None,
    ) -> tuple[MemberClient, Recorder]:
        """A member; with ``gate``, finding the host waits until the gate is set."""
        rec = Recorder()
        port = self.port

        async def find() -> tuple[str, int]:
            if gate is not None:
                await gate.wait()
            return ("127.0.0.1", port)

        client = MemberClient(
            engine or MemberEngine(name, code="ALGO7X"),
            local_clock=clock,
            on_outcome=rec.outcome,
            on_link=rec.link,
            find_host=find,
        )
        return client, rec


@pytest.fixture
async def room() -> AsyncIterator[Room]:
    counter = itertools.count(1)
    log = room_log(at_ms=wall_ms())
    host = Recorder(events=list(log.events))
    service = HostService(
        HostEngine(log, lambda: f"p{next(counter)}"),
        wall_ms,
        host.host_events,
        bind_host="127.0.0.1",
    )
    port = await service.start()
    yield Room(service, host, port)
    await service.close()

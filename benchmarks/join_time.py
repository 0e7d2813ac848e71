"""Join time on one computer: from ``join`` being asked to holding the room's state.

Measures ``MemberClient.join()`` (SDP offer, HTTP signalling, ICE on loopback, DTLS, SCTP, the
Welcome with the snapshot and the first clock sample) over 20 joins by address, and a few joins
by code that include mDNS discovery. Prints JSON.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, new_host, summary, wall_ms

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.opening import host_jam, join_jam
from jamdesk.core import timer
from jamdesk.core.kinds import SessionType
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.member_client import MemberClient
from jamdesk.protocol.member_engine import MemberEngine

JOINS = 20
BY_CODE = 5


async def by_address() -> list[float]:
    service = new_host()
    port = await service.start()

    async def find() -> tuple[str, int]:
        return ("127.0.0.1", port)

    times: list[float] = []
    clients = []
    for i in range(JOINS):
        client = MemberClient(
            MemberEngine(f"m{i}"),
            local_clock=wall_ms,
            on_outcome=lambda _o: None,
            on_link=lambda _s: None,
            find_host=find,
        )
        start = time.perf_counter()
        await client.join()
        times.append((time.perf_counter() - start) * 1000)
        clients.append(client)
    for client in clients:
        await client.close()
    await service.close()
    return times


async def by_code() -> list[float]:
    clock = LocalClock()
    host = await host_jam(
        HostSettings(
            name="Ana",
            title="Bench",
            session_type=SessionType.FOCUS,
            timer=timer.countdown(60_000),
            bind_host="127.0.0.1",
        ),
        clock=clock,
        db=None,
        mode=NetworkMode.LOOPBACK,
    )
    times: list[float] = []
    for i in range(BY_CODE):
        start = time.perf_counter()
        member = await join_jam(
            f"m{i}", code=host.code, clock=clock, db=None, mode=NetworkMode.LOOPBACK
        )
        times.append((time.perf_counter() - start) * 1000)
        await member.close()
    await host.close()
    return times


async def main() -> None:
    address = await by_address()
    code = await by_code()
    emit(
        {
            "benchmark": "join_time",
            "unit": "ms",
            "goal": "median < 250",
            "by_address": summary(address),
            "by_code_with_mdns": summary(code),
        }
    )


if __name__ == "__main__":
    asyncio.run(main())

"""A room of 30: host CPU and event latency while every member acts every 2 s.

The host is a real headless process; 30 members run in this process over real data channels
(aiortc, loopback). Each member changes its status every 2 s (staggered). Latency of an event
is from the sending member's command to a separate observer member holding the event; host
CPU is the host process's user+system time over the run. Prints JSON.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, summary
from _procs import Proc

from jamdesk.core.commands import SetStatus
from jamdesk.core.events import StatusChanged
from jamdesk.core.kinds import Status
from jamdesk.net import addresses
from jamdesk.net.member_client import MemberClient
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome

MEMBERS = 30
RUN_S = 30.0
EVERY_S = 2.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(port: int, host_pid: int) -> dict[str, object]:
    addresses.install(addresses.NetworkMode.LOOPBACK)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []

    def observe(out: MemberOutcome) -> None:
        now = time.perf_counter()
        for event in out.events:
            body = event.body
            if isinstance(body, StatusChanged):
                key = f"{body.participant_id}:{body.status.value}"
                if key in sent_at:
                    latencies.append((now - sent_at.pop(key)) * 1000)

    async def find() -> tuple[str, int]:
        return ("127.0.0.1", port)

    def make(name: str, on_outcome=lambda _o: None) -> MemberClient:  # type: ignore[no-untyped-def]
        return MemberClient(
            MemberEngine(name),
            local_clock=lambda: time.time_ns() // 1_000_000,
            on_outcome=on_outcome,
            on_link=lambda _s: None,
            find_host=find,
        )

    observer = make("observer", observe)
    await observer.join()
    members = [make(f"m{i}") for i in range(MEMBERS)]
    for m in members:
        await m.join()

    async def act(i: int, m: MemberClient) -> None:
        await asyncio.sleep(EVERY_S * i / MEMBERS)
        status = [Status.PAUSED, Status.ACTIVE]
        n = 0
        deadline = time.perf_counter() + RUN_S
        while time.perf_counter() < deadline:
            value = status[n % 2]
            sent_at[f"{m.engine.participant_id}:{value.value}"] = time.perf_counter()
            m.send(SetStatus(value=value))
            n += 1
            await asyncio.sleep(EVERY_S)

    cpu0, wall0 = cpu_s(host_pid), time.perf_counter()
    await asyncio.gather(*(act(i, m) for i, m in enumerate(members)))
    await asyncio.sleep(0.5)
    cpu = cpu_s(host_pid) - cpu0
    wall = time.perf_counter() - wall0
    for m in [observer, *members]:
        await m.close()
    return {
        "benchmark": "room30",
        "members": MEMBERS,
        "seconds": round(wall, 1),
        "events_per_s": round(len(latencies) / wall, 1),
        "host_cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "latency_ms": summary(latencies),
        "goal": "p99 < 50 ms",
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        host = Proc(
            "host", "--headless", "--no-advertise", "--bind", "127.0.0.1", data=f"{tmp}/host"
        )
        try:
            port = host.wait(lambda line: line["event"] == "hosting")[1]["port"]
            emit(asyncio.run(run(port, host.proc.pid)))
        finally:
            host.kill()


if __name__ == "__main__":
    main()

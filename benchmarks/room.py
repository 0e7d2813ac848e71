"""A heavy room: host CPU and event latency while every member acts every 2 s.

    .venv/bin/python benchmarks/room.py [--members N] [--processes P] [--seconds S]
        [--window-ms W]

The host is a real headless process (``--fanout-window-ms W`` when given, else its
default). N members run over real data channels (aiortc, loopback), spread over P worker
processes so that they do not share one core. Each member changes its status every 2 s
(staggered). A status change's latency is from its sender's command to an observer member in
the same worker process holding the event (one wall clock); host CPU is the host process's
user+system time over the run. Prints JSON (goal, issue 16: 150 members, p99 < 50 ms, host
under half a core).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, pct, summary
from _procs import Proc

from jamdesk.core.commands import SetStatus
from jamdesk.core.events import StatusChanged
from jamdesk.core.kinds import Status
from jamdesk.net import addresses
from jamdesk.net.member_client import MemberClient
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome

EVERY_S = 2.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Share:
    """One worker's members: ``first`` .. ``first + count - 1`` of ``total``."""

    port: int
    first: int
    count: int
    total: int
    run_s: float


async def worker(share: Share, ready: Any, go: Any) -> dict[str, object]:
    """One worker's members, and one observer: joined, they say ``ready`` and act once
    every worker is (``go``)."""
    port, first, count, total, run_s = (
        share.port, share.first, share.count, share.total, share.run_s
    )  # fmt: skip
    addresses.install(addresses.NetworkMode.LOOPBACK)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []

    def observe(out: MemberOutcome) -> None:
        now = time.time()
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

    async def join(client: MemberClient) -> None:
        for _ in range(600):  # the host admits one offer a second from an address
            try:
                await client.join()
                return
            except Exception:  # the host is busy admitting others: try again
                await asyncio.sleep(0.5)
        raise RuntimeError("could not join")

    observer = make(f"observer{first}", observe)
    await join(observer)
    members = [make(f"m{i}") for i in range(first, first + count)]
    for m in members:
        await join(m)
    ready.put(first)
    await asyncio.get_running_loop().run_in_executor(None, go.wait)

    async def act(i: int, m: MemberClient) -> None:
        await asyncio.sleep(EVERY_S * i / total)
        status = [Status.PAUSED, Status.ACTIVE]
        n = 0
        deadline = time.perf_counter() + run_s
        while time.perf_counter() < deadline:
            value = status[n % 2]
            sent_at[f"{m.engine.participant_id}:{value.value}"] = time.time()
            m.send(SetStatus(value=value))
            n += 1
            await asyncio.sleep(EVERY_S)

    await asyncio.gather(*(act(first + k, m) for k, m in enumerate(members)))
    await asyncio.sleep(1.0)
    lost = len(sent_at)
    for m in [observer, *members]:
        await m.close()
    return {"latencies": latencies, "lost": lost}


def _worker_main(share: Share, ready: Any, go: Any, results: Any) -> None:
    results.put(asyncio.run(worker(share, ready, go)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--processes", type=int, default=0, help="0: one per 40 members")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--window-ms", type=int, default=None)
    args = parser.parse_args()
    processes = args.processes or max(1, -(-args.members // 40))
    with tempfile.TemporaryDirectory() as tmp:
        extra = [] if args.window_ms is None else ["--fanout-window-ms", str(args.window_ms)]
        host = Proc(
            "host", "--headless", "--no-advertise", "--bind", "127.0.0.1", *extra,
            data=f"{tmp}/host",
        )  # fmt: skip
        try:
            port = host.wait(lambda line: line["event"] == "hosting")[1]["port"]
            share = [args.members // processes + (i < args.members % processes)
                     for i in range(processes)]  # fmt: skip
            results: Any = multiprocessing.Queue()
            ready: Any = multiprocessing.Queue()
            go = multiprocessing.Event()
            firsts = [sum(share[:i]) for i in range(processes)]
            shares = [
                Share(port, firsts[i], share[i], args.members, args.seconds)
                for i in range(processes)
            ]
            workers = [
                multiprocessing.Process(target=_worker_main, args=(one, ready, go, results))
                for one in shares
            ]
            joining = time.perf_counter()
            for w in workers:
                w.start()
            for _ in workers:
                ready.get(timeout=args.members * 3 + 60)
            joined_s = time.perf_counter() - joining
            go.set()
            cpu0, wall0 = cpu_s(host.proc.pid), time.perf_counter()
            time.sleep(args.seconds)  # the members act meanwhile: host CPU over that window
            cpu = cpu_s(host.proc.pid) - cpu0
            wall = time.perf_counter() - wall0
            gathered = [results.get(timeout=120) for _ in workers]
            for w in workers:
                w.join(timeout=30)
        finally:
            host.kill()
    latencies = [x for g in gathered for x in g["latencies"]]
    emit({
        "benchmark": "room",
        "members": args.members,
        "worker_processes": processes,
        "fanout_window_ms": args.window_ms,
        "seconds": round(wall, 1),
        "all_joined_s": round(joined_s, 1),
        "status_changes_seen": len(latencies),
        "status_changes_lost": sum(g["lost"] for g in gathered),
        "host_cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "latency_ms": summary(latencies),
        "p99_ms": round(pct(latencies, 0.99), 1),
        "goal": "150 members: p99 < 50 ms, host under 50 % of a core",
    })  # fmt: skip


if __name__ == "__main__":
    main()

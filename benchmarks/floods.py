"""What floods cost a real host, and what honest members feel meanwhile (issue 16, items 4
and 5: bounded work per stranger).

    .venv/bin/python benchmarks/floods.py [--seconds S]

A real headless host process on loopback. In this process: an honest member that changes
its status every 250 ms and an observer member that times each change (command to event
held, one clock); a joiner that joins once during each flood. Phases of S seconds each:

- ``baseline``: nothing else;
- ``offers``: valid SDP offers POSTed to the LAN endpoint by 20 connections at once from
  127.0.0.66, as fast as the host answers (answered, refused busy, refused otherwise, per
  second);
- ``progress``, ``pings``, ``goals``: an admitted member sends those as fast as it can
  (the host's per-link limits refuse or drop the excess; the member is closed when it keeps
  on);
- ``after``: the floods stopped.

For each phase: the honest member's latency (p50, p95), the host's RSS and open files at the
end, and whether the joiner got in (and how long it took). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import msgspec
from _common import emit, summary
from _procs import Proc
from aiortc import RTCPeerConnection

from jamdesk.core.commands import SetGoal, SetProgress, SetStatus
from jamdesk.core.events import StatusChanged
from jamdesk.core.kinds import Status
from jamdesk.net import addresses, rtc
from jamdesk.net.lan import OFFER_PATH, SessionDescription
from jamdesk.net.member_client import JoinError, MemberClient
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Bench:
    def __init__(self, port: int, host_pid: int) -> None:
        self.port, self.host_pid = port, host_pid
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []

    def member(self, name: str, on_outcome: Any = None) -> MemberClient:
        async def find() -> tuple[str, int]:
            return ("127.0.0.1", self.port)

        return MemberClient(
            MemberEngine(name),
            local_clock=lambda: time.time_ns() // 1_000_000,
            on_outcome=on_outcome or (lambda _o: None),
            on_link=lambda _s: None,
            find_host=find,
        )

    def observe(self, out: MemberOutcome) -> None:
        now = time.time()
        for event in out.events:
            body = event.body
            if isinstance(body, StatusChanged):
                key = f"{body.participant_id}:{body.status.value}"
                if key in self.sent_at:
                    self.latencies.append((now - self.sent_at.pop(key)) * 1000)

    async def honest(self, client: MemberClient, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            value = [Status.PAUSED, Status.ACTIVE][n % 2]
            self.sent_at[f"{client.engine.participant_id}:{value.value}"] = time.time()
            client.send(SetStatus(value=value))
            n += 1
            await asyncio.sleep(0.25)

    async def join_once(self) -> dict[str, Any]:
        client = self.member("Joiner")
        try:
            await client.join()
        except JoinError as exc:  # the figure is whether it got in at once, and why not
            took = await join_when_let_in(client)
            await client.leave()
            return {"joined_at_once": False, "told": str(exc)[:120], "got_in_after_s": took}
        await client.leave()
        return {"joined_at_once": True}


async def join_when_let_in(client: MemberClient, patience_s: float = 60.0) -> float:
    """Join, trying again while the host says it is busy (what a student would do after
    the words); returns the seconds it took. Raises the last refusal past ``patience_s``."""
    started = time.perf_counter()
    while True:
        try:
            await client.join()
        except JoinError:
            if time.perf_counter() - started > patience_s:
                raise
            await asyncio.sleep(1.0)
            continue
        return time.perf_counter() - started


async def offer_flood(port: int, stop: asyncio.Event) -> dict[str, Any]:
    pc = RTCPeerConnection()
    pc.createDataChannel(rtc.CHANNEL_LABEL)
    await pc.setLocalDescription(await pc.createOffer())
    body = msgspec.json.encode(SessionDescription(sdp=pc.localDescription.sdp, type="offer"))
    counts: dict[str, int] = {"answered": 0, "busy": 0, "other": 0}
    url = f"http://127.0.0.1:{port}{OFFER_PATH}"

    async def one_connection() -> None:
        # From another loopback address than the honest members': the host's limits per
        # address fall on the flood, and its limits in all on everyone.
        connector = aiohttp.TCPConnector(local_addr=("127.0.0.66", 0))
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            while not stop.is_set():
                try:
                    async with session.post(url, data=body) as response:
                        await response.read()
                        key = {200: "answered", 503: "busy"}.get(response.status, "other")
                except (aiohttp.ClientError, TimeoutError):
                    key = "other"
                counts[key] += 1

    await asyncio.gather(*(one_connection() for _ in range(20)))
    await pc.close()
    return counts


async def member_flood(client: MemberClient, kind: str, stop: asyncio.Event) -> dict[str, int]:
    sent = 0
    while not stop.is_set():
        for _ in range(50):
            if kind == "progress":
                client.send(SetProgress(percent=sent % 100))
            elif kind == "goals":
                client.send(SetGoal(text=f"goal {sent}"))
            elif kind == "pings":
                channel = client._channel  # a flood of raw pings, as an attacker sends them
                if channel is not None:
                    channel.send(client.engine.ping(time.time_ns() // 1_000_000))
            sent += 1
        await asyncio.sleep(0.005)
    return {"sent": sent, "attacker_link": client.link_state.value}


async def run(port: int, host_pid: int, seconds: float) -> dict[str, Any]:
    addresses.install(addresses.NetworkMode.LOOPBACK)
    bench = Bench(port, host_pid)
    observer = bench.member("Observer", bench.observe)
    honest = bench.member("Honest")
    for client in (observer, honest):
        await client.join()
    phases: dict[str, Any] = {}
    for phase in ("baseline", "offers", "progress", "pings", "goals", "after"):
        bench.latencies = []
        stop = asyncio.Event()
        acting = asyncio.ensure_future(bench.honest(honest, stop))
        attacker: MemberClient | None = None
        flood: asyncio.Future[Any] | None = None
        if phase == "offers":
            flood = asyncio.ensure_future(offer_flood(port, stop))
        elif phase in ("progress", "pings", "goals"):
            attacker = bench.member(f"Flood {phase}")
            await join_when_let_in(attacker)
            flood = asyncio.ensure_future(member_flood(attacker, phase, stop))
        await asyncio.sleep(seconds / 2)
        joiner = await bench.join_once()
        await asyncio.sleep(seconds / 2)
        stop.set()
        await acting
        result = await flood if flood is not None else None
        if attacker is not None:
            await attacker.close()
        if phase == "after":
            await asyncio.sleep(5)  # what the floods left behind, once things settle
        phases[phase] = {
            "honest_latency_ms": summary(bench.latencies) if bench.latencies else None,
            "host_rss_mb": rss_mb(host_pid),
            "host_open_files": open_files(host_pid),
            "joiner": joiner,
            **({"flood": result} if result is not None else {}),
        }
        if phase == "offers" and result is not None:
            phases[phase]["offers_per_s"] = {k: round(v / seconds) for k, v in result.items()}
    for client in (observer, honest):
        await client.close()
    return {"benchmark": "floods", "seconds_per_phase": seconds, "phases": phases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--host-log", default=None, help="write the host's log here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        host = Proc(
            "host", "--headless", "--no-advertise", "--bind", "127.0.0.1",
            data=f"{tmp}/host", log=args.host_log,
        )  # fmt: skip
        try:
            port = host.wait(lambda line: line["event"] == "hosting")[1]["port"]
            result = asyncio.run(run(port, host.proc.pid, args.seconds))
            result["host_alive_after"] = host.proc.poll() is None
            emit(result)
        finally:
            host.kill()


if __name__ == "__main__":
    main()

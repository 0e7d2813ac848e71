"""The internet lobby at scale (issue 13): one ``jamdesk signal`` instance holding
``--rooms`` listed rooms (10,000) watched by ``--watchers`` lobby clients (5,000), all real
WebSockets on loopback.

Registers and lists the rooms (3 per host connection, the server's limit), connects the
watchers (each gets the busiest 300 rooms at once), then changes ``--changes`` listings one
at a time and measures, for each change, how long until every watcher has it (the server
batches changes every 250 ms). Also: how long the first answer takes, and the server's
resident memory. Goal: every watcher within 1 s. Prints JSON.

    python benchmarks/internet_lobby.py [--rooms 10000] [--watchers 5000] [--changes 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from jamdesk.protocol.signal import (
    Listing,
    ListRoom,
    LobbyRooms,
    Register,
    WatchLobby,
    decode_signal,
    encode_signal,
)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _listing(i: int, count: int = 1) -> Listing:
    kinds = ("STUDY", "FOCUS", "READING", "CREATIVE", "POMODORO")
    return Listing(
        title=f"Room {i} · linear algebra problem sets",
        session_type=kinds[i % len(kinds)],
        host_name=f"Host {i}",
        count=count,
        lifecycle="active",
        discipline="Mathematics",
    )


async def _host(session: aiohttp.ClientSession, url: str, codes: list[str]) -> object:
    ws = await session.ws_connect(url, max_msg_size=0)
    for code in codes:
        await ws.send_str(encode_signal(Register(code=code)))
        await ws.receive_str()
        await ws.send_str(encode_signal(ListRoom(code=code, listing=_listing(int(code[1:])))))
    return ws


class Fanout:
    """One change on its way: the watchers that still lack it, and an event when none do."""

    def __init__(self, title: str, watchers: int) -> None:
        self.title = title
        self.left = watchers
        self.done = asyncio.Event()

    def reached(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.done.set()


class Watcher:
    """One lobby client: when each change (by title) reached it."""

    current: Fanout | None = None

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.first_s = 0.0

    async def run(self, session: aiohttp.ClientSession, url: str, ready: asyncio.Event) -> None:
        ws = await session.ws_connect(url, max_msg_size=0)
        started = time.perf_counter()
        await ws.send_str(encode_signal(WatchLobby()))
        first = decode_signal(await ws.receive_str())
        assert isinstance(first, LobbyRooms)
        assert first.full
        self.first_s = time.perf_counter() - started
        ready.set()
        async for frame in ws:
            message = decode_signal(frame.data)
            if isinstance(message, LobbyRooms):
                now = time.perf_counter()
                for room in message.rooms:
                    title = room.listing.title
                    if title not in self.seen:
                        self.seen[title] = now
                        fanout = Watcher.current
                        if fanout is not None and fanout.title == title:
                            fanout.reached()


async def _main(args: argparse.Namespace, server: subprocess.Popen[str]) -> dict[str, object]:
    assert server.stdout is not None
    port = json.loads(server.stdout.readline())["port"]
    url = f"ws://127.0.0.1:{port}/v1/ws"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        codes = [f"R{i:05d}" for i in range(args.rooms)]
        began = time.perf_counter()
        hosts = []
        for start in range(0, len(codes), 3 * 200):  # 200 host connections at a time
            batch = [codes[i : i + 3] for i in range(start, min(start + 600, len(codes)), 3)]
            hosts += await asyncio.gather(*(_host(session, url, b) for b in batch))
        listed_s = time.perf_counter() - began
        watchers = [Watcher() for _ in range(args.watchers)]
        tasks = []
        for start in range(0, len(watchers), 250):
            ready = [asyncio.Event() for _ in watchers[start : start + 250]]
            tasks += [
                asyncio.create_task(w.run(session, url, r))
                for w, r in zip(watchers[start : start + 250], ready, strict=True)
            ]
            await asyncio.gather(*(r.wait() for r in ready))
        rss_idle = _rss_mb(server.pid)
        changer = await session.ws_connect(url)
        fan_out = []
        for n in range(args.changes):
            code = f"C{n:04d}"
            await changer.send_str(encode_signal(Register(code=code)))
            await changer.receive_str()
            title = f"Change {n}"
            listing = Listing(title=title, session_type="STUDY", host_name="Ana", count=1,
                              lifecycle="ready")  # fmt: skip
            Watcher.current = fanout = Fanout(title, len(watchers))
            sent = time.perf_counter()
            await changer.send_str(encode_signal(ListRoom(code=code, listing=listing)))
            await asyncio.wait_for(fanout.done.wait(), 30)
            reached = [w.seen[title] - sent for w in watchers]
            fan_out.append(max(reached))
            if n % 3 == 2:  # a host room may hold 3 codes: a new connection for the next
                await changer.close()
                changer = await session.ws_connect(url)
        rss = _rss_mb(server.pid)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await changer.close()
        for ws in hosts:
            await ws.close()  # type: ignore[attr-defined]
    firsts = sorted(w.first_s for w in watchers)
    return {
        "rooms": args.rooms,
        "watchers": args.watchers,
        "listing_all_rooms_s": round(listed_s, 2),
        "first_answer_ms": {
            "p50": round(statistics.median(firsts) * 1000, 1),
            "p99": round(firsts[int(len(firsts) * 0.99) - 1] * 1000, 1),
        },
        "change_reaches_every_watcher_ms": {
            "p50": round(statistics.median(fan_out) * 1000),
            "max": round(max(fan_out) * 1000),
        },
        "goal_ms": 1000,
        "server_rss_mb": {"watched": round(rss_idle, 1), "after_changes": round(rss, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=5_000)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.rooms // 3 + args.watchers + 200
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 2 * need), hard))
    server = subprocess.Popen(
        [sys.executable, "-m", "jamdesk", "signal", "--port", "0", "--max-per-address", "100000",
         "--log-level", "WARNING"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        print(json.dumps(asyncio.run(_main(args, server)), indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

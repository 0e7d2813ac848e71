"""The signalling server: join time through it, what one process sustains, memory per room.

1. Join time: a real host (``host_jam`` with a signalling URL) and 20 real joins through a
   ``jamdesk signal`` process on loopback, each timed from ``join`` asked to the room held
   (relay of the SDP offer and answer, ICE, DTLS, SCTP, the Welcome and a clock sample).
2. Load: 200 rooms whose hosts answer at once; joiners (one WebSocket each, as the app does)
   at rising rates for 5 s each; the highest rate whose p99 join exchange stays under 500 ms.
3. Memory: a fresh server's resident memory (``/proc``) as 6,000 rooms are opened (2,000
   host connections holding 3 rooms each), per room (a third of a connection included).
4. Cluster (when ``redis-server`` is installed): two ``jamdesk signal --redis`` instances on
   one Redis server; the real host registers on the first, the 20 real joins and then the
   load go through the second, so every offer and answer crosses Redis pub/sub. On this
   2-core machine the two instances, Redis and the clients share the cores.

The servers run as their own processes; the clients here. Prints JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import pct

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.opening import host_jam, join_jam
from jamdesk.core import timer
from jamdesk.core.kinds import SessionType
from jamdesk.net.addresses import NetworkMode
from jamdesk.protocol.signal import (
    Answer,
    Join,
    Offer,
    Register,
    decode_signal,
    encode_signal,
)

SDP = "v=0\r\n" + "a=x\r\n" * 200  # about 1 KiB, like a data channel's offer
SERVER = [sys.executable, "-m", "jamdesk", "signal", "--port", "0"]
SERVER += ["--max-per-address", "100000"]  # every client here comes from 127.0.0.1
HOSTS = 2000
RATES = (100, 200, 400, 800, 1200, 1600, 2400, 3200)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def join_times(url: str, join_url: str = "") -> list[float]:
    clock = LocalClock()
    settings = HostSettings(
        name="Ana",
        title="Bench",
        session_type=SessionType.FOCUS,
        timer=timer.countdown(25 * 60_000),
        bind_host="127.0.0.1",
        advertise=False,
        signal_url=url,
    )
    host = await host_jam(settings, clock=clock, db=None, mode=NetworkMode.LOOPBACK)
    times, joined = [], []
    for i in range(20):
        start = time.perf_counter()
        jam = await join_jam(
            f"m{i}",
            code=host.code,
            clock=clock,
            db=None,
            mode=NetworkMode.LOOPBACK,
            signal_url=join_url or url,
        )
        times.append((time.perf_counter() - start) * 1000)
        joined.append(jam)
    for jam in joined:
        await jam.close()
    await host.close()
    return times


async def answering_host(session: aiohttp.ClientSession, url: str, code: str) -> None:
    ws = await session.ws_connect(f"{url}/v1/ws")
    await ws.send_str(encode_signal(Register(code=code)))
    await ws.receive_str()

    async def serve() -> None:
        async for frame in ws:
            message = decode_signal(frame.data)
            if isinstance(message, Offer):
                await ws.send_str(encode_signal(Answer(join_id=message.join_id, sdp=SDP)))

    asyncio.ensure_future(serve())  # noqa: RUF006 - lives until the session closes


async def one_join(session: aiohttp.ClientSession, url: str, code: str) -> float:
    start = time.perf_counter()
    async with session.ws_connect(f"{url}/v1/ws") as ws:
        await ws.send_str(encode_signal(Join(code=code, sdp=SDP)))
        reply = decode_signal(await ws.receive_str(timeout=10))
    assert isinstance(reply, Answer)
    return (time.perf_counter() - start) * 1000


async def load(url: str, join_url: str = "") -> list[dict[str, float]]:
    results = []
    connector = aiohttp.TCPConnector(limit=0)
    join_url = join_url or url
    async with aiohttp.ClientSession(connector=connector) as session:
        codes = [f"ROOM{i:04d}" for i in range(200)]
        for code in codes:
            await answering_host(session, url, code)
        for rate in RATES:
            tasks = []
            start = time.perf_counter()
            for i in range(rate * 5):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                code = codes[i % len(codes)]
                tasks.append(asyncio.ensure_future(one_join(session, join_url, code)))
            times = await asyncio.gather(*tasks, return_exceptions=True)
            ok = [t for t in times if isinstance(t, float)]
            results.append(
                {
                    "joins_per_s": rate,
                    "ok": len(ok),
                    "failed": len(times) - len(ok),
                    "p50_ms": round(statistics.median(ok), 1) if ok else -1,
                    "p99_ms": round(pct(ok, 0.99), 1) if ok else -1,
                }
            )
            if not ok or pct(ok, 0.99) > 500 or len(ok) < len(times):
                break
    return results


async def memory(url: str, pid: int) -> dict[str, float]:
    """Resident memory per room: over the first half of the rooms, and over the second half
    (the second is the steadier figure: the allocator has grown its arenas by then)."""
    marks = [rss_kib(pid)]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = []
        for i in range(HOSTS):  # a connection holds at most 3 rooms
            ws = await session.ws_connect(f"{url}/v1/ws")
            sockets.append(ws)
            for k in range(3):
                await ws.send_str(encode_signal(Register(code=f"M{i:04d}{k}A")))
                await ws.receive_str()
            if i + 1 in (HOSTS // 2, HOSTS):
                marks.append(rss_kib(pid))
        for ws in sockets:
            await ws.close()
    half = HOSTS // 2 * 3
    return {
        "rooms": HOSTS * 3,
        "kib_per_room_first_half": round((marks[1] - marks[0]) / half, 2),
        "kib_per_room_second_half": round((marks[2] - marks[1]) / half, 2),
    }


def start_server(data: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """A ``jamdesk signal`` process and its URL."""
    env = dict(os.environ, JAMDESK_NETWORK="loopback")
    server = subprocess.Popen(
        [*SERVER, *extra, "--data-dir", data],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    first = json.loads(server.stdout.readline())
    if first["event"] != "listening":
        raise SystemExit(f"the signalling server did not start: {first}")
    return server, f"http://127.0.0.1:{first['port']}"


def start_redis(workdir: str) -> tuple[subprocess.Popen[str], str] | None:
    """A throwaway ``redis-server`` on a free loopback port, once it accepts connections."""
    exe = shutil.which("redis-server")
    if exe is None:
        return None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = ["--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", workdir]
    proc = subprocess.Popen([exe, *options], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "Ready to accept connections" in line:
            break
    return proc, f"redis://127.0.0.1:{port}/0"


def summary(joins: list[float], steps: list[dict[str, float]]) -> dict[str, object]:
    sustained = [s["joins_per_s"] for s in steps if s["p99_ms"] < 500 and not s["failed"]]
    return {
        "join_through_server_ms": {
            "n": len(joins),
            "median": round(statistics.median(joins), 1),
            "p95": round(pct(joins, 0.95), 1),
        },
        "load": {"rooms": 200, "steps": steps, "sustained_joins_per_s": max(sustained or [0])},
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        server, url = start_server(data)
        try:
            joins = asyncio.run(join_times(url))
            steps = asyncio.run(load(url))
        finally:
            server.terminate()
            server.wait(timeout=10)
        server, url = start_server(data)  # a fresh process: the load's garbage not in its RSS
        try:
            per_room = asyncio.run(memory(url, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=10)
        result: dict[str, object] = {"benchmark": "signal_server", **summary(joins, steps)}
        result["memory_per_room_with_a_third_of_its_host_connection"] = per_room
        redis = start_redis(data)
        if redis is None:
            result["cluster"] = "skipped: redis-server is not installed"
        else:
            servers = [start_server(data, "--redis", redis[1]) for _ in range(2)]
            (_, one), (_, two) = servers
            try:
                joins = asyncio.run(join_times(one, join_url=two))
                steps = asyncio.run(load(one, join_url=two))
            finally:
                for proc, _ in servers:
                    proc.terminate()
                    proc.wait(timeout=10)
                redis[0].terminate()
                redis[0].wait(timeout=10)
            result["cluster"] = {"instances": 2, "host_on": "one", "joiners_on": "two"}
            result["cluster"] |= summary(joins, steps)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

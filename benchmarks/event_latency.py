"""Event latency host -> member over a real data channel, against a plain WebSocket.

The host appends 2,000 events one at a time (a status change each); the latency of one is the
time from the host's command to the member's engine having applied it. The same run measures
a plain aiohttp WebSocket carrying the same bytes the same way. Both ends live in one process
and one event loop, as in aiortc's own tests. Prints JSON.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from _common import emit, new_host, summary, wall_ms
from aiohttp import web

from jamdesk.core.commands import SetStatus
from jamdesk.core.kinds import Status
from jamdesk.net.member_client import MemberClient
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome

EVENTS = 2_000


async def data_channel() -> list[float]:
    service = new_host()
    port = await service.start()
    arrived: asyncio.Queue[float] = asyncio.Queue()

    def on_outcome(out: MemberOutcome) -> None:
        if out.events:
            arrived.put_nowait(time.perf_counter())

    async def find() -> tuple[str, int]:
        return ("127.0.0.1", port)

    client = MemberClient(
        MemberEngine("m"),
        local_clock=wall_ms,
        on_outcome=on_outcome,
        on_link=lambda _s: None,
        find_host=find,
    )
    await client.join()
    while not arrived.empty():
        arrived.get_nowait()
    statuses = [Status.PAUSED, Status.ACTIVE]
    latencies = []
    for i in range(EVENTS):
        start = time.perf_counter()
        await service.command(SetStatus(value=statuses[i % 2]))
        latencies.append((await arrived.get() - start) * 1000)
    await client.close()
    await service.close()
    return latencies


async def raw_aiortc(sample: bytes) -> list[float]:
    """The transport alone: two bare aiortc peers in this loop, the same bytes each way."""
    from aiortc import RTCSessionDescription

    from jamdesk.net import rtc

    a, b = rtc.new_peer_connection(), rtc.new_peer_connection()
    channel = a.createDataChannel("bench", ordered=True)
    received: asyncio.Queue[float] = asyncio.Queue()
    remote: asyncio.Future[object] = asyncio.get_running_loop().create_future()

    @b.on("datachannel")
    def on_channel(ch: object) -> None:
        ch.on("message", lambda _m: received.put_nowait(time.perf_counter()))  # type: ignore[attr-defined]
        remote.set_result(ch)

    await a.setLocalDescription(await a.createOffer())
    await b.setRemoteDescription(RTCSessionDescription(a.localDescription.sdp, "offer"))
    await b.setLocalDescription(await b.createAnswer())
    await a.setRemoteDescription(RTCSessionDescription(b.localDescription.sdp, "answer"))
    await rtc.wait_open(channel, 10)
    await remote
    text = sample.decode()
    latencies = []
    for _ in range(EVENTS):
        start = time.perf_counter()
        channel.send(text)
        latencies.append((await received.get() - start) * 1000)
    await a.close()
    await b.close()
    return latencies


async def websocket(sample: bytes) -> list[float]:
    queue: asyncio.Queue[web.WebSocketResponse] = asyncio.Queue()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        queue.put_nowait(ws)
        async for _msg in ws:
            pass
        return ws

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    latencies = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"http://127.0.0.1:{port}/") as client,
    ):
        server_ws = await queue.get()
        for _ in range(EVENTS):
            start = time.perf_counter()
            await server_ws.send_str(sample.decode())
            await client.receive()
            latencies.append((time.perf_counter() - start) * 1000)
    await runner.cleanup()
    return latencies


async def main() -> None:
    dc = await data_channel()
    sample = (
        b'{"type":"events","events":[{"seq":2,"at_ms":1795266729006,"actor":"p1",'
        b'"body":{"kind":"status_changed","participant_id":"p1","status":"paused"}}]}'
    )
    ws = await websocket(sample)
    raw = await raw_aiortc(sample)
    dcs, wss, raws = summary(dc), summary(ws), summary(raw)
    emit(
        {
            "benchmark": "event_latency",
            "unit": "ms",
            "events": EVENTS,
            "goal": "p50 < 2, p99 < 10, within 3x of a WebSocket",
            "data_channel": dcs,
            "websocket": wss,
            "bare_aiortc_channel": raws,
            "jamdesk_overhead_p50": round(dcs["median"] - raws["median"], 3),
            "ratio_p50": round(dcs["median"] / wss["median"], 2),
            "ratio_p99": round(dcs["p99"] / wss["p99"], 2),
        }
    )


if __name__ == "__main__":
    asyncio.run(main())

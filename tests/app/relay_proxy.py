"""A signalling relay that a test controls: an aiohttp WebSocket proxy in front of a real
``jamdesk signal`` that hands each frame from the server to a tamper function (text frames
as text, relay frames as bytes) and sends on what it returns."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
from aiohttp import web

Tamper = Callable[[bytes], list[bytes]]
TamperText = Callable[[str], str]


async def relay_proxy(
    upstream: str,
    tamper: Tamper = lambda data: [data],
    tamper_text: TamperText = lambda text: text,
) -> tuple[web.AppRunner, str]:
    """Start the proxy in front of ``upstream`` (a ``ws://`` URL); returns its runner (to
    clean up) and its ``http://`` URL."""

    async def proxy(request: web.Request) -> web.WebSocketResponse:
        client = web.WebSocketResponse(max_msg_size=0)
        await client.prepare(request)
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(upstream, max_msg_size=0) as real,
        ):

            async def down() -> None:
                async for frame in real:
                    if frame.type == aiohttp.WSMsgType.BINARY:
                        for data in tamper(frame.data):
                            await client.send_bytes(data)
                    else:
                        await client.send_str(tamper_text(frame.data))

            pump = asyncio.ensure_future(down())
            async for frame in client:
                if frame.type == aiohttp.WSMsgType.BINARY:
                    await real.send_bytes(frame.data)
                else:
                    await real.send_str(frame.data)
            pump.cancel()
        return client

    app = web.Application()
    app.router.add_get("/v1/ws", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"

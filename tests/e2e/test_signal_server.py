"""``jamdesk signal`` as a real process on loopback, spoken to over real WebSockets."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest

from jamdesk.protocol.signal import (
    Answer,
    Failure,
    Join,
    Offer,
    Register,
    Registered,
    decode_signal,
    encode_signal,
)

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"


@pytest.fixture
def server() -> Iterator[str]:
    """The server's base URL; the process is stopped (SIGTERM) afterwards and must exit 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "jamdesk", "signal", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    assert first["event"] == "listening"
    yield f"http://127.0.0.1:{first['port']}"
    proc.terminate()
    assert proc.wait(timeout=10) == 0
    assert proc.stderr is not None
    logs = [json.loads(line) for line in proc.stderr.read().splitlines()]  # structured: JSON
    assert all({"t", "level", "logger", "message"} <= set(entry) for entry in logs)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def health_until(
    session: aiohttp.ClientSession, server: str, predicate: Callable[[dict[str, Any]], bool]
) -> None:
    """Ask /health until ``predicate`` holds (the server frees a connection after its close
    handshake, a moment after the client's close returns)."""

    async def ask() -> None:
        while True:
            async with session.get(f"{server}/health") as response:
                if predicate(await response.json()):
                    return

    await asyncio.wait_for(ask(), 10)


async def receive(ws: aiohttp.ClientWebSocketResponse) -> object:
    return decode_signal(await ws.receive_str(timeout=10))


async def test_a_join_is_relayed_and_bad_clients_do_not_disturb_other_rooms(
    server: str, session: aiohttp.ClientSession
) -> None:
    host = await session.ws_connect(f"{server}/v1/ws")
    await host.send_str(encode_signal(Register(code="ALGO7X")))
    assert await receive(host) == Registered(code="ALGO7X")

    mallory = await session.ws_connect(f"{server}/v1/ws")
    await mallory.send_str("{ not json")
    assert isinstance(await receive(mallory), Failure)
    await mallory.send_str(encode_signal(Register(code="ALGO7X")))
    refused = await receive(mallory)
    assert isinstance(refused, Failure)
    assert refused.code == "code_taken"
    await mallory.send_str("x" * 70_000)  # over the frame limit: aiohttp closes with 1009
    closed = await mallory.receive(timeout=10)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)

    joiner = await session.ws_connect(f"{server}/v1/ws")
    await joiner.send_str(encode_signal(Join(code="ALGO7X", sdp=SDP)))
    offer = await receive(host)
    assert isinstance(offer, Offer)
    assert offer.sdp == SDP
    await host.send_str(encode_signal(Answer(join_id=offer.join_id, sdp="v=0 answer")))
    assert await receive(joiner) == Answer(join_id=offer.join_id, sdp="v=0 answer")

    async with session.get(f"{server}/health") as response:
        health = await response.json()
    assert health["ok"] is True
    assert health["rooms"] == 1

    await host.close()  # the host leaves: the room is forgotten
    await joiner.send_str(encode_signal(Join(code="ALGO7X", sdp=SDP)))
    gone = await receive(joiner)
    assert isinstance(gone, Failure)
    assert gone.code == "no_room"
    await joiner.close()


async def test_connections_from_one_address_are_limited(
    server: str, session: aiohttp.ClientSession
) -> None:
    sockets = [await session.ws_connect(f"{server}/v1/ws") for _ in range(20)]
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(f"{server}/v1/ws")
    assert refused.value.status == 429
    await sockets[0].close()
    await health_until(session, server, lambda h: h["connections"] == 19)
    again = await session.ws_connect(f"{server}/v1/ws")  # a place is free again
    for ws in [*sockets[1:], again]:
        await ws.close()

"""Helpers for tests that speak to ``jamdesk signal`` processes over real WebSockets."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import aiohttp
import msgspec

from jamdesk.protocol.signal import (
    Answer,
    Join,
    Offer,
    Signal,
    decode_signal,
    encode_signal,
)
from tests.e2e.conftest import JamProcess

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"
"""An SDP offer for tests of the relay, which never looks inside it."""


class SignalProcess:
    """``jamdesk signal --port 0 *args`` on loopback; :attr:`url` is its base URL. Its first
    line is :attr:`first`: ``listening`` (asserted unless ``listening`` is false) or
    ``error``."""

    def __init__(self, *args: str, listening: bool = True, open_files: int = 0) -> None:
        # With open_files, under that limit (soft and hard: a desktop's 1,024, say).
        limit = ["prlimit", f"--nofile={open_files}:{open_files}"] if open_files else []
        self.proc = subprocess.Popen(
            [*limit, sys.executable, "-m", "jamdesk", "signal", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.first = json.loads(self.proc.stdout.readline())
        assert self.first["event"] == "listening" or not listening, self.first
        self.url = f"http://127.0.0.1:{self.first.get('port', 0)}"

    def stop(self) -> list[dict[str, Any]]:
        """SIGTERM; the process must exit 0 and have logged only JSON lines (returned)."""
        self.proc.terminate()
        assert self.proc.wait(timeout=10) == 0
        assert self.proc.stderr is not None
        logs = [json.loads(line) for line in self.proc.stderr.read().splitlines()]
        assert all({"t", "level", "logger", "message"} <= set(entry) for entry in logs)
        return logs

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def start_signal(
    jamdesk: Callable[..., JamProcess], *args: str, data: str
) -> tuple[JamProcess, str]:
    """Start ``jamdesk signal --port 0 *args`` with the e2e ``jamdesk`` fixture (in the test's
    namespace); returns the process and its base URL once it listens."""
    server = jamdesk("signal", "--port", "0", *args, data=data)
    return server, f"http://127.0.0.1:{server.event('listening')['port']}"


async def receive(ws: aiohttp.ClientWebSocketResponse) -> object:
    """The next signalling message on ``ws`` (10 s at most)."""
    return decode_signal(await ws.receive_str(timeout=10))


async def ask(ws: aiohttp.ClientWebSocketResponse, message: Signal) -> object:
    """Send ``message`` on ``ws``; returns the server's next message to it."""
    await ws.send_str(encode_signal(message))
    return await receive(ws)


async def join_answered(
    host: aiohttp.ClientWebSocketResponse,
    joiner: aiohttp.ClientWebSocketResponse,
    join: Join,
    answer: Answer,
) -> None:
    """``joiner`` sends ``join``: asserts that its offer reaches ``host`` with the same SDP and
    PAKE message, that the host's ``answer`` (its ``join_id`` filled in) reaches the joiner as
    sent."""
    await joiner.send_str(encode_signal(join))
    offer = await receive(host)
    assert isinstance(offer, Offer)
    assert (offer.sdp, offer.pake) == (join.sdp, join.pake)
    reply = msgspec.structs.replace(answer, join_id=offer.join_id)
    await host.send_str(encode_signal(reply))
    assert await receive(joiner) == reply


async def health_until(
    session: aiohttp.ClientSession,
    server: str,
    predicate: Callable[[dict[str, Any]], bool],
    timeout_s: float = 10,
) -> dict[str, Any]:
    """Ask /health until ``predicate`` holds (``timeout_s`` at most); returns that answer.
    (The server frees a connection after its close handshake, a moment after the client's
    close returns.)"""

    async def ask() -> dict[str, Any]:
        while True:
            async with session.get(f"{server}/health") as response:
                health: dict[str, Any] = await response.json()
            if predicate(health):
                return health

    return await asyncio.wait_for(ask(), timeout_s)

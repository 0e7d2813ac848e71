"""A private jam through a signalling server: the code is proved with SPAKE2, never sent;
a wrong code and a relay that rewrites the SDP both fail loudly, and the room is untouched.

Everything is real and on loopback: the server, the host, the joiners, and a tampering relay
(an aiohttp WebSocket proxy in front of the server that alters each answer's fingerprint).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam import Jam
from jamdesk.app.opening import join_jam
from jamdesk.net.addresses import NetworkMode, install
from jamdesk.net.member_client import JoinError
from jamdesk.signal_server.server import SignalServer
from tests.app.relay_proxy import relay_proxy
from tests.factories import loopback_jam

install(NetworkMode.LOOPBACK)
CLOCK = LocalClock()


@pytest.fixture
async def server() -> AsyncIterator[tuple[SignalServer, list[str]]]:
    """The server, and every frame it received (to show the code is never among them)."""
    signal = SignalServer("127.0.0.1", 0)
    seen: list[str] = []
    received = signal.relay.received

    def record(client: str, data: str | bytes, now_ms: int):  # type: ignore[no-untyped-def]
        seen.append(data if isinstance(data, str) else data.decode())
        return received(client, data, now_ms)

    signal.relay.received = record  # type: ignore[method-assign]
    await signal.start()
    yield signal, seen
    await signal.close()


async def private_host(url: str) -> Jam:
    return await loopback_jam("Secret plans", private=True, signal_url=url)


async def join(url: str, code: str, room: str) -> Jam:
    return await join_jam(
        "Bo", code=code, clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK, signal_url=url,
        relay_id=room,
    )  # fmt: skip


async def test_the_right_code_joins_and_the_server_never_sees_it(
    server: tuple[SignalServer, list[str]],
) -> None:
    signal, seen = server
    url = f"http://127.0.0.1:{signal.port}"
    host = await private_host(url)
    try:
        assert host.relay_id
        assert host.relay_id != host.code
        bo = await join(url, host.code, host.relay_id)
        assert bo.state.title == "Secret plans"
        assert host.state.present_count == 2
        assert seen
        assert not any(host.code in frame for frame in seen)
        await bo.leave()
    finally:
        await host.close()


async def test_a_wrong_code_fails_in_words_and_changes_nothing(
    server: tuple[SignalServer, list[str]],
) -> None:
    signal, _ = server
    url = f"http://127.0.0.1:{signal.port}"
    host = await private_host(url)
    try:
        before = host.state
        with pytest.raises(JoinError, match="does not open this private jam"):
            await join(url, "WRONG2", host.relay_id)
        assert host.state == before
    finally:
        await host.close()


@pytest.fixture
async def tampering(server: tuple[SignalServer, list[str]]) -> AsyncIterator[str]:
    """A relay in front of the server that alters the tunnel key in every answer (the
    fingerprint of the direct path travels inside the tunnel), passing relay frames on."""
    signal, _ = server
    runner, url = await relay_proxy(
        f"ws://127.0.0.1:{signal.port}/v1/ws",
        tamper_text=lambda text: re.sub(r'("tunnel":")(..)', r"\g<1>00", text),
    )
    yield url
    await runner.cleanup()


async def test_a_relay_that_rewrites_the_answer_is_caught(
    server: tuple[SignalServer, list[str]], tampering: str
) -> None:
    signal, _ = server
    host = await private_host(f"http://127.0.0.1:{signal.port}")
    try:
        with pytest.raises(JoinError, match="altered on the way"):
            await join(tampering, host.code, host.relay_id)
        assert host.state.present_count == 1
    finally:
        await host.close()

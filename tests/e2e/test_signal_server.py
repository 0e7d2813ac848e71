"""``jamdesk signal`` as a real process on loopback, spoken to over real WebSockets."""

from __future__ import annotations

import resource
import socket
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from jamdesk.protocol.signal import (
    Answer,
    Failure,
    Join,
    Register,
    Registered,
)
from jamdesk.signal_server.server import HANDSHAKE_TIMEOUT_S, SOCKETS_PER_ADDRESS
from tests.e2e.signalling import SDP, SignalProcess, ask, health_until, join_answered, receive


@pytest.fixture
def server() -> Iterator[str]:
    """The server's base URL; the process is stopped (SIGTERM) afterwards and must exit 0."""
    process = SignalProcess()
    yield process.url
    process.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def test_a_join_is_relayed_and_bad_clients_do_not_disturb_other_rooms(
    server: str, session: aiohttp.ClientSession
) -> None:
    host = await session.ws_connect(f"{server}/v1/ws")
    assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")

    mallory = await session.ws_connect(f"{server}/v1/ws")
    await mallory.send_str("{ not json")
    assert isinstance(await receive(mallory), Failure)
    refused = await ask(mallory, Register(code="ALGO7X"))
    assert isinstance(refused, Failure)
    assert refused.code == "code_taken"
    await mallory.send_str("x" * 70_000)  # over the frame limit: aiohttp closes with 1009
    closed = await mallory.receive(timeout=10)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)

    joiner = await session.ws_connect(f"{server}/v1/ws")
    answer = Answer(join_id="", sdp="v=0 answer")  # join_answered() fills in the join id
    await join_answered(host, joiner, Join(code="ALGO7X", sdp=SDP), answer)

    async with session.get(f"{server}/health") as response:
        health = await response.json()
    assert health["ok"] is True
    assert health["rooms"] == 1

    await host.close()  # the host leaves: the room is forgotten
    gone = await ask(joiner, Join(code="ALGO7X", sdp=SDP))
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


async def test_behind_a_trusted_proxy_limits_count_the_forwarded_client_address(
    session: aiohttp.ClientSession,
) -> None:
    server = SignalProcess("--trusted-proxy", "127.0.0.1", "--max-per-address", "2")
    try:
        url = f"{server.url}/v1/ws"
        ana = {"X-Forwarded-For": "203.0.113.5"}  # as the proxy says; nothing is sent there
        sockets = [await session.ws_connect(url, headers=ana) for _ in range(2)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url, headers=ana)
        assert refused.value.status == 429
        bo = await session.ws_connect(url, headers={"X-Forwarded-For": "203.0.113.6"})
        with pytest.raises(aiohttp.WSServerHandshakeError) as direct:
            await session.ws_connect(url)  # not through the proxy: refused
        assert direct.value.status == 400
        async with session.get(f"{server.url}/health") as response:  # the proxy's own check
            assert response.status == 200
        assert await ask(bo, Register(code="ALGO7X")) == Registered(code="ALGO7X")
        for ws in [*sockets, bo]:
            await ws.close()
    finally:
        server.stop()


def test_a_bad_trusted_proxy_is_said_in_words() -> None:
    server = SignalProcess("--trusted-proxy", "not-an-address", listening=False)
    assert server.first == {
        "event": "error",
        "reason": "--trusted-proxy: 'not-an-address' is not IPv4 or IPv6 address or network",
    }
    assert server.proc.wait(timeout=10) == 2


def half_open(port: int, count: int) -> list[socket.socket]:
    """``count`` connections from 127.0.0.1 that start an HTTP request and never finish it
    (slowloris)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1024), hard))
    held = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /v1/ws HTTP/1.1\r\nHost: jam\r\n")
        held.append(s)
    return held


async def test_half_open_sockets_leave_the_server_serving_others() -> None:
    """Issue 16, item 6: 1,024 half-open sockets made /health and new WebSockets time out
    (the server ran out of file descriptors). With a limit of 1,024 open files, 1,100 from
    one address now cost at most SOCKETS_PER_ADDRESS, each for at most HANDSHAKE_TIMEOUT_S."""
    process = SignalProcess(open_files=1024)
    port = int(process.first["port"])
    held = half_open(port, 1_100)
    try:
        other = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
        async with aiohttp.ClientSession(connector=other) as session:

            def all_refused(h: dict[str, int]) -> bool:
                return h["refused_at_accept"] >= 1_100 - SOCKETS_PER_ADDRESS

            health = await health_until(session, process.url, all_refused)
            assert health["tcp_connections"] <= SOCKETS_PER_ADDRESS + 1
            host = await session.ws_connect(f"{process.url}/v1/ws")
            assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")
            await host.close()
        # The ones it kept are closed once the handshake time is up, never answered.
        kept = held[-1:] + held[:SOCKETS_PER_ADDRESS]
        for s in kept:
            s.settimeout(HANDSHAKE_TIMEOUT_S + 10)
        assert all(_read_until_closed(s) == b"" for s in kept)
    finally:
        for s in held:
            s.close()
        logs = process.stop()
    assert not [e for e in logs if e["level"] == "error"]  # no "out of system resource"


def _read_until_closed(s: socket.socket) -> bytes:
    try:
        return s.recv(1024)
    except ConnectionResetError:
        return b""

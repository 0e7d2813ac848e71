"""Two ``jamdesk signal --redis URL`` instances sharing a real ``redis-server``: a host on one
and joiners on the other, as raw WebSockets and as real jam processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from jamdesk.net.lan import SessionDescription
from jamdesk.net.signal_client import HostSignal, SignalRoute, exchange
from jamdesk.protocol.signal import (
    Answer,
    Failure,
    Join,
    Register,
    Registered,
    encode_signal,
)
from tests.e2e.conftest import JamProcess, Network
from tests.e2e.nginx_proxy import Nginx
from tests.e2e.redis_server import RedisServer, free_port
from tests.e2e.signalling import (
    SDP,
    SignalProcess,
    ask,
    health_until,
    join_answered,
    receive,
    start_signal,
)

ANSWER = Answer(join_id="", sdp="v=0 answer")  # join_answered() fills in the join id


@dataclass
class Cluster:
    one: SignalProcess
    two: SignalProcess
    session: aiohttp.ClientSession

    async def connect(self, server: SignalProcess) -> aiohttp.ClientWebSocketResponse:
        return await self.session.ws_connect(f"{server.url}/v1/ws")


@pytest.fixture
def redis_here(tmp_path: Path) -> Iterator[str]:
    """A Redis server on this machine's loopback (for the tests' own WebSockets)."""
    server = RedisServer(tmp_path / "redis", free_port())
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
async def cluster(redis_here: str) -> AsyncIterator[Cluster]:
    one, two = SignalProcess("--redis", redis_here), SignalProcess("--redis", redis_here)
    async with aiohttp.ClientSession() as session:
        yield Cluster(one, two, session)
    for server in (one, two):
        if server.proc.poll() is None:
            server.stop()


async def test_a_host_on_one_instance_answers_a_joiner_on_the_other(cluster: Cluster) -> None:
    host = await cluster.connect(cluster.one)
    assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")

    eve = await cluster.connect(cluster.two)  # the code is taken cluster-wide
    taken = await ask(eve, Register(code="ALGO7X"))
    assert isinstance(taken, Failure)
    assert taken.code == "code_taken"

    joiner = await cluster.connect(cluster.two)
    join = Join(code="ALGO7X", sdp=SDP, pake="ab")  # PAKE fields carried intact both ways
    await join_answered(host, joiner, join, Answer(join_id="", sdp="a", pake="cd", proof="ef"))

    unknown = await ask(joiner, Join(code="NOSUCH", sdp=SDP))
    assert isinstance(unknown, Failure)
    assert unknown.code == "no_room"

    one = await health_until(cluster.session, cluster.one.url, lambda h: h["rooms"] == 1)
    two = await health_until(cluster.session, cluster.two.url, lambda h: h["rooms"] == 0)
    assert one["instance"]
    assert two["instance"] not in ("", one["instance"])

    await host.close()  # the host leaves: its claim is given back, and the code is free again

    async def register_when_free() -> object:
        while True:
            reply = await ask(eve, Register(code="ALGO7X"))
            if not (isinstance(reply, Failure) and reply.code == "code_taken"):
                return reply

    assert await asyncio.wait_for(register_when_free(), 10) == Registered(code="ALGO7X")
    for ws in (eve, joiner):
        await ws.close()


async def test_every_instance_lists_every_room_and_carries_the_lobby_chat(
    cluster: Cluster,
) -> None:
    """Issue 13: with ``--redis``, every instance lists every room; the lobby chat crosses
    instances; a room goes from every instance's lobby when its host leaves."""
    from jamdesk.protocol.signal import (
        Listing,
        ListRoom,
        LobbyLine,
        LobbyRooms,
        LobbySay,
        WatchLobby,
    )

    host = await cluster.connect(cluster.one)
    assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")
    listing = Listing(title="Calculus", session_type="STUDY", host_name="Ana", count=1,
                      lifecycle="ready")  # fmt: skip
    await host.send_str(encode_signal(ListRoom(code="ALGO7X", listing=listing)))
    here = await cluster.connect(cluster.one)
    there = await cluster.connect(cluster.two)

    async def listed_at(ws: aiohttp.ClientWebSocketResponse, wanted: set[str]) -> None:
        """Watch the lobby on ``ws`` until exactly ``wanted`` is listed."""
        seen: set[str] = set()
        await ws.send_str(encode_signal(WatchLobby()))
        while seen != wanted:
            message = await receive(ws)
            if isinstance(message, LobbyRooms):
                seen = set() if message.full else seen
                seen = (seen | {r.code for r in message.rooms}) - set(message.gone)

    await asyncio.wait_for(listed_at(here, {"ALGO7X"}), 10)
    await asyncio.wait_for(listed_at(there, {"ALGO7X"}), 10)  # another instance's room
    await there.send_str(encode_signal(LobbySay(name="Bo", text="hello from two")))

    async def line_at(ws: aiohttp.ClientWebSocketResponse) -> LobbyLine:
        while not isinstance(message := await receive(ws), LobbyLine):
            pass
        return message

    line = await asyncio.wait_for(line_at(here), 10)
    assert (line.name, line.text) == ("Bo", "hello from two")
    await host.close()

    async def gone_at(ws: aiohttp.ClientWebSocketResponse) -> None:
        while not (isinstance(m := await receive(ws), LobbyRooms) and "ALGO7X" in m.gone):
            pass

    await asyncio.wait_for(gone_at(there), 10)
    for ws in (here, there):
        await ws.close()


async def test_a_join_for_a_room_on_a_crashed_instance_fails_at_once(cluster: Cluster) -> None:
    host = await cluster.connect(cluster.one)
    assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")
    cluster.one.kill()  # its claim stays in Redis until it expires, but nobody hears its channel

    joiner = await cluster.connect(cluster.two)
    await joiner.send_str(encode_signal(Join(code="ALGO7X", sdp=SDP)))
    refused = await asyncio.wait_for(receive(joiner), 5)  # not after the 20 s join wait
    assert refused == Failure(code="no_room", message="No jam with code ALGO7X is open here.")
    await joiner.close()
    await host.close()


async def test_an_instance_that_stops_gives_its_codes_back_at_once(cluster: Cluster) -> None:
    host = await cluster.connect(cluster.one)
    assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")
    logs = cluster.one.stop()  # SIGTERM: it closes its connections and releases its claims
    assert not [entry for entry in logs if entry["level"] in ("warning", "error")]

    again = await cluster.connect(cluster.two)  # the host, reconnected through the balancer
    # at once, not after the claim's 30 s
    assert await ask(again, Register(code="ALGO7X")) == Registered(code="ALGO7X")
    await again.close()
    await host.close()


async def test_behind_nginx_as_the_readme_says_a_host_and_a_joiner_meet_across_instances(
    redis_here: str, tmp_path: Path
) -> None:
    options = ("--redis", redis_here, "--trusted-proxy", "127.0.0.1")
    one, two = SignalProcess(*options), SignalProcess(*options)
    proxy = Nginx(tmp_path / "nginx", free_port(), [one.url, two.url])
    try:
        url = proxy.start()
        async with aiohttp.ClientSession() as session:
            host = await session.ws_connect(f"{url}/v1/ws")
            assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")
            joiner = await session.ws_connect(f"{url}/v1/ws")
            for server in (one, two):  # round robin: one connection on each instance
                await health_until(session, server.url, lambda h: h["connections"] == 1)

            await join_answered(host, joiner, Join(code="ALGO7X", sdp=SDP), ANSWER)

            with pytest.raises(aiohttp.WSServerHandshakeError) as direct:
                await session.ws_connect(f"{one.url}/v1/ws")  # around the proxy: refused
            assert direct.value.status == 400
            for ws in (host, joiner):
                await ws.close()
    finally:
        proxy.stop()
        for server in (one, two):
            server.stop()


async def test_a_host_whose_instance_crashes_comes_back_on_another_at_once(
    redis_here: str, tmp_path: Path
) -> None:
    options = ("--redis", redis_here, "--claim-ttl", "30", "--log-level", "INFO")
    servers = [SignalProcess(*options), SignalProcess(*options)]
    proxy = Nginx(tmp_path / "nginx", free_port(), [server.url for server in servers])
    host = HostSignal(proxy.start(), "ALGO7X", answer)
    try:
        await host.start()  # the app's own registration, reconnecting as the app does
        async with aiohttp.ClientSession() as session:
            healths = [await health_until(session, s.url, lambda _h: True) for s in servers]
            crashed, survivor = servers if healths[0]["rooms"] == 1 else servers[::-1]
            crashed.kill()
            # nobody listens on the crashed instance's channel: its claim is taken over long
            # before it would expire (30 s)
            await health_until(session, survivor.url, lambda h: h["rooms"] == 1, timeout_s=20)
        offer = SessionDescription(sdp=SDP, type="offer")
        got, _ = await exchange(SignalRoute(proxy.url, "ALGO7X"), offer)
        assert got.sdp == "v=0 answer"
        await host.close()
        said = [entry["message"] for entry in survivor.stop()]
        assert any("took over ALGO7X from instance" in message for message in said)
    finally:
        await host.close()
        proxy.stop()
        for server in servers:
            server.kill()


async def answer(offer: SessionDescription, remote: str, _via: object = None) -> SessionDescription:
    return SessionDescription(sdp="v=0 answer", type="answer")


async def test_while_redis_is_down_instances_say_so_and_they_recover_when_it_is_back(
    tmp_path: Path,
) -> None:
    port = free_port()
    redis = RedisServer(tmp_path / "redis", port)
    url = redis.start()
    servers = [SignalProcess("--redis", url), SignalProcess("--redis", url)]
    one, two = servers
    try:
        async with aiohttp.ClientSession() as session:
            redis.stop()
            async with session.get(f"{one.url}/health") as response:
                assert response.status == 503  # a balancer's check sends clients elsewhere
                assert (await response.json())["redis"] is False
            host = await session.ws_connect(f"{one.url}/v1/ws")
            assert await ask(host, Register(code="ALGO7X")) == Failure(
                code="unavailable", message="The signalling server is busy; try again soon."
            )

            redis = RedisServer(tmp_path / "redis", port)  # back, empty
            redis.start()
            for server in servers:
                await health_until(session, server.url, lambda h: h["ok"] is True)  # subscribed
            assert await ask(host, Register(code="ALGO7X")) == Registered(code="ALGO7X")

            joiner = await session.ws_connect(f"{two.url}/v1/ws")  # across, through Redis
            await join_answered(host, joiner, Join(code="ALGO7X", sdp=SDP), ANSWER)
            await joiner.close()
            await host.close()
    finally:
        for server in servers:
            server.kill()
        redis.stop()


def test_an_unreachable_redis_is_said_in_words() -> None:
    server = SignalProcess("--redis", f"redis://127.0.0.1:{free_port()}/0", listening=False)
    assert server.first["event"] == "error"
    assert "Cannot reach Redis at redis://127.0.0.1:" in server.first["reason"]
    assert server.proc.wait(timeout=10) == 2


@pytest.fixture
def redis_in_network(network: Network, tmp_path: Path) -> Iterator[str]:
    """A Redis server where the test's jam processes run (its namespace, or loopback)."""
    port = 6379 if network.namespace else free_port()
    server = RedisServer(tmp_path / "redis", port, network.prefix)
    try:
        yield server.start()
    finally:
        server.stop()


def test_jams_through_two_instances_public_and_private(
    jamdesk: Callable[..., JamProcess], redis_in_network: str
) -> None:
    (_, one), (_, two) = (start_signal(jamdesk, "--redis", redis_in_network, data=d) for d in "12")

    ana = jamdesk(
        "host", "--headless", "--name", "Ana", "--signal", one, "--no-advertise", data="a"
    )
    code = ana.event("hosting")["code"]
    bo = jamdesk("join", code, "--headless", "--name", "Bo", "--signal", two, data="bo")
    assert bo.event("joined")["code"] == code
    ana.send({"cmd": "timer.start"})
    bo.event("room_event", kind="timer_started")

    dee = jamdesk("host", "--headless", "--private", "--signal", two, "--no-advertise", data="d")
    hosting = dee.event("hosting")
    room = hosting["link"].split("&room=")[1]
    eve = jamdesk(
        "join", hosting["code"], "--headless", "--name", "Eve", "--signal", one, "--room", room,
        data="eve",
    )  # fmt: skip
    eve.event("joined")  # the PAKE ran across the two instances

    for host, member in ((ana, bo), (dee, eve)):
        host.send({"cmd": "end"})
        member.event("room_event", kind="room_ended")
        assert host.finish() == 0
        assert member.finish() == 0

"""Relay fallback through a real signalling server on loopback: a member joins over the
relay at once, moves to the data channel when ICE opens it without losing or repeating an
event, the server forwards only ciphertext, and a relay that alters, drops or replays a
frame makes the link fail loudly without changing the room.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from jamdesk.app.clock import LocalClock
from jamdesk.app.jam import Jam
from jamdesk.app.jam_state import JamUpdate
from jamdesk.app.opening import join_jam
from jamdesk.core.commands import Chat
from jamdesk.net.addresses import NetworkMode, install
from jamdesk.net.member_client import JoinError
from jamdesk.protocol.paths import Path
from jamdesk.protocol.signal import JOIN_ID_BYTES
from jamdesk.signal_server.server import SignalServer
from tests.app.relay_proxy import Tamper, relay_proxy
from tests.factories import loopback_jam

install(NetworkMode.LOOPBACK)
CLOCK = LocalClock()


@pytest.fixture
async def server() -> AsyncIterator[tuple[SignalServer, list[bytes]]]:
    """The server, and every relayed (binary) frame it was given."""
    signal = SignalServer("127.0.0.1", 0)
    frames: list[bytes] = []
    relayed = signal.relay.relayed

    def record(client: str, data: bytes, now_ms: int):  # type: ignore[no-untyped-def]
        frames.append(data)
        return relayed(client, data, now_ms)

    signal.relay.relayed = record  # type: ignore[method-assign]
    await signal.start()
    yield signal, frames
    await signal.close()


def url_of(signal: SignalServer) -> str:
    return f"http://127.0.0.1:{signal.port}"


async def join(url: str, code: str, room: str = "") -> Jam:
    return await join_jam(
        "Bo", code=code, clock=CLOCK, db=None, mode=NetworkMode.LOOPBACK, signal_url=url,
        relay_id=room,
    )  # fmt: skip


async def wait_for(jam: Jam, check: Callable[[JamUpdate], bool], timeout_s: float = 10) -> None:
    """Wait until ``jam`` emits an update for which ``check`` holds."""
    seen = asyncio.Event()

    def listener(update: JamUpdate) -> None:
        if check(update):
            seen.set()

    unsubscribe = jam.subscribe(listener)
    try:
        await asyncio.wait_for(seen.wait(), timeout_s)
    finally:
        unsubscribe()


async def test_a_member_joins_over_the_relay_and_moves_to_a_direct_path_losing_nothing(
    server: tuple[SignalServer, list[bytes]],
) -> None:
    signal, frames = server
    host = await loopback_jam("Moving day", signal_url=url_of(signal))
    try:
        moved = asyncio.Event()
        bo = await join(url_of(signal), host.code)
        assert bo.state.title == "Moving day"
        assert bo.path is not None
        assert frames, "the welcome came over the relay"
        bo.subscribe(lambda u: moved.set() if u.path is Path.DIRECT else None)

        async def chatter() -> None:  # events go out all through the move
            for i in range(60):
                await host.send(Chat(text=f"line {i}"))
                await asyncio.sleep(0.01)

        talk = asyncio.ensure_future(chatter())
        await asyncio.wait_for(moved.wait(), 10)
        await talk
        await host.send(Chat(text="last"))
        await wait_for(bo, lambda u: any(getattr(e.body, "text", "") == "last" for e in u.events))
        assert bo.path is Path.DIRECT
        if host.paths().get(bo.me) is not Path.DIRECT:  # the host sees the move too
            await wait_for(host, lambda u: u.paths and host.paths()[bo.me] is Path.DIRECT)
        if bo.paths() != host.paths():  # and tells everyone (the people list)
            await wait_for(bo, lambda u: u.paths and bo.paths() == host.paths())
        assert [e.seq for e in bo.events] == [e.seq for e in host.events]
        assert bo.events == host.events
        await bo.leave()
    finally:
        await host.close()


async def test_the_server_forwards_only_ciphertext(
    server: tuple[SignalServer, list[bytes]],
) -> None:
    signal, frames = server
    host = await loopback_jam("Pineapple seminar", signal_url=url_of(signal))
    try:
        bo = await join(url_of(signal), host.code)
        await bo.send(Chat(text="the password is swordfish"))
        await wait_for(host, lambda u: any(getattr(e.body, "text", "") for e in u.events))
        assert frames
        assert all(len(f) > JOIN_ID_BYTES for f in frames)
        for frame in frames:
            assert b"Pineapple" not in frame
            assert b"swordfish" not in frame
            assert b'"type":' not in frame  # no message of the room in clear
            assert b'"name":"Bo"' not in frame
        await bo.leave()
    finally:
        await host.close()


async def until_alone(host: Jam) -> None:
    """The member whose link failed is recorded as gone: the host is alone again."""
    if host.state.present_count > 1:
        await wait_for(host, lambda _u: host.state.present_count == 1)


def flip_last_byte(data: bytes) -> list[bytes]:
    return [data[:-1] + bytes([data[-1] ^ 1])]


def replay_each(data: bytes) -> list[bytes]:
    return [data, data]


@pytest.mark.allow_warnings
@pytest.mark.parametrize(
    ("tamper", "words"),
    [(flip_last_byte, "altered"), (replay_each, "came again or out of order")],
)
async def test_a_relay_that_alters_or_replays_frames_is_caught(
    server: tuple[SignalServer, list[bytes]],
    tamper: Tamper,
    words: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    signal, _ = server
    runner, url = await relay_proxy(f"ws://127.0.0.1:{signal.port}/v1/ws", tamper)
    host = await loopback_jam("Untouchable", signal_url=url_of(signal))
    try:
        with pytest.raises(JoinError):
            await join(url, host.code)
        assert any(words in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
        await until_alone(host)
    finally:
        await host.close()
        await runner.cleanup()


@pytest.mark.allow_warnings
async def test_a_relay_that_drops_a_frame_is_caught(
    server: tuple[SignalServer, list[bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    signal, _ = server
    count = 0

    def drop_the_first(data: bytes) -> list[bytes]:
        nonlocal count
        count += 1
        return [] if count == 1 else [data]

    runner, url = await relay_proxy(f"ws://127.0.0.1:{signal.port}/v1/ws", drop_the_first)
    host = await loopback_jam("Lossless", signal_url=url_of(signal))
    try:
        with pytest.raises(JoinError):
            await join(url, host.code)
        loud = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any("never arrived" in m for m in loud), loud
        await until_alone(host)
    finally:
        await host.close()
        await runner.cleanup()


async def test_a_private_room_over_the_relay_binds_the_tunnel_to_its_code(
    server: tuple[SignalServer, list[bytes]],
) -> None:
    signal, frames = server
    host = await loopback_jam("Secret plans", private=True, signal_url=url_of(signal))
    try:
        bo = await join(url_of(signal), host.code, host.relay_id)
        assert bo.state.title == "Secret plans"
        assert frames
        assert not any(host.code.encode() in f for f in frames)
        await bo.leave()
    finally:
        await host.close()

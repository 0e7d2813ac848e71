"""The LAN signalling endpoint refuses bad offers in words and keeps serving."""

from __future__ import annotations

import aiohttp
import pytest

from jamdesk.net.lan import (
    MAX_BODY_BYTES,
    OFFER_PATH,
    HostBusyError,
    HostStatus,
    LanSignallingServer,
    SessionDescription,
    SignallingError,
    host_status,
    post_offer,
)
from tests.net.conftest import Room


async def post(port: int, body: bytes) -> tuple[int, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}{OFFER_PATH}", data=body) as response,
    ):
        return response.status, await response.json(content_type=None)


@pytest.mark.allow_warnings
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"not json", 400, "not an SDP offer"),
        (b'{"sdp": 1, "type": "offer"}', 400, "not an SDP offer"),
        (b'{"sdp": "v=0", "type": "answer"}', 400, "Expected an SDP offer"),
        (b'{"sdp": "garbage", "type": "offer"}', 400, "could not be used"),
        (b'{"sdp": "v=0\\r\\nm=audio 9 RTP 0", "type": "offer"}', 400, "could not be used"),
        (b'{"sdp": "v=0", "type": "offer", "protocol": 99}', 409, "Update Jamdesk"),
    ],
)
async def test_bad_offers_are_refused_and_the_room_keeps_serving(
    room: Room, body: bytes, status: int, words: str
) -> None:
    before = room.service.engine.state
    got_status, got = await post(room.port, body)
    assert got_status == status
    assert words in got["error"]
    assert room.service.engine.state == before
    assert room.service._peers == {}  # no peer connection was made for a bad offer
    client, _ = room.member("Bo")
    await client.join()  # the host still admits others
    await client.close()


async def test_oversized_offer_is_refused(room: Room) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://127.0.0.1:{room.port}{OFFER_PATH}", data=b"x" * (MAX_BODY_BYTES + 1)
        ) as response,
    ):
        assert response.status == 413
    assert room.service._peers == {}


async def test_a_closed_port_is_a_plain_error() -> None:
    with pytest.raises(SignallingError, match=r"Could not reach the host at 127\.0\.0\.1:9"):
        await post_offer(("127.0.0.1", 9), SessionDescription(sdp="v=0", type="offer"), 3)


async def test_a_busy_host_is_told_in_its_own_words_not_as_unreachable() -> None:
    """The host's 503 words reach the joiner: they were replaced by "Could not reach the
    host", since the refusal is a ConnectionError and was caught as a network failure."""

    async def busy(_offer: SessionDescription, _remote: str) -> SessionDescription:
        raise HostBusyError("The host is letting other people in; try again in a few seconds.")

    server = LanSignallingServer(busy, host="127.0.0.1")
    port = await server.start()
    try:
        with pytest.raises(SignallingError, match=r"^The host is letting other people in"):
            await post_offer(("127.0.0.1", port), SessionDescription(sdp="v=0", type="offer"))
    finally:
        await server.close()


async def test_health_says_who_hosts_and_how_many_are_really_here(room: Room) -> None:
    """What a host asks a twin of its room before giving way to it (issue 16, item 2)."""
    status = await host_status(("127.0.0.1", room.port))
    assert status == HostStatus(host_id=room.service.engine.state.host_id, people=1)
    client, _ = room.member("Bo")
    await client.join()
    status = await host_status(("127.0.0.1", room.port))
    assert status is not None
    assert status.people == 2
    await client.close()
    assert await host_status(("127.0.0.1", 9), timeout_s=1) is None  # nobody there

"""What strangers can cost a host (issue 16, items 4, 5 and 10): offers and unadmitted peer
connections are bounded per address and in all, PAKE guesses are bounded per room however
many addresses they come from, and honest joiners still get in. Real aiortc SDP offers to
the real :class:`HostService`; the flood calls ``answer`` with the address it would see."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from aiortc import RTCPeerConnection

from jamdesk.net import host_service as host_module
from jamdesk.net import rtc
from jamdesk.net.host_service import MAX_PENDING, MAX_PENDING_PER_SOURCE, HostService
from jamdesk.net.lan import HostBusyError, SessionDescription
from jamdesk.net.waiting import wait_until
from jamdesk.protocol import pake
from jamdesk.protocol.engine import HostEngine
from tests.factories import room_log
from tests.net.conftest import Room, wall_ms


@pytest.fixture
async def offer() -> AsyncIterator[SessionDescription]:
    """One real data-channel SDP offer, sent again and again by the flood."""
    pc = RTCPeerConnection()
    pc.createDataChannel(rtc.CHANNEL_LABEL)
    await pc.setLocalDescription(await pc.createOffer())
    yield SessionDescription(sdp=pc.localDescription.sdp, type="offer")
    await pc.close()


async def flood(service: HostService, offer: SessionDescription, remotes: list[str]) -> int:
    """Offer once from each of ``remotes``; how many were answered (the rest: busy)."""
    answered, words = 0, set()
    for remote in remotes:
        try:
            await service.answer(offer, remote)
        except HostBusyError as exc:
            words.add(str(exc))
        else:
            answered += 1
    assert words <= {"The host is letting other people in; try again in a few seconds."}
    return answered


async def test_one_address_holds_a_few_pending_peers_and_a_member_still_joins(
    room: Room, offer: SessionDescription, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(host_module, "OPEN_TIMEOUT_S", 0.5)
    answered = await flood(room.service, offer, ["10.0.0.66"] * 200)
    assert answered == MAX_PENDING_PER_SOURCE
    assert room.service.engine.refusals["busy"] == 200 - MAX_PENDING_PER_SOURCE
    client, _ = room.member("Bo")
    await client.join()  # from 127.0.0.1: its own allowance
    assert [p.name for p in room.service.engine.state.participants] == ["Ana", "Bo"]
    # The flood's peer connections never open: freed within the open timeout.
    assert await wait_until(lambda: len(room.service._peers) == 1, room.service._links_changed, 5.0)
    await client.close()


async def test_rotating_addresses_are_held_by_the_limits_in_all(
    room: Room, offer: SessionDescription
) -> None:
    answered = await flood(room.service, offer, [f"10.1.{i // 250}.{i % 250}" for i in range(100)])
    assert answered == MAX_PENDING
    assert len(room.service._peers) == MAX_PENDING


async def test_pake_guesses_from_rotating_addresses_are_bounded_per_room(
    offer: SessionDescription, monkeypatch: pytest.MonkeyPatch
) -> None:
    """62 addresses reached 41 verified guesses/s at one private room; now the room takes
    30, then one every 2 s, whatever the addresses (the other limits moved out of the way
    here, so that this one alone is measured)."""
    monkeypatch.setattr(host_module, "MAX_PENDING", 1_000)
    monkeypatch.setattr(host_module, "MAX_PENDING_PER_SOURCE", 1_000)
    monkeypatch.setattr(host_module, "ALL_OFFER_LIMIT", (1_000, 1))
    now = [wall_ms()]
    counter = itertools.count(1)
    engine = HostEngine(room_log(private=True), lambda: f"p{next(counter)}")
    service = HostService(engine, lambda: now[0], lambda _events: None, bind_host="127.0.0.1")
    await service.start()
    try:
        guess = pake.JoinerPake("WRONG1").message
        tried = SessionDescription(sdp=offer.sdp, type="offer", pake=guess)
        burst, per_ms = host_module.ROOM_PAKE_TRY_LIMIT
        results, words = [], set()
        for i in range(62):
            try:
                await service.answer(tried, f"10.2.0.{i}")
                results.append(True)
            except HostBusyError as exc:
                words.add(str(exc))
                results.append(False)
        assert words == {host_module._TOO_MANY_TRIES}
        assert results == [True] * burst + [False] * (62 - burst)
        now[0] += per_ms  # one more, a moment later
        await service.answer(tried, "10.2.1.1")
        with pytest.raises(HostBusyError):
            await service.answer(tried, "10.2.1.2")
    finally:
        await service.close()

"""Real zeroconf on 127.0.0.1: a room is advertised and found by its code."""

from __future__ import annotations

import pytest

from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import Advertiser, RoomAd, RoomNotFoundError, find_rooms


def ad(code: str | None, count: int = 1) -> RoomAd:
    return RoomAd(
        title="Algorithms ✏️",
        session_type="STUDY",
        host_name="Ana",
        count=count,
        lifecycle="ready",
        code=code,
        port=4242,
    )


async def test_advertised_room_is_found_by_code_with_its_details() -> None:
    adv = Advertiser(NetworkMode.LOOPBACK)
    await adv.start(ad("ALGO7X"))
    try:
        (found,) = await find_rooms("ALGO7X", NetworkMode.LOOPBACK, timeout_s=5)
        assert (found.title, found.port, found.count, found.code) == (
            "Algorithms ✏️",
            4242,
            1,
            "ALGO7X",
        )
        assert found.addresses == ["127.0.0.1"]
        await adv.update(ad("ALGO7X", count=3))
        (again,) = await find_rooms("ALGO7X", NetworkMode.LOOPBACK, timeout_s=5)
        assert again.count == 3
    finally:
        await adv.close()


async def test_unknown_code_is_a_clear_not_found() -> None:
    adv = Advertiser(NetworkMode.LOOPBACK)
    await adv.start(ad("ALGO7X"))
    try:
        with pytest.raises(RoomNotFoundError, match="No jam with code ZZZZZZ"):
            await find_rooms("ZZZZZZ", NetworkMode.LOOPBACK, timeout_s=1.5)
    finally:
        await adv.close()


def test_private_room_never_carries_its_code() -> None:
    txt = ad(None).txt()
    assert "code" not in txt
    assert txt["priv"] == "1"
    long = RoomAd(
        title="é" * 200,
        session_type="STUDY",
        host_name="A",
        count=1,
        lifecycle="ready",
        code="ALGO7X",
    ).txt()
    assert len(long["title"].encode()) <= 200


def test_timer_anchors_fit_a_txt_string_and_come_back_the_same() -> None:
    from jamdesk.core import timer
    from jamdesk.core.pomodoro import PomodoroPlan
    from jamdesk.net.discovery import anchor_from_txt, anchor_to_txt

    anchors = [
        timer.countdown(25 * 60_000),
        timer.start(timer.countdown(50 * 60_000), 1_764_000_000_000),
        timer.stopwatch(),
        timer.pomodoro_timer(PomodoroPlan(focus_ms=50 * 60_000, long_every=3)),
    ]
    for anchor in anchors:
        text = anchor_to_txt(anchor)
        assert len(text) < 80
        assert anchor_from_txt(text) == anchor


@pytest.mark.parametrize(
    "text", ["", "x,1,2,3", "c,1,-,0", "c,0,-,0,0", "s,2,-,0", "p,0,-,0,1,2,3,4", "c,0,-,-5,9"]
)
def test_a_bad_timer_in_an_advert_is_refused(text: str) -> None:
    from jamdesk.net.discovery import anchor_from_txt

    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the fault
        anchor_from_txt(text)


def test_a_private_room_advertises_only_what_its_host_shows() -> None:
    hidden = RoomAd(
        title="", session_type="STUDY", host_name="", count=2, lifecycle="active", code=None
    )
    assert set(hidden.txt()) == {"v", "type", "n", "st", "priv", "hid"}


async def test_the_browser_sees_rooms_come_change_and_go() -> None:
    from jamdesk.net.discovery import RoomBrowser

    seen: list[tuple[RoomAd, ...]] = []
    browser = RoomBrowser(NetworkMode.LOOPBACK, seen.append)
    await browser.start()
    a, b = Advertiser(NetworkMode.LOOPBACK), Advertiser(NetworkMode.LOOPBACK)
    try:
        await a.start(ad("ALGO7X"), probe=False)
        await b.start(ad(None), probe=False)
        assert await browser.wait_for(lambda rooms: len(rooms) == 2, 5)
        codes = sorted(str(r.code) for r in browser.rooms)
        assert codes == ["ALGO7X", "None"]
        await a.update(ad("ALGO7X", count=4))
        assert await browser.wait_for(
            lambda rooms: any(r.code == "ALGO7X" and r.count == 4 for r in rooms), 5
        )
        await a.close()
        assert await browser.wait_for(lambda rooms: [r.code for r in rooms] == [None], 5)
        assert seen[-1] == browser.rooms
    finally:
        await a.close()
        await b.close()
        await browser.close()


async def test_a_private_code_finds_every_private_room_to_try() -> None:
    a, b = Advertiser(NetworkMode.LOOPBACK), Advertiser(NetworkMode.LOOPBACK)
    try:
        await a.start(ad(None), probe=False)
        await b.start(ad(None), probe=False)
        found = await find_rooms("SECR3T", NetworkMode.LOOPBACK, timeout_s=5)
        assert len(found) == 2
        assert all(r.private for r in found)
    finally:
        await a.close()
        await b.close()

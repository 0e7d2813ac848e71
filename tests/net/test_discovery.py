"""Real zeroconf on 127.0.0.1: a room is advertised and found by its code."""

from __future__ import annotations

import pytest

from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import Advertiser, RoomAd, RoomNotFoundError, find_room


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
        found = await find_room("ALGO7X", NetworkMode.LOOPBACK, timeout_s=5)
        assert (found.title, found.port, found.count, found.code) == (
            "Algorithms ✏️",
            4242,
            1,
            "ALGO7X",
        )
        assert found.addresses == ["127.0.0.1"]
        await adv.update(ad("ALGO7X", count=3))
        again = await find_room("ALGO7X", NetworkMode.LOOPBACK, timeout_s=5)
        assert again.count == 3
    finally:
        await adv.close()


async def test_unknown_code_is_a_clear_not_found() -> None:
    adv = Advertiser(NetworkMode.LOOPBACK)
    await adv.start(ad("ALGO7X"))
    try:
        with pytest.raises(RoomNotFoundError, match="No jam with code ZZZZZZ"):
            await find_room("ZZZZZZ", NetworkMode.LOOPBACK, timeout_s=1.5)
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

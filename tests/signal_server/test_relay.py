"""The relay's rules, driven directly: the exact messages out for each frame in."""

from __future__ import annotations

import pytest

from jamdesk.protocol.signal import (
    Answer,
    Failure,
    Join,
    Offer,
    Register,
    Registered,
    encode_signal,
)
from jamdesk.signal_server.relay import JOIN_WAIT_S, MAX_BAD_FRAMES, ROOM_IDLE_S, Relay

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"


def send(relay: Relay, client: str, message: object, now: int = 0) -> list[tuple[str, object]]:
    return relay.received(client, encode_signal(message), now).sends  # type: ignore[arg-type]


def codes(sends: list[tuple[str, object]]) -> list[str]:
    return [m.code for _, m in sends if isinstance(m, Failure)]


def opened() -> Relay:
    relay = Relay()
    assert send(relay, "host", Register(code="ALGO7X")) == [("host", Registered(code="ALGO7X"))]
    return relay


def test_an_offer_reaches_the_host_and_its_answer_the_joiner() -> None:
    relay = opened()
    ((to, offer),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP))
    assert to == "host"
    assert isinstance(offer, Offer)
    assert offer.sdp == SDP
    answer = Answer(join_id=offer.join_id, sdp="v=0 answer")
    assert send(relay, "host", answer) == [("joe", answer)]
    assert codes(send(relay, "host", answer)) == ["no_such_join"]  # answered once only


@pytest.mark.parametrize(
    ("client", "message", "code"),
    [
        ("joe", Join(code="NOSUCH", sdp=SDP), "no_room"),
        ("eve", Register(code="ALGO7X"), "code_taken"),
        ("eve", Register(code="no!"), "bad_code"),
        ("joe", Join(code="ALGO7X", sdp=SDP, protocol=1), "protocol_version"),
        ("eve", Answer(join_id="made-up", sdp=SDP), "no_such_join"),
        ("eve", Offer(join_id="x", sdp=SDP), "unexpected"),
    ],
)
def test_bad_requests_are_refused_and_change_nothing(
    client: str, message: object, code: str
) -> None:
    relay = opened()
    before = dict(relay.rooms)
    assert codes(send(relay, client, message)) == [code]
    assert relay.rooms == before


def test_only_the_host_of_a_room_can_answer_its_joiners() -> None:
    relay = opened()
    ((_, offer),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP))
    assert codes(send(relay, "eve", Answer(join_id=offer.join_id, sdp="forged"))) == [  # type: ignore[attr-defined]
        "no_such_join"
    ]


def test_garbage_is_answered_then_the_connection_closed() -> None:
    relay = opened()
    outs = [relay.received("eve", "{not json", t) for t in range(MAX_BAD_FRAMES + 1)]
    assert all(codes(o.sends) == ["malformed"] for o in outs)
    assert outs[-1].close == ["eve"]
    assert all(o.close == [] for o in outs[:-1])
    assert codes(relay.received("eve", "x" * 70_000, 99).sends) == ["malformed"]
    assert "ALGO7X" in relay.rooms  # others are served as before


def test_a_flood_is_slowed_down() -> None:
    relay = opened()
    sends = [send(relay, "joe", Register(code="no!"), now=0) for _ in range(60)]
    assert sum(codes(s) == ["slow_down"] for s in sends) == 60 - 40  # a burst of 40
    assert codes(send(relay, "joe", Join(code="NOSUCH", sdp=SDP), now=1_000)) == ["no_room"]


def test_one_connection_holds_three_rooms_at_most() -> None:
    relay = Relay()
    for code in ("AAAA11", "BBBB22", "CCCC33"):
        assert isinstance(send(relay, "host", Register(code=code))[0][1], Registered)
    assert codes(send(relay, "host", Register(code="DDDD44"))) == ["too_many_rooms"]


def test_a_room_is_forgotten_when_its_host_leaves_and_its_joiners_are_told() -> None:
    relay = opened()
    send(relay, "joe", Join(code="ALGO7X", sdp=SDP))
    out = relay.gone("host")
    assert codes(out.sends) == ["host_gone"]
    assert out.close == ["joe"]
    assert relay.rooms == {}


def test_idle_rooms_and_unanswered_joins_expire() -> None:
    relay = opened()
    send(relay, "joe", Join(code="ALGO7X", sdp=SDP), now=0)
    out = relay.tick(JOIN_WAIT_S * 1000 + 1)
    assert codes(out.sends) == ["no_answer"]
    assert out.close == ["joe"]
    assert "ALGO7X" in relay.rooms
    relay.tick(ROOM_IDLE_S * 1000 + 1)
    assert relay.rooms == {}


def test_pake_messages_and_proofs_pass_through_untouched() -> None:
    relay = opened()
    ((_, offer),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP, pake="ab" * 33))
    assert offer.pake == "ab" * 33  # type: ignore[attr-defined]
    answer = Answer(join_id=offer.join_id, sdp="v=0", pake="cd" * 33, proof="ef" * 32)  # type: ignore[attr-defined]
    assert send(relay, "host", answer) == [("joe", answer)]

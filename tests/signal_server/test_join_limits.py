"""Joins through the signalling server cost bounded work (issue 16, item 5): one address
sent 3,700 joins to one room in 10 s, and the host built a peer connection for each; all
relayed joiners shared one bucket at the host, so one stranger's wrong code made a real
joiner fail with a false "need a TURN server". Driven directly, exact messages out."""

from __future__ import annotations

from jamdesk.protocol.signal import Decline, Failure, Join, Offer, Register, encode_signal
from jamdesk.signal_server.relay import JOINS_PER_ROOM, JOINS_PER_SOURCE, Relay

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"


def send(relay: Relay, client: str, message: object, now: int = 0) -> list[tuple[str, object]]:
    return relay.received(client, encode_signal(message), now).sends  # type: ignore[arg-type]


def room() -> Relay:
    relay = Relay()
    relay.connected("host", "198.51.100.1")
    send(relay, "host", Register(code="ALGO7X"))
    return relay


def test_one_connection_waits_for_one_answer_at_a_time() -> None:
    relay = room()
    relay.connected("joe", "203.0.113.5")
    ((to, _offer),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP))
    assert to == "host"
    ((to, refusal),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP))
    assert to == "joe"
    assert isinstance(refusal, Failure)
    assert refusal.code == "slow_down"
    assert "already joining" in refusal.message


def test_many_connections_from_one_address_share_its_join_allowance() -> None:
    relay = room()
    burst, per_ms = JOINS_PER_SOURCE
    offers = 0
    for i in range(20):  # 20 connections, one address: the flood
        relay.connected(f"c{i}", "203.0.113.66")
        sent = send(relay, f"c{i}", Join(code="ALGO7X", sdp=SDP))
        offers += sum(1 for to, m in sent if to == "host" and isinstance(m, Offer))
    assert offers == burst
    relay.connected("later", "203.0.113.66")
    assert [
        type(m).__name__ for _, m in send(relay, "later", Join(code="ALGO7X", sdp=SDP), per_ms)
    ] == ["Offer"]
    relay.connected("ana", "192.0.2.10")  # someone else entirely is not held back
    ((to, _),) = send(relay, "ana", Join(code="ALGO7X", sdp=SDP))
    assert to == "host"


def test_a_room_takes_a_bounded_number_of_joins_from_everyone() -> None:
    relay = room()
    burst, _ = JOINS_PER_ROOM
    forwarded = 0
    for i in range(burst + 10):
        relay.connected(f"c{i}", f"203.0.{i // 200}.{i % 200}")
        sent = send(relay, f"c{i}", Join(code="ALGO7X", sdp=SDP))
        forwarded += sum(1 for to, _ in sent if to == "host")
        if to_joiner := [m for to, m in sent if to == f"c{i}"]:
            assert isinstance(to_joiner[0], Failure)
            assert to_joiner[0].code == "room_busy"
    assert forwarded == burst


def test_the_host_hears_a_tag_per_joiner_address_never_the_address() -> None:
    relay = room()
    relay.connected("a1", "203.0.113.5")
    relay.connected("a2", "203.0.113.5")
    relay.connected("b", "203.0.113.6")
    tags = []
    for client in ("a1", "a2", "b"):
        ((_, offer),) = send(relay, client, Join(code="ALGO7X", sdp=SDP))
        assert isinstance(offer, Offer)
        tags.append(offer.joiner)
    assert tags[0] == tags[1] != tags[2]
    assert "203.0.113" not in "".join(tags)


def test_a_declined_join_tells_the_joiner_at_once_in_the_hosts_words() -> None:
    relay = room()
    relay.connected("joe", "203.0.113.5")
    ((_, offer),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP))
    assert isinstance(offer, Offer)
    words = "The host is letting other people in; try again in a few seconds."
    out = relay.received("host", encode_signal(Decline(join_id=offer.join_id, message=words)), 1)
    assert out.sends == [("joe", Failure(code="declined", message=words))]
    assert out.close == ["joe"]
    refused = send(relay, "eve", Decline(join_id=offer.join_id, message="again"))
    assert [m.code for _, m in refused if isinstance(m, Failure)] == ["no_such_join"]

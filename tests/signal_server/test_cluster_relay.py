"""Relays of several instances sharing one room registry, driven directly: the exact messages
each client gets. The registry and pub/sub are a dict and direct calls here (a fake inside a
unit test of pure logic); the real Redis adapter is tested end to end in
``tests/e2e/test_signal_cluster.py``."""

from __future__ import annotations

import pytest

from jamdesk.protocol.signal import (
    Answer,
    Failure,
    Join,
    Offer,
    Register,
    Registered,
    SignalError,
    encode_signal,
)
from jamdesk.signal_server.relay import (
    PeerAnswer,
    PeerFailure,
    PeerOffer,
    Relay,
    RelayOutcome,
    decode_peer,
    encode_peer,
)

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"

Got = list[tuple[str, str, object]]  # (instance, client, message)


class Cluster:
    """Instances by name, the registry (code -> instance), and the adapter's duties."""

    def __init__(self, *names: str) -> None:
        self.relays = {name: Relay(clustered=True, instance=name) for name in names}
        self.owners: dict[str, str] = {}
        self.reachable = True

    def send(self, instance: str, client: str, message: object) -> Got:
        out = self.relays[instance].received(client, encode_signal(message), 0)  # type: ignore[arg-type]
        return self.carry_out(instance, out)

    def relayed(self, instance: str, client: str, data: bytes, now: int = 0) -> Got:
        """A binary (relay) frame from ``client``; frames out come back as bytes."""
        return self.carry_out(instance, self.relays[instance].relayed(client, data, now))

    def gone(self, instance: str, client: str) -> Got:
        return self.carry_out(instance, self.relays[instance].gone(client))

    def carry_out(self, instance: str, out: RelayOutcome) -> Got:
        relay = self.relays[instance]
        got: Got = [(instance, client, message) for client, message in out.sends]
        got += [(instance, client, data) for client, data in out.frames]
        for code in out.releases:
            if self.owners.get(code) == instance:
                del self.owners[code]
        for peer, message in out.peers:
            got += self.carry_out(peer, self.relays[peer].peer_received(message, 0))
        for client, code in out.claims:
            held = self.owners.setdefault(code, instance) == instance if self.reachable else None
            got += self.carry_out(instance, relay.claimed(client, code, held, 0))
        for forward in out.forwards:
            owner = self.owners.get(forward.code)
            if owner is None or not self.reachable:
                got += self.carry_out(instance, relay.unrouted(forward.join_id, self.reachable))
                continue
            offer = PeerOffer(
                join_id=forward.join_id,
                code=forward.code,
                sdp=forward.sdp,
                origin=instance,
                pake=forward.pake,
                tunnel=forward.tunnel,
            )
            got += self.carry_out(owner, self.relays[owner].peer_received(offer, 0))
        return got


def refusals(got: Got) -> list[str]:
    return [m.code for _, _, m in got if isinstance(m, Failure)]


def opened() -> Cluster:
    cluster = Cluster("A", "B")
    assert cluster.send("A", "host", Register(code="ALGO7X")) == [
        ("A", "host", Registered(code="ALGO7X"))
    ]
    assert cluster.owners == {"ALGO7X": "A"}
    return cluster


def test_a_joiner_on_one_instance_reaches_a_host_on_another_and_back() -> None:
    cluster = opened()
    ((instance, client, offer),) = cluster.send("B", "joe", Join(code="ALGO7X", sdp=SDP, pake="ab"))
    assert (instance, client) == ("A", "host")
    assert isinstance(offer, Offer)
    assert (offer.sdp, offer.pake) == (SDP, "ab")
    answer = Answer(join_id=offer.join_id, sdp="v=0 answer", pake="cd", proof="ef")
    assert cluster.send("A", "host", answer) == [("B", "joe", answer)]
    assert refusals(cluster.send("A", "host", answer)) == ["no_such_join"]  # answered once


def test_a_code_is_held_by_one_instance_only() -> None:
    cluster = opened()
    assert refusals(cluster.send("B", "eve", Register(code="ALGO7X"))) == ["code_taken"]
    assert cluster.relays["B"].rooms == {}
    assert cluster.owners == {"ALGO7X": "A"}


def test_when_the_host_leaves_a_joiner_waiting_elsewhere_is_told_and_the_code_is_freed() -> None:
    cluster = opened()
    cluster.send("B", "joe", Join(code="ALGO7X", sdp=SDP))
    got = cluster.gone("A", "host")
    assert got == [("B", "joe", Failure(code="host_gone", message="The host has left this jam."))]
    assert cluster.owners == {}
    assert cluster.send("B", "eve", Register(code="ALGO7X")) == [
        ("B", "eve", Registered(code="ALGO7X"))
    ]


def test_a_join_for_a_code_no_instance_holds_is_refused_where_it_came_in() -> None:
    cluster = opened()
    assert refusals(cluster.send("B", "joe", Join(code="NOSUCH", sdp=SDP))) == ["no_room"]


def test_a_stale_registry_entry_is_answered_with_no_room() -> None:
    cluster = opened()
    cluster.owners["GHOST1"] = "A"  # named in the registry, not held by A
    got = cluster.send("B", "joe", Join(code="GHOST1", sdp=SDP))
    assert [(i, c) for i, c, _ in got] == [("B", "joe")]
    assert refusals(got) == ["no_room"]


def test_a_claim_answered_after_its_client_left_is_given_back() -> None:
    relay = Relay(clustered=True)
    out = relay.received("host", encode_signal(Register(code="ALGO7X")), 0)
    assert out.claims == [("host", "ALGO7X")]
    assert out.sends == []
    relay.gone("host")
    late = relay.claimed("host", "ALGO7X", True, 0)
    assert late.releases == ["ALGO7X"]
    assert late.sends == []
    assert relay.rooms == {}


def test_two_clients_of_one_instance_cannot_both_claim_a_code() -> None:
    relay = Relay(clustered=True)
    for client in ("ana", "eve"):
        relay.received(client, encode_signal(Register(code="ALGO7X")), 0)
    assert relay.claimed("ana", "ALGO7X", True, 0).sends == [("ana", Registered(code="ALGO7X"))]
    late = relay.claimed("eve", "ALGO7X", True, 0)  # the registry names this instance for both
    assert [m.code for _, m in late.sends if isinstance(m, Failure)] == ["code_taken"]
    assert late.releases == []  # ana's claim stays
    assert relay.rooms["ALGO7X"].host == "ana"


def test_an_unreachable_registry_is_reported_in_words_and_changes_nothing() -> None:
    cluster = Cluster("A", "B")
    cluster.reachable = False
    got = cluster.send("A", "host", Register(code="ALGO7X"))
    assert got == [
        (
            "A",
            "host",
            Failure(code="unavailable", message="The signalling server is busy; try again soon."),
        )
    ]
    assert cluster.relays["A"].rooms == {}
    assert refusals(cluster.send("B", "joe", Join(code="ALGO7X", sdp=SDP))) == ["unavailable"]


@pytest.mark.allow_warnings  # "room ALGO7X lost to another instance"
def test_a_claim_lost_to_another_instance_tells_the_host() -> None:
    cluster = opened()
    out = cluster.relays["A"].lost("ALGO7X")
    assert [m.code for _, m in out.sends if isinstance(m, Failure)] == ["code_taken"]
    assert cluster.relays["A"].rooms == {}


def test_an_answer_or_failure_for_an_unknown_join_is_dropped() -> None:
    relay = Relay(clustered=True)
    answer = PeerAnswer(answer=Answer(join_id="nope", sdp=SDP))
    failure = PeerFailure(join_id="nope", failure=Failure(code="x", message="y"))
    assert relay.peer_received(answer, 0) == RelayOutcome()
    assert relay.peer_received(failure, 0) == RelayOutcome()


def test_messages_between_instances_round_trip_and_garbage_is_refused() -> None:
    offer = PeerOffer(join_id="j1", code="ALGO7X", sdp=SDP, origin="b1", pake="ab")
    assert decode_peer(encode_peer(offer)) == offer
    for bad in (b"{not json", b'{"type": "offer"}', b'{"type": "register", "code": "X"}'):
        with pytest.raises(SignalError):
            decode_peer(bad)

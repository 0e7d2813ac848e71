"""Relay sessions at the signalling server, driven directly: who gets which frame, the
limits, and what each side is told when a session ends (on one instance and across two)."""

from __future__ import annotations

from jamdesk.protocol.signal import (
    Answer,
    AskIce,
    Failure,
    IceServer,
    IceServers,
    Join,
    Offer,
    Register,
    Registered,
    RelayEnd,
    encode_signal,
    relay_frame,
)
from jamdesk.signal_server.relay import Relay
from jamdesk.signal_server.sessions import CLIENT_BURST_BYTES, SESSIONS_PER_JOINER
from jamdesk.signal_server.turn import IceConfig, parse_server, turn_credentials
from tests.signal_server.test_cluster_relay import Cluster

SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"
KEY = "ab" * 32


def send(relay: Relay, client: str, message: object, now: int = 0) -> list[tuple[str, object]]:
    return relay.received(client, encode_signal(message), now).sends  # type: ignore[arg-type]


def session(relay: Relay, joiner: str = "joe") -> str:
    """A relay session between ``joiner`` and the host of ALGO7X; returns its id."""
    ((_, offer),) = send(relay, joiner, Join(code="ALGO7X", sdp=SDP, tunnel=KEY))
    assert isinstance(offer, Offer)
    assert offer.tunnel == KEY
    answer = Answer(join_id=offer.join_id, sdp="v=0 answer", tunnel="cd" * 32)
    assert send(relay, "host", answer) == [(joiner, answer)]
    return offer.join_id


def hosting() -> Relay:
    relay = Relay()
    send(relay, "host", Register(code="ALGO7X"))
    return relay


def test_frames_go_from_one_side_to_the_other_unchanged_and_to_nobody_else() -> None:
    relay = hosting()
    join_id = session(relay)
    up = relay_frame(join_id, b"\x00" * 8 + b"sealed bytes")
    assert relay.relayed("joe", up, 1).frames == [("host", up)]
    down = relay_frame(join_id, b"\x01" * 30)
    assert relay.relayed("host", down, 2).frames == [("joe", down)]
    stranger = relay.relayed("mallory", up, 3)  # knowing the id is not enough
    assert stranger.frames == []
    assert [m.code for _, m in stranger.sends if isinstance(m, Failure)] == ["malformed"]


def test_a_join_without_a_tunnel_key_opens_no_session() -> None:
    relay = hosting()
    ((_, offer),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP))
    assert isinstance(offer, Offer)
    answer = Answer(join_id=offer.join_id, sdp="v=0", tunnel="cd" * 32)
    ((_, given),) = send(relay, "host", answer)
    assert isinstance(given, Answer)
    assert given.tunnel == ""  # the joiner must not count on a relay
    assert relay.relayed("joe", relay_frame(offer.join_id, b"x" * 30), 1).frames == []


def test_a_sender_over_its_budget_ends_the_session_in_words() -> None:
    relay = hosting()
    join_id = session(relay)
    big = relay_frame(join_id, b"x" * 60_000)
    sent = 0
    while sent + len(big) <= CLIENT_BURST_BYTES:
        assert relay.relayed("joe", big, 0).frames == [("host", big)]
        sent += len(big)
    out = relay.relayed("joe", big, 0)  # the same instant: no time to refill
    assert out.frames == []
    ends = [(to, m) for to, m in out.sends if isinstance(m, RelayEnd)]
    assert {to for to, _ in ends} == {"joe", "host"}
    assert all("KB/s" in m.reason and not m.left for _, m in ends)
    assert relay.relayed("joe", big, 10_000).frames == []  # the session is over


def test_when_a_side_leaves_the_other_is_told_it_left() -> None:
    relay = hosting()
    join_id = session(relay)
    out = relay.gone("joe")
    assert out.sends == [("host", RelayEnd(join_id, "The other side left the relay.", left=True))]
    join_id = session(relay, "kim")
    out = relay.received("host", encode_signal(RelayEnd(join_id=join_id)), 5)
    assert out.sends == [("kim", RelayEnd(join_id, "", left=True))]


def test_one_joining_connection_holds_few_sessions() -> None:
    relay = hosting()
    for _ in range(SESSIONS_PER_JOINER):
        session(relay)
    ((_, offer),) = send(relay, "joe", Join(code="ALGO7X", sdp=SDP, tunnel=KEY))
    assert isinstance(offer, Offer)
    assert offer.tunnel == ""  # asked for no session: the host will answer without one


def test_a_session_across_two_instances_carries_frames_both_ways() -> None:
    cluster = Cluster("A", "B")
    cluster.send("A", "host", Register(code="ALGO7X"))
    ((where, to, offer),) = cluster.send("B", "joe", Join(code="ALGO7X", sdp=SDP, tunnel=KEY))
    assert (where, to) == ("A", "host")
    assert isinstance(offer, Offer)
    assert offer.tunnel == KEY
    answer = Answer(join_id=offer.join_id, sdp="v=0 answer", tunnel="cd" * 32)
    assert cluster.send("A", "host", answer) == [("B", "joe", answer)]
    up = relay_frame(offer.join_id, b"u" * 40)
    assert cluster.relayed("B", "joe", up) == [("A", "host", up)]
    down = relay_frame(offer.join_id, b"d" * 40)
    assert cluster.relayed("A", "host", down) == [("B", "joe", down)]
    told = cluster.gone("A", "host")  # the host's instance tells the joiner's
    assert (
        "B",
        "joe",
        RelayEnd(offer.join_id, "The other side left the relay.", left=True),
    ) in told


def test_clients_get_the_servers_ice_servers_with_fresh_turn_credentials() -> None:
    ice = IceConfig(
        servers=(parse_server("stun:stun.example.test:3478"), parse_server("turn:t.example.test")),
        turn_secret="s3cret",
        clock=lambda: 1_700_000_000.0,
    )
    relay = Relay(ice=ice)
    ((_, reply),) = send(relay, "joe", AskIce())
    assert isinstance(reply, IceServers)
    stun, turn = reply.servers
    assert stun == IceServer(urls="stun:stun.example.test:3478")
    assert turn.urls == "turn:t.example.test"
    assert (turn.username, turn.credential) == turn_credentials(
        "s3cret", "joe", 1_700_000_000, 24 * 60 * 60
    )
    ((_, registered),) = send(relay, "host", Register(code="ALGO7X"))
    assert isinstance(registered, Registered)
    assert registered.ice_servers[1].username.endswith(":host")


def test_turn_credentials_are_what_coturn_computes() -> None:
    # coturn's use-auth-secret: password = base64(HMAC-SHA1(secret, "expiry:user"))
    assert turn_credentials("north", "c1", 1_000, 600) == (
        "1600:c1",
        "9reA/Fond/mye3JCTsmOcdWOIiY=",
    )
    assert parse_server("turn:ana:pw@t.example.test:3478") == IceServer(
        urls="turn:t.example.test:3478", username="ana", credential="pw"
    )

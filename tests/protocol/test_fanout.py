"""Coalesced fan-out (issue 16, heavy rooms): with a window, each member gets at most one
Events message per window, holding every event it has not had, in order; the first events
after a quiet window go at once; a member welcomed mid-window is not sent them twice."""

from __future__ import annotations

import itertools

from jamdesk.core.commands import Chat, SetGoal
from jamdesk.protocol.codec import decode, encode
from jamdesk.protocol.engine import HostEngine, HostOutcome
from jamdesk.protocol.member_engine import MemberEngine
from jamdesk.protocol.messages import CommandMessage, Events
from tests.factories import room_log


def room(window_ms: int, members: int = 3) -> tuple[HostEngine, dict[str, MemberEngine]]:
    """A host and ``members`` admitted on links L0, L1...; every send delivered."""
    counter = itertools.count(1)
    host = HostEngine(room_log(), lambda: f"p{next(counter)}", now_ms=0, fanout_window_ms=window_ms)
    engines: dict[str, MemberEngine] = {}
    for i in range(members):
        engines[f"L{i}"] = MemberEngine(f"M{i}", code="ALGO7X")
        host.link_opened(f"L{i}", 0)
        deliver(host.receive(f"L{i}", engines[f"L{i}"].hello(0), 0), engines)
    deliver(host.tick(1_000), engines)  # what the joins left waiting goes out
    return host, engines


def deliver(out: HostOutcome, members: dict[str, MemberEngine]) -> HostOutcome:
    for send in out.sends:
        if send.link in members:
            members[send.link].receive(send.data, 0)
    return out


def events_sent(out: HostOutcome, link: str) -> list[list[int]]:
    """The seqs of each Events message sent to ``link``."""
    return [
        [e.seq for e in msg.events]
        for send in out.sends
        if send.link == link and isinstance(msg := decode(send.data), Events)
    ]


def chat(member: MemberEngine, text: str) -> bytes:
    return encode(CommandMessage(ref=1, command=Chat(text=text)))


def test_events_in_one_window_go_out_as_one_message_per_member() -> None:
    host, members = room(window_ms=25)
    head = host.state.head_seq
    first = host.receive("L0", chat(members["L0"], "a"), 2_000)  # after quiet: at once
    assert events_sent(first, "L1") == [[head + 1]]
    second = host.receive("L1", chat(members["L1"], "b"), 2_005)
    third = host.command(SetGoal(text="c"), 2_010)
    assert events_sent(second, "L2") == []  # waiting for the window
    assert events_sent(third, "L2") == []
    assert host.next_wakeup(2_010) == 2_025
    flushed = host.tick(2_025)
    for link in ("L0", "L1", "L2"):
        assert events_sent(flushed, link) == [[head + 2, head + 3]]
    assert host.tick(2_030).sends == []  # nothing twice
    assert host.next_wakeup(2_030) > 2_030


def test_without_a_window_every_append_goes_at_once() -> None:
    host, members = room(window_ms=0)
    head = host.state.head_seq
    a = host.receive("L0", chat(members["L0"], "a"), 2_000)
    b = host.receive("L1", chat(members["L1"], "b"), 2_001)
    assert events_sent(a, "L2") == [[head + 1]]
    assert events_sent(b, "L2") == [[head + 2]]


def test_a_member_welcomed_mid_window_gets_the_waiting_events_once() -> None:
    host, members = room(window_ms=25)
    deliver(host.receive("L0", chat(members["L0"], "a"), 2_000), members)
    deliver(host.receive("L0", chat(members["L0"], "b"), 2_005), members)  # waiting
    members["LL"] = MemberEngine("Late", code="ALGO7X")
    host.link_opened("LL", 2_006)
    deliver(host.receive("LL", members["LL"].hello(2_006), 2_006), members)
    assert members["LL"].log == host.log.events  # its backlog holds every event so far
    flushed = deliver(host.tick(2_025), members)
    assert events_sent(flushed, "LL") == []
    for member in members.values():
        assert member.log == host.log.events
        assert member.state == host.state

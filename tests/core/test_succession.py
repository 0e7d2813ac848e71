"""The succession rule: who holds the host role next, the same for every member."""

from __future__ import annotations

from jamdesk.core import succession
from jamdesk.core.commands import Disconnect, Join, TakeOver
from jamdesk.core.events import MemberJoined, MemberLeft, MemberRemoved
from jamdesk.core.room import RoomLog
from jamdesk.core.succession import gives_way
from tests.factories import room_log, run


def room() -> RoomLog:
    log = room_log(host_id="h")
    for i, (pid, name) in enumerate((("b", "Bo"), ("c", "Cy"), ("d", "Dee")), start=1):
        log.append(pid, [MemberJoined(participant_id=pid, name=name)], i)
    return log


def test_the_earliest_member_present_comes_next() -> None:
    log = room()
    assert succession.successor(log.state, exclude="h") == "b"
    assert succession.takes_over(log.state, "b")
    assert not succession.takes_over(log.state, "c")
    assert succession.possible_hosts(log.state) == {"h", "b"}
    assert succession.successor(log.state, exclude="b") == "h"  # the host hands over to Bo


def test_people_who_left_or_were_removed_are_passed_over() -> None:
    log = room()
    log.append("b", [MemberLeft(participant_id="b", reason="lost")], 10)
    assert succession.successor(log.state, exclude="h") == "c"
    log.append("h", [MemberRemoved(participant_id="c", by="h")], 11)
    assert succession.successor(log.state, exclude="h") == "d"
    log.append("d", [MemberLeft(participant_id="d", reason="left")], 12)
    assert succession.successor(log.state, exclude="h") is None
    assert succession.possible_hosts(log.state) == {"h"}


def test_two_hosts_of_one_room_exactly_one_gives_way() -> None:
    """Issue 16, item 2: a member cut off took the room over alone while the host went on
    with the others (the taker gives way); a host frozen alone wakes beside its successor's
    room (it gives way); of two alone, only the taker; never to a stranger, never a host
    with people, never after handing over."""
    log = room_log()
    run(log, "bo", Join(name="Bo"), 1)
    run(log, "cy", Join(name="Cy"), 2)
    fork = list(log.events)
    run(log, "bo", Disconnect(), 3)  # the host's side: Bo was cut off; Cy stays
    host_side, host_events = log.state, list(log.events)
    bo_log = RoomLog.from_events(fork)  # Bo's side: it took over alone
    run(bo_log, "bo", TakeOver(), 3)
    bo_side, bo_events = bo_log.state, list(bo_log.events)
    assert gives_way(bo_side, bo_events, "bo", ("host", 2), my_people=1)
    assert not gives_way(host_side, host_events, "host", ("bo", 1), my_people=2)
    # Both alone: only the taker gives way.
    assert gives_way(bo_side, bo_events, "bo", ("host", 1), my_people=1)
    assert not gives_way(host_side, host_events, "host", ("bo", 1), my_people=1)
    # The host frozen: everyone lost from its view; Bo took over and Cy followed.
    frozen = RoomLog.from_events(fork)
    run(frozen, "bo", Disconnect(), 3)
    run(frozen, "cy", Disconnect(), 3)
    assert gives_way(frozen.state, list(frozen.events), "host", ("bo", 2), my_people=1)
    assert not gives_way(bo_side, bo_events, "bo", ("host", 1), my_people=2)
    # Never to a stranger, never a host with people, never one that handed over.
    assert not gives_way(frozen.state, list(frozen.events), "host", ("mallory", 99), my_people=1)
    assert not gives_way(host_side, host_events, "host", ("cy", 99), my_people=2)
    assert not gives_way(bo_side, bo_events, "host", ("bo", 99), my_people=1)
    assert succession.possible_hosts(bo_side, bo_events) >= {"bo", "host"}

"""The succession rule: who holds the host role next, the same for every member."""

from __future__ import annotations

from jamdesk.core import succession
from jamdesk.core.events import MemberJoined, MemberLeft, MemberRemoved
from jamdesk.core.room import RoomLog
from tests.factories import room_log


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

"""Host engine: rate limits, removal, re-attach after a host change, Pomodoro phases."""

from __future__ import annotations

import itertools

import pytest

from jamdesk.core import timer
from jamdesk.core.commands import Chat, React, Remove, StartTimer, TakeOver
from jamdesk.core.kinds import Phase
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.core.room import RoomLog
from jamdesk.core.rules import decide
from jamdesk.protocol.codec import decode
from jamdesk.protocol.engine import RETURN_GRACE_MS, HostEngine
from jamdesk.protocol.member_engine import MemberEngine
from jamdesk.protocol.messages import Error, Refused
from tests.factories import room_log


def host(anchor: timer.TimerAnchor | None = None) -> HostEngine:
    counter = itertools.count(1)
    return HostEngine(room_log(anchor), lambda: f"p{next(counter)}")


MEMBERS: dict[str, MemberEngine] = {}


def deliver(sends: list, now: int) -> None:  # type: ignore[type-arg]
    for send in sends:
        MEMBERS[send.link].receive(send.data, now)


def join(engine: HostEngine, member: MemberEngine, link: str, now: int = 0) -> None:
    MEMBERS[link] = member
    engine.link_opened(link, now)
    deliver(engine.receive(link, member.hello(now), now).sends, now)


def test_chat_flood_is_slowed_down_and_counted() -> None:
    engine = host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(engine, m, "L1")
    posted = refused = 0
    for i in range(30):
        out = engine.receive("L1", m.command(Chat(text=f"msg {i}"))[1], 100)  # all at once
        posted += len(out.events)
        refused += sum(isinstance(decode(s.data), Refused) for s in out.sends if s.link == "L1")
    assert (posted, refused) == (10, 20)
    assert engine.refusals["slow_down"] == 20
    later = engine.receive("L1", m.command(Chat(text="later"))[1], 100 + 1_000)
    assert len(later.events) == 1  # one token back after a second


def test_reaction_flood_is_slowed_down() -> None:
    engine = host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(engine, m, "L1")
    outs = [engine.receive("L1", m.command(React(emoji="🔥"))[1], 50) for _ in range(8)]
    assert sum(len(o.events) for o in outs) == 5


def test_removed_member_is_disconnected_and_cannot_come_back() -> None:
    engine = host()
    m = MemberEngine("Bo", code="ALGO7X", client_id="app-bo")
    join(engine, m, "L1")
    pid = m.participant_id
    assert pid is not None
    out = engine.command(Remove(participant_id=pid), 10)
    assert [e.kind for e in out.events] == ["member_removed"]
    assert "L1" in out.close
    notice = [decode(s.data) for s in out.sends if s.link == "L1"][-1]
    assert isinstance(notice, Error)
    assert notice.fatal
    # The same key is refused, whatever it is called now (removal follows the key).
    same_key = MemberEngine("Bo again", code="ALGO7X", identity=m.identity)
    engine.link_opened("L2", 20)
    again = engine.receive("L2", same_key.hello(20), 20)
    err = decode(again.sends[0].data)
    assert isinstance(err, Error)
    assert err.code == "removed"
    assert again.events == []
    assert engine.refusals["removed"] == 1
    # Another key copying Bo's visible client_id is someone else, and Bo's removal is not
    # theirs: nobody can get another member refused by copying what everyone sees.
    other = MemberEngine("Cy", code="ALGO7X", client_id="app-bo")
    engine.link_opened("L3", 30)
    welcomed = engine.receive("L3", other.hello(30), 30)
    assert [e.kind for e in welcomed.events] == ["member_joined"]


def test_new_host_reattaches_members_silently_and_drops_the_missing() -> None:
    old = host()
    a, b = MemberEngine("Bo", code="ALGO7X"), MemberEngine("Cy", code="ALGO7X")
    join(old, a, "L1")
    join(old, b, "L2")
    old.command(StartTimer(), 1_000)
    for out in [old.receive("L1", a.ping(0), 1_001)]:
        assert out.events == []
    # The old host dies. Bo, who joined first, takes over from his own log.
    a.receive(b"", 0)  # nothing arrives
    log = RoomLog.from_events(a.log)
    bodies = decide(log.state, a.participant_id or "", TakeOver(), 5_000)
    assert isinstance(bodies, list)
    log.append(a.participant_id or "", bodies, 5_000)
    new = HostEngine(log, lambda: "fresh", now_ms=5_000)
    assert new.state.host_id == a.participant_id
    # Cy comes back: re-attached, no join/leave noise, same log.
    resumed = MemberEngine(
        "Cy", code="ALGO7X", participant_id=b.participant_id, log=b.log, identity=b.identity
    )
    new.link_opened("N1", 5_100)
    out = new.receive("N1", resumed.hello(5_100), 5_100)
    assert out.events == []
    for s in out.sends:
        resumed.receive(s.data, 5_100)
    assert resumed.log == new.log.events
    assert resumed.state == new.state
    # Cy keeps pinging; nobody else was expected, so the grace period ends quietly.
    for now in range(6_000, 5_000 + RETURN_GRACE_MS + 1, 1_000):
        new.receive("N1", resumed.ping(now), now)
        assert new.tick(now).events == []


def test_member_who_never_returns_after_takeover_is_lost() -> None:
    old = host()
    a, b = MemberEngine("Bo", code="ALGO7X"), MemberEngine("Cy", code="ALGO7X")
    join(old, a, "L1")
    join(old, b, "L2")
    log = RoomLog.from_events(a.log)
    bodies = decide(log.state, a.participant_id or "", TakeOver(), 5_000)
    assert isinstance(bodies, list)
    log.append(a.participant_id or "", bodies, 5_000)
    new = HostEngine(log, lambda: "fresh", now_ms=5_000)
    assert new.tick(5_000 + RETURN_GRACE_MS - 1).events == []
    lost = new.tick(5_000 + RETURN_GRACE_MS)
    assert [(e.kind, e.body.participant_id) for e in lost.events] == [  # type: ignore[union-attr]
        ("member_left", b.participant_id)
    ]


def test_member_drops_events_the_new_host_never_had() -> None:
    old = host()
    a, b = MemberEngine("Bo", code="ALGO7X"), MemberEngine("Cy", code="ALGO7X")
    join(old, a, "L1")
    join(old, b, "L2")
    out = old.command(StartTimer(), 1_000)
    for s in out.sends:  # only Cy hears the start before the host dies
        if s.link == "L2":
            b.receive(s.data, 1_000)
    assert b.last_seq == a.last_seq + 1
    log = RoomLog.from_events(a.log)
    bodies = decide(log.state, a.participant_id or "", TakeOver(), 5_000)
    assert isinstance(bodies, list)
    log.append(a.participant_id or "", bodies, 5_000)
    new = HostEngine(log, lambda: "fresh", now_ms=5_000)
    resumed = MemberEngine(
        "Cy", code="ALGO7X", participant_id=b.participant_id, log=b.log, identity=b.identity
    )
    new.link_opened("N1", 5_100)
    for s in new.receive("N1", resumed.hello(5_100), 5_100).sends:
        resumed.receive(s.data, 5_100)
    assert resumed.log == new.log.events
    assert [e.kind for e in resumed.log][-2:] == ["host_changed", "member_left"]


@pytest.mark.parametrize("step_ms", [1_000, 7 * MINUTE_MS])
def test_tick_records_each_pomodoro_phase_as_it_begins(step_ms: int) -> None:
    engine = host(timer.pomodoro_timer())
    engine.command(StartTimer(), 0)
    phases = []
    now = 0
    while now < 65 * MINUTE_MS:
        now = min(engine.next_wakeup(now), now + step_ms)
        phases += [(e.body.index, e.body.phase) for e in engine.tick(now).events]  # type: ignore[union-attr]
    assert phases == [
        (1, Phase.SHORT_BREAK),
        (2, Phase.FOCUS),
        (3, Phase.SHORT_BREAK),
        (4, Phase.FOCUS),
    ]
    assert engine.state.phase_index == 4

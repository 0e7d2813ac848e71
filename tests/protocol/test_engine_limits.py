"""What one member, or one big room, can cost the host: a Welcome of any size, bounded work
per link, and no event lost when handling fails (issue 16, items 3 and 4)."""

from __future__ import annotations

import itertools

import pytest

from jamdesk.core.commands import AddTask, Join, Leave, SetGoal, SetProgress
from jamdesk.core.rules import MAX_PEOPLE_EVER, MAX_PRESENT_PEOPLE, MAX_ROOM_TASKS, MAX_TASK_CHARS
from jamdesk.protocol import engine as engine_module
from jamdesk.protocol.codec import decode, encode
from jamdesk.protocol.engine import (
    COMMAND_LIMIT,
    HELLO_TIMEOUT_MS,
    MAX_FLOOD_MESSAGES,
    MESSAGE_LIMIT,
    PING_LIMIT,
    HostEngine,
)
from jamdesk.protocol.member_engine import MemberEngine
from jamdesk.protocol.messages import (
    MAX_MESSAGE_BYTES,
    PROTOCOL_VERSION,
    Error,
    Events,
    Refused,
    SnapshotPart,
    Welcome,
)
from tests.factories import room_log, run


def big_room(people: int, tasks: int) -> HostEngine:
    """A room where ``people`` have joined (and left) and the host holds ``tasks`` tasks of
    the longest title: the issue's 174 kB Welcome and more."""
    log = room_log()
    for i in range(people):
        run(log, f"m{i}", Join(name=f"Member {i:04d} with a long name"), 10 + i)
        if i % 2:
            run(log, f"m{i}", Leave(), 10 + i)
    for i in range(tasks):
        title = f"{i:03d} " + "é" * (MAX_TASK_CHARS - 4)
        run(log, "host", AddTask(title=title), 5_000 + i)
    counter = itertools.count(1)
    return HostEngine(log, lambda: f"p{next(counter)}", now_ms=10_000)


def test_a_big_room_is_welcomed_in_parts_under_the_limit_and_the_state_is_whole() -> None:
    host = big_room(people=400, tasks=MAX_ROOM_TASKS)
    member = MemberEngine("Bo", code="ALGO7X")
    host.link_opened("L1", 20_000)
    out = host.receive("L1", member.hello(20_000), 20_000)
    sent = [s.data for s in out.sends if s.link == "L1"]
    kinds = [type(decode(d)).__name__ for d in sent]
    parts = kinds.count("SnapshotPart")
    assert kinds[0] == "Welcome"
    assert parts >= 3  # the snapshot alone is several messages' worth
    assert kinds[1 : 1 + parts] == ["SnapshotPart"] * parts
    assert set(kinds[1 + parts :]) == {"Events"}
    assert max(len(d) for d in sent) <= MAX_MESSAGE_BYTES
    welcomes = [member.receive(d, 20_000).welcomed for d in sent]
    assert welcomes.index(True) == parts  # welcomed on the last part, not before
    assert member.state == host.state
    assert member.log == host.log.events


def test_parts_out_of_order_or_without_a_welcome_are_refused_and_change_nothing() -> None:
    host = big_room(people=300, tasks=MAX_ROOM_TASKS)
    member = MemberEngine("Bo", code="ALGO7X")
    host.link_opened("L1", 20_000)
    sent = [s.data for s in host.receive("L1", member.hello(20_000), 20_000).sends]
    stray = MemberEngine("Cy", code="ALGO7X").receive(sent[1], 1)
    assert stray.error is not None
    assert stray.error.code == "unexpected"
    member.receive(sent[0], 1)
    out = member.receive(sent[2], 1)  # part 1 before part 0
    assert out.error == Error(
        code="bad_snapshot", message="snapshot part 1 where 0 was due", fatal=True
    )
    assert member.state is None


def test_a_welcome_announcing_too_many_parts_is_refused() -> None:
    member = MemberEngine("Bo", code="ALGO7X")
    welcome = Welcome(protocol=PROTOCOL_VERSION, participant_id="p1", snapshot_parts=10_000)
    out = member.receive(encode(welcome), 1)
    assert out.error is not None
    assert out.error.code == "bad_snapshot"
    assert out.error.fatal
    assert member.state is None
    assert member.receive(encode(SnapshotPart(index=0, text="{}")), 1).error is not None


def test_the_room_refuses_people_past_its_stated_limits() -> None:
    log = room_log()
    for i in range(MAX_PRESENT_PEOPLE - 1):  # with the host, the room is full
        run(log, f"m{i}", Join(name=f"M{i}"), i)
    host = HostEngine(log, lambda: "late", now_ms=0)
    late = MemberEngine("Late", code="ALGO7X")
    host.link_opened("L1", 1)
    out = host.receive("L1", late.hello(1), 1)
    refusal = decode(out.sends[0].data)
    assert isinstance(refusal, Error)
    assert refusal.code == "full"
    assert refusal.fatal
    assert "full" in refusal.message
    assert host.state.present_count == MAX_PRESENT_PEOPLE
    assert MAX_PEOPLE_EVER > MAX_PRESENT_PEOPLE


@pytest.mark.allow_warnings
def test_a_failure_while_welcoming_loses_no_event(monkeypatch: pytest.MonkeyPatch) -> None:
    host = big_room(people=2, tasks=0)
    bo = MemberEngine("Bo", code="ALGO7X")
    host.link_opened("L1", 20_000)
    for send in host.receive("L1", bo.hello(20_000), 20_000).sends:
        bo.receive(send.data, 20_000)

    def broken(*_args: object) -> list[bytes]:
        raise RuntimeError("a bug while encoding the Welcome")

    monkeypatch.setattr(engine_module, "welcome_messages", broken)
    host.link_opened("L2", 20_001)
    out = host.receive("L2", MemberEngine("Cy", code="ALGO7X").hello(20_001), 20_001)
    assert [e.kind for e in out.events] == ["member_joined"]  # returned: it gets persisted
    assert out.close == ["L2"]
    to_bo = [decode(s.data) for s in out.sends if s.link == "L1"]
    assert [type(m).__name__ for m in to_bo] == ["Events"]  # Bo's log has no gap
    for send in out.sends:
        if send.link == "L1":
            bo.receive(send.data, 20_001)
    assert bo.log == host.log.events


def joined() -> tuple[HostEngine, MemberEngine]:
    host = big_room(people=0, tasks=0)
    bo = MemberEngine("Bo", code="ALGO7X")
    host.link_opened("L1", 20_000)
    for send in host.receive("L1", bo.hello(20_000), 20_000).sends:
        bo.receive(send.data, 20_000)
    return host, bo


@pytest.mark.parametrize(
    "command",
    [SetGoal(text="read chapter 3"), SetProgress(percent=40), AddTask(title="flashcards")],
    ids=["goal", "progress", "task"],
)
def test_every_member_command_has_a_rate_limit(command: object) -> None:
    host, bo = joined()
    burst, _per_ms = COMMAND_LIMIT
    codes = []
    for i in range(burst + 5):
        _ref, data = bo.command(command)  # type: ignore[arg-type]
        out = host.receive("L1", data, 30_000)  # all at one instant
        replies = [decode(s.data) for s in out.sends]
        codes += [m.code for m in replies if isinstance(m, Refused)]
        if i == burst - 1:
            assert "slow_down" not in codes
    assert codes.count("slow_down") == 5
    assert host.refusals["slow_down"] == 5


def test_a_flooding_link_is_dropped_unread_then_closed_and_others_are_served() -> None:
    host, bo = joined()
    _ref, data = bo.command(SetProgress(percent=1))
    host.link_opened("L2", 30_000)
    burst, _ = MESSAGE_LIMIT
    outs = [host.receive("L2", data, 30_000) for _ in range(burst + MAX_FLOOD_MESSAGES + 1)]
    told = [decode(s.data) for o in outs[burst:] for s in o.sends]
    assert told[0] == Error(
        code="slow_down",
        message="You are sending too fast; the host dropped some of your messages.",
    )
    assert outs[-1].close == ["L2"]
    assert isinstance(told[-1], Error)
    assert told[-1].fatal
    assert told[-1].code == "flood"
    assert sum(len(o.sends) for o in outs[burst + 1 : -1]) == 0  # dropped without a word
    _ref, data = bo.command(SetProgress(percent=50))
    out = host.receive("L1", data, 30_000)
    assert [e.kind for e in out.events] == ["progress_reported"]


def test_pings_past_the_limit_go_unanswered() -> None:
    host, bo = joined()
    burst, per_ms = PING_LIMIT
    answered = [bool(host.receive("L1", bo.ping(1), 30_000).sends) for _ in range(burst + 3)]
    assert answered == [True] * burst + [False] * 3
    assert host.receive("L1", bo.ping(1), 30_000 + per_ms).sends  # one more a moment later


def test_events_keep_flowing_to_a_member_after_a_big_welcome() -> None:
    host = big_room(people=300, tasks=MAX_ROOM_TASKS)
    bo = MemberEngine("Bo", code="ALGO7X")
    host.link_opened("L1", 20_000)
    for send in host.receive("L1", bo.hello(20_000), 20_000).sends:
        bo.receive(send.data, 20_000)
    _ref, data = bo.command(SetGoal(text="finish the proofs"))
    out = host.receive("L1", data, 20_100)
    got = [bo.receive(s.data, 20_100) for s in out.sends]
    assert any(isinstance(decode(s.data), Events) for s in out.sends)
    assert all(g.error is None for g in got)
    assert bo.state == host.state


def test_a_link_that_never_says_hello_is_closed() -> None:
    host, bo = joined()
    host.link_opened("L2", 30_000)
    pinger = MemberEngine("Eve", code="ALGO7X")
    for t in range(30_000, 30_000 + HELLO_TIMEOUT_MS + 1_000, 1_000):  # it pings: not silent
        host.receive("L1", bo.ping(t), t)
        host.receive("L2", pinger.ping(t), t)
        assert host.tick(t).close == []
    out = host.tick(30_000 + HELLO_TIMEOUT_MS + 1)
    assert out.close == ["L2"]
    assert out.events == []  # nobody was in the room through it
    assert host.receive("L2", pinger.ping(1), 40_002).sends == []  # forgotten
    assert host.state.present_count == 2

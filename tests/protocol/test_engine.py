"""Host and member engines, driven directly: exact messages out for each input."""

import itertools

import msgspec
import pytest

from jamdesk.core import timer
from jamdesk.core.commands import CompleteTimer, EndRoom, Join, SetStatus, StartTimer
from jamdesk.core.kinds import Lifecycle, Status
from jamdesk.protocol.codec import decode, encode
from jamdesk.protocol.engine import LINK_TIMEOUT_MS, MAX_BAD_MESSAGES, HostEngine
from jamdesk.protocol.member_engine import MemberEngine
from jamdesk.protocol.messages import (
    PROTOCOL_VERSION,
    CommandMessage,
    Error,
    Events,
    Hello,
    Paths,
    Ping,
    Pong,
    Refused,
    Welcome,
)
from jamdesk.protocol.paths import Path
from tests.factories import room_log


def new_host(duration_ms: int = 60_000) -> HostEngine:
    counter = itertools.count(1)
    log = room_log(timer.countdown(duration_ms))
    return HostEngine(log, lambda: f"p{next(counter)}")


def types_to(out: object, link: str) -> list[str]:
    return [type(decode(s.data)).__name__ for s in out.sends if s.link == link]  # type: ignore[attr-defined]


def join(host: HostEngine, member: MemberEngine, link: str, now: int = 10) -> None:
    host.link_opened(link, now)
    out = host.receive(link, member.hello(now), now)
    for send in out.sends:
        if send.link == link:
            member.receive(send.data, now)


def test_join_gets_welcome_then_whole_log_and_others_get_the_event() -> None:
    host = new_host()
    a, b = MemberEngine("Bo", code="ALGO7X"), MemberEngine("Cy", code="ALGO7X")
    join(host, a, "L1")
    host.link_opened("L2", 20)
    out = host.receive("L2", b.hello(20), 20)
    assert types_to(out, "L2") == ["Welcome", "Events"]
    assert types_to(out, "L1") == ["Events"]
    assert [e.kind for e in out.events] == ["member_joined"]
    for s in out.sends:
        (a if s.link == "L1" else b).receive(s.data, 20)
    assert a.log == b.log == host.log.events
    assert a.state == b.state == host.state
    assert [p.name for p in host.state.participants] == ["Ana", "Bo", "Cy"]


def test_participant_cannot_start_timer_and_room_is_untouched() -> None:
    host = new_host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(host, m, "L1")
    before = (host.state, list(host.log.events))
    ref, data = m.command(StartTimer())
    out = host.receive("L1", data, 50)
    assert out.events == []
    refused = decode(out.sends[0].data)
    assert refused == Refused(
        ref=ref, code="forbidden", reason="Only the host or a co-host can do that."
    )
    assert (host.state, host.log.events) == before
    assert m.receive(out.sends[0].data, 50).refused[0][0] == ref


def test_own_status_change_is_broadcast_to_all() -> None:
    host = new_host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(host, m, "L1")
    _, data = m.command(SetStatus(value=Status.PAUSED))
    out = host.receive("L1", data, 60)
    assert [e.kind for e in out.events] == ["status_changed"]
    got = m.receive(out.sends[0].data, 60)
    assert [e.kind for e in got.events] == ["status_changed"]
    assert m.state == host.state


@pytest.mark.parametrize(
    "data",
    [
        b"garbage",
        b'{"type":"welcome"}',
        b"x" * 70_000,
        encode(CommandMessage(ref=1, command=Join(name="x"))),
        encode(CommandMessage(ref=2, command=CompleteTimer())),
    ],
)
@pytest.mark.allow_warnings
def test_bad_input_gets_error_and_changes_nothing(data: bytes) -> None:
    host = new_host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(host, m, "L1")
    before = (host.state, list(host.log.events))
    out = host.receive("L1", data, 70)
    assert out.events == []
    assert out.close == []
    reply = decode(out.sends[0].data)
    assert isinstance(reply, Error | Refused)
    assert (host.state, host.log.events) == before


@pytest.mark.allow_warnings
def test_a_flood_of_garbage_closes_only_that_link() -> None:
    host = new_host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(host, m, "L1")
    host.link_opened("L2", 0)
    outs = [host.receive("L2", b"nope", 1) for _ in range(MAX_BAD_MESSAGES + 1)]
    assert outs[-1].close == ["L2"]
    assert all(o.close == [] for o in outs[:-1])
    last = decode(outs[-1].sends[0].data)
    assert isinstance(last, Error)
    assert last.fatal
    assert host.state.present_count == 2


def test_wrong_protocol_version_is_refused_clearly() -> None:
    host = new_host()
    host.link_opened("L1", 0)
    out = host.receive("L1", encode(Hello(protocol=PROTOCOL_VERSION + 1, name="Bo")), 0)
    err = decode(out.sends[0].data)
    assert isinstance(err, Error)
    assert err.code == "protocol_version"
    assert err.fatal
    assert "Update Jamdesk" in err.message
    assert out.close == ["L1"]
    assert host.state.present_count == 1


def test_commands_before_hello_are_refused() -> None:
    host = new_host()
    host.link_opened("L1", 0)
    out = host.receive("L1", encode(CommandMessage(ref=1, command=EndRoom())), 0)
    err = decode(out.sends[0].data)
    assert isinstance(err, Error)
    assert err.code == "not_joined"
    assert host.state.lifecycle is Lifecycle.READY


def test_ping_pong_uses_room_clock() -> None:
    host = new_host()
    host.link_opened("L1", 0)
    out = host.receive("L1", encode(Ping(t0=123)), 5_000)
    assert decode(out.sends[0].data) == Pong(t0=123, t1=5_000, t2=5_000)


def test_resume_after_drop_misses_nothing_and_duplicates_nothing() -> None:
    host = new_host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(host, m, "L1")
    host.command(StartTimer(), 1_000)
    lost = host.link_closed("L1", 2_000)
    assert [e.kind for e in lost.events] == ["member_left"]
    host.command(SetStatus(value=Status.PAUSED), 3_000)
    held = len(m.log)
    resumed = MemberEngine(
        "Bo", code="ALGO7X", participant_id=m.participant_id, log=m.log, identity=m.identity
    )
    join(host, resumed, "L9", now=4_000)
    assert resumed.participant_id == m.participant_id
    assert resumed.log == host.log.events
    assert [e.seq for e in resumed.log] == list(range(1, len(host.log.events) + 1))
    assert len(resumed.log) > held
    assert resumed.state == host.state


def test_silent_link_times_out_as_lost() -> None:
    host = new_host()
    m = MemberEngine("Bo", code="ALGO7X")
    join(host, m, "L1", now=0)
    assert host.tick(LINK_TIMEOUT_MS).close == []
    out = host.tick(LINK_TIMEOUT_MS + 1)
    assert out.close == ["L1"]
    assert [(e.kind, e.body.reason) for e in out.events] == [("member_left", "lost")]  # type: ignore[union-attr]


def test_tick_records_countdown_completion_once() -> None:
    host = new_host(duration_ms=1_000)
    host.command(StartTimer(), 0)
    assert host.next_wakeup(500) == 1_000
    assert host.tick(999).events == []
    assert [e.kind for e in host.tick(1_000).events] == ["timer_completed"]
    assert host.tick(1_001).events == []


def test_host_own_refusal_is_returned() -> None:
    host = new_host()
    out = host.command(EndRoom(), 0)
    assert out.refused is None
    again = host.command(EndRoom(), 1)
    assert again.refused is not None
    assert again.refused.code == "ended"


def test_member_ignores_garbage_from_host_and_reports_it() -> None:
    m = MemberEngine("Bo", code="ALGO7X")
    out = m.receive(b"{{{", 0)
    assert out.error is not None
    assert out.error.code == "malformed"
    assert m.state is None
    assert m.log == []


def test_member_snapshot_equals_folded_backlog() -> None:
    host = new_host()
    host.command(StartTimer(), 100)
    m = MemberEngine("Bo", code="ALGO7X")
    join(host, m, "L1", now=200)
    welcome_state = m.state
    assert welcome_state is not None
    assert welcome_state.lifecycle is Lifecycle.ACTIVE
    assert msgspec.json.encode(m.state) == msgspec.json.encode(host.state)
    assert isinstance(
        decode(encode(Welcome(protocol=1, participant_id="p", snapshot=host.state))), Welcome
    )
    assert isinstance(decode(encode(Events(events=host.log.events))), Events)


def private_host() -> HostEngine:
    counter = itertools.count(1)
    return HostEngine(room_log(private=True), lambda: f"p{next(counter)}")


def hello_outcome(host: HostEngine, link: str, code: str, source: str, now: int) -> Error | None:
    """Open ``link`` from ``source`` and say hello with ``code``; the fatal error, if any."""
    host.link_opened(link, now, source=source)
    out = host.receive(link, MemberEngine("Eve", code=code).hello(now), now)
    first = decode(next(s.data for s in out.sends if s.link == link))
    if isinstance(first, Error):
        assert first.fatal
        assert out.close == [link]
        return first
    assert isinstance(first, Welcome)
    return None


def test_a_private_room_admits_only_its_code() -> None:
    host = private_host()
    before = (host.state, list(host.log.events))
    err = hello_outcome(host, "L1", "ALGO7Y", "10.0.0.5", 0)
    assert err is not None
    assert err.code == "wrong_code"
    assert err.message == "That code does not open this private jam."
    assert (host.state, host.log.events) == before
    assert hello_outcome(host, "L2", "ALGO7X", "10.0.0.5", 0) is None
    assert [p.name for p in host.state.participants] == ["Ana", "Eve"]


def test_a_hello_signed_for_another_rooms_code_or_long_ago_or_twice_is_refused() -> None:
    """A signed hello names the room's code and its time (protocol/identity.py): one made
    for another room, one from far in the past, or one used already cannot be replayed."""
    host = new_host()
    other_room = hello_outcome(host, "L1", "OTHER1", "10.0.0.5", 0)
    assert other_room is not None
    assert other_room.code == "bad_identity"
    bo = MemberEngine("Bo", code="ALGO7X")
    stale = bo.hello(0)
    host.link_opened("L2", 16 * 60_000)
    out = host.receive("L2", stale, 16 * 60_000)  # signed 16 minutes before the host's now
    assert "clock" in decode(out.sends[0].data).message  # type: ignore[attr-defined]
    fresh = bo.hello(16 * 60_000)
    for link in ("L3", "L4"):
        host.link_opened(link, 16 * 60_000)
        out = host.receive(link, fresh, 16 * 60_000)
    assert decode(out.sends[0].data).message == "That hello was already used; join again."  # type: ignore[attr-defined]
    assert host.refusals["bad_identity"] == 3


def test_a_member_is_its_keys_id_and_cannot_borrow_anothers() -> None:
    """Issue 16: a member that sent another member's participant_id in its hello was welcomed
    as that person. Now the host admits the id of the key that signed the hello; another key
    claiming a known id is refused in words, and Bo keeps his place."""
    host = new_host()
    bo = MemberEngine("Bo", code="ALGO7X")
    join(host, bo, "L1")
    assert bo.participant_id == bo.identity.participant_id
    eve = MemberEngine("Eve", code="ALGO7X", participant_id=bo.participant_id)
    host.link_opened("L2", 20)
    out = host.receive("L2", eve.hello(20), 20)
    refused = decode(out.sends[0].data)
    assert isinstance(refused, Error)
    assert refused.message == "That place in the jam belongs to someone else; join as yourself."
    assert out.close == ["L2"]
    assert host.linked_participants() == {"L1": bo.participant_id}  # Bo keeps his link
    honest = MemberEngine("Eve", code="ALGO7X")  # the same student, asking for no one's id
    join(host, honest, "L3", now=30)
    assert honest.participant_id not in (None, bo.participant_id)
    assert [p.name for p in host.state.participants] == ["Ana", "Bo", "Eve"]


def test_wrong_codes_lock_out_one_source_and_not_the_others() -> None:
    host = private_host()
    outcomes = [hello_outcome(host, f"L{i}", "WRONG2", "10.0.0.66", 0) for i in range(6)]
    codes = [e.code if e else None for e in outcomes]
    assert codes == ["wrong_code"] * 5 + ["locked_out"]
    locked = hello_outcome(host, "L9", "ALGO7X", "10.0.0.66", 1_000)  # even the right code
    assert locked is not None
    assert locked.code == "locked_out"
    assert hello_outcome(host, "L10", "ALGO7X", "10.0.0.7", 1_000) is None  # someone else
    assert hello_outcome(host, "L11", "ALGO7X", "10.0.0.66", 11_000) is None  # one try back
    assert host.refusals == {"wrong_code": 5, "locked_out": 2}
    assert host.state.present_count == 3


def test_members_hear_how_each_link_reaches_the_host_once_one_is_not_direct() -> None:
    host = new_host()
    a, b = MemberEngine("Bo", code="ALGO7X"), MemberEngine("Cy", code="ALGO7X")
    join(host, a, "L1")
    host.link_opened("L2", 20, path=Path.RELAYED)  # joined through the signalling relay
    out = host.receive("L2", b.hello(20), 20)
    assert types_to(out, "L2") == ["Welcome", "Events", "Paths"]
    assert types_to(out, "L1") == ["Events", "Paths"]
    for s in out.sends:
        (a if s.link == "L1" else b).receive(s.data, 20)
    assert a.paths == b.paths == {a.participant_id: Path.DIRECT, b.participant_id: Path.RELAYED}
    moved = host.link_moved("L2", Path.TURN)
    assert sorted(s.link for s in moved.sends) == ["L1", "L2"]
    got = b.receive(moved.sends[0].data, 30)
    assert got.paths_changed
    assert b.paths[b.participant_id] is Path.TURN
    assert host.link_moved("L2", Path.TURN).sends == []  # no change, nothing said


def test_a_host_that_names_unknown_paths_is_not_believed() -> None:
    member = MemberEngine("Bo", code="ALGO7X")
    got = member.receive(encode(Paths(paths={"x": "teleport"})), 0)
    assert got.error is not None
    assert member.paths == {}

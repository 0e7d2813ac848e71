"""The room reducer and the permission check, as tables."""

import msgspec
import pytest

from jamdesk.core import timer
from jamdesk.core.commands import (
    PEER_COMMANDS,
    CompleteTimer,
    EndRoom,
    Join,
    Leave,
    PauseTimer,
    ResetTimer,
    ResumeTimer,
    SetStatus,
    StartTimer,
)
from jamdesk.core.events import (
    Event,
    MemberJoined,
    MemberLeft,
    RoomEnded,
    StatusChanged,
    TimerCompleted,
    TimerPaused,
    TimerReset,
    TimerStarted,
)
from jamdesk.core.kinds import Lifecycle, Role, Status
from jamdesk.core.room import LogError, RoomLog, apply, fold
from jamdesk.core.rules import Rejected, decide
from tests.factories import room_log

HOST, COHOST, MEMBER = "h", "c", "p"


def opened(anchor: timer.TimerAnchor | None = None) -> RoomLog:
    return room_log(anchor or timer.countdown(60_000), host_id=HOST)


def room_with_people() -> RoomLog:
    log = opened()
    for pid, name in ((COHOST, "Cy"), (MEMBER, "Pia")):
        log.append(pid, [MemberJoined(participant_id=pid, name=name)], 10)
    # No promote command yet (issue 3): make the co-host by editing the folded state.
    people = tuple(
        msgspec.structs.replace(p, role=Role.COHOST) if p.participant_id == COHOST else p
        for p in log.state.participants
    )
    log.state = msgspec.structs.replace(log.state, participants=people)
    return log


ROLE_OF = {Role.HOST: HOST, Role.COHOST: COHOST, Role.PARTICIPANT: MEMBER}

# (command, roles allowed) for a READY room (or ACTIVE for pause).
TABLE = [
    (StartTimer(), {Role.HOST, Role.COHOST}),
    (ResetTimer(), {Role.HOST, Role.COHOST}),
    (PauseTimer(), {Role.HOST, Role.COHOST}),
    (ResumeTimer(), {Role.HOST, Role.COHOST}),
    (EndRoom(), {Role.HOST}),
    (SetStatus(value=Status.DONE), {Role.HOST, Role.COHOST, Role.PARTICIPANT}),
    (Leave(), {Role.HOST, Role.COHOST, Role.PARTICIPANT}),
]


@pytest.mark.parametrize(("command", "allowed"), TABLE)
@pytest.mark.parametrize("role", list(Role))
def test_role_by_command_table(command: object, allowed: set[Role], role: Role) -> None:
    log = room_with_people()
    # Put the room in a lifecycle where the command is legal, so only the role decides.
    if isinstance(command, PauseTimer | ResetTimer):
        log.append(HOST, [TimerStarted()], 100)
    if isinstance(command, ResumeTimer):
        log.append(HOST, [TimerStarted()], 100)
        log.append(HOST, [TimerPaused()], 200)
    result = decide(log.state, ROLE_OF[role], command, 300)  # type: ignore[arg-type]
    if role in allowed:
        assert not isinstance(result, Rejected), result
    else:
        assert isinstance(result, Rejected)
        assert result.code == "forbidden"
        assert "Only the host" in result.reason


def test_lifecycle_ready_active_paused_ended() -> None:
    log = opened()
    seen = [log.state.lifecycle]
    for cmd, at in (
        (StartTimer(), 1_000),
        (PauseTimer(), 2_000),
        (StartTimer(), 3_000),
        (EndRoom(), 4_000),
    ):
        bodies = decide(log.state, HOST, cmd, at)
        assert isinstance(bodies, list)
        log.append(HOST, bodies, at)
        seen.append(log.state.lifecycle)
    assert seen == [
        Lifecycle.READY,
        Lifecycle.ACTIVE,
        Lifecycle.PAUSED,
        Lifecycle.ACTIVE,
        Lifecycle.ENDED,
    ]
    assert [e.kind for e in log.events] == [
        "room_opened",
        "timer_started",
        "timer_paused",
        "timer_started",
        "room_ended",
    ]
    # Ended: time stopped with 2 s banked, and nothing more is accepted.
    assert timer.read(log.state.timer, 99_000).elapsed_ms == 2_000
    for cmd in (StartTimer(), SetStatus(value=Status.DONE), EndRoom(), Leave()):
        result = decide(log.state, HOST, cmd, 5_000)
        assert isinstance(result, Rejected)
        assert result.code == "ended"
    assert decide(log.state, "new", Join(name="Late"), 5_000) == Rejected(
        "ended", "This jam has ended."
    )


@pytest.mark.parametrize(
    ("setup", "command", "code"),
    [
        ([], PauseTimer(), "not_running"),
        ([], ResetTimer(), "already_reset"),
        ([], ResumeTimer(), "not_paused"),
        ([TimerStarted()], StartTimer(), "already_running"),
        ([TimerStarted()], CompleteTimer(), "not_finished"),
    ],
)
def test_commands_against_the_lifecycle_are_refused(
    setup: list, command: object, code: str
) -> None:
    log = opened()
    log.append(HOST, setup, 0)
    before = log.state
    result = decide(log.state, HOST, command, 10)  # type: ignore[arg-type]
    assert isinstance(result, Rejected)
    assert result.code == code
    assert log.state == before


def test_countdown_completion_is_recorded_then_needs_reset() -> None:
    log = opened(timer.countdown(1_000))
    log.append(HOST, [TimerStarted()], 0)
    assert decide(log.state, HOST, CompleteTimer(), 1_000) == [TimerCompleted()]
    log.append(HOST, [TimerCompleted()], 1_000)
    assert isinstance(decide(log.state, HOST, StartTimer(), 2_000), Rejected)
    assert decide(log.state, HOST, ResetTimer(), 2_000) == [TimerReset()]


def test_status_is_own_and_repeat_is_a_noop() -> None:
    log = room_with_people()
    assert decide(log.state, MEMBER, SetStatus(value=Status.PAUSED), 5) == [
        StatusChanged(participant_id=MEMBER, status=Status.PAUSED)
    ]
    assert decide(log.state, MEMBER, SetStatus(value=Status.ACTIVE), 5) == []


def test_join_rules() -> None:
    log = room_with_people()
    assert decide(log.state, MEMBER, Join(name="Pia"), 5) == Rejected(
        "already_here", "You are already in this jam."
    )
    assert isinstance(decide(log.state, "x", Join(name="   "), 5), Rejected)
    assert isinstance(decide(log.state, "x", Join(name="a\x00b"), 5), Rejected)
    assert isinstance(decide(log.state, "x", Join(name="n" * 41), 5), Rejected)
    log.append(MEMBER, [MemberLeft(participant_id=MEMBER, reason="lost")], 6)
    assert decide(log.state, MEMBER, Join(name="Pia"), 7) == [
        MemberJoined(participant_id=MEMBER, name="Pia")
    ]
    assert isinstance(decide(log.state, MEMBER, SetStatus(value=Status.DONE), 7), Rejected)


def test_fold_of_log_equals_live_state() -> None:
    log = room_with_people()
    log.append(HOST, [TimerStarted()], 100)
    log.append(MEMBER, [StatusChanged(participant_id=MEMBER, status=Status.DONE)], 150)
    log.append(HOST, [RoomEnded()], 200)
    rebuilt = RoomLog.from_events(log.events)
    assert fold(log.events) == rebuilt.state
    assert rebuilt.state.participant(MEMBER).status is Status.DONE  # type: ignore[union-attr]


def test_apply_refuses_gaps_and_second_opening() -> None:
    log = opened()
    with pytest.raises(LogError, match="expected seq 2"):
        apply(log.state, Event(seq=3, at_ms=0, actor=HOST, body=TimerStarted()))
    with pytest.raises(LogError):
        apply(
            log.state, log.events[0].__class__(seq=2, at_ms=0, actor=HOST, body=log.events[0].body)
        )
    with pytest.raises(LogError):
        apply(None, Event(seq=1, at_ms=0, actor=HOST, body=TimerStarted()))


def test_only_peer_commands_travel() -> None:
    assert Join not in PEER_COMMANDS
    assert CompleteTimer not in PEER_COMMANDS

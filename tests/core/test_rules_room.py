"""The whole room's rules: a role x command table, and each refusal leaves the room as it was."""

from __future__ import annotations

import re

import msgspec
import pytest

from jamdesk.app.settings import SettingsError, parse_timer
from jamdesk.core import timer
from jamdesk.core.audio import Track
from jamdesk.core.commands import (
    AddTask,
    AdvancePhase,
    AudioLayers,
    AudioPlay,
    Chat,
    Command,
    ConfigureTimer,
    DeleteTask,
    Demote,
    EndRoom,
    Join,
    Leave,
    PauseTimer,
    Promote,
    React,
    Remove,
    RenameTask,
    ResetTimer,
    ResumeTimer,
    SetGoal,
    SetProgress,
    SetStatus,
    SkipPhase,
    StartTimer,
    TakeOver,
    ToggleTask,
    TransferHost,
)
from jamdesk.core.defaults import default_timer
from jamdesk.core.events import (
    HostChanged,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    RoleChanged,
    TaskAdded,
    TimerPaused,
    TimerStarted,
)
from jamdesk.core.kinds import Lifecycle, Phase, Role, SessionType, Status, TimerMode
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.core.room import RoomLog, fold
from jamdesk.core.rules import MAX_CHAT_CHARS, Rejected, decide
from tests.factories import room_log

HOST, COHOST, MEMBER, OTHER = "h", "c", "p", "q"
ROLE_OF = {Role.HOST: HOST, Role.COHOST: COHOST, Role.PARTICIPANT: MEMBER}


def room(anchor: timer.TimerAnchor | None = None) -> RoomLog:
    log = room_log(anchor or timer.pomodoro_timer(), host_id=HOST)
    for pid, name in ((COHOST, "Cy"), (MEMBER, "Pia"), (OTHER, "Quinn")):
        log.append(pid, [MemberJoined(participant_id=pid, name=name, client_id=f"app-{pid}")], 1)
    log.append(HOST, [RoleChanged(participant_id=COHOST, role=Role.COHOST)], 2)
    log.append(OTHER, [TaskAdded(task_id="t1", owner_id=OTHER, title="Read ch. 3")], 3)
    return log


TRACK = Track(track_id="a" * 64, title="Dawn", duration_ms=120_000, artist="Jamdesk")


def ok(result: object) -> list:  # type: ignore[type-arg]
    assert not isinstance(result, Rejected), result
    assert isinstance(result, list)
    return result


ANY = {Role.HOST, Role.COHOST, Role.PARTICIPANT}
RUN = {Role.HOST, Role.COHOST}
ONLY_HOST = {Role.HOST}
# (command, roles allowed, lifecycle setup: "ready" | "active" | "paused")
TABLE: list[tuple[Command, set[Role], str]] = [
    (StartTimer(), RUN, "ready"),
    (PauseTimer(), RUN, "active"),
    (ResumeTimer(), RUN, "paused"),
    (ResetTimer(), RUN, "active"),
    (SkipPhase(), RUN, "active"),
    (ConfigureTimer(mode=TimerMode.STOPWATCH), RUN, "ready"),
    (Remove(participant_id=OTHER), RUN, "ready"),
    (Promote(participant_id=OTHER), ONLY_HOST, "ready"),
    (Demote(participant_id=COHOST), ONLY_HOST, "ready"),
    (TransferHost(participant_id=OTHER), ONLY_HOST, "ready"),
    (EndRoom(), ONLY_HOST, "ready"),
    (SetStatus(value=Status.DONE), ANY, "ready"),
    (SetGoal(text="Finish problem set 4"), ANY, "ready"),
    (SetProgress(percent=40), ANY, "ready"),
    (React(emoji="👏"), ANY, "ready"),
    (React(emoji="🔥", to=OTHER), ANY, "ready"),
    (Chat(text="hello <b>all</b>"), ANY, "ready"),
    (AddTask(title="Revise"), ANY, "ready"),
    (Leave(), ANY, "ready"),
    (AudioPlay(track=TRACK), RUN, "ready"),
    (AudioLayers(levels={"rain": 60}), RUN, "active"),
]


@pytest.mark.parametrize(("command", "allowed", "setup"), TABLE)
@pytest.mark.parametrize("role", list(Role))
def test_role_by_command(command: Command, allowed: set[Role], setup: str, role: Role) -> None:
    log = room()
    if setup in ("active", "paused"):
        log.append(HOST, [TimerStarted()], 100)
    if setup == "paused":
        log.append(HOST, [TimerPaused()], 200)
    before = log.state
    result = decide(log.state, ROLE_OF[role], command, 300)
    if role in allowed:
        ok(result)
    else:
        assert isinstance(result, Rejected)
        assert result.code == "forbidden"
    assert log.state == before


@pytest.mark.parametrize(
    ("actor", "command", "code"),
    [
        (MEMBER, Promote(participant_id=MEMBER), "forbidden"),  # promoting oneself
        (HOST, Promote(participant_id=COHOST), "already_cohost"),
        (HOST, Demote(participant_id=MEMBER), "not_cohost"),
        (HOST, Remove(participant_id=HOST), "self"),
        (COHOST, Remove(participant_id=HOST), "forbidden"),
        (HOST, Promote(participant_id="ghost"), "no_such_member"),
        (MEMBER, React(emoji="💩"), "bad_reaction"),
        (MEMBER, React(emoji="👏", to="ghost"), "no_such_member"),
        (MEMBER, Chat(text="x" * (MAX_CHAT_CHARS + 1)), "bad_chat"),
        (MEMBER, Chat(text="   "), "bad_chat"),
        (MEMBER, Chat(text="bell\x07"), "bad_chat"),
        (MEMBER, SetGoal(text="g" * 201), "bad_goal"),
        (MEMBER, SetProgress(percent=101), "bad_progress"),
        (MEMBER, RenameTask(task_id="t1", title="Mine now"), "forbidden"),
        (MEMBER, DeleteTask(task_id="t1"), "forbidden"),
        (MEMBER, ToggleTask(task_id="t404"), "no_such_task"),
        (MEMBER, AddTask(title=""), "bad_task"),
        (HOST, SkipPhase(), "not_started"),
        (HOST, ConfigureTimer(mode=TimerMode.POMODORO, focus_ms=90 * MINUTE_MS), "out_of_range"),
        (HOST, ConfigureTimer(mode=TimerMode.POMODORO, short_break_ms=MINUTE_MS), "out_of_range"),
        (HOST, ConfigureTimer(mode=TimerMode.COUNTDOWN, duration_ms=-5), "out_of_range"),
        (HOST, TakeOver(), "already_host"),
    ],
)
def test_refusals_say_why_and_change_nothing(actor: str, command: Command, code: str) -> None:
    log = room()
    before = log.state
    result = decide(log.state, actor, command, 10)
    assert isinstance(result, Rejected), result
    assert result.code == code
    assert result.reason
    assert log.state == before


@pytest.mark.parametrize(
    ("command", "spec", "words"),
    [
        (
            ConfigureTimer(mode=TimerMode.POMODORO, focus_ms=0),
            "pomodoro:0/5/15",
            "Focus lasts from 15 to 60 minutes.",
        ),
        (
            ConfigureTimer(mode=TimerMode.POMODORO, long_every=0),
            "pomodoro:25/5/15x0",
            "A long break comes after 2 to 8 focus blocks.",
        ),
        (
            ConfigureTimer(mode=TimerMode.COUNTDOWN, duration_ms=0),
            "countdown:0s",
            "A countdown lasts from 1 second to 24 hours.",
        ),
    ],
)
def test_a_zero_length_is_refused_in_the_clis_words_never_made_a_default(
    command: ConfigureTimer, spec: str, words: str
) -> None:
    """Issue 13: ``focus_ms: 0``, ``long_every: 0`` and a 0 ms countdown became 25/5/15 x4 and
    25 min. Now refused, with the words ``parse_timer`` uses for the command line."""
    assert decide(room().state, HOST, command, 0) == Rejected("out_of_range", words)
    with pytest.raises(SettingsError, match=re.escape(words)):
        parse_timer(spec)


def test_out_of_range_pomodoro_names_the_range() -> None:
    result = decide(
        room().state, HOST, ConfigureTimer(mode=TimerMode.POMODORO, focus_ms=90 * MINUTE_MS), 0
    )
    assert result == Rejected("out_of_range", "Focus lasts from 15 to 60 minutes.")


def test_configure_only_before_the_start() -> None:
    log = room()
    log.append(
        HOST,
        ok(
            decide(
                log.state,
                HOST,
                ConfigureTimer(mode=TimerMode.POMODORO, focus_ms=50 * MINUTE_MS, long_every=2),
                0,
            )
        ),
        5,
    )
    assert log.state.timer.plan is not None
    assert log.state.timer.plan.focus_ms == 50 * MINUTE_MS
    log.append(HOST, [TimerStarted()], 10)
    refused = decide(log.state, HOST, ConfigureTimer(mode=TimerMode.STOPWATCH), 20)
    assert isinstance(refused, Rejected)
    assert refused.code == "not_ready"


def test_removed_member_cannot_rejoin_even_with_a_new_id() -> None:
    log = room()
    log.append(HOST, ok(decide(log.state, HOST, Remove(participant_id=OTHER), 5)), 5)
    assert log.state.participant(OTHER).removed  # type: ignore[union-attr]
    for actor in (OTHER, "fresh-id"):
        refused = decide(log.state, actor, Join(name="Quinn", client_id="app-q"), 6)
        assert refused == Rejected(
            "removed", "You were removed from this jam and cannot rejoin it."
        )
    assert ok(decide(log.state, "new", Join(name="Newcomer", client_id="app-new"), 6))


def test_transfer_and_takeover_change_the_host() -> None:
    log = room()
    log.append(HOST, ok(decide(log.state, HOST, TransferHost(participant_id=OTHER), 5)), 5)
    assert log.state.host_id == OTHER
    assert log.state.participant(HOST).role is Role.COHOST  # type: ignore[union-attr]
    assert log.state.participant(OTHER).role is Role.HOST  # type: ignore[union-attr]
    bodies = ok(decide(log.state, COHOST, TakeOver(), 9))
    assert bodies[0] == HostChanged(participant_id=COHOST, previous_host_id=OTHER, reason="lost")
    assert [type(b).__name__ for b in bodies] == ["HostChanged", "MemberLeft"]


def test_a_host_who_leaves_hands_over_and_is_recorded_as_left() -> None:
    log = room()
    bodies = ok(decide(log.state, HOST, TransferHost(participant_id=OTHER, leaving=True), 5))
    assert bodies == [
        HostChanged(participant_id=OTHER, previous_host_id=HOST, reason="transfer"),
        MemberLeft(participant_id=HOST, reason="left"),
    ]
    log.append(HOST, bodies, 5)
    assert log.state.host_id == OTHER
    assert log.state.participant(HOST).present is False  # type: ignore[union-attr]


def test_chat_is_kept_as_plain_text() -> None:
    bodies = ok(decide(room().state, MEMBER, Chat(text="  <script>alert(1)</script>\nok  "), 0))
    assert bodies[0].text == "<script>alert(1)</script>\nok"


def test_room_tasks_lifecycle() -> None:
    log = room()
    (added,) = ok(decide(log.state, MEMBER, AddTask(title="Problem 2"), 0))
    log.append(MEMBER, [added], 1)
    tid = added.task_id
    log.append(MEMBER, ok(decide(log.state, MEMBER, ToggleTask(task_id=tid), 2)), 2)
    assert log.state.task(tid).done  # type: ignore[union-attr]
    log.append(COHOST, ok(decide(log.state, COHOST, RenameTask(task_id=tid, title="P2"), 3)), 3)
    log.append(MEMBER, ok(decide(log.state, MEMBER, DeleteTask(task_id=tid), 4)), 4)
    assert log.state.task(tid) is None
    assert fold(log.events) == log.state


def test_phase_changes_are_recorded_once_each() -> None:
    log = room(timer.pomodoro_timer())
    log.append(HOST, [TimerStarted()], 0)
    assert ok(decide(log.state, HOST, AdvancePhase(), 24 * MINUTE_MS)) == []
    bodies = ok(decide(log.state, HOST, AdvancePhase(), 31 * MINUTE_MS))
    assert [(b.index, b.phase) for b in bodies] == [(1, Phase.SHORT_BREAK), (2, Phase.FOCUS)]
    log.append(HOST, bodies, 31 * MINUTE_MS)
    assert ok(decide(log.state, HOST, AdvancePhase(), 32 * MINUTE_MS)) == []
    skip = ok(decide(log.state, HOST, SkipPhase(), 32 * MINUTE_MS))
    log.append(HOST, skip, 32 * MINUTE_MS)
    assert log.state.phase_index == 3
    assert timer.read(log.state.timer, 32 * MINUTE_MS).phase is Phase.SHORT_BREAK


@pytest.mark.parametrize("kind", list(SessionType))
def test_every_type_has_a_sensible_default(kind: SessionType) -> None:
    anchor = default_timer(kind)
    assert not anchor.running
    expected = {
        SessionType.POMODORO: TimerMode.POMODORO,
        SessionType.RUNNING: TimerMode.STOPWATCH,
        SessionType.MEDITATION: TimerMode.COUNTDOWN,
    }
    if kind in expected:
        assert anchor.mode is expected[kind]
    if kind is SessionType.POMODORO:
        plan = anchor.plan
        assert plan is not None
        assert (plan.focus_ms, plan.short_break_ms, plan.long_break_ms, plan.long_every) == (
            25 * MINUTE_MS,
            5 * MINUTE_MS,
            15 * MINUTE_MS,
            4,
        )


def test_lifecycle_enforced_for_every_command_after_end() -> None:
    log = room()
    log.append(HOST, ok(decide(log.state, HOST, EndRoom(), 5)), 5)
    assert log.state.lifecycle is Lifecycle.ENDED
    for command, _, _ in TABLE:
        result = decide(log.state, HOST, command, 6)
        assert isinstance(result, Rejected)
        assert result.code == "ended"
    assert msgspec.json.encode(fold(log.events)) == msgspec.json.encode(log.state)


def test_removal_event_shape() -> None:
    bodies = ok(decide(room().state, COHOST, Remove(participant_id=OTHER), 0))
    assert bodies == [MemberRemoved(participant_id=OTHER, by=COHOST)]


def test_the_host_or_a_cohost_sets_the_room_goal_for_everyone_and_the_summary() -> None:
    """Issue 13: there was no goal for the room, only personal goals."""
    from jamdesk.core.commands import SetRoomGoal
    from jamdesk.core.events import RoomGoalSet
    from jamdesk.core.summary import summarize, to_markdown
    from jamdesk.core.timeline import timeline

    log = room()
    refused = decide(log.state, MEMBER, SetRoomGoal(text="Mine"), 1)
    assert refused == Rejected("forbidden", "Only the host or a co-host can do that.")
    too_long = decide(log.state, HOST, SetRoomGoal(text="x" * 201), 1)
    assert isinstance(too_long, Rejected)
    assert too_long.code == "bad_goal"
    log.append(COHOST, ok(decide(log.state, COHOST, SetRoomGoal(text="  Chapter 4 *all*  "), 2)), 2)
    assert log.state.room_goal == "Chapter 4 *all*"
    assert decide(log.state, HOST, SetRoomGoal(text="Chapter 4 *all*"), 3) == []  # no change
    assert log.events[-1].body == RoomGoalSet(participant_id=COHOST, text="Chapter 4 *all*")
    assert timeline(log.events)[-1].text.endswith("set the room's goal: Chapter 4 *all*")
    summary = summarize(log.events)
    assert summary.room_goal == "Chapter 4 *all*"
    assert "Room goal: Chapter 4 \\*all\\*" in to_markdown(summary)


def test_a_countdown_that_ran_out_leaves_the_room_ready_to_reset() -> None:
    """Issue 13: a finished countdown left the room ACTIVE."""
    from jamdesk.core.commands import CompleteTimer, ResetTimer, StartTimer

    log = room(timer.countdown(60_000))
    log.append(HOST, ok(decide(log.state, HOST, StartTimer(), 0)), 0)
    log.append(HOST, ok(decide(log.state, HOST, CompleteTimer(), 60_000)), 60_000)
    assert log.state.lifecycle is Lifecycle.READY
    assert decide(log.state, HOST, StartTimer(), 61_000) == Rejected(
        "finished", "The countdown has finished; reset it first."
    )
    log.append(HOST, ok(decide(log.state, HOST, ResetTimer(), 62_000)), 62_000)
    assert timer.read(log.state.timer, 62_000).remaining_ms == 60_000
    assert ok(decide(log.state, HOST, StartTimer(), 63_000))

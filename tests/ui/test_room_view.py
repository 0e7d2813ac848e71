"""What the room screen shows, from the pure view model: no widgets, no Qt."""

from __future__ import annotations

from jamdesk.core import timer
from jamdesk.core.events import MemberJoined, RoomEnded, TimerStarted
from jamdesk.core.kinds import Role
from jamdesk.ui.room_view import format_ms, room_view, timer_view
from tests.factories import room_log


def test_a_participant_sees_no_timer_controls_and_the_host_sees_them_all() -> None:
    log = room_log(timer.countdown(25 * 60_000), host_id="h")
    log.append("b", [MemberJoined(participant_id="b", name="Bo")], 1)
    reading = timer.read(log.state.timer, 2)
    host = room_view(log.state, Role.HOST, reading, hosting=True)
    member = room_view(log.state, Role.PARTICIPANT, reading, hosting=False)
    cohost = room_view(log.state, Role.COHOST, reading, hosting=False)
    assert (host.timer_controls, host.end, host.ghost, host.start_text) == (
        True,
        True,
        True,
        "Start",
    )
    assert (member.timer_controls, member.end, member.ghost, member.audio_controls) == (
        False, False, False, False,
    )  # fmt: skip
    assert (cohost.timer_controls, cohost.end, cohost.audio_controls) == (True, False, True)
    assert not host.reset_enabled  # nothing to reset before the start
    assert host.editable
    assert not host.summary


def test_a_running_timer_offers_pause_and_an_ended_room_only_the_summary() -> None:
    log = room_log(timer.countdown(25 * 60_000), host_id="h")
    log.append("h", [TimerStarted()], 10)
    running = room_view(log.state, Role.HOST, timer.read(log.state.timer, 20), hosting=True)
    assert (running.start_text, running.reset_enabled) == ("Pause", True)
    log.append("h", [RoomEnded()], 30)
    ended = room_view(log.state, Role.HOST, timer.read(log.state.timer, 40), hosting=True)
    assert (ended.timer_controls, ended.end, ended.summary, ended.editable) == (
        False, False, True, False,
    )  # fmt: skip


def test_the_big_timer_rounds_a_countdown_up_and_names_the_pomodoro_block() -> None:
    log = room_log(timer.pomodoro_timer(), host_id="h")
    log.append("h", [TimerStarted()], 0)
    shown = timer_view(log.state, timer.read(log.state.timer, 1))
    assert shown.caption == "FOCUS · BLOCK 1"
    assert shown.text == format_ms(25 * 60_000 - 1, round_up=True) == "25:00"
    assert format_ms(3_900_000, round_up=False) == "1:05:00"
    assert not shown.finished
    cycle = 4 * 25 * 60_000 + 3 * 5 * 60_000 + 15 * 60_000  # one whole cycle, long break included
    second = timer_view(log.state, timer.read(log.state.timer, cycle + 1))
    assert second.caption == "FOCUS · BLOCK 5 · CYCLE 2"  # issue 13: cycles were never shown


def test_states_tell_the_truth_at_times_up_in_a_break_and_after_the_end() -> None:
    from jamdesk.core.pomodoro import MINUTE_MS, PomodoroPlan

    log = room_log(timer.countdown(60_000), host_id="h")
    log.append("h", [TimerStarted()], 0)
    up = timer.read(log.state.timer, 61_000)
    view = room_view(log.state, Role.HOST, up, hosting=True)
    assert (view.start_text, view.start_enabled) == ("Time's up", False)  # not "Pause"
    log.append("h", [RoomEnded()], 62_000)
    ended = timer_view(log.state, timer.read(log.state.timer, 63_000))
    assert (ended.text, ended.phase, ended.caption) == ("Ended", "ended", "ENDED")
    pomodoro = room_log(timer.pomodoro_timer(PomodoroPlan()), host_id="h")
    pomodoro.append("h", [TimerStarted()], 0)
    brk = timer_view(pomodoro.state, timer.read(pomodoro.state.timer, 26 * MINUTE_MS))
    assert (brk.phase, brk.caption) == ("break", "SHORT BREAK")  # styled as a break


def test_the_room_goal_is_set_by_runners_and_read_by_everyone() -> None:
    from jamdesk.core.events import RoomGoalSet

    log = room_log(timer.countdown(25 * 60_000), host_id="h")
    reading = timer.read(log.state.timer, 0)
    member = room_view(log.state, Role.PARTICIPANT, reading, hosting=False)
    assert (member.room_goal, member.room_goal_editable) == ("", False)  # nothing to show
    assert room_view(log.state, Role.COHOST, reading, hosting=False).room_goal_editable
    log.append("h", [RoomGoalSet(participant_id="h", text="Chapter 4")], 10)
    member = room_view(log.state, Role.PARTICIPANT, reading, hosting=False)
    assert (member.room_goal, member.room_goal_editable) == ("Chapter 4", False)

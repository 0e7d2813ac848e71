"""Timeline sentences and the session summary, from a scripted log."""

from __future__ import annotations

import pytest

from jamdesk.core import timer
from jamdesk.core.commands import (
    AddTask,
    AdvancePhase,
    Chat,
    EndRoom,
    Join,
    React,
    SetGoal,
    SetStatus,
    SkipPhase,
    StartTimer,
    ToggleTask,
)
from jamdesk.core.kinds import Status
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.core.room import RoomLog
from jamdesk.core.summary import summarize, to_markdown
from jamdesk.core.timeline import timeline, timer_words
from tests.factories import room_log, run


def scripted() -> RoomLog:
    """Ana hosts a 25/5/15 Pomodoro; Bo joins at 0, Cy joins 10 min into the first focus."""
    log = room_log(timer.pomodoro_timer(), host_id="a")
    run(log, "b", Join(name="Bo"), 0)
    run(log, "a", StartTimer(), 0)
    run(log, "c", Join(name="Cy *star*"), 10 * MINUTE_MS)
    run(log, "b", SetGoal(text="Finish set 4"), 11 * MINUTE_MS)
    run(log, "b", AddTask(title="Problem 2"), 12 * MINUTE_MS)
    run(log, "c", React(emoji="👏", to="b"), 13 * MINUTE_MS)
    run(log, "c", Chat(text="nice <b>work</b>"), 14 * MINUTE_MS)
    run(log, "a", AdvancePhase(), 25 * MINUTE_MS)  # first focus block ends: break
    run(log, "a", AdvancePhase(), 30 * MINUTE_MS)  # second focus begins
    run(log, "b", ToggleTask(task_id=log.state.tasks[0].task_id), 40 * MINUTE_MS)
    run(log, "a", SkipPhase(), 45 * MINUTE_MS)  # skipped: 15 min of focus, no block
    run(log, "b", SetStatus(value=Status.DONE), 46 * MINUTE_MS)
    run(log, "a", EndRoom(), 50 * MINUTE_MS)
    return log


def test_timeline_reads_like_sentences() -> None:
    lines = [e.text for e in timeline(scripted().events)]
    assert lines == [
        "Ana opened “Algorithms” (Study, Pomodoro 25/5/15 x4)",
        "Bo joined",
        "Ana started the timer",
        "Cy *star* joined",
        "Bo's goal: Finish set 4",
        "Bo added the task “Problem 2”",
        "Cy *star* 👏 → Bo",
        "Cy *star*: nice <b>work</b>",
        "Short break (5 min)",
        "Focus block 2",
        "Bo finished “Problem 2”",
        "Ana skipped to short break (5 min)",
        "Bo is done",
        "Ana ended the jam",
    ]


def test_summary_counts_focus_blocks_goals_tasks_and_reactions() -> None:
    summary = summarize(scripted().events)
    by = {p.name: p for p in summary.participants}
    # Focus: 0-25 min and 30-45 min (then a skipped-to break until the end at 50).
    assert by["Bo"].focus_ms == 40 * MINUTE_MS
    assert by["Cy *star*"].focus_ms == 30 * MINUTE_MS  # joined 10 min in
    assert by["Bo"].focus_blocks == by["Cy *star*"].focus_blocks == 1  # the skipped one: none
    assert (by["Bo"].goal, by["Bo"].goal_done, by["Bo"].tasks_completed) == (
        "Finish set 4",
        True,
        1,
    )
    assert (by["Bo"].reactions_received, by["Cy *star*"].reactions_sent) == (1, 1)
    assert by["Cy *star*"].messages == 1
    assert summary.ended
    assert summary.ended_at_ms - summary.started_at_ms == 50 * MINUTE_MS


def test_markdown_escapes_what_people_typed() -> None:
    md = to_markdown(summarize(scripted().events))
    assert md.startswith("# Algorithms\n")
    assert "| Cy \\*star\\* (participant) | 30 min | 1 |" in md
    assert "| Bo (participant) | 40 min | 1 | Finish set 4 | yes | 1 | 1 |" in md


def test_live_room_is_summarised_up_to_now() -> None:
    log = room_log(timer.countdown(25 * MINUTE_MS), host_id="a")
    run(log, "a", StartTimer(), 0)
    summary = summarize(log.events, now_ms=40 * MINUTE_MS)
    assert summary.participants[0].focus_ms == 25 * MINUTE_MS  # a countdown stops at zero
    assert not summary.ended


@pytest.mark.parametrize(
    ("ms", "words"),
    [
        (1_000, "Countdown 1 s"),
        (90_000, "Countdown 1 min 30 s"),
        (25 * 60_000, "Countdown 25 min"),
        (90 * 60_000, "Countdown 1 h 30 min"),
        (24 * 3_600_000, "Countdown 24 h"),
    ],
)
def test_a_countdown_reads_as_its_length(ms: int, words: str) -> None:
    """Issue 13: ``countdown:1s`` read "Countdown 0 min"."""
    assert timer_words(timer.countdown(ms)) == words

"""The desktop's words for a jam, from the pure view model: the alerts a run of room states
gives, as an exact list, and what the title, the tooltip and the tray show."""

from __future__ import annotations

from datetime import UTC

import pytest

from jamdesk.core import timer
from jamdesk.core.commands import (
    EndRoom,
    PauseTimer,
    ResetTimer,
    SkipPhase,
    StartTimer,
)
from jamdesk.core.pomodoro import MINUTE_MS, PomodoroPlan
from jamdesk.core.room import RoomLog
from jamdesk.ui.presence_view import Alert, Kind, PhaseWatch, presence
from tests.factories import room_log, run

PLAN = PomodoroPlan(focus_ms=25 * MINUTE_MS, short_break_ms=5 * MINUTE_MS)
WALL_14_10 = 1_800_000_000_000 - (1_800_000_000_000 % 86_400_000) + (14 * 60 + 10) * 60_000


def watch_over(log: RoomLog, steps: list[tuple[int, object]]) -> list[Alert]:
    """Feed a watch the room at each instant; a step's command (if any) is run first.

    Wall time is the room clock plus ``WALL_14_10`` (the room opened at 14:10 UTC)."""
    watch = PhaseWatch(tz=UTC)
    alerts: list[Alert] = []
    for at, cmd in steps:
        if cmd is not None:
            run(log, "host", cmd, at)  # type: ignore[arg-type]
        alert = watch.feed(log.state, timer.read(log.state.timer, at), WALL_14_10 + at)
        if alert is not None:
            alerts.append(alert)
    return alerts


def test_a_pomodoro_alerts_once_at_each_phase_and_at_the_end_and_never_on_opening() -> None:
    log = room_log(timer.pomodoro_timer(PLAN))
    minute = MINUTE_MS
    alerts = watch_over(
        log,
        [
            (0, None),  # opening the room: no alert
            (1, StartTimer()),
            (10 * minute, None),
            (25 * minute + 1, None),  # focus ends: the break
            (25 * minute + 500, None),  # still the break: nothing more
            (30 * minute + 1, None),  # back to focus, block 2
            (31 * minute, SkipPhase()),  # a skip is a phase change too
            (32 * minute, EndRoom()),
            (33 * minute, None),
        ],
    )
    assert alerts == [
        Alert("Short break time", "Short break: 5 min. Back at 14:40."),
        Alert("Back to focus", "Focus block 2: 25 min. Break at 15:05."),
        Alert("Short break time", "Short break: 5 min. Back at 14:46."),
        Alert("The jam has ended", "Algorithms: see what everyone did."),
    ]


def test_a_reset_and_pausing_are_silent_and_a_countdown_says_times_up_once() -> None:
    log = room_log(timer.countdown(10 * 60_000))
    alerts = watch_over(
        log,
        [
            (0, None),
            (1, StartTimer()),
            (1_000, PauseTimer()),
            (2_000, StartTimer()),
            (3_000, ResetTimer()),
            (4_000, StartTimer()),
            (4_000 + 10 * 60_000, None),  # zero
            (5_000 + 10 * 60_000, None),
        ],
    )
    assert alerts == [Alert("Time's up", "Algorithms: the countdown has finished.")]


def test_a_reset_pomodoro_goes_back_silently_and_then_alerts_again() -> None:
    log = room_log(timer.pomodoro_timer(PLAN))
    alerts = watch_over(
        log,
        [
            (0, None),
            (1, StartTimer()),
            (2, SkipPhase()),  # into the break
            (3, ResetTimer()),  # back to block 1: silent
            (4, StartTimer()),
            (5, SkipPhase()),
        ],
    )
    assert [a.title for a in alerts] == ["Short break time", "Short break time"]


def test_the_title_and_tooltip_say_the_time_left_and_the_phase() -> None:
    log = room_log(timer.pomodoro_timer(PLAN))
    ready = presence(log.state, timer.read(log.state.timer, 0))
    assert ready.kind is Kind.IDLE
    assert ready.window_title == "25:00 · Ready · Focus · block 1 · Algorithms · Jamdesk"
    run(log, "host", StartTimer(), 0)
    focus = presence(log.state, timer.read(log.state.timer, 60_001))
    assert focus.window_title == "24:00 · Focus · block 1 · Algorithms · Jamdesk"
    assert focus.tooltip == "Algorithms (ALGO7X)\nFocus · block 1 · 24:00 left"
    assert focus.kind is Kind.FOCUS
    assert focus.fraction_left == pytest.approx(0.96)
    brk = presence(log.state, timer.read(log.state.timer, 26 * MINUTE_MS))
    assert (brk.kind, brk.phase_text, brk.time_text) == (Kind.BREAK, "Short break", "04:00")
    run(log, "host", PauseTimer(), 26 * MINUTE_MS)
    paused = presence(log.state, timer.read(log.state.timer, 27 * MINUTE_MS))
    assert (paused.kind, paused.phase_text) == (Kind.PAUSED, "Paused · Short break")
    run(log, "host", EndRoom(), 28 * MINUTE_MS)
    ended = presence(log.state, timer.read(log.state.timer, 28 * MINUTE_MS))
    assert (ended.kind, ended.window_title) == (Kind.DONE, "Ended · Algorithms · Jamdesk")


def test_a_stopwatch_has_no_ring() -> None:
    log = room_log(timer.stopwatch())
    run(log, "host", StartTimer(), 0)
    shown = presence(log.state, timer.read(log.state.timer, 65_000))
    assert (shown.time_text, shown.fraction_left, shown.kind) == ("01:05", None, Kind.FOCUS)
    assert shown.tooltip == "Algorithms (ALGO7X)\nStopwatch"

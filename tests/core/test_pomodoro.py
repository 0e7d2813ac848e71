"""Pomodoro phase maths across many cycles, pauses and skips (property-based)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamdesk.core import pomodoro, timer
from jamdesk.core.kinds import Phase
from jamdesk.core.pomodoro import MINUTE_MS, PlanError, PomodoroPlan

PLAN = PomodoroPlan()  # 25/5/15 x4

plans = st.builds(
    PomodoroPlan,
    focus_ms=st.integers(15, 60).map(lambda m: m * MINUTE_MS),
    short_break_ms=st.integers(3, 15).map(lambda m: m * MINUTE_MS),
    long_break_ms=st.integers(10, 30).map(lambda m: m * MINUTE_MS),
    long_every=st.integers(2, 8),
)


def test_the_classic_cycle() -> None:
    expected = [(Phase.FOCUS, 25), (Phase.SHORT_BREAK, 5)] * 3 + [
        (Phase.FOCUS, 25),
        (Phase.LONG_BREAK, 15),
    ]
    assert [(p, ms // MINUTE_MS) for p, ms in pomodoro.phases_in_cycle(PLAN)] == expected
    assert PLAN.cycle_ms == 130 * MINUTE_MS
    at = pomodoro.position(PLAN, 2 * 60 * MINUTE_MS)  # two hours in: the long break
    assert (at.phase, at.index, at.focus_blocks_completed) == (Phase.LONG_BREAK, 7, 4)
    nxt = pomodoro.position(PLAN, 130 * MINUTE_MS)
    assert (nxt.phase, nxt.index, nxt.cycles_completed) == (Phase.FOCUS, 8, 1)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"focus_ms": 14 * MINUTE_MS}, "Focus lasts from 15 to 60 minutes"),
        ({"short_break_ms": 16 * MINUTE_MS}, "short break lasts from 3 to 15"),
        ({"long_break_ms": 9 * MINUTE_MS}, "long break lasts from 10 to 30"),
        ({"long_every": 1}, "after 2 to 8 focus blocks"),
    ],
)
def test_out_of_range_plans_name_the_range(fields: dict[str, int], words: str) -> None:
    with pytest.raises(PlanError, match=words):
        PomodoroPlan(**fields)


@given(plans, st.integers(0, 50 * 24 * 60 * MINUTE_MS))
def test_position_is_consistent_with_phase_starts(plan: PomodoroPlan, elapsed: int) -> None:
    at = pomodoro.position(plan, elapsed)
    assert at.phase_start_ms <= elapsed < at.phase_end_ms
    assert pomodoro.phase_start(plan, at.index) == at.phase_start_ms
    assert (at.phase is Phase.FOCUS) == (at.index % 2 == 0)
    assert at.focus_blocks_completed == (at.index + 1) // 2
    assert (at.phase is Phase.LONG_BREAK) == (
        at.index % (2 * plan.long_every) == 2 * plan.long_every - 1
    )


@given(plans, st.integers(1, 5))
def test_focus_overlap_of_whole_cycles(plan: PomodoroPlan, cycles: int) -> None:
    assert pomodoro.focus_overlap(plan, 0, cycles * plan.cycle_ms) == (
        cycles * plan.long_every * plan.focus_ms
    )


@given(
    st.lists(
        st.tuples(st.integers(1, 90 * MINUTE_MS), st.integers(1, 90 * MINUTE_MS)),
        min_size=1,
        max_size=20,
    )
)
def test_pauses_do_not_move_the_phase(spans: list[tuple[int, int]]) -> None:
    """Running spans advance the timeline exactly by their length; paused spans not at all."""
    a = timer.pomodoro_timer(PLAN)
    now, ran = 0, 0
    for run, pause in spans:
        a = timer.start(a, now)
        now += run
        ran += run
        a = timer.pause(a, now)
        now += pause
    reading = timer.read(a, now)
    here = pomodoro.position(PLAN, ran)
    assert (reading.phase, reading.phase_index, reading.remaining_ms) == (
        here.phase,
        here.index,
        here.phase_end_ms - ran,
    )


def test_skip_lands_on_the_next_phase_start_and_keeps_running() -> None:
    a = timer.start(timer.pomodoro_timer(PLAN), 1_000)
    a = timer.skip_phase(a, 1_000 + 10 * MINUTE_MS)  # 10 min into focus: skip to the break
    r = timer.read(a, 1_000 + 10 * MINUTE_MS)
    assert (r.phase, r.remaining_ms, r.running) == (Phase.SHORT_BREAK, 5 * MINUTE_MS, True)
    assert timer.next_boundary(a, 1_000 + 10 * MINUTE_MS) == 1_000 + 15 * MINUTE_MS


def test_next_boundary_is_the_end_of_the_running_phase() -> None:
    a = timer.start(timer.pomodoro_timer(PLAN), 0)
    assert timer.next_boundary(a, 0) == 25 * MINUTE_MS
    assert timer.next_boundary(a, 26 * MINUTE_MS) == 30 * MINUTE_MS
    assert timer.next_boundary(timer.pause(a, 1), 5) is None

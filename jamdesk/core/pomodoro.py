"""Pomodoro maths: where a position on the Pomodoro timeline falls among the phases.

A Pomodoro timer runs focus, short break, focus, short break, ... and after every
``long_every`` focus blocks a long break instead of a short one; then the cycle repeats. The
timer anchor only banks a *position* on that timeline (ms); everything here is computed from
it, so nothing ticks and every member derives the same phase at the same room-clock instant.
Ranges come from the product brief (issue 3): focus 15-60 min, short break 3-15 min, long
break 10-30 min.
"""

from __future__ import annotations

import msgspec

from jamdesk.core.kinds import Phase

MINUTE_MS = 60_000
FOCUS_RANGE_MS = (15 * MINUTE_MS, 60 * MINUTE_MS)
SHORT_BREAK_RANGE_MS = (3 * MINUTE_MS, 15 * MINUTE_MS)
LONG_BREAK_RANGE_MS = (10 * MINUTE_MS, 30 * MINUTE_MS)
LONG_EVERY_RANGE = (2, 8)


class PlanError(ValueError):
    """A plan outside the allowed ranges; the message names the range."""


class PomodoroPlan(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Phase lengths (ms) and how many focus blocks come before a long break."""

    focus_ms: int = 25 * MINUTE_MS
    short_break_ms: int = 5 * MINUTE_MS
    long_break_ms: int = 15 * MINUTE_MS
    long_every: int = 4

    def __post_init__(self) -> None:
        problem = plan_problem(self)
        if problem is not None:
            raise PlanError(problem)

    @property
    def cycle_ms(self) -> int:
        """Length of one whole cycle: ``long_every`` focus blocks, their breaks, a long break."""
        return (
            self.long_every * self.focus_ms
            + (self.long_every - 1) * self.short_break_ms
            + self.long_break_ms
        )


def _minutes(ms: int) -> str:
    return f"{ms // MINUTE_MS}"


def plan_problem(plan: PomodoroPlan) -> str | None:
    """Why ``plan`` is not allowed, naming the range, or ``None``."""
    checks = (
        ("Focus", plan.focus_ms, FOCUS_RANGE_MS),
        ("A short break", plan.short_break_ms, SHORT_BREAK_RANGE_MS),
        ("A long break", plan.long_break_ms, LONG_BREAK_RANGE_MS),
    )
    for what, value, (low, high) in checks:
        if not low <= value <= high:
            return f"{what} lasts from {_minutes(low)} to {_minutes(high)} minutes."
    low_n, high_n = LONG_EVERY_RANGE
    if not low_n <= plan.long_every <= high_n:
        return f"A long break comes after {low_n} to {high_n} focus blocks."
    return None


class PhasePosition(msgspec.Struct, frozen=True):
    """Where a timeline position falls.

    Attributes:
        index: phase number from 0 (even: focus; odd: a break).
        phase: the phase kind.
        phase_start_ms: timeline position where this phase began.
        phase_length_ms: its length.
        focus_blocks_completed: focus phases wholly before this position.
        cycles_completed: whole cycles (ending with a long break) before this position.
    """

    index: int
    phase: Phase
    phase_start_ms: int
    phase_length_ms: int
    focus_blocks_completed: int
    cycles_completed: int

    @property
    def phase_end_ms(self) -> int:
        """Timeline position where this phase ends."""
        return self.phase_start_ms + self.phase_length_ms


def phases_in_cycle(plan: PomodoroPlan) -> list[tuple[Phase, int]]:
    """The phases of one cycle in order, with their lengths."""
    out: list[tuple[Phase, int]] = []
    for block in range(plan.long_every):
        out.append((Phase.FOCUS, plan.focus_ms))
        last = block == plan.long_every - 1
        out.append(
            (Phase.LONG_BREAK, plan.long_break_ms)
            if last
            else (Phase.SHORT_BREAK, plan.short_break_ms)
        )
    return out


def position(plan: PomodoroPlan, elapsed_ms: int) -> PhasePosition:
    """The phase at timeline position ``elapsed_ms`` (>= 0). A position exactly on a boundary
    belongs to the phase that starts there."""
    elapsed_ms = max(0, elapsed_ms)
    cycles, offset = divmod(elapsed_ms, plan.cycle_ms)
    start = cycles * plan.cycle_ms
    per_cycle = len(phases_in_cycle(plan))
    focus_done = cycles * plan.long_every
    for i, (phase, length) in enumerate(phases_in_cycle(plan)):
        if offset < length:
            return PhasePosition(
                index=cycles * per_cycle + i,
                phase=phase,
                phase_start_ms=start,
                phase_length_ms=length,
                focus_blocks_completed=focus_done,
                cycles_completed=cycles,
            )
        offset -= length
        start += length
        if phase is Phase.FOCUS:
            focus_done += 1
    raise AssertionError("unreachable: offset < cycle length")  # pragma: no cover


def phase_start(plan: PomodoroPlan, index: int) -> int:
    """Timeline position where phase number ``index`` begins."""
    per_cycle = 2 * plan.long_every
    cycles, i = divmod(index, per_cycle)
    return cycles * plan.cycle_ms + sum(length for _, length in phases_in_cycle(plan)[:i])


def focus_overlap(plan: PomodoroPlan, start_ms: int, end_ms: int) -> int:
    """How much of the timeline span ``[start_ms, end_ms)`` is focus time (ms)."""
    total = 0
    pos = max(0, start_ms)
    while pos < end_ms:
        here = position(plan, pos)
        stop = min(end_ms, here.phase_end_ms)
        if here.phase is Phase.FOCUS:
            total += stop - pos
        pos = stop
    return total

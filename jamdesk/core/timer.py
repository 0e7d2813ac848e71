"""Timer anchors: the shared timer as data, never as a ticking counter.

A :class:`TimerAnchor` records the mode, whether it runs, the room-clock instant it last started
and the time banked before that. Anyone holding the anchor and an estimate of the room clock
computes what to show with :func:`read`; nothing is sent per second (docs/ARCHITECTURE.md, "Time").
All times are integer milliseconds on the room clock.
"""

from __future__ import annotations

import msgspec

from jamdesk.core import pomodoro
from jamdesk.core.kinds import Phase, TimerMode
from jamdesk.core.pomodoro import PomodoroPlan

MAX_COUNTDOWN_MS = 24 * 60 * 60 * 1000
MIN_COUNTDOWN_MS = 1000
COUNTDOWN_RANGE_WORDS = "A countdown lasts from 1 second to 24 hours."
"""The words every place that refuses a countdown uses: the CLI, the room, the window."""
"""Longest countdown a room accepts: one day."""


class TimerError(ValueError):
    """An operation that does not fit the anchor's state (e.g. pausing a paused timer)."""


class TimerAnchor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The shared timer at rest.

    Attributes:
        mode: countdown, stopwatch or pomodoro.
        duration_ms: countdown length in ms; ``None`` otherwise.
        running: whether time is passing now.
        started_at_ms: room-clock instant of the last start; ``None`` while not running.
        banked_ms: elapsed time accumulated before ``started_at_ms`` (for a Pomodoro timer, the
            position on its timeline, which a skip moves forward).
        plan: the Pomodoro plan; ``None`` otherwise.
    """

    mode: TimerMode
    duration_ms: int | None = None
    running: bool = False
    started_at_ms: int | None = None
    banked_ms: int = 0
    plan: PomodoroPlan | None = None

    def __post_init__(self) -> None:
        if self.mode is TimerMode.COUNTDOWN:
            if self.duration_ms is None or not 0 < self.duration_ms <= MAX_COUNTDOWN_MS:
                raise TimerError("a countdown needs a length between 1 ms and 24 hours")
        elif self.duration_ms is not None:
            raise TimerError("only a countdown has a length")
        if (self.mode is TimerMode.POMODORO) != (self.plan is not None):
            raise TimerError("a Pomodoro timer, and only one, has a plan")
        if self.running != (self.started_at_ms is not None):
            raise TimerError("a running timer needs a start instant, a stopped one none")
        if self.banked_ms < 0:
            raise TimerError("banked time cannot be negative")


class TimerReading(msgspec.Struct, frozen=True):
    """What a timer shows at one room-clock instant.

    Attributes:
        elapsed_ms: time counted so far (capped at the length for a countdown; the timeline
            position for a Pomodoro timer).
        remaining_ms: time left of a countdown or of the current Pomodoro phase; ``None`` for
            a stopwatch.
        running: whether the anchor is running.
        finished: a countdown that has reached zero.
        phase: the current Pomodoro phase, else ``None``.
        phase_index: its number from 0 (even: focus), else ``None``.
        focus_blocks_completed: Pomodoro focus blocks wholly elapsed (0 otherwise).
        cycles_completed: whole Pomodoro cycles (ending with a long break) elapsed.
    """

    elapsed_ms: int
    remaining_ms: int | None
    running: bool
    finished: bool
    phase: Phase | None = None
    phase_index: int | None = None
    focus_blocks_completed: int = 0
    cycles_completed: int = 0


def countdown(duration_ms: int) -> TimerAnchor:
    """A stopped countdown of ``duration_ms`` (1 s to 24 h). Raises :class:`TimerError` with
    :data:`COUNTDOWN_RANGE_WORDS` when out of range."""
    if not MIN_COUNTDOWN_MS <= duration_ms <= MAX_COUNTDOWN_MS:
        raise TimerError(COUNTDOWN_RANGE_WORDS)
    return TimerAnchor(mode=TimerMode.COUNTDOWN, duration_ms=duration_ms)


def stopwatch() -> TimerAnchor:
    """A stopped stopwatch at zero."""
    return TimerAnchor(mode=TimerMode.STOPWATCH)


def pomodoro_timer(plan: PomodoroPlan | None = None) -> TimerAnchor:
    """A stopped Pomodoro timer at the start of its first focus block (25/5/15 x4 by default)."""
    return TimerAnchor(mode=TimerMode.POMODORO, plan=plan or PomodoroPlan())


def read(anchor: TimerAnchor, now_ms: int) -> TimerReading:
    """The reading of ``anchor`` at room-clock instant ``now_ms``.

    An instant before the last start (a member whose clock estimate is slightly behind) reads
    as the start itself: elapsed time never goes below the banked time.
    """
    elapsed = anchor.banked_ms
    if anchor.started_at_ms is not None:
        elapsed += max(0, now_ms - anchor.started_at_ms)
    if anchor.plan is not None:
        here = pomodoro.position(anchor.plan, elapsed)
        return TimerReading(
            elapsed_ms=elapsed,
            remaining_ms=here.phase_end_ms - elapsed,
            running=anchor.running,
            finished=False,
            phase=here.phase,
            phase_index=here.index,
            focus_blocks_completed=here.focus_blocks_completed,
            cycles_completed=here.cycles_completed,
        )
    if anchor.duration_ms is None:
        return TimerReading(
            elapsed_ms=elapsed, remaining_ms=None, running=anchor.running, finished=False
        )
    elapsed = min(elapsed, anchor.duration_ms)
    remaining = anchor.duration_ms - elapsed
    return TimerReading(
        elapsed_ms=elapsed, remaining_ms=remaining, running=anchor.running, finished=remaining == 0
    )


def completes_at(anchor: TimerAnchor) -> int | None:
    """Room-clock instant a running countdown reaches zero; ``None`` otherwise."""
    if anchor.duration_ms is None or anchor.started_at_ms is None:
        return None
    return anchor.started_at_ms + anchor.duration_ms - anchor.banked_ms


def next_boundary(anchor: TimerAnchor, now_ms: int) -> int | None:
    """Room-clock instant of the next thing the host must record: a running countdown's end,
    or the end of the running Pomodoro phase. ``None`` when stopped or a stopwatch."""
    if anchor.started_at_ms is None:
        return None
    if anchor.plan is not None:
        here = pomodoro.position(anchor.plan, read(anchor, now_ms).elapsed_ms)
        return anchor.started_at_ms + here.phase_end_ms - anchor.banked_ms
    return completes_at(anchor)


def skip_phase(anchor: TimerAnchor, now_ms: int) -> TimerAnchor:
    """Jump a Pomodoro timer to the start of the next phase at ``now_ms`` (still running if it
    was). Raises :class:`TimerError` for other timers."""
    if anchor.plan is None:
        raise TimerError("only a Pomodoro timer has phases to skip")
    here = pomodoro.position(anchor.plan, read(anchor, now_ms).elapsed_ms)
    return msgspec.structs.replace(
        anchor, banked_ms=here.phase_end_ms, started_at_ms=now_ms if anchor.running else None
    )


def start(anchor: TimerAnchor, now_ms: int) -> TimerAnchor:
    """Start (or resume) at ``now_ms``. Raises :class:`TimerError` if running or finished."""
    if anchor.running:
        raise TimerError("the timer is already running")
    if read(anchor, now_ms).finished:
        raise TimerError("the countdown has finished; reset it first")
    return msgspec.structs.replace(anchor, running=True, started_at_ms=now_ms)


def pause(anchor: TimerAnchor, now_ms: int) -> TimerAnchor:
    """Pause at ``now_ms``, banking the elapsed time. Raises :class:`TimerError` if stopped."""
    if not anchor.running:
        raise TimerError("the timer is not running")
    banked = read(anchor, now_ms).elapsed_ms
    return msgspec.structs.replace(anchor, running=False, started_at_ms=None, banked_ms=banked)


def complete(anchor: TimerAnchor) -> TimerAnchor:
    """Stop a countdown at zero (its whole length banked). Raises :class:`TimerError` otherwise."""
    if anchor.duration_ms is None:
        raise TimerError("a stopwatch never completes")
    return msgspec.structs.replace(
        anchor, running=False, started_at_ms=None, banked_ms=anchor.duration_ms
    )


def reset(anchor: TimerAnchor) -> TimerAnchor:
    """Back to zero and stopped, keeping mode, length and plan."""
    return TimerAnchor(mode=anchor.mode, duration_ms=anchor.duration_ms, plan=anchor.plan)

"""Progression: EXP for completed focus blocks, levels, focus time by local day, streaks.

Everything here is derived from room logs, so EXP and levels can always be recomputed from the
stored history and a number edited in the database cannot raise them (issue 7).

- **EXP**: a focus block that ends by itself (a Pomodoro focus phase giving way to a break, or
  a countdown reaching zero) earns its length in minutes, to each participant present at that
  moment whose own status is not "paused". A skipped block, a block cut short by a pause,
  reset or end, or one spent paused away earns nothing.
- **Levels**: reaching level ``n`` takes ``125 * 2**n - 150`` EXP in total, the one curve of
  the form ``a*2**n + b*n + c`` through the brief's three points (level 1: 100, level 5: 3,850,
  level 10: 127,850); each level takes about twice the EXP of the one before.
- **Days** are local calendar days in the time zone given (``zoneinfo``), so a block that runs
  across midnight is split between the two days, and daylight-saving changes are handled by
  the zone rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo

import msgspec

from jamdesk.core import pomodoro
from jamdesk.core import timer as timers
from jamdesk.core.events import Event, PhaseChanged, TimerCompleted
from jamdesk.core.kinds import Phase, Status
from jamdesk.core.room import RoomState, apply

MAX_LEVEL = 60


def exp_for_level(level: int) -> int:
    """Total EXP needed to reach ``level`` (0 for level 0)."""
    return 0 if level <= 0 else 125 * 2**level - 150


class LevelInfo(msgspec.Struct, frozen=True):
    """Where a total of EXP stands: the level, and the way to the next one."""

    exp: int
    level: int
    level_floor: int
    next_level_at: int

    @property
    def into_level(self) -> int:
        """EXP earned since reaching the current level."""
        return self.exp - self.level_floor

    @property
    def to_next(self) -> int:
        """EXP still needed for the next level."""
        return self.next_level_at - self.exp

    @property
    def fraction(self) -> float:
        """Progress toward the next level, 0.0-1.0 (for the progress bar)."""
        return self.into_level / (self.next_level_at - self.level_floor)


def level_for(exp: int) -> LevelInfo:
    """The level for a total of ``exp`` (negative counts as 0)."""
    exp = max(0, exp)
    level = 0
    while level < MAX_LEVEL and exp >= exp_for_level(level + 1):
        level += 1
    return LevelInfo(
        exp=exp,
        level=level,
        level_floor=exp_for_level(level),
        next_level_at=exp_for_level(level + 1),
    )


class Award(msgspec.Struct, frozen=True):
    """EXP for one completed focus block (``at_ms``: when it ended, room clock)."""

    seq: int
    at_ms: int
    exp: int
    block_ms: int


def _block_length(before: RoomState) -> int:
    plan = before.timer.plan
    if plan is not None:
        return plan.focus_ms
    return before.timer.duration_ms or 0


def awards(events: Sequence[Event], participant_id: str) -> list[Award]:
    """The EXP ``participant_id`` earned in one room's log."""
    out: list[Award] = []
    state: RoomState | None = None
    for event in events:
        body = event.body
        ended_focus = (
            isinstance(body, PhaseChanged) and body.phase is not Phase.FOCUS and body.index % 2 == 1
        ) or isinstance(body, TimerCompleted)
        if ended_focus and state is not None:
            me = state.participant(participant_id)
            if me is not None and me.present and me.status is not Status.PAUSED:
                length = _block_length(state)
                out.append(
                    Award(seq=event.seq, at_ms=event.at_ms, exp=length // 60_000, block_ms=length)
                )
        state = apply(state, event)
    return out


def focus_spans(
    events: Sequence[Event], participant_id: str, until_ms: int | None = None
) -> list[tuple[int, int]]:
    """Room-clock spans ``(start, end)`` (ms) in which the timer counted focus time while
    ``participant_id`` was present. Pomodoro breaks are left out."""
    spans: list[tuple[int, int]] = []
    state: RoomState | None = None
    for i, event in enumerate(events):
        if state is not None:
            spans.extend(_focus_parts(state, participant_id, events[i - 1].at_ms, event.at_ms))
        state = apply(state, event)
    if state is not None and events and until_ms is not None:
        spans.extend(_focus_parts(state, participant_id, events[-1].at_ms, until_ms))
    return spans


def _focus_parts(state: RoomState, pid: str, t0: int, t1: int) -> list[tuple[int, int]]:
    me = state.participant(pid)
    anchor = state.timer
    if me is None or not me.present or not anchor.running or t1 <= t0:
        return []
    p0, p1 = timers.read(anchor, t0).elapsed_ms, timers.read(anchor, t1).elapsed_ms
    if anchor.plan is None:
        return [(t0, t0 + (p1 - p0))] if p1 > p0 else []
    parts = []
    pos = p0
    while pos < p1:  # walk the Pomodoro phases inside this span
        here = pomodoro.position(anchor.plan, pos)
        stop = min(p1, here.phase_end_ms)
        if here.phase is Phase.FOCUS:
            parts.append((t0 + (pos - p0), t0 + (stop - p0)))
        pos = stop
    return parts


def minutes_by_day(spans: Iterable[tuple[int, int]], tz: tzinfo) -> dict[date, float]:
    """Focus minutes per local calendar day in ``tz``; a span across midnight is split."""
    out: dict[date, float] = {}
    for start, end in spans:
        t = datetime.fromtimestamp(start / 1000, tz)
        stop = datetime.fromtimestamp(end / 1000, tz)
        while t < stop:
            midnight = datetime.combine(t.date() + timedelta(days=1), datetime.min.time(), tz)
            piece_end = min(stop, midnight)
            minutes = (piece_end.timestamp() - t.timestamp()) / 60
            out[t.date()] = out.get(t.date(), 0.0) + minutes
            t = piece_end
    return out


class Streaks(msgspec.Struct, frozen=True):
    """Daily streaks: ``current`` counts back from today (or yesterday, if today has no focus
    yet: the streak is still alive until the day ends)."""

    current: int
    longest: int


def streaks(days: Iterable[date], today: date) -> Streaks:
    """Streaks over the set of local days with focus time."""
    active = sorted(set(days))
    longest = run = 0
    previous: date | None = None
    for day in active:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    present = set(active)
    start = today if today in present else today - timedelta(days=1)
    current = 0
    while start in present:
        current += 1
        start -= timedelta(days=1)
    return Streaks(current=current, longest=longest)

"""Progression: EXP for completed focus blocks, levels, focus time by local day, streaks.

Everything here is derived from room logs, so EXP and levels can always be recomputed from the
stored history and a number edited in the database cannot raise them (issue 7).

- **Focus time** is room-timer time (all running time of a countdown or stopwatch, the focus
  phases of a Pomodoro timer) while the participant was present and their own status was not
  "paused", measured from the timer's anchors and the events' room-clock times.
- **EXP**: a focus block that completes by itself (a Pomodoro focus phase giving way to a
  break, or a countdown reaching zero) earns each participant the whole minutes of focus time
  they had in it, credited when it completes: a late joiner earns what it was there for, a
  member paused for most of it earns the rest. A block that is skipped, reset, reconfigured
  or still running when the jam ends earns nothing; a block that earned at least a minute
  counts as a completed block. A log whose times do not add up (:class:`Ledger`) is set aside:
  its EXP is not counted.
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
from jamdesk.core.events import (
    Event,
    PhaseChanged,
    PhaseSkipped,
    TimerCompleted,
    TimerConfigured,
    TimerReset,
)
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
    """EXP for one completed focus block (``at_ms``: when it ended, room clock): the whole
    minutes the participant was present and not paused in it (``active_ms``)."""

    seq: int
    at_ms: int
    exp: int
    active_ms: int


class Credit(msgspec.Struct, frozen=True):
    """What one participant did in one room's log, by the one definition the summary, the
    profile, ``jamdesk stats`` and the heatmap share (module docstring).

    Attributes:
        spans: room-clock spans ``(start, end)`` (ms) of focus time: the timer counting focus
            while the participant was present and not paused.
        awards: one per completed block that earned at least one minute.
    """

    spans: list[tuple[int, int]]
    awards: list[Award]

    @property
    def focus_ms(self) -> int:
        """Total focus time, ms."""
        return sum(end - start for start, end in self.spans)

    @property
    def exp(self) -> int:
        """EXP earned."""
        return sum(a.exp for a in self.awards)

    @property
    def blocks(self) -> int:
        """Focus blocks completed (that earned EXP)."""
        return len(self.awards)


class Ledger(msgspec.Struct, frozen=True):
    """Every participant's :class:`Credit` in one log, and whether the log's times add up.

    ``problem`` is ``""`` for a consistent log, else what does not add up (in words, with the
    event's seq): an event earlier than the one before it, a countdown completed before its
    time, a phase change before the phase's end. A log with a problem has been edited or
    damaged, and its EXP is not counted (:attr:`counted_exp`)."""

    credits: dict[str, Credit]
    problem: str = ""

    def credit(self, participant_id: str) -> Credit:
        """``participant_id``'s credit (empty when they were never in the room)."""
        return self.credits.get(participant_id, Credit(spans=[], awards=[]))

    def counted_exp(self, participant_id: str) -> int:
        """The EXP that counts: none from a log whose times do not add up."""
        return 0 if self.problem else self.credit(participant_id).exp


def _focus_parts(anchor: timers.TimerAnchor, t0: int, t1: int) -> list[tuple[int, int, int]]:
    """The focus parts of ``[t0, t1)`` under ``anchor`` as ``(start, end, block)``: all running
    time for a countdown or stopwatch (block 0), the focus phases of a Pomodoro timer (block:
    the phase index)."""
    if not anchor.running or t1 <= t0:
        return []
    p0, p1 = timers.read(anchor, t0).elapsed_ms, timers.read(anchor, t1).elapsed_ms
    if anchor.plan is None:
        return [(t0, t0 + (p1 - p0), 0)] if p1 > p0 else []
    parts = []
    pos = p0
    while pos < p1:  # walk the Pomodoro phases inside this span
        here = pomodoro.position(anchor.plan, pos)
        stop = min(p1, here.phase_end_ms)
        if here.phase is Phase.FOCUS:
            parts.append((t0 + (pos - p0), t0 + (stop - p0), here.index))
        pos = stop
    return parts


def _inconsistency(state: RoomState, event: Event, previous_at: int) -> str:
    """What about ``event`` does not add up against the state before it ("" if nothing)."""
    body = event.body
    if event.at_ms < previous_at:
        return f"event {event.seq} is dated before the event before it"
    if isinstance(body, TimerCompleted):
        end = timers.completes_at(state.timer)
        if end is None or event.at_ms < end:
            return f"event {event.seq} completes a countdown before its time"
    if isinstance(body, PhaseChanged):
        reading = timers.read(state.timer, event.at_ms).phase_index
        if reading is None or reading < body.index:
            return f"event {event.seq} changes phase before the phase's end"
    return ""


def ledger(events: Sequence[Event], until_ms: int | None = None) -> Ledger:
    """Walk one room's log once and credit everyone in it (module docstring). A live room
    counts focus time up to ``until_ms`` (default: its last event); a block still running
    earns nothing yet. Pure: the host, every member, Ghost Replay and the profile agree."""
    spans: dict[str, list[tuple[int, int]]] = {}
    earned: dict[str, list[Award]] = {}
    pending: dict[str, dict[int, int]] = {}  # participant -> block -> active ms so far
    problem = ""
    state: RoomState | None = None

    def count(t0: int, t1: int) -> None:
        assert state is not None
        parts = _focus_parts(state.timer, t0, t1)
        if not parts:
            return
        for p in state.participants:
            if not p.present or p.status is Status.PAUSED:
                continue
            mine = spans.setdefault(p.participant_id, [])
            blocks = pending.setdefault(p.participant_id, {})
            for start, end, block in parts:
                mine.append((start, end))
                blocks[block] = blocks.get(block, 0) + (end - start)

    for i, event in enumerate(events):
        body = event.body
        if state is not None:
            problem = problem or _inconsistency(state, event, events[i - 1].at_ms)
            count(events[i - 1].at_ms, event.at_ms)
            completed: int | None = None
            if isinstance(body, TimerCompleted):
                completed = 0
            elif isinstance(body, PhaseChanged) and body.phase is not Phase.FOCUS:
                completed = body.index - 1  # the focus phase that just gave way to a break
            if completed is not None:
                for pid, blocks in pending.items():
                    active = blocks.pop(completed, 0)
                    if active >= 60_000:
                        earned.setdefault(pid, []).append(
                            Award(event.seq, event.at_ms, active // 60_000, active)
                        )
                    for block in [b for b in blocks if b < completed]:
                        del blocks[block]
            if isinstance(body, TimerReset | TimerConfigured | PhaseSkipped):
                pending.clear()  # a reset, changed or skipped block earns nothing
        state = apply(state, event)
    if state is not None and until_ms is not None:
        count(events[-1].at_ms, max(until_ms, events[-1].at_ms))
    people = set(spans) | set(earned)
    return Ledger(
        credits={
            pid: Credit(spans=spans.get(pid, []), awards=earned.get(pid, [])) for pid in people
        },
        problem=problem,
    )


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

"""Ghost Replay: what past participants did, as cues at offsets, re-enacted on a new clock.

A :class:`Script` holds the chosen participants' own actions from a stored log (status,
goal, progress, reactions, chat, task ticks) and the room's timer phases, each at its offset
in ms from the session's first event. A :class:`Playhead` is an anchor like the timer's: the
position on the script advances at ``speed`` while playing, so pausing, resuming, seeking and
changing speed are pure arithmetic. :meth:`Playhead.due` hands out each cue exactly once, in
order, when the position reaches it; nothing polls, the caller sleeps until
:meth:`Playhead.next_due_at`.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from jamdesk.core.events import (
    ChatPosted,
    Event,
    EventBody,
    GoalSet,
    PhaseChanged,
    PhaseSkipped,
    ProgressReported,
    Reacted,
    RoomOpened,
    StatusChanged,
    TaskToggled,
    TimerCompleted,
    TimerPaused,
    TimerStarted,
)
from jamdesk.core.room import RoomState, apply
from jamdesk.core.timeline import describe

SPEEDS = (1.0, 2.0, 4.0)


class ReplayError(ValueError):
    """A replay that cannot be made (e.g. a participant who was not in the session)."""


class Cue(msgspec.Struct, frozen=True):
    """One re-enacted moment: at ``offset_ms`` from the start, ``who`` did ``body`` (``who`` is
    empty for the room's own timer changes)."""

    offset_ms: int
    seq: int
    who: str
    who_name: str
    body: EventBody
    text: str = ""


class Ghost(msgspec.Struct, frozen=True):
    """A past participant chosen to replay."""

    participant_id: str
    name: str


class Script(msgspec.Struct, frozen=True):
    """The cues of one replay, in order, and what they came from."""

    title: str
    session_type: str
    length_ms: int
    ghosts: list[Ghost]
    cues: list[Cue]
    interrupted: bool = False


_PERSONAL = (StatusChanged, GoalSet, ProgressReported, Reacted, ChatPosted)
_ROOM_TIMER = (TimerStarted, TimerPaused, TimerCompleted, PhaseChanged, PhaseSkipped)


def _who(body: EventBody, actor: str) -> str:
    return str(getattr(body, "participant_id", actor))


class ScriptBuilder:
    """Builds a :class:`Script` from a log fed in order, in one pass and in chunks, so a long
    session can start replaying before all of it is read.

    Args:
        wanted: participant ids whose actions to keep (``None``: everyone's).
    """

    def __init__(self, wanted: Sequence[str] | None = None) -> None:
        self.wanted = set(wanted) if wanted else None
        self.state: RoomState | None = None
        self.start = 0
        self.last_at = 0
        self.cues: list[Cue] = []

    def feed(self, events: Sequence[Event]) -> list[Cue]:
        """Take the next events of the log; returns the cues they add."""
        added: list[Cue] = []
        for event in events:
            body = event.body
            state = self.state
            if state is None:
                if not isinstance(body, RoomOpened):
                    raise ReplayError("This session's log does not start where a room opens.")
                self.start = event.at_ms
            else:
                who = _who(body, event.actor) if isinstance(body, _PERSONAL) else event.actor
                personal = isinstance(body, (*_PERSONAL, TaskToggled))
                if personal and (self.wanted is None or who in self.wanted):
                    added.append(
                        Cue(
                            event.at_ms - self.start,
                            event.seq,
                            who,
                            state.name_of(who),
                            body,
                            describe(state, event),
                        )
                    )
                elif isinstance(body, _ROOM_TIMER):
                    added.append(
                        Cue(
                            event.at_ms - self.start,
                            event.seq,
                            "",
                            "",
                            body,
                            describe(state, event),
                        )
                    )
            self.state = apply(state, event)
            self.last_at = event.at_ms
        self.cues.extend(added)
        return added

    def script(self, *, ended: bool = True) -> Script:
        """The script of what has been fed so far. Raises :class:`ReplayError` for an empty log
        or a wanted participant who was not there."""
        final = self.state
        if final is None:
            raise ReplayError("This session has no events to replay.")
        chosen = (
            list(self.wanted) if self.wanted else [p.participant_id for p in final.participants]
        )
        for pid in chosen:
            if final.participant(pid) is None:
                raise ReplayError(f"Nobody with id {pid!r} was in this session.")
        return Script(
            title=final.title,
            session_type=final.session_type.value,
            length_ms=self.last_at - self.start,
            ghosts=[Ghost(pid, final.name_of(pid)) for pid in chosen],
            cues=self.cues,
            interrupted=not ended,
        )


def script(
    events: Sequence[Event], participant_ids: Sequence[str] | None = None, *, ended: bool = True
) -> Script:
    """The replay of ``participant_ids`` (default: everyone) from a whole stored log.
    Raises :class:`ReplayError` for an empty log or an unknown participant."""
    if not events:
        raise ReplayError("This session has no events to replay.")
    builder = ScriptBuilder(participant_ids)
    builder.feed(events)
    return builder.script(ended=ended)


class Playhead:
    """Where a replay stands; all times are the caller's clock in ms.

    Position = ``banked`` + (now - ``started``) * ``speed`` while playing. Each cue is handed out
    once by :meth:`due`; seeking back re-arms the cues after the new position (a scrubber), and
    seeking forward skips the ones passed over without handing them out.
    """

    def __init__(self, cues: list[Cue], speed: float = 1.0) -> None:
        if speed <= 0:
            raise ReplayError("A replay speed is above 0.")
        self.cues = cues  # kept, not copied: it may still grow while a long log is read
        self.speed = speed
        self._banked = 0.0
        self._started: int | None = None
        self._next = 0

    @property
    def playing(self) -> bool:
        """Whether the replay is running."""
        return self._started is not None

    def position(self, now_ms: int) -> int:
        """The position on the script (ms from the session's start) at ``now_ms``."""
        if self._started is None:
            return int(self._banked)
        return int(self._banked + (now_ms - self._started) * self.speed)

    def play(self, now_ms: int) -> None:
        """Start or resume at ``now_ms``."""
        if self._started is None:
            self._started = now_ms

    def pause(self, now_ms: int) -> None:
        """Pause at ``now_ms`` (cues due until then are still handed out by :meth:`due`)."""
        if self._started is not None:
            self._banked = self._banked + (now_ms - self._started) * self.speed
            self._started = None

    def set_speed(self, speed: float, now_ms: int) -> None:
        """Change the speed from ``now_ms`` on, keeping the position."""
        if speed <= 0:
            raise ReplayError("A replay speed is above 0.")
        playing = self.playing
        self.pause(now_ms)
        self.speed = speed
        if playing:
            self.play(now_ms)

    def seek(self, position_ms: int, now_ms: int) -> None:
        """Jump to ``position_ms`` (the scrubber)."""
        playing = self.playing
        self._banked = float(max(0, position_ms))
        self._started = now_ms if playing else None
        self._next = next(
            (i for i, c in enumerate(self.cues) if c.offset_ms > position_ms), len(self.cues)
        )

    def due(self, now_ms: int) -> list[Cue]:
        """The cues whose offset the position has reached, each once, in order."""
        position = self.position(now_ms)
        out = []
        while self._next < len(self.cues) and self.cues[self._next].offset_ms <= position:
            out.append(self.cues[self._next])
            self._next += 1
        return out

    def next_due_at(self, now_ms: int) -> int | None:
        """The caller's clock instant the next cue falls due, or ``None`` (paused or done)."""
        if self._started is None or self._next >= len(self.cues):
            return None
        remaining = self.cues[self._next].offset_ms - self.position(now_ms)
        return now_ms + max(0, int(-(-remaining // self.speed)))

    @property
    def finished(self) -> bool:
        """Every cue has been handed out."""
        return self._next >= len(self.cues)

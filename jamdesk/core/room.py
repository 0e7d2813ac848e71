"""The room as an event log: commands, events, the permission check and the reducer.

The host is the single writer (design page, "The room is an event log"). A member sends a
:data:`Command`; the host calls :func:`decide` with the sender's id, which either returns the
event bodies to append or a :class:`Rejected` with a reason a student can read. Every member
folds the same :class:`Event` list with :func:`apply` and so holds the same :class:`RoomState`.

Commands and events are msgspec tagged structs so that one definition serves the core, the
wire and the database; msgspec is a pure schema library and does no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import msgspec

from jamdesk.core import timer as timers
from jamdesk.core.kinds import Lifecycle, Role, SessionType, Status
from jamdesk.core.timer import TimerAnchor, TimerError

MAX_NAME_CHARS = 40
MAX_TITLE_CHARS = 80

# --------------------------------------------------------------------------- commands


class _Command(msgspec.Struct, frozen=True, tag_field="cmd", forbid_unknown_fields=True):
    """Base of every command; the tag is the headless ``cmd`` name."""


class StartTimer(_Command, frozen=True, tag="timer.start"):
    """Start the timer from READY, or resume it from PAUSED. Host or co-host."""


class ResumeTimer(_Command, frozen=True, tag="timer.resume"):
    """Resume a PAUSED timer. Host or co-host."""


class PauseTimer(_Command, frozen=True, tag="timer.pause"):
    """Pause the running timer. Host or co-host."""


class ResetTimer(_Command, frozen=True, tag="timer.reset"):
    """Stop the timer and return the room to READY. Host or co-host."""


class SetStatus(_Command, frozen=True, tag="status"):
    """Set the sender's own status (active, paused, done). Anyone."""

    value: Status


class EndRoom(_Command, frozen=True, tag="end"):
    """End the jam for everyone. Host only."""


class Leave(_Command, frozen=True, tag="leave"):
    """The sender leaves the room. Anyone."""


class Join(_Command, frozen=True, tag="join"):
    """A member (new or returning) enters the room under ``name``. Issued by the host's engine."""

    name: str


class Disconnect(_Command, frozen=True, tag="disconnect"):
    """The sender's link was lost. Issued by the host's engine, never accepted from a peer."""


class CompleteTimer(_Command, frozen=True, tag="timer.complete"):
    """Record that the countdown reached zero. Issued by the host at the computed instant."""


Command = (
    StartTimer
    | ResumeTimer
    | PauseTimer
    | ResetTimer
    | SetStatus
    | EndRoom
    | Leave
    | Join
    | Disconnect
    | CompleteTimer
)
"""Every command; decode with ``msgspec.json.decode(data, type=Command)``."""

PEER_COMMANDS: tuple[type[_Command], ...] = (
    StartTimer,
    ResumeTimer,
    PauseTimer,
    ResetTimer,
    SetStatus,
    EndRoom,
    Leave,
)
"""Commands a member may send over the wire; the rest are issued by the host's own engine."""

# --------------------------------------------------------------------------- events


class _Body(msgspec.Struct, frozen=True, tag_field="kind", forbid_unknown_fields=True):
    """Base of every event body; the tag is the event ``kind``."""


class RoomOpened(_Body, frozen=True, tag="room_opened"):
    """The first event of every room: its identity, the timer and the host."""

    code: str
    title: str
    session_type: SessionType
    timer: TimerAnchor
    host_id: str
    host_name: str


class MemberJoined(_Body, frozen=True, tag="member_joined"):
    """A member entered (or came back to) the room."""

    participant_id: str
    name: str


class MemberLeft(_Body, frozen=True, tag="member_left"):
    """A member left on purpose (``left``) or their link was lost (``lost``)."""

    participant_id: str
    reason: Literal["left", "lost"]


class TimerStarted(_Body, frozen=True, tag="timer_started"):
    """The timer started or resumed at the event's instant."""


class TimerPaused(_Body, frozen=True, tag="timer_paused"):
    """The timer paused at the event's instant."""


class TimerReset(_Body, frozen=True, tag="timer_reset"):
    """The timer went back to zero; the room is READY again."""


class TimerCompleted(_Body, frozen=True, tag="timer_completed"):
    """The countdown reached zero at the event's instant."""


class StatusChanged(_Body, frozen=True, tag="status_changed"):
    """A participant changed their own status."""

    participant_id: str
    status: Status


class RoomEnded(_Body, frozen=True, tag="room_ended"):
    """The host ended the jam."""


EventBody = (
    RoomOpened
    | MemberJoined
    | MemberLeft
    | TimerStarted
    | TimerPaused
    | TimerReset
    | TimerCompleted
    | StatusChanged
    | RoomEnded
)


class Event(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One entry of the room's log.

    Attributes:
        seq: room-wide sequence number, 1 for ``RoomOpened``, then +1 per event.
        at_ms: room-clock instant the host recorded it.
        actor: participant id of whoever caused it.
        body: what happened.
    """

    seq: int
    at_ms: int
    actor: str
    body: EventBody

    @property
    def kind(self) -> str:
        """The body's tag, e.g. ``"timer_started"``."""
        return str(type(self.body).__struct_config__.tag)


# --------------------------------------------------------------------------- state


class Participant(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One member as everyone sees them; ``present`` is false while away or after leaving."""

    participant_id: str
    name: str
    role: Role
    status: Status
    present: bool
    joined_seq: int


class RoomState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The fold of the log up to ``head_seq``. Participants are kept in join order."""

    code: str
    title: str
    session_type: SessionType
    lifecycle: Lifecycle
    timer: TimerAnchor
    host_id: str
    participants: tuple[Participant, ...]
    head_seq: int

    def participant(self, participant_id: str) -> Participant | None:
        """The participant with that id, or ``None``."""
        for p in self.participants:
            if p.participant_id == participant_id:
                return p
        return None

    @property
    def present_count(self) -> int:
        """How many members are in the room now."""
        return sum(1 for p in self.participants if p.present)


class Rejected(msgspec.Struct, frozen=True):
    """A refused command: a stable ``code`` for programs and a ``reason`` for people."""

    code: str
    reason: str


class LogError(ValueError):
    """An event that cannot follow the log (gap, wrong first event, impossible transition)."""


# --------------------------------------------------------------------------- decide

_TIMER_ROLES = frozenset({Role.HOST, Role.COHOST})
_ANYONE = frozenset(Role)
_ALLOWED: dict[type[_Command], frozenset[Role]] = {
    StartTimer: _TIMER_ROLES,
    ResumeTimer: _TIMER_ROLES,
    PauseTimer: _TIMER_ROLES,
    ResetTimer: _TIMER_ROLES,
    CompleteTimer: frozenset({Role.HOST}),
    EndRoom: frozenset({Role.HOST}),
    SetStatus: _ANYONE,
    Leave: _ANYONE,
    Disconnect: _ANYONE,
}
"""Which roles may give which command (design page: a participant changes only their own
status; a co-host also runs the timer; only the host ends the room)."""


def valid_name(name: str) -> str | None:
    """The display name stripped, or ``None`` when empty, too long or containing controls."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS or any(not c.isprintable() for c in name):
        return None
    return name


def decide(
    state: RoomState, actor: str, command: Command, now_ms: int
) -> list[EventBody] | Rejected:
    """Check ``command`` from participant ``actor`` against the room at ``now_ms``.

    Returns the event bodies to append (possibly empty for a no-op), or a :class:`Rejected`.
    Never raises for bad input: every refusal is a value. Pure: same inputs, same answer.
    """
    if isinstance(command, Join):
        return _decide_join(state, actor, command)
    member = state.participant(actor)
    if member is None or not member.present:
        return Rejected("not_member", "You are not in this jam.")
    allowed = _ALLOWED[type(command)]
    if member.role not in allowed:
        who = "the host or a co-host" if Role.COHOST in allowed else "the host"
        return Rejected("forbidden", f"Only {who} can do that.")
    if state.lifecycle is Lifecycle.ENDED:  # the log of an ended room is final
        return Rejected("ended", "This jam has ended.")
    if isinstance(command, Leave | Disconnect):
        reason: Literal["left", "lost"] = "left" if isinstance(command, Leave) else "lost"
        return [MemberLeft(participant_id=actor, reason=reason)]
    if isinstance(command, SetStatus):
        if member.status is command.value:
            return []
        return [StatusChanged(participant_id=actor, status=command.value)]
    if isinstance(command, EndRoom):
        return [RoomEnded()]
    return _decide_timer(state, command, now_ms)


def _decide_join(state: RoomState, actor: str, command: Join) -> list[EventBody] | Rejected:
    if state.lifecycle is Lifecycle.ENDED:
        return Rejected("ended", "This jam has ended.")
    name = valid_name(command.name)
    if name is None:
        return Rejected("bad_name", f"Choose a name of 1 to {MAX_NAME_CHARS} characters.")
    existing = state.participant(actor)
    if existing is not None and existing.present:
        return Rejected("already_here", "You are already in this jam.")
    return [MemberJoined(participant_id=actor, name=name)]


def _decide_timer(state: RoomState, command: Command, now_ms: int) -> list[EventBody] | Rejected:
    life = state.lifecycle
    if isinstance(command, StartTimer | ResumeTimer):
        if life is Lifecycle.ACTIVE:
            return Rejected("already_running", "The timer is already running.")
        if isinstance(command, ResumeTimer) and life is not Lifecycle.PAUSED:
            return Rejected("not_paused", "The timer is not paused.")
        try:
            timers.start(state.timer, now_ms)
        except TimerError:
            return Rejected("finished", "The countdown has finished; reset it first.")
        return [TimerStarted()]
    if isinstance(command, PauseTimer):
        if life is not Lifecycle.ACTIVE or not state.timer.running:
            return Rejected("not_running", "The timer is not running.")
        return [TimerPaused()]
    if isinstance(command, ResetTimer):
        if life is Lifecycle.READY:
            return Rejected("already_reset", "The timer has not started yet.")
        return [TimerReset()]
    if isinstance(command, CompleteTimer):
        end = timers.completes_at(state.timer)
        if end is None or now_ms < end:
            return Rejected("not_finished", "The countdown has not reached zero.")
        return [TimerCompleted()]
    raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover


# --------------------------------------------------------------------------- apply


def apply(state: RoomState | None, event: Event) -> RoomState:
    """Fold one event into the state. ``state`` is ``None`` only before ``RoomOpened``.

    Raises :class:`LogError` when the event cannot follow (a sequence gap, a second
    ``RoomOpened``); the host never writes such a log, so a member that sees one drops it.
    """
    body = event.body
    if state is None:
        if not isinstance(body, RoomOpened) or event.seq != 1:
            raise LogError("a room's log starts with room_opened at seq 1")
        host = Participant(
            participant_id=body.host_id,
            name=body.host_name,
            role=Role.HOST,
            status=Status.ACTIVE,
            present=True,
            joined_seq=1,
        )
        return RoomState(
            code=body.code,
            title=body.title,
            session_type=body.session_type,
            lifecycle=Lifecycle.READY,
            timer=body.timer,
            host_id=body.host_id,
            participants=(host,),
            head_seq=1,
        )
    if event.seq != state.head_seq + 1:
        raise LogError(f"expected seq {state.head_seq + 1}, got {event.seq}")
    replace = msgspec.structs.replace
    at = event.at_ms
    match body:
        case RoomOpened():
            raise LogError("room_opened can only be the first event")
        case MemberJoined(participant_id=pid, name=name):
            existing = state.participant(pid)
            if existing is None:
                joined = Participant(
                    participant_id=pid,
                    name=name,
                    role=Role.PARTICIPANT,
                    status=Status.ACTIVE,
                    present=True,
                    joined_seq=event.seq,
                )
                people = (*state.participants, joined)
            else:
                people = _update(state.participants, pid, present=True, name=name)
            state = replace(state, participants=people)
        case MemberLeft(participant_id=pid):
            state = replace(state, participants=_update(state.participants, pid, present=False))
        case StatusChanged(participant_id=pid, status=status):
            state = replace(state, participants=_update(state.participants, pid, status=status))
        case TimerStarted():
            state = replace(state, lifecycle=Lifecycle.ACTIVE, timer=timers.start(state.timer, at))
        case TimerPaused():
            state = replace(state, lifecycle=Lifecycle.PAUSED, timer=timers.pause(state.timer, at))
        case TimerReset():
            state = replace(state, lifecycle=Lifecycle.READY, timer=timers.reset(state.timer))
        case TimerCompleted():
            state = replace(state, timer=timers.complete(state.timer))
        case RoomEnded():
            anchor = timers.pause(state.timer, at) if state.timer.running else state.timer
            state = replace(state, lifecycle=Lifecycle.ENDED, timer=anchor)
    return replace(state, head_seq=event.seq)


def _update(
    people: tuple[Participant, ...], pid: str, **changes: object
) -> tuple[Participant, ...]:
    if not any(p.participant_id == pid for p in people):
        raise LogError(f"no participant {pid!r}")
    return tuple(
        msgspec.structs.replace(p, **changes) if p.participant_id == pid else p for p in people
    )


def fold(events: Iterable[Event], state: RoomState | None = None) -> RoomState | None:
    """``reduce(apply, events, state)``: the state after all of ``events``."""
    for event in events:
        state = apply(state, event)
    return state


class RoomLog:
    """The host's authoritative log: appends decided event bodies with seq and instant.

    Pure bookkeeping; the caller supplies the room-clock instant. ``events`` is the whole log.
    """

    def __init__(self, opened: RoomOpened, at_ms: int) -> None:
        first = Event(seq=1, at_ms=at_ms, actor=opened.host_id, body=opened)
        self.events: list[Event] = [first]
        self.state: RoomState = apply(None, first)

    @classmethod
    def from_events(cls, events: Sequence[Event]) -> RoomLog:
        """Rebuild from a stored log (host transfer). Raises :class:`LogError` if it is not one."""
        if not events or not isinstance(events[0].body, RoomOpened):
            raise LogError("a room's log starts with room_opened")
        log = cls(events[0].body, events[0].at_ms)
        for event in events[1:]:
            log.state = apply(log.state, event)
            log.events.append(event)
        return log

    def append(self, actor: str, bodies: Iterable[EventBody], at_ms: int) -> list[Event]:
        """Append ``bodies`` caused by ``actor`` at ``at_ms``; returns the new events."""
        added: list[Event] = []
        for body in bodies:
            event = Event(seq=self.state.head_seq + 1, at_ms=at_ms, actor=actor, body=body)
            self.state = apply(self.state, event)
            self.events.append(event)
            added.append(event)
        return added

    def since(self, seq: int) -> list[Event]:
        """Events with a sequence number above ``seq``."""
        return self.events[max(0, seq) :]

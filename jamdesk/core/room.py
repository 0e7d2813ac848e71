"""The room's state and log: the pure fold :func:`apply` of events (:mod:`jamdesk.core.events`)
into a :class:`RoomState`, and the host's ``RoomLog``.

The host is the single writer (docs/ARCHITECTURE.md, "The room is an event log"): it turns commands
(:mod:`jamdesk.core.commands`) into events with :func:`jamdesk.core.rules.decide`, numbers and
stamps them, and every member folds the same list with :func:`apply` into the same
:class:`RoomState`. Events are msgspec tagged structs, one definition for core, wire and disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from jamdesk.core import audio as audio_maths
from jamdesk.core import timer as timers
from jamdesk.core.audio import AudioAnchor
from jamdesk.core.events import (
    AudioChanged,
    ChatPosted,
    Event,
    EventBody,
    GhostAdded,
    GoalSet,
    HostChanged,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    PhaseChanged,
    PhaseSkipped,
    ProgressReported,
    Reacted,
    RoleChanged,
    RoomEnded,
    RoomGoalSet,
    RoomOpened,
    StatusChanged,
    TaskAdded,
    TaskDeleted,
    TaskRenamed,
    TaskToggled,
    TimerCompleted,
    TimerConfigured,
    TimerPaused,
    TimerReset,
    TimerStarted,
)
from jamdesk.core.kinds import Lifecycle, Role, SessionType, Status
from jamdesk.core.timer import TimerAnchor


class Participant(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One member as everyone sees them; ``present`` is false while away or after leaving."""

    participant_id: str
    name: str
    role: Role
    status: Status
    present: bool
    joined_seq: int
    client_id: str = ""
    goal: str = ""
    progress: int = 0
    removed: bool = False
    avatar_color: str = ""
    ghost: bool = False


class RoomTask(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A task that belongs to the room, visible to its members."""

    task_id: str
    owner_id: str
    title: str
    done: bool = False


class RoomState(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The fold of the log up to ``head_seq``. Participants are kept in join order.

    ``phase_index`` is the last Pomodoro phase recorded in the log (phase changes are also
    computed from the timer anchor at any instant; see :mod:`jamdesk.core.pomodoro`).
    """

    code: str
    title: str
    session_type: SessionType
    lifecycle: Lifecycle
    timer: TimerAnchor
    host_id: str
    participants: tuple[Participant, ...]
    head_seq: int
    phase_index: int = 0
    tasks: tuple[RoomTask, ...] = ()
    discipline: str = ""
    private: bool = False
    show_title: bool = False
    lobby: bool = False
    audio: AudioAnchor = AudioAnchor()
    room_goal: str = ""

    def participant(self, participant_id: str | None) -> Participant | None:
        """The participant with that id, or ``None``."""
        for p in self.participants:
            if p.participant_id == participant_id:
                return p
        return None

    def task(self, task_id: str) -> RoomTask | None:
        """The room task with that id, or ``None``."""
        return next((t for t in self.tasks if t.task_id == task_id), None)

    @property
    def present_count(self) -> int:
        """How many people (not ghosts) are in the room now."""
        return sum(1 for p in self.participants if p.present and not p.ghost)

    def name_of(self, participant_id: str | None) -> str:
        """A participant's display name, or ``"someone"``."""
        p = self.participant(participant_id)
        return p.name if p is not None else "someone"


class LogError(ValueError):
    """An event that cannot follow the log (gap, wrong first event, impossible transition)."""


def apply(state: RoomState | None, event: Event) -> RoomState:
    """Fold one event into the state. ``state`` is ``None`` only before ``RoomOpened``.

    Raises :class:`LogError` when the event cannot follow (a sequence gap, a second
    ``RoomOpened``, an unknown participant); the host never writes such a log.
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
            client_id=body.host_client_id,
            avatar_color=body.host_color,
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
            discipline=body.discipline,
            private=body.private,
            show_title=body.show_title,
            lobby=body.lobby,
        )
    if event.seq != state.head_seq + 1:
        raise LogError(f"expected seq {state.head_seq + 1}, got {event.seq}")
    try:
        state = _apply_body(state, body, event)
    except timers.TimerError as exc:
        raise LogError(f"event {event.seq}: {exc}") from exc
    return msgspec.structs.replace(state, head_seq=event.seq)


def _apply_body(state: RoomState, body: EventBody, event: Event) -> RoomState:  # noqa: PLR0911, PLR0912
    replace = msgspec.structs.replace
    at = event.at_ms
    match body:
        case RoomOpened():
            raise LogError("room_opened can only be the first event")
        case MemberJoined(participant_id=pid, name=name, client_id=client, avatar_color=color):
            if state.participant(pid) is None:
                joined = Participant(
                    participant_id=pid,
                    name=name,
                    role=Role.PARTICIPANT,
                    status=Status.ACTIVE,
                    present=True,
                    joined_seq=event.seq,
                    client_id=client,
                    avatar_color=color,
                )
                return replace(state, participants=(*state.participants, joined))
            return _people(state, pid, present=True, name=name, avatar_color=color)
        case GhostAdded(participant_id=pid, name=name):
            ghost = Participant(
                participant_id=pid,
                name=name,
                role=Role.PARTICIPANT,
                status=Status.ACTIVE,
                present=True,
                joined_seq=event.seq,
                ghost=True,
            )
            return replace(state, participants=(*state.participants, ghost))
        case MemberLeft(participant_id=pid):
            return _people(state, pid, present=False)
        case MemberRemoved(participant_id=pid):
            return _people(state, pid, present=False, removed=True, role=Role.PARTICIPANT)
        case RoleChanged(participant_id=pid, role=role):
            return _people(state, pid, role=role)
        case HostChanged(participant_id=pid, previous_host_id=old):
            state = _people(state, old, role=Role.COHOST)
            return replace(_people(state, pid, role=Role.HOST, present=True), host_id=pid)
        case TimerConfigured(timer=anchor):
            return replace(state, timer=anchor, phase_index=0)
        case TimerStarted():
            return replace(state, lifecycle=Lifecycle.ACTIVE, timer=timers.start(state.timer, at))
        case TimerPaused():
            return replace(state, lifecycle=Lifecycle.PAUSED, timer=timers.pause(state.timer, at))
        case TimerReset():
            return replace(
                state, lifecycle=Lifecycle.READY, timer=timers.reset(state.timer), phase_index=0
            )
        case TimerCompleted():  # the countdown stopped at zero: the room is no longer active
            return replace(state, lifecycle=Lifecycle.READY, timer=timers.complete(state.timer))
        case PhaseChanged(index=index):
            return replace(state, phase_index=index)
        case PhaseSkipped(index=index):
            return replace(state, timer=timers.skip_phase(state.timer, at), phase_index=index)
        case StatusChanged(participant_id=pid, status=status):
            return _people(state, pid, status=status)
        case GoalSet(participant_id=pid, text=text):
            return _people(state, pid, goal=text)
        case RoomGoalSet(text=text):
            return replace(state, room_goal=text)
        case ProgressReported(participant_id=pid, percent=percent):
            return _people(state, pid, progress=percent)
        case Reacted() | ChatPosted():
            return state
        case TaskAdded(task_id=tid, owner_id=owner, title=title):
            return replace(state, tasks=(*state.tasks, RoomTask(tid, owner, title)))
        case TaskRenamed(task_id=tid, title=title):
            return replace(state, tasks=_tasks(state, tid, title=title))
        case TaskToggled(task_id=tid, done=done):
            return replace(state, tasks=_tasks(state, tid, done=done))
        case TaskDeleted(task_id=tid):
            _tasks(state, tid)
            return replace(state, tasks=tuple(t for t in state.tasks if t.task_id != tid))
        case AudioChanged(audio=audio):
            return replace(state, audio=audio)
        case RoomEnded():
            anchor = timers.pause(state.timer, at) if state.timer.running else state.timer
            audio = audio_maths.pause(state.audio, at) if state.audio.playing else state.audio
            return replace(state, lifecycle=Lifecycle.ENDED, timer=anchor, audio=audio)
    raise LogError(f"unknown event {body!r}")  # pragma: no cover


def _people(state: RoomState, pid: str, **changes: object) -> RoomState:
    if state.participant(pid) is None:
        raise LogError(f"no participant {pid!r}")
    people = tuple(
        msgspec.structs.replace(p, **changes) if p.participant_id == pid else p
        for p in state.participants
    )
    return msgspec.structs.replace(state, participants=people)


def _tasks(state: RoomState, tid: str, **changes: object) -> tuple[RoomTask, ...]:
    if state.task(tid) is None:
        raise LogError(f"no task {tid!r}")
    return tuple(
        msgspec.structs.replace(t, **changes) if t.task_id == tid else t for t in state.tasks
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
        """Rebuild from a held log (host transfer). Raises :class:`LogError` if it is not one."""
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

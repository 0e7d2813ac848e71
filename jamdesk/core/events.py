"""The room's events: what can happen in a room, one frozen struct per kind, and the log
entry (:class:`Event`) that carries one with its sequence number, instant and actor
(docs/ARCHITECTURE.md, "The room is an event log"). :mod:`jamdesk.core.room` folds them into
the room's state."""

from __future__ import annotations

from typing import Literal

import msgspec

from jamdesk.core.audio import AudioAnchor
from jamdesk.core.kinds import Phase, Role, SessionType, Status
from jamdesk.core.timer import TimerAnchor


class _Body(msgspec.Struct, frozen=True, tag_field="kind", forbid_unknown_fields=True):
    """Base of every event body; the tag is the event ``kind``."""


class RoomOpened(_Body, frozen=True, tag="room_opened"):
    """The first event of every room: its identity, the timer and the host.

    How the room is listed on the LAN (issue 4): ``discipline`` is the subject ("Mathematics",
    or anything the host typed); a ``private`` room's code is a password that is never
    advertised, and its title is listed only with ``show_title``; ``lobby`` marks the LAN's
    lobby room (its chat), which is never listed as a jam.
    """

    code: str
    title: str
    session_type: SessionType
    timer: TimerAnchor
    host_id: str
    host_name: str
    host_client_id: str = ""
    host_color: str = ""
    discipline: str = ""
    private: bool = False
    show_title: bool = False
    lobby: bool = False


class MemberJoined(_Body, frozen=True, tag="member_joined"):
    """A member entered (or came back to) the room."""

    participant_id: str
    name: str
    client_id: str = ""
    avatar_color: str = ""


class MemberLeft(_Body, frozen=True, tag="member_left"):
    """A member left on purpose (``left``) or their link was lost (``lost``)."""

    participant_id: str
    reason: Literal["left", "lost"]


class MemberRemoved(_Body, frozen=True, tag="member_removed"):
    """A member was removed by ``by``; they cannot rejoin this room."""

    participant_id: str
    by: str


class GhostAdded(_Body, frozen=True, tag="ghost_added"):
    """A ghost joined: ``name`` replayed from session ``source``; its actions follow as the
    usual events with ``participant_id`` set to the ghost's id."""

    participant_id: str
    name: str
    source: str = ""


class RoleChanged(_Body, frozen=True, tag="role_changed"):
    """A member's role changed (promote, demote, or the old host after a transfer)."""

    participant_id: str
    role: Role


class HostChanged(_Body, frozen=True, tag="host_changed"):
    """``participant_id`` is the host now: handed over (``transfer``) or after a loss."""

    participant_id: str
    previous_host_id: str
    reason: Literal["transfer", "lost"]


class TimerConfigured(_Body, frozen=True, tag="timer_configured"):
    """The timer was chosen anew (only while READY)."""

    timer: TimerAnchor


class TimerStarted(_Body, frozen=True, tag="timer_started"):
    """The timer started or resumed at the event's instant."""


class TimerPaused(_Body, frozen=True, tag="timer_paused"):
    """The timer paused at the event's instant."""


class TimerReset(_Body, frozen=True, tag="timer_reset"):
    """The timer went back to zero; the room is READY again."""


class TimerCompleted(_Body, frozen=True, tag="timer_completed"):
    """The countdown reached zero at the event's instant."""


class PhaseChanged(_Body, frozen=True, tag="phase_changed"):
    """A Pomodoro phase began as time ran (phase ``index`` from 0; even is focus)."""

    index: int
    phase: Phase


class PhaseSkipped(_Body, frozen=True, tag="phase_skipped"):
    """The host skipped to the start of phase ``index``."""

    index: int
    phase: Phase


class StatusChanged(_Body, frozen=True, tag="status_changed"):
    """A participant changed their own status."""

    participant_id: str
    status: Status


class RoomGoalSet(_Body, frozen=True, tag="room_goal_set"):
    """The host or a co-host set the room's goal ("" cleared it)."""

    participant_id: str
    text: str


class GoalSet(_Body, frozen=True, tag="goal_set"):
    """A participant set their goal."""

    participant_id: str
    text: str


class ProgressReported(_Body, frozen=True, tag="progress_reported"):
    """A participant reported progress toward their goal (0-100 %)."""

    participant_id: str
    percent: int


class Reacted(_Body, frozen=True, tag="reacted"):
    """A reaction to the room (``to`` is ``None``) or to one participant."""

    participant_id: str
    emoji: str
    to: str | None = None


class ChatPosted(_Body, frozen=True, tag="chat_posted"):
    """A chat message (plain text)."""

    participant_id: str
    text: str


class TaskAdded(_Body, frozen=True, tag="task_added"):
    """A room task was added."""

    task_id: str
    owner_id: str
    title: str


class TaskRenamed(_Body, frozen=True, tag="task_renamed"):
    """A room task was renamed."""

    task_id: str
    title: str


class TaskToggled(_Body, frozen=True, tag="task_toggled"):
    """A room task was marked done or not done."""

    task_id: str
    done: bool


class TaskDeleted(_Body, frozen=True, tag="task_deleted"):
    """A room task was deleted."""

    task_id: str


class AudioChanged(_Body, frozen=True, tag="audio_changed"):
    """The shared soundscape changed (play, pause, seek, layers): ``audio`` is the new anchor,
    its instants on the room clock."""

    audio: AudioAnchor


class RoomEnded(_Body, frozen=True, tag="room_ended"):
    """The host ended the jam."""


EventBody = (
    RoomOpened
    | MemberJoined
    | MemberLeft
    | MemberRemoved
    | GhostAdded
    | RoleChanged
    | HostChanged
    | TimerConfigured
    | TimerStarted
    | TimerPaused
    | TimerReset
    | TimerCompleted
    | PhaseChanged
    | PhaseSkipped
    | StatusChanged
    | GoalSet
    | RoomGoalSet
    | ProgressReported
    | Reacted
    | ChatPosted
    | TaskAdded
    | TaskRenamed
    | TaskToggled
    | TaskDeleted
    | AudioChanged
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

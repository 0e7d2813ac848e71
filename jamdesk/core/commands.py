"""Commands: what members ask the host to do (docs/ARCHITECTURE.md, "The room is an event log").

Each command is a msgspec tagged struct whose tag is its headless name, so a JSON line such as
``{"cmd": "chat", "text": "hi"}`` decodes straight into :class:`Chat`. Decoding checks shapes
and types only; :func:`jamdesk.core.rules.decide` checks meaning (roles, lifecycle, lengths).
"""

from __future__ import annotations

import msgspec

from jamdesk.core.audio import Track
from jamdesk.core.kinds import Status, TimerMode


class _Command(msgspec.Struct, frozen=True, tag_field="cmd", forbid_unknown_fields=True):
    """Base of every command."""


# -- timer (host or co-host) ------------------------------------------------------------------


class StartTimer(_Command, frozen=True, tag="timer.start"):
    """Start the timer from READY, or resume it from PAUSED."""


class ResumeTimer(_Command, frozen=True, tag="timer.resume"):
    """Resume a PAUSED timer."""


class PauseTimer(_Command, frozen=True, tag="timer.pause"):
    """Pause the running timer."""


class ResetTimer(_Command, frozen=True, tag="timer.reset"):
    """Stop the timer and return the room to READY."""


class SkipPhase(_Command, frozen=True, tag="timer.skip"):
    """Jump a Pomodoro timer to the start of its next phase."""


class ConfigureTimer(_Command, frozen=True, tag="timer.configure"):
    """Choose the timer before the start. Lengths in ms; unset Pomodoro fields keep 25/5/15 x4."""

    mode: TimerMode
    duration_ms: int | None = None
    focus_ms: int | None = None
    short_break_ms: int | None = None
    long_break_ms: int | None = None
    long_every: int | None = None


# -- the shared soundscape (host or co-host) -----------------------------------------------------


class AudioPlay(_Command, frozen=True, tag="audio.play"):
    """Play ``track`` from its start, or (none given) resume the current music."""

    track: Track | None = None


class AudioPause(_Command, frozen=True, tag="audio.pause"):
    """Pause the music where it is."""


class AudioSeek(_Command, frozen=True, tag="audio.seek"):
    """Move the music to ``position_ms``."""

    position_ms: int


class AudioLayers(_Command, frozen=True, tag="audio.layers"):
    """Set ambient layers' levels, e.g. ``{"rain": 60, "fire": 0}`` (0 to 100)."""

    levels: dict[str, int]


# -- people ------------------------------------------------------------------------------------


class SetStatus(_Command, frozen=True, tag="status"):
    """Set the sender's own status."""

    value: Status


class SetGoal(_Command, frozen=True, tag="goal"):
    """Set the sender's own goal for the session (plain text)."""

    text: str


class SetRoomGoal(_Command, frozen=True, tag="room_goal"):
    """Set the goal of the whole room, shown to everyone and in the summary (host or co-host;
    plain text, "" clears it)."""

    text: str


class SetProgress(_Command, frozen=True, tag="progress"):
    """Report the sender's own progress toward their goal, 0-100 %."""

    percent: int


class Promote(_Command, frozen=True, tag="promote"):
    """Make a participant a co-host. Host only."""

    participant_id: str


class Demote(_Command, frozen=True, tag="demote"):
    """Make a co-host a participant again. Host only."""

    participant_id: str


class TransferHost(_Command, frozen=True, tag="transfer"):
    """Hand the host role to another member, who then serves the room. Host only.
    ``leaving``: the old host leaves with it (recorded as ``member_left``, reason ``left``)."""

    participant_id: str
    leaving: bool = False


class Remove(_Command, frozen=True, tag="remove"):
    """Remove a participant, who cannot rejoin this room. Host, or co-host for participants."""

    participant_id: str


class React(_Command, frozen=True, tag="react"):
    """Send a reaction to the room, or to one participant with ``to``."""

    emoji: str
    to: str | None = None


class AddGhost(_Command, frozen=True, tag="ghost.add"):
    """Add a ghost: a past participant (``name``, from session ``source``) whose actions the
    host replays into the room. Host or co-host."""

    name: str
    source: str = ""


class Chat(_Command, frozen=True, tag="chat"):
    """Post a chat message to the room (plain text, never markup)."""

    text: str


# -- room tasks --------------------------------------------------------------------------------


class AddTask(_Command, frozen=True, tag="task.add"):
    """Add a room task owned by the sender."""

    title: str


class RenameTask(_Command, frozen=True, tag="task.rename"):
    """Rename a room task (its owner, the host or a co-host)."""

    task_id: str
    title: str


class ToggleTask(_Command, frozen=True, tag="task.toggle"):
    """Mark a room task done or not done (``done`` unset: flip it)."""

    task_id: str
    done: bool | None = None


class DeleteTask(_Command, frozen=True, tag="task.delete"):
    """Delete a room task (its owner, the host or a co-host)."""

    task_id: str


# -- the room ----------------------------------------------------------------------------------


class EndRoom(_Command, frozen=True, tag="end"):
    """End the jam for everyone. Host only."""


class Leave(_Command, frozen=True, tag="leave"):
    """The sender leaves the room."""


# -- issued by the host's own engine, never accepted from a peer ------------------------------


class Join(_Command, frozen=True, tag="join"):
    """A member (new or returning) enters under ``name``; ``client_id`` is their app's id and
    ``avatar_color`` their chosen colour (``#RRGGBB``, or empty)."""

    name: str
    client_id: str = ""
    avatar_color: str = ""


class Disconnect(_Command, frozen=True, tag="disconnect"):
    """The sender's link was lost."""


class CompleteTimer(_Command, frozen=True, tag="timer.complete"):
    """Record that the countdown reached zero."""


class AdvancePhase(_Command, frozen=True, tag="timer.advance"):
    """Record the Pomodoro phase boundaries crossed since the last one recorded."""


class TakeOver(_Command, frozen=True, tag="host.takeover"):
    """The sender becomes host because the previous host was lost (docs/ARCHITECTURE.md,
    "Network")."""


Command = (
    StartTimer
    | ResumeTimer
    | PauseTimer
    | ResetTimer
    | SkipPhase
    | ConfigureTimer
    | AudioPlay
    | AudioPause
    | AudioSeek
    | AudioLayers
    | SetStatus
    | SetGoal
    | SetRoomGoal
    | SetProgress
    | Promote
    | Demote
    | TransferHost
    | Remove
    | React
    | Chat
    | AddTask
    | RenameTask
    | ToggleTask
    | DeleteTask
    | EndRoom
    | Leave
    | Join
    | Disconnect
    | CompleteTimer
    | AdvancePhase
    | TakeOver
    | AddGhost
)
"""Every command; decode with ``msgspec.json.decode(data, type=Command)``."""

PEER_COMMANDS: tuple[type[_Command], ...] = (
    StartTimer,
    ResumeTimer,
    PauseTimer,
    ResetTimer,
    SkipPhase,
    ConfigureTimer,
    AudioPlay,
    AudioPause,
    AudioSeek,
    AudioLayers,
    SetStatus,
    SetGoal,
    SetRoomGoal,
    SetProgress,
    Promote,
    Demote,
    TransferHost,
    Remove,
    React,
    Chat,
    AddTask,
    RenameTask,
    ToggleTask,
    DeleteTask,
    EndRoom,
    Leave,
    AddGhost,
)
"""Commands a member may send; the rest are issued by the host's own engine."""

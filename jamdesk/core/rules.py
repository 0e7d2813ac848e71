"""The permission check: ``decide(state, actor, command, now) -> events | Rejected``.

This is the room's row-level security (docs/ARCHITECTURE.md): a participant changes only their own
status, goal, progress and tasks; a co-host also runs the timer and removes participants; only
the host promotes, demotes, transfers and ends. Lifecycle rules (READY -> ACTIVE <-> PAUSED ->
ENDED) are checked here too. Pure: the same inputs always give the same answer, and every
refusal is a value with a reason a student can read.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from jamdesk.core import audio as audio_maths
from jamdesk.core import pomodoro
from jamdesk.core import timer as timers
from jamdesk.core.commands import (
    AddGhost,
    AddTask,
    AdvancePhase,
    AudioLayers,
    AudioPause,
    AudioPlay,
    AudioSeek,
    Chat,
    Command,
    CompleteTimer,
    ConfigureTimer,
    DeleteTask,
    Demote,
    Disconnect,
    EndRoom,
    Join,
    Leave,
    PauseTimer,
    Promote,
    React,
    Remove,
    RenameTask,
    ResetTimer,
    ResumeTimer,
    SetGoal,
    SetProgress,
    SetRoomGoal,
    SetStatus,
    SkipPhase,
    StartTimer,
    TakeOver,
    ToggleTask,
    TransferHost,
)
from jamdesk.core.events import (
    AudioChanged,
    ChatPosted,
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
from jamdesk.core.kinds import Lifecycle, Phase, Role, TimerMode
from jamdesk.core.room import Participant, RoomState
from jamdesk.core.timer import TimerAnchor, TimerError

MAX_NAME_CHARS = 40
MAX_TITLE_CHARS = 80
MAX_GOAL_CHARS = 200
MAX_CHAT_CHARS = 2_000
MAX_TASK_CHARS = 200
MAX_ROOM_TASKS = 200
MAX_GHOSTS = 8
MAX_PRESENT_PEOPLE = 250
"""People (not ghosts) in a room at once; one more is refused with "This jam is full"."""
MAX_PEOPLE_EVER = 2_000
"""Participant records a room keeps over its life (nobody is ever dropped from the state, so
the log can name them); past this, a newcomer is refused and a returning member is not.
With :data:`MAX_ROOM_TASKS` this bounds the room's state to about 1 MB, which a Welcome
carries in parts (:func:`jamdesk.protocol.codec.welcome_messages`)."""
GHOST = "👻"
"""Marks a ghost's name wherever it shows."""
GHOST_ACTIONS: tuple[type[Command], ...] = (SetStatus, SetGoal, SetProgress, React, Chat)
"""What a ghost does when its past actions are replayed."""
REACTIONS = ("👏", "🔥", "💪", "🎉", "❤️", "😂", "☕", "👍")
"""The reactions a room accepts."""


class Rejected(msgspec.Struct, frozen=True):
    """A refused command: a stable ``code`` for programs and a ``reason`` for people."""

    code: str
    reason: str


Decision = list[EventBody] | Rejected

_HOST = frozenset({Role.HOST})
_RUNNERS = frozenset({Role.HOST, Role.COHOST})
_ANYONE = frozenset(Role)
_ALLOWED: dict[type[Command], frozenset[Role]] = {
    StartTimer: _RUNNERS,
    ResumeTimer: _RUNNERS,
    PauseTimer: _RUNNERS,
    ResetTimer: _RUNNERS,
    SkipPhase: _RUNNERS,
    ConfigureTimer: _RUNNERS,
    AudioPlay: _RUNNERS,
    AudioPause: _RUNNERS,
    AudioSeek: _RUNNERS,
    AudioLayers: _RUNNERS,
    Remove: _RUNNERS,
    Promote: _HOST,
    Demote: _HOST,
    TransferHost: _HOST,
    EndRoom: _HOST,
    CompleteTimer: _HOST,
    AdvancePhase: _HOST,
    SetStatus: _ANYONE,
    SetGoal: _ANYONE,
    SetRoomGoal: _RUNNERS,
    SetProgress: _ANYONE,
    React: _ANYONE,
    Chat: _ANYONE,
    AddTask: _ANYONE,
    RenameTask: _ANYONE,
    ToggleTask: _ANYONE,
    DeleteTask: _ANYONE,
    Leave: _ANYONE,
    Disconnect: _ANYONE,
    TakeOver: _ANYONE,
    AddGhost: _RUNNERS,
}


def clean_text(text: str, limit: int, *, multiline: bool = False) -> str | None:
    """``text`` stripped, or ``None`` if empty, over ``limit`` characters, or holding control
    characters (newlines and tabs allowed when ``multiline``)."""
    text = text.strip()
    allowed = "\n\t" if multiline else ""
    if not text or len(text) > limit:
        return None
    if any(not (c.isprintable() or c in allowed) for c in text):
        return None
    return text


def valid_color(color: str) -> bool:
    """Whether ``color`` is ``#RRGGBB`` (anything else is dropped, not refused)."""
    return (
        len(color) == 7
        and color[0] == "#"
        and all(c in "0123456789abcdefABCDEF" for c in color[1:])
    )


def valid_name(name: str) -> str | None:
    """A display name stripped, or ``None`` when empty, too long or holding controls."""
    return clean_text(name, MAX_NAME_CHARS)


def decide(state: RoomState, actor: str, command: Command, now_ms: int) -> Decision:
    """Check ``command`` from participant ``actor`` against the room at ``now_ms``.

    Returns the event bodies to append (empty for a no-op) or a :class:`Rejected`.
    """
    if isinstance(command, Join):
        return _join(state, actor, command)
    member = state.participant(actor)
    if member is None or not member.present:
        return Rejected("not_member", "You are not in this jam.")
    if member.role not in _ALLOWED[type(command)]:
        who = "the host or a co-host" if Role.COHOST in _ALLOWED[type(command)] else "the host"
        return Rejected("forbidden", f"Only {who} can do that.")
    if state.lifecycle is Lifecycle.ENDED:  # the log of an ended room is final
        return Rejected("ended", "This jam has ended.")
    match command:
        case Leave() | Disconnect():
            reason: Literal["left", "lost"] = "left" if isinstance(command, Leave) else "lost"
            return [MemberLeft(participant_id=actor, reason=reason)]
        case EndRoom():
            return [RoomEnded()]
        case TakeOver():
            return _take_over(state, member)
        case AddGhost():
            return _add_ghost(state, command)
        case Promote() | Demote() | TransferHost() | Remove():
            return _people(state, member, command)
        case SetStatus() | SetGoal() | SetProgress() | React() | Chat():
            return _personal(state, member, command)
        case AddTask() | RenameTask() | ToggleTask() | DeleteTask() | SetRoomGoal():
            return _room_task(state, member, command)
    return _controls(state, command, now_ms)


def _goal_text(text: str) -> str | None:
    """A goal stripped ("" clears it), or ``None`` when too long or holding controls."""
    goal = text.strip()
    if len(goal) > MAX_GOAL_CHARS or (goal and clean_text(goal, MAX_GOAL_CHARS) is None):
        return None
    return goal


def _controls(state: RoomState, command: Command, now_ms: int) -> Decision:
    """The room's controls, run by the host or a co-host: the soundscape, else the timer."""
    if isinstance(command, AudioPlay | AudioPause | AudioSeek | AudioLayers):
        return _audio(state, command, now_ms)
    return _timer(state, command, now_ms)


def _audio(
    state: RoomState, command: AudioPlay | AudioPause | AudioSeek | AudioLayers, now_ms: int
) -> Decision:
    """The shared soundscape: a new anchor, or the reason in words (core.audio)."""
    try:
        match command:
            case AudioPlay(track=track):
                audio = audio_maths.play(state.audio, now_ms, track)
            case AudioPause():
                audio = audio_maths.pause(state.audio, now_ms)
            case AudioSeek(position_ms=at):
                audio = audio_maths.seek(state.audio, at, now_ms)
            case AudioLayers(levels=levels):
                audio = audio_maths.with_levels(state.audio, levels)
    except audio_maths.AudioError as exc:
        return Rejected("bad_audio", str(exc))
    return [AudioChanged(audio=audio)] if audio != state.audio else []


def _join(state: RoomState, actor: str, command: Join) -> Decision:
    if state.lifecycle is Lifecycle.ENDED:
        return Rejected("ended", "This jam has ended.")
    name = valid_name(command.name)
    if name is None:
        return Rejected("bad_name", f"Choose a name of 1 to {MAX_NAME_CHARS} characters.")
    removed = any(
        p.removed
        and (p.participant_id == actor or (command.client_id and p.client_id == command.client_id))
        for p in state.participants
    )
    if removed:
        return Rejected("removed", "You were removed from this jam and cannot rejoin it.")
    existing = state.participant(actor)
    if existing is not None and existing.present:
        return Rejected("already_here", "You are already in this jam.")
    if state.present_count >= MAX_PRESENT_PEOPLE:
        return Rejected("full", f"This jam is full ({MAX_PRESENT_PEOPLE} people); try another.")
    if existing is None and len(state.participants) >= MAX_PEOPLE_EVER:
        return Rejected(
            "full", f"{MAX_PEOPLE_EVER} people have been in this jam; start a new one to join."
        )
    color = command.avatar_color if valid_color(command.avatar_color) else ""
    return [
        MemberJoined(
            participant_id=actor, name=name, client_id=command.client_id, avatar_color=color
        )
    ]


def _add_ghost(state: RoomState, command: AddGhost) -> Decision:
    clean = valid_name(command.name)
    if clean is None:
        return Rejected("bad_name", f"A ghost needs a name of 1 to {MAX_NAME_CHARS} characters.")
    if sum(1 for p in state.participants if p.ghost and p.present) >= MAX_GHOSTS:
        return Rejected("too_many_ghosts", f"A room holds at most {MAX_GHOSTS} ghosts.")
    return [
        GhostAdded(
            participant_id=f"g{state.head_seq + 1}",
            name=f"{GHOST} {clean}",
            source=command.source[:64],
        )
    ]


def _take_over(state: RoomState, member: Participant) -> Decision:
    actor = member.participant_id
    if member.ghost:
        return Rejected("ghost", "A ghost cannot become the host.")
    if actor == state.host_id:
        return Rejected("already_host", "You are already the host.")
    bodies: list[EventBody] = [
        HostChanged(participant_id=actor, previous_host_id=state.host_id, reason="lost")
    ]
    old = state.participant(state.host_id)
    if old is not None and old.present:
        bodies.append(MemberLeft(participant_id=state.host_id, reason="lost"))
    return bodies


def _people(
    state: RoomState, member: Participant, command: Promote | Demote | TransferHost | Remove
) -> Decision:
    target = state.participant(command.participant_id)
    if target is None or target.removed:
        return Rejected("no_such_member", "There is no such member in this jam.")
    if target.participant_id == member.participant_id:
        return Rejected("self", "You cannot do that to yourself.")
    if target.ghost and not isinstance(command, Remove):
        return Rejected("ghost", "A ghost cannot be given a role.")
    match command:
        case Promote():
            if target.role is not Role.PARTICIPANT:
                return Rejected("already_cohost", f"{target.name} is already a co-host.")
            return [RoleChanged(participant_id=target.participant_id, role=Role.COHOST)]
        case Demote():
            if target.role is not Role.COHOST:
                return Rejected("not_cohost", f"{target.name} is not a co-host.")
            return [RoleChanged(participant_id=target.participant_id, role=Role.PARTICIPANT)]
        case TransferHost():
            if not target.present:
                return Rejected("away", f"{target.name} is not in the jam right now.")
            changed: list[EventBody] = [
                HostChanged(
                    participant_id=target.participant_id,
                    previous_host_id=member.participant_id,
                    reason="transfer",
                )
            ]
            if command.leaving:
                changed.append(MemberLeft(participant_id=member.participant_id, reason="left"))
            return changed
        case Remove():
            if member.role is Role.COHOST and target.role is not Role.PARTICIPANT:
                return Rejected("forbidden", "A co-host can remove participants only.")
            return [MemberRemoved(participant_id=target.participant_id, by=member.participant_id)]
    raise AssertionError(command)  # pragma: no cover


def _personal(
    state: RoomState, member: Participant, command: SetStatus | SetGoal | SetProgress | React | Chat
) -> Decision:
    pid = member.participant_id
    match command:
        case SetStatus(value=status):
            return (
                []
                if member.status is status
                else [StatusChanged(participant_id=pid, status=status)]
            )
        case SetGoal(text=text):
            goal = _goal_text(text)
            if goal is None:
                return Rejected(
                    "bad_goal", f"A goal is one line of up to {MAX_GOAL_CHARS} characters."
                )
            return [GoalSet(participant_id=pid, text=goal)]
        case SetProgress(percent=percent):
            if not 0 <= percent <= 100:
                return Rejected("bad_progress", "Progress is a percentage from 0 to 100.")
            return [ProgressReported(participant_id=pid, percent=percent)]
        case React(emoji=emoji, to=to):
            if emoji not in REACTIONS:
                return Rejected("bad_reaction", "Choose one of " + " ".join(REACTIONS) + ".")
            if to is not None:
                target = state.participant(to)
                if target is None or not target.present:
                    return Rejected("no_such_member", "That person is not in the jam.")
            return [Reacted(participant_id=pid, emoji=emoji, to=to)]
        case Chat(text=text):
            clean = clean_text(text, MAX_CHAT_CHARS, multiline=True)
            if clean is None:
                return Rejected(
                    "bad_chat", f"A message has 1 to {MAX_CHAT_CHARS} characters of text."
                )
            return [ChatPosted(participant_id=pid, text=clean)]
    raise AssertionError(command)  # pragma: no cover


def _room_task(
    state: RoomState,
    member: Participant,
    command: AddTask | RenameTask | ToggleTask | DeleteTask | SetRoomGoal,
) -> Decision:
    """What the room shares: its tasks, and its goal (host or co-host)."""
    if isinstance(command, SetRoomGoal):
        goal = _goal_text(command.text)
        if goal is None:
            return Rejected("bad_goal", f"A goal is one line of up to {MAX_GOAL_CHARS} characters.")
        return [] if goal == state.room_goal else [RoomGoalSet(member.participant_id, goal)]
    if isinstance(command, AddTask):
        title = clean_text(command.title, MAX_TASK_CHARS)
        if title is None:
            return Rejected("bad_task", f"A task has 1 to {MAX_TASK_CHARS} characters.")
        if len(state.tasks) >= MAX_ROOM_TASKS:
            return Rejected("too_many_tasks", f"A room holds at most {MAX_ROOM_TASKS} tasks.")
        return [
            TaskAdded(task_id=f"t{state.head_seq + 1}", owner_id=member.participant_id, title=title)
        ]
    task = state.task(command.task_id)
    if task is None:
        return Rejected("no_such_task", "That task does not exist (any more).")
    if member.role is Role.PARTICIPANT and task.owner_id != member.participant_id:
        return Rejected("forbidden", "Only its owner, the host or a co-host can change a task.")
    match command:
        case RenameTask(title=title):
            clean = clean_text(title, MAX_TASK_CHARS)
            if clean is None:
                return Rejected("bad_task", f"A task has 1 to {MAX_TASK_CHARS} characters.")
            return [] if clean == task.title else [TaskRenamed(task_id=task.task_id, title=clean)]
        case ToggleTask(done=done):
            want = (not task.done) if done is None else done
            return [] if want == task.done else [TaskToggled(task_id=task.task_id, done=want)]
        case DeleteTask():
            return [TaskDeleted(task_id=task.task_id)]
    raise AssertionError(command)  # pragma: no cover


def configured_timer(command: ConfigureTimer) -> TimerAnchor | Rejected:
    """The anchor a ``timer.configure`` asks for, or why not, in the CLI's words (the allowed
    range). An unset length keeps the default (25 min; 25/5/15 x4); a given one out of range,
    0 included, is refused, never replaced by a default."""
    if command.mode is TimerMode.STOPWATCH:
        return timers.stopwatch()
    if command.mode is TimerMode.COUNTDOWN:
        length = 25 * pomodoro.MINUTE_MS if command.duration_ms is None else command.duration_ms
        try:
            return timers.countdown(length)
        except TimerError as exc:
            return Rejected("out_of_range", str(exc))
    # An unset field keeps the default; a given one, 0 included, must be in range.
    default = pomodoro.PomodoroPlan()
    fields = {
        name: getattr(default, name) if getattr(command, name) is None else getattr(command, name)
        for name in ("focus_ms", "short_break_ms", "long_break_ms", "long_every")
    }
    try:
        return timers.pomodoro_timer(pomodoro.PomodoroPlan(**fields))
    except pomodoro.PlanError as exc:
        return Rejected("out_of_range", str(exc))


def _timer(state: RoomState, command: Command, now_ms: int) -> Decision:  # noqa: PLR0911
    life = state.lifecycle
    match command:
        case StartTimer() | ResumeTimer():
            if life is Lifecycle.ACTIVE:
                return Rejected("already_running", "The timer is already running.")
            if isinstance(command, ResumeTimer) and life is not Lifecycle.PAUSED:
                return Rejected("not_paused", "The timer is not paused.")
            if timers.read(state.timer, now_ms).finished:
                return Rejected("finished", "The countdown has finished; reset it first.")
            return [TimerStarted()]
        case PauseTimer():
            if life is not Lifecycle.ACTIVE or not state.timer.running:
                return Rejected("not_running", "The timer is not running.")
            return [TimerPaused()]
        case ResetTimer():  # a countdown that ran out is READY again, and may be reset
            if life is Lifecycle.READY and not timers.read(state.timer, now_ms).finished:
                return Rejected("already_reset", "The timer has not started yet.")
            return [TimerReset()]
        case ConfigureTimer():
            if life is not Lifecycle.READY:
                return Rejected("not_ready", "Change the timer before starting, or reset first.")
            anchor = configured_timer(command)
            return anchor if isinstance(anchor, Rejected) else [TimerConfigured(timer=anchor)]
        case SkipPhase():
            if state.timer.plan is None:
                return Rejected("no_phases", "Only a Pomodoro timer has phases to skip.")
            if life is Lifecycle.READY:
                return Rejected("not_started", "Start the timer first.")
            reading = timers.read(state.timer, now_ms)
            index = (reading.phase_index or 0) + 1
            return [PhaseSkipped(index=index, phase=_phase_of(state, index))]
        case CompleteTimer():
            end = timers.completes_at(state.timer)
            if end is None or now_ms < end:
                return Rejected("not_finished", "The countdown has not reached zero.")
            return [TimerCompleted()]
        case AdvancePhase():
            reading = timers.read(state.timer, now_ms)
            if reading.phase_index is None or reading.phase_index <= state.phase_index:
                return []
            first = max(state.phase_index + 1, reading.phase_index - 99)  # bounded catch-up
            return [
                PhaseChanged(index=i, phase=_phase_of(state, i))
                for i in range(first, reading.phase_index + 1)
            ]
    raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover


def _phase_of(state: RoomState, index: int) -> Phase:
    plan = state.timer.plan
    assert plan is not None
    return pomodoro.position(plan, pomodoro.phase_start(plan, index)).phase

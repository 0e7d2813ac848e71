"""The shared timeline: the room's log as sentences a student reads ("Bo joined", "Break").

Pure: :func:`describe` turns one event into a line using the state just before it (for names
that may change later). Chat text is returned as it was typed; the UI shows it as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from jamdesk.core.audio import LAYERS, AudioAnchor
from jamdesk.core.events import (
    AudioChanged,
    ChatPosted,
    Event,
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
from jamdesk.core.kinds import Lifecycle, Phase, Role, Status, TimerMode
from jamdesk.core.room import RoomState, apply
from jamdesk.core.timer import TimerAnchor


class TimelineEntry(msgspec.Struct, frozen=True):
    """One line of the timeline: when (room clock, ms), what kind, and the sentence."""

    seq: int
    at_ms: int
    kind: str
    text: str


def timer_words(anchor: TimerAnchor) -> str:
    """``"Countdown 25 min"``, ``"Stopwatch"`` or ``"Pomodoro 25/5/15 x4"``."""
    if anchor.mode is TimerMode.STOPWATCH:
        return "Stopwatch"
    if anchor.plan is not None:
        p = anchor.plan
        return (
            f"Pomodoro {p.focus_ms // 60_000}/{p.short_break_ms // 60_000}/"
            f"{p.long_break_ms // 60_000} x{p.long_every}"
        )
    return f"Countdown {length_words(anchor.duration_ms or 0)}"


def length_words(ms: int) -> str:
    """A length as people say it: ``"25 min"``, ``"1 h 30 min"``, ``"45 s"``, ``"2 min 30 s"``."""
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


_STATUS_WORDS = {
    Status.ACTIVE: "is back at it",
    Status.PAUSED: "is taking a pause",
    Status.DONE: "is done",
}


def describe(before: RoomState | None, event: Event) -> str:  # noqa: PLR0911, PLR0912
    """The sentence for ``event`` given the state just before it."""
    body = event.body
    if before is None or isinstance(body, RoomOpened):
        assert isinstance(body, RoomOpened)
        return (
            f"{body.host_name} opened “{body.title}” ({body.session_type.label}, "
            f"{timer_words(body.timer)})"
        )
    who = before.name_of(event.actor)
    name = before.name_of
    match body:
        case MemberJoined(participant_id=pid, name=joined):
            return f"{joined} came back" if before.participant(pid) else f"{joined} joined"
        case MemberLeft(participant_id=pid, reason=reason):
            return f"{name(pid)} left" if reason == "left" else f"{name(pid)} lost connection"
        case GhostAdded(name=ghost):
            return f"{ghost} joined (a replay of a past session)"
        case MemberRemoved(participant_id=pid, by=by):
            return f"{name(by)} removed {name(pid)}"
        case RoleChanged(participant_id=pid, role=role):
            return (
                f"{name(pid)} is now a co-host"
                if role is Role.COHOST
                else f"{name(pid)} is a participant again"
            )
        case HostChanged(participant_id=pid, previous_host_id=old, reason=reason):
            how = "handed over by" if reason == "transfer" else "after losing"
            return f"{name(pid)} is now the host ({how} {name(old)})"
        case TimerConfigured(timer=anchor):
            return f"{who} set the timer to {timer_words(anchor)}"
        case TimerStarted():
            verb = "resumed" if before.lifecycle is Lifecycle.PAUSED else "started"
            return f"{who} {verb} the timer"
        case TimerPaused():
            return f"{who} paused the timer"
        case TimerReset():
            return f"{who} reset the timer"
        case TimerCompleted():
            return "Time's up!"
        case PhaseChanged(index=index, phase=phase) | PhaseSkipped(index=index, phase=phase):
            what = _phase_words(before, index, phase)
            return f"{who} skipped to {what.lower()}" if isinstance(body, PhaseSkipped) else what
        case StatusChanged(participant_id=pid, status=status):
            return f"{name(pid)} {_STATUS_WORDS[status]}"
        case GoalSet(participant_id=pid, text=text):
            return f"{name(pid)}'s goal: {text}" if text else f"{name(pid)} cleared their goal"
        case RoomGoalSet(participant_id=pid, text=text):
            return (
                f"{name(pid)} set the room's goal: {text}"
                if text
                else f"{name(pid)} cleared the room's goal"
            )
        case ProgressReported(participant_id=pid, percent=percent):
            return f"{name(pid)} is {percent}% of the way"
        case Reacted(participant_id=pid, emoji=emoji, to=to):
            return f"{name(pid)} {emoji}" + (f" → {name(to)}" if to else "")
        case ChatPosted(participant_id=pid, text=text):
            return f"{name(pid)}: {text}"
        case TaskAdded(owner_id=owner, title=title):
            return f"{name(owner)} added the task “{title}”"
        case TaskRenamed(task_id=tid, title=title):
            return f"{who} renamed “{_task_title(before, tid)}” to “{title}”"
        case TaskToggled(task_id=tid, done=done):
            verb = "finished" if done else "reopened"
            return f"{who} {verb} “{_task_title(before, tid)}”"
        case TaskDeleted(task_id=tid):
            return f"{who} deleted the task “{_task_title(before, tid)}”"
        case AudioChanged(audio=audio):
            return f"{who} {_audio_words(before.audio, audio)}"
        case RoomEnded():
            return f"{who} ended the jam"
    return event.kind  # pragma: no cover


def _audio_words(old: AudioAnchor, new: AudioAnchor) -> str:
    title = f"“{new.track.title}”" if new.track else "the music"
    if new.track != old.track and new.playing:
        return f"played {title}"
    if new.playing and not old.playing:
        return f"resumed {title}"
    if old.playing and not new.playing:
        return f"paused {title}"
    if new.layers != old.layers:
        on = [f"{name} {level}%" for name, level in zip(LAYERS, new.layers, strict=True) if level]
        return "set the ambience: " + (", ".join(on) if on else "all off")
    return f"moved {title} to {new.position_ms // 60_000}:{new.position_ms // 1000 % 60:02d}"


def _task_title(state: RoomState, task_id: str) -> str:
    task = state.task(task_id)
    return task.title if task is not None else "a task"


def _phase_words(state: RoomState, index: int, phase: Phase) -> str:
    plan = state.timer.plan
    if phase is Phase.FOCUS:
        return f"Focus block {index // 2 + 1}"
    minutes = 0
    if plan is not None:
        minutes = plan.long_break_ms if phase is Phase.LONG_BREAK else plan.short_break_ms
        minutes //= 60_000
    return f"{phase.label} ({minutes} min)"


def timeline(events: Iterable[Event]) -> list[TimelineEntry]:
    """The whole timeline of a log, oldest first."""
    state: RoomState | None = None
    out: list[TimelineEntry] = []
    for event in events:
        out.append(
            TimelineEntry(
                seq=event.seq, at_ms=event.at_ms, kind=event.kind, text=describe(state, event)
            )
        )
        state = apply(state, event)
    return out

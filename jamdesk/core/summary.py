"""The session summary: what everyone did, derived from the log alone.

Focus time and completed blocks follow the one definition the profile and ``jamdesk stats``
use (:func:`jamdesk.core.progress.ledger`): room-timer focus time while present and not
paused, and the blocks that completed by themselves and earned EXP. Pure, so the host, every
member and Ghost Replay agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from jamdesk.core import timer as timers
from jamdesk.core.events import ChatPosted, Event, Reacted, RoomOpened
from jamdesk.core.kinds import Status
from jamdesk.core.progress import ledger
from jamdesk.core.room import RoomState, apply
from jamdesk.core.timeline import timer_words


class ParticipantSummary(msgspec.Struct, frozen=True):
    """One person's part in a jam. Times in ms."""

    participant_id: str
    name: str
    role: str
    focus_ms: int
    focus_blocks: int
    goal: str
    goal_done: bool
    progress: int
    status: str
    tasks_completed: int
    reactions_received: int
    reactions_sent: int
    messages: int


class RoomSummary(msgspec.Struct, frozen=True):
    """A whole jam: identity, span on the room clock (ms), and each participant."""

    code: str
    title: str
    session_type: str
    timer: str
    started_at_ms: int
    ended_at_ms: int
    ended: bool
    participants: list[ParticipantSummary]
    room_goal: str = ""
    cycles_completed: int = 0
    """Whole Pomodoro cycles (each ending with a long break) the timer ran through."""


def summarize(events: Sequence[Event], now_ms: int | None = None) -> RoomSummary:
    """Summarise ``events`` (a whole log from ``room_opened``). A live room is summarised up to
    ``now_ms`` (default: its last event). Raises ``ValueError`` for an empty log."""
    if not events or not isinstance(events[0].body, RoomOpened):
        raise ValueError("a summary needs a room's log from its first event")
    received: dict[str, int] = {}
    sent: dict[str, int] = {}
    messages: dict[str, int] = {}
    state: RoomState | None = None
    for event in events:
        body = event.body
        if isinstance(body, Reacted):
            sent[body.participant_id] = sent.get(body.participant_id, 0) + 1
            if body.to:
                received[body.to] = received.get(body.to, 0) + 1
        if isinstance(body, ChatPosted):
            messages[body.participant_id] = messages.get(body.participant_id, 0) + 1
        state = apply(state, event)
    assert state is not None
    end = events[-1].at_ms if now_ms is None else max(now_ms, events[-1].at_ms)
    book = ledger(events, until_ms=end)
    done_tasks: dict[str, int] = {}
    for task in state.tasks:
        if task.done:
            done_tasks[task.owner_id] = done_tasks.get(task.owner_id, 0) + 1
    people = [
        ParticipantSummary(
            participant_id=p.participant_id,
            name=p.name,
            role=p.role.value,
            focus_ms=book.credit(p.participant_id).focus_ms,
            focus_blocks=book.credit(p.participant_id).blocks,
            goal=p.goal,
            goal_done=p.status is Status.DONE or p.progress == 100,
            progress=p.progress,
            status=p.status.value,
            tasks_completed=done_tasks.get(p.participant_id, 0),
            reactions_received=received.get(p.participant_id, 0),
            reactions_sent=sent.get(p.participant_id, 0),
            messages=messages.get(p.participant_id, 0),
        )
        for p in state.participants
        if not p.removed
    ]
    opened = events[0].body
    assert isinstance(opened, RoomOpened)
    return RoomSummary(
        code=state.code,
        title=state.title,
        session_type=state.session_type.value,
        timer=timer_words(state.timer),
        started_at_ms=events[0].at_ms,
        ended_at_ms=end,
        ended=state.lifecycle.value == "ended",
        participants=people,
        room_goal=state.room_goal,
        cycles_completed=timers.read(state.timer, end).cycles_completed,
    )


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()#+-.!|<>~"})


def _md(text: str) -> str:
    """Escape Markdown so a name or goal is shown as typed, never interpreted."""
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _duration(ms: int) -> str:
    minutes = round(ms / 60_000)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def to_markdown(summary: RoomSummary) -> str:
    """The summary as a Markdown document (user text escaped)."""
    lines = [
        f"# {_md(summary.title)}",
        "",
        f"{summary.session_type.capitalize()} jam `{summary.code}`, {summary.timer}, "
        f"{_duration(summary.ended_at_ms - summary.started_at_ms)}"
        + ("" if summary.ended else " (not ended)")
        + (f", {summary.cycles_completed} Pomodoro cycles" if summary.cycles_completed else ""),
        "",
        *([f"Room goal: {_md(summary.room_goal)}", ""] if summary.room_goal else []),
        "| Who | Focus | Blocks | Goal | Done | Tasks done | Reactions received |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in summary.participants:
        goal = _md(p.goal) if p.goal else "—"
        lines.append(
            f"| {_md(p.name)} ({p.role}) | {_duration(p.focus_ms)} | {p.focus_blocks} "
            f"| {goal} | {'yes' if p.goal_done else 'no'} | {p.tasks_completed} "
            f"| {p.reactions_received} |"
        )
    return "\n".join(lines) + "\n"

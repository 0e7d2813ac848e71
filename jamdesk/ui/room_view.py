"""What the room screen shows, as plain data: a pure view model (no Qt), so the rules of what
a student sees (which buttons a role gets, what the big timer and its caption say) are
tested without widgets, and :class:`~jamdesk.ui.room_screen.RoomScreen` only copies the
values onto its widgets."""

from __future__ import annotations

from dataclasses import dataclass

from jamdesk.core.kinds import Lifecycle, Role, TimerMode
from jamdesk.core.room import RoomState
from jamdesk.core.timeline import timer_words
from jamdesk.core.timer import TimerReading

LIFECYCLE_WORDS = {
    Lifecycle.READY: "READY",
    Lifecycle.ACTIVE: "FOCUSING",
    Lifecycle.PAUSED: "PAUSED",
    Lifecycle.ENDED: "ENDED",
}


def format_ms(ms: int, *, round_up: bool) -> str:
    """``1_500_000`` -> ``"25:00"``; past an hour ``"1:05:00"``.

    A countdown rounds up (it shows 00:01 until it truly reaches zero); a stopwatch rounds down.
    """
    ms = max(0, ms)
    seconds = (ms + 999) // 1000 if round_up else ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def reading_text(reading: TimerReading) -> str:
    """The timer's digits: the time left, rounded up (a countdown or a Pomodoro phase), or
    the time elapsed, rounded down (a stopwatch). Shared by the room, the tray and the
    window title, so they never disagree by a second."""
    if reading.remaining_ms is not None:
        return format_ms(reading.remaining_ms, round_up=True)
    return format_ms(reading.elapsed_ms, round_up=False)


def focus_block(phase_index: int | None) -> int:
    """The number of the focus block a Pomodoro phase index belongs to, from 1 (phases
    alternate focus, break: indices 0 and 1 are block 1)."""
    return (phase_index or 0) // 2 + 1


@dataclass(frozen=True)
class RoomView:
    """The room's header and controls for one person.

    Attributes:
        title, meta, code: the header lines (meta: type, timer, host).
        room_goal: the room's goal; room_goal_editable: this person may set it (host and
            co-hosts, until the end).
        timer_controls: Start/Pause and Reset are shown (host and co-hosts, until the end).
        skip: Skip is shown (the same, for a Pomodoro plan).
        end: End is shown (the host only); ghost: Add a ghost (while hosting here).
        summary: the summary button (once ended).
        start_text, start_enabled, reset_enabled, skip_enabled: the timer buttons.
        editable: own status, goal, progress and reactions can change (until the end).
        audio_controls: the shared sound can be run (host and co-hosts).
    """

    title: str
    meta: str
    code: str
    room_goal: str
    room_goal_editable: bool
    timer_controls: bool
    skip: bool
    end: bool
    ghost: bool
    summary: bool
    start_text: str
    start_enabled: bool
    reset_enabled: bool
    skip_enabled: bool
    editable: bool
    audio_controls: bool


@dataclass(frozen=True)
class TimerView:
    """The big timer: its digits, whether time is up, the caption under it, and ``phase``
    (``"break"`` during a Pomodoro break, ``"ended"`` once the jam is over, else
    ``"focus"``), which the style sheet colours by."""

    text: str
    finished: bool
    caption: str
    phase: str = "focus"


def room_view(state: RoomState, role: Role, reading: TimerReading, *, hosting: bool) -> RoomView:
    """What ``role`` sees of ``state`` (``hosting``: this computer serves the room)."""
    host = state.participant(state.host_id)
    words = timer_words(state.timer)
    kind = "" if words.startswith(state.session_type.label) else f"{state.session_type.label} · "
    runner = role in (Role.HOST, Role.COHOST)
    life = state.lifecycle
    ended = life is Lifecycle.ENDED
    running = life in (Lifecycle.ACTIVE, Lifecycle.PAUSED)
    return RoomView(
        title=state.title,
        meta=f"{kind}{words} · hosted by {host.name if host else '?'}",
        code=state.code,
        room_goal=state.room_goal,
        room_goal_editable=runner and not ended,
        timer_controls=runner and not ended,
        skip=runner and not ended and state.timer.plan is not None,
        end=role is Role.HOST and not ended,
        ghost=hosting and not ended,
        summary=ended,
        start_text="Time's up"
        if reading.finished
        else {Lifecycle.ACTIVE: "Pause", Lifecycle.PAUSED: "Resume"}.get(life, "Start"),
        start_enabled=not reading.finished,
        reset_enabled=running or reading.finished,
        skip_enabled=running,
        editable=not ended,
        audio_controls=runner and not ended,
    )


def timer_view(state: RoomState, reading: TimerReading) -> TimerView:
    """The big timer now: time left (rounded up) or elapsed, and the phase or lifecycle."""
    text = reading_text(reading)
    life = state.lifecycle
    caption = LIFECYCLE_WORDS[life]
    if reading.phase is not None and life is not Lifecycle.ENDED:
        caption = (
            f"FOCUS · BLOCK {focus_block(reading.phase_index)}"
            if reading.phase.value == "focus"
            else reading.phase.label.upper()
        )
        if reading.cycles_completed:  # a long break has come and gone: say which round
            caption += f" · CYCLE {reading.cycles_completed + 1}"
        if life is Lifecycle.PAUSED:
            caption += " · PAUSED"
    elif reading.finished and life is not Lifecycle.ENDED:
        caption = "TIME'S UP"
    if state.timer.mode is TimerMode.STOPWATCH and life is Lifecycle.ACTIVE:
        caption = "RUNNING"
    phase = "focus"
    if life is Lifecycle.ENDED:
        text, phase = "Ended", "ended"  # not the time left when it stopped: it is over
    elif reading.phase is not None and reading.phase.value != "focus":
        phase = "break"
    return TimerView(text=text, finished=reading.finished, caption=caption, phase=phase)

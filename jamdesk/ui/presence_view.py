"""What the desktop shows of a jam outside the window, as plain data (no Qt): the window
title, the tray's tooltip and icon, the mini timer, and the alert at a phase change.

Like :mod:`jamdesk.ui.room_view` this is a pure view model: the rules of when a student is
alerted and what the words say are tested by the exact list of alerts a sequence of room
states gives (the magic-wormhole way of testing machines), and ``ui/presence.py`` only
copies the values onto the tray, the notification and the chime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from jamdesk.core.kinds import Lifecycle, Phase, TimerMode
from jamdesk.core.room import RoomState
from jamdesk.core.timer import TimerReading
from jamdesk.ui.room_view import focus_block, reading_text


class Kind(StrEnum):
    """What the tray icon and the mini timer look like: the phase, or why time stands still."""

    IDLE = "idle"  # READY: nothing has started
    FOCUS = "focus"
    BREAK = "break"
    PAUSED = "paused"
    DONE = "done"  # time's up, or the jam has ended


@dataclass(frozen=True)
class Presence:
    """One jam as the desktop shows it at one instant.

    Attributes:
        time_text: the big timer's digits (``"24:59"``; elapsed time for a stopwatch).
        phase_text: ``"Focus · block 1"``, ``"Short break"``, ``"Paused"``, ``"Ready"``...
        window_title: ``"24:59 · Focus · block 1 · Algorithms · Jamdesk"``.
        tooltip: the tray's tooltip, two lines: the room, then the phase and time left.
        kind: the look of the tray icon and the mini timer.
        fraction_left: 0.0 to 1.0 of the current phase or countdown still to go (the
            tray's ring); ``None`` for a stopwatch.
    """

    time_text: str
    phase_text: str
    window_title: str
    tooltip: str
    kind: Kind
    fraction_left: float | None


def _phase_length_ms(state: RoomState, reading: TimerReading) -> int | None:
    plan = state.timer.plan
    if reading.phase is not None and plan is not None:
        return {
            Phase.FOCUS: plan.focus_ms,
            Phase.SHORT_BREAK: plan.short_break_ms,
            Phase.LONG_BREAK: plan.long_break_ms,
        }[reading.phase]
    return state.timer.duration_ms


def presence(state: RoomState, reading: TimerReading) -> Presence:
    """The desktop's view of ``state`` when the room clock gives ``reading``."""
    life = state.lifecycle
    time_text = reading_text(reading)
    if reading.phase is Phase.FOCUS:
        phase_text = f"Focus · block {focus_block(reading.phase_index)}"
    elif reading.phase is not None:
        phase_text = reading.phase.label
    elif state.timer.mode is TimerMode.STOPWATCH:
        phase_text = "Stopwatch"
    else:
        phase_text = "Countdown"
    if life is Lifecycle.ENDED:
        kind, phase_text = Kind.DONE, "Ended"
    elif reading.finished:
        kind, phase_text = Kind.DONE, "Time's up"
    elif life is Lifecycle.READY:
        kind, phase_text = Kind.IDLE, f"Ready · {phase_text}"
    elif life is Lifecycle.PAUSED:
        kind, phase_text = Kind.PAUSED, f"Paused · {phase_text}"
    elif reading.phase in (Phase.SHORT_BREAK, Phase.LONG_BREAK):
        kind = Kind.BREAK
    else:
        kind = Kind.FOCUS
    length = _phase_length_ms(state, reading)
    fraction = None
    if length and reading.remaining_ms is not None:
        fraction = max(0.0, min(1.0, reading.remaining_ms / length))
    shown_time = "" if life is Lifecycle.ENDED else f"{time_text} · "
    return Presence(
        time_text=time_text,
        phase_text=phase_text,
        window_title=f"{shown_time}{phase_text} · {state.title} · Jamdesk",
        tooltip=f"{state.title} ({state.code})\n{phase_text}"
        + ("" if life is Lifecycle.ENDED else f" · {time_text} left" if length else ""),
        kind=kind,
        fraction_left=fraction,
    )


def next_tick_ms(remaining_ms: int | None, elapsed_ms: int) -> int:
    """Milliseconds until the shown second changes: a countdown (rounded up) changes when
    the time left crosses a whole second, a stopwatch when the elapsed time does."""
    step = (remaining_ms % 1000 or 1000) if remaining_ms is not None else 1000 - elapsed_ms % 1000
    return step + 5  # land just past the boundary, never just before it


@dataclass(frozen=True)
class Alert:
    """A phase change worth telling a student who is looking elsewhere.

    Attributes:
        title: the notification's summary (``"Short break"``).
        body: its text (``"Short break: 5 min. Back at 14:35."``).
    """

    title: str
    body: str


def _minutes(ms: int) -> str:
    minutes = round(ms / 60_000)
    return f"{minutes} min" if minutes >= 1 else f"{round(ms / 1000)} s"


def _clock(wall_ms: int, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(wall_ms / 1000, tz).strftime("%H:%M")


class PhaseWatch:
    """Turns the room's readings, fed as time passes, into alerts at phase changes.

    :meth:`feed` is called with every refresh (ten times a second is fine: it compares a
    small key). The first reading only sets where we are (opening a room is no phase
    change); going back (a reset) is silent; every step forward (a phase ending on time, a
    skip), a countdown reaching zero and the jam ending give one alert each.

    Args:
        tz: the time zone "Back at 14:35" is said in (the computer's own when ``None``).
    """

    def __init__(self, tz: tzinfo | None = None) -> None:
        self._tz = tz
        self._key: tuple[bool, bool, int] | None = None

    def feed(self, state: RoomState, reading: TimerReading, wall_ms: int) -> Alert | None:
        """The alert due now, if any; ``wall_ms`` is this computer's clock (ms since the
        Unix epoch), for the "Back at" time."""
        ended = state.lifecycle is Lifecycle.ENDED
        index = reading.phase_index if reading.phase_index is not None else 0
        key = (ended, reading.finished, index)
        before, self._key = self._key, key
        if before is None or key == before:
            return None
        if ended:
            return (
                None
                if before[0]
                else Alert("The jam has ended", f"{state.title}: see what everyone did.")
            )
        if reading.finished and not before[1]:
            return Alert("Time's up", f"{state.title}: the countdown has finished.")
        if reading.phase is None or index <= before[2]:
            return None  # a reset, or a countdown set back: nothing to announce
        left = reading.remaining_ms or 0
        at = _clock(wall_ms + left, self._tz)
        if reading.phase is Phase.FOCUS:
            body = f"Focus block {focus_block(index)}: {_minutes(left)}. Break at {at}."
            title = "Back to focus"
        else:
            body = f"{reading.phase.label}: {_minutes(left)}. Back at {at}."
            title = f"{reading.phase.label} time"
        if state.lifecycle is Lifecycle.PAUSED:
            body = f"{reading.phase.label}: {_minutes(left)}, paused."
        return Alert(title, body)

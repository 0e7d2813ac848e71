"""Sensible timer defaults for each of the 13 session types (any type can use any timer)."""

from __future__ import annotations

from jamdesk.core import timer as timers
from jamdesk.core.kinds import SessionType
from jamdesk.core.pomodoro import MINUTE_MS, PomodoroPlan
from jamdesk.core.timer import TimerAnchor


def default_timer(session_type: SessionType) -> TimerAnchor:
    """The timer a new room of ``session_type`` starts with, before the host changes it.

    Pomodoro for desk work (POMODORO 25/5/15, STUDY 50/10/20, CREATIVE 45/10/20, each with a
    long break after every 4 blocks, the stated Pomodoro default), a stopwatch for open-ended
    exercise (RUNNING, WALKING, WEIGHTLIFTING), a countdown for sessions of a
    known length (MEDITATION 15 min, YOGA 45 min, HIIT 20 min, ...).
    """
    match session_type:
        case SessionType.POMODORO:
            return timers.pomodoro_timer(PomodoroPlan())
        case SessionType.STUDY:
            return timers.pomodoro_timer(
                PomodoroPlan(50 * MINUTE_MS, 10 * MINUTE_MS, 20 * MINUTE_MS, 4)
            )
        case SessionType.CREATIVE:
            return timers.pomodoro_timer(
                PomodoroPlan(45 * MINUTE_MS, 10 * MINUTE_MS, 20 * MINUTE_MS, 4)
            )
        case SessionType.RUNNING | SessionType.WALKING | SessionType.WEIGHTLIFTING:
            return timers.stopwatch()
    minutes = {
        SessionType.FOCUS: 50,
        SessionType.ROUTINE: 30,
        SessionType.YOGA: 45,
        SessionType.MEDITATION: 15,
        SessionType.READING: 30,
        SessionType.COOKING: 45,
        SessionType.HIIT: 20,
    }[session_type]
    return timers.countdown(minutes * MINUTE_MS)

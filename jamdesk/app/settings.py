"""What a student chooses when hosting, parsed and checked with clear messages."""

from __future__ import annotations

import re

from jamdesk.core import timer as timers
from jamdesk.core.kinds import DISCIPLINE_MAX, DISCIPLINES, SessionType
from jamdesk.core.pomodoro import MINUTE_MS, PlanError, PomodoroPlan
from jamdesk.core.timer import TimerAnchor, TimerError

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class SettingsError(ValueError):
    """A setting a student typed that cannot be used; the message says how to fix it."""


def parse_duration_ms(text: str) -> int:
    """``"25m"``, ``"1h30m"``, ``"90s"`` or plain minutes ``"25"`` -> milliseconds.

    Raises :class:`SettingsError`.
    """
    text = text.strip().lower().replace(" ", "")
    if text.isdigit():
        return int(text) * 60_000
    match = _DURATION.match(text)
    if not text or match is None:
        raise SettingsError(f"'{text}' is not a length of time; write it like 25m, 1h30m or 90s.")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000


_POMODORO = re.compile(r"^(\d+)/(\d+)/(\d+)(?:x(\d+))?$")


def parse_timer(spec: str) -> TimerAnchor:
    """``countdown:25m``, ``stopwatch``, ``pomodoro`` or ``pomodoro:25/5/15x4`` (minutes of
    focus, short break, long break, and focus blocks per long break) -> a stopped anchor.

    Raises :class:`SettingsError` with the accepted forms or the allowed range.
    """
    kind, _, length = spec.strip().lower().partition(":")
    try:
        if kind == "stopwatch" and not length:
            return timers.stopwatch()
        if kind == "countdown":
            return timers.countdown(parse_duration_ms(length or "25m"))
        if kind == "pomodoro":
            if not length:
                return timers.pomodoro_timer()
            match = _POMODORO.match(length)
            if match is None:
                raise SettingsError(
                    f"'{spec}' is not a Pomodoro plan; write it like pomodoro:25/5/15x4."
                )
            focus, short, long_, every = match.groups()
            return timers.pomodoro_timer(
                PomodoroPlan(
                    int(focus) * MINUTE_MS,
                    int(short) * MINUTE_MS,
                    int(long_) * MINUTE_MS,
                    int(every or 4),
                )
            )
    except TimerError as exc:
        raise SettingsError(str(exc)) from exc
    except PlanError as exc:
        raise SettingsError(str(exc)) from exc
    raise SettingsError(f"'{spec}' is not a timer; use countdown:25m, stopwatch or pomodoro.")


def parse_session_type(text: str) -> SessionType:
    """A session type by name, any case. Raises :class:`SettingsError` listing the 13 types."""
    try:
        return SessionType(text.strip().upper())
    except ValueError:
        names = ", ".join(t.value for t in SessionType)
        raise SettingsError(f"'{text}' is not a session type; choose one of {names}.") from None


def parse_discipline(text: str) -> str:
    """The subject a host chose or typed, tidied (spaces folded; a listed one in its listed
    spelling); ``""`` for none. Raises :class:`SettingsError` when too long or holding
    control characters."""
    clean = " ".join(text.split())
    if len(clean) > DISCIPLINE_MAX or any(not c.isprintable() for c in clean):
        raise SettingsError(
            f"The subject must be plain text of at most {DISCIPLINE_MAX} characters."
        )
    listed = {d.casefold(): d for d in DISCIPLINES}
    return listed.get(clean.casefold(), clean)

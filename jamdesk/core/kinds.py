"""The vocabulary of a jam: session types, lifecycle, roles, statuses and timer modes.

All enums are ``StrEnum`` so that their wire form (msgspec encodes an enum by value) is the
readable lower-case name, stable across versions.
"""

from __future__ import annotations

from enum import StrEnum


class SessionType(StrEnum):
    """What the group is doing; the 13 types the product offers."""

    FOCUS = "FOCUS"
    POMODORO = "POMODORO"
    ROUTINE = "ROUTINE"
    WEIGHTLIFTING = "WEIGHTLIFTING"
    RUNNING = "RUNNING"
    YOGA = "YOGA"
    MEDITATION = "MEDITATION"
    STUDY = "STUDY"
    READING = "READING"
    COOKING = "COOKING"
    HIIT = "HIIT"
    WALKING = "WALKING"
    CREATIVE = "CREATIVE"

    @property
    def label(self) -> str:
        """Human label, e.g. ``"Weightlifting"``; ``HIIT`` stays upper case."""
        return "HIIT" if self is SessionType.HIIT else self.value.capitalize()


class Lifecycle(StrEnum):
    """Room lifecycle: READY -> ACTIVE <-> PAUSED -> ENDED (docs/ARCHITECTURE.md, "The room")."""

    READY = "ready"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class Role(StrEnum):
    """A member's role in the room. Exactly one member is the host."""

    HOST = "host"
    COHOST = "co-host"
    PARTICIPANT = "participant"


class Status(StrEnum):
    """A participant's own working status, set by that participant alone."""

    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"


class TimerMode(StrEnum):
    """How the shared timer counts."""

    COUNTDOWN = "countdown"
    STOPWATCH = "stopwatch"
    POMODORO = "pomodoro"


class Phase(StrEnum):
    """A Pomodoro phase."""

    FOCUS = "focus"
    SHORT_BREAK = "short_break"
    LONG_BREAK = "long_break"

    @property
    def label(self) -> str:
        """``"Focus"``, ``"Short break"``, ``"Long break"``."""
        return self.value.replace("_", " ").capitalize()


DISCIPLINES: tuple[str, ...] = (
    "Mathematics",
    "Computer Science",
    "Physics",
    "Chemistry",
    "Biology",
    "Medicine",
    "Engineering",
    "Economics",
    "Law",
    "History",
    "Literature",
    "Languages",
    "Psychology",
    "Philosophy",
    "Art & Design",
    "Music",
    "Sport",
)
"""Subjects a host picks from for the lobby (any other can be typed, up to
:data:`DISCIPLINE_MAX` characters)."""

DISCIPLINE_MAX = 40

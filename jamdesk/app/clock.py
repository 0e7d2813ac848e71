"""This computer's clock for the app layer (core and protocol take time as an argument)."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LocalClock:
    """Wall-clock milliseconds since the Unix epoch, shifted by ``skew_ms``.

    ``skew_ms`` exists so tests and demos can run a member whose clock is wrong by minutes
    (``--clock-skew-ms``); the room clock estimate makes the timer right regardless.
    """

    skew_ms: int = 0

    def now_ms(self) -> int:
        """The local time now, in ms."""
        return time.time_ns() // 1_000_000 + self.skew_ms

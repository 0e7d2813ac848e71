"""Clock-offset estimation to the room clock, NTP-style (RFC 5905 section 8).

A member sends a ping at its own time ``t0``; the host stamps receipt ``t1`` and reply ``t2`` on
the room clock; the member receives at ``t3``. Then::

    offset = ((t1 - t0) + (t2 - t3)) / 2      # room clock minus member clock
    delay  = (t3 - t0) - (t2 - t1)            # round-trip time on the wire

The error of one sample's offset is at most ``delay / 2``, so the estimator keeps the most recent
samples and trusts the one with the lowest delay (the "clock filter" of RFC 5905 section 10).
A member's own clock may be wrong by minutes; only the offset matters.
"""

from __future__ import annotations

from collections import deque

import msgspec


class ClockSample(msgspec.Struct, frozen=True):
    """The four timestamps of one ping/pong exchange (ms)."""

    t0: int
    t1: int
    t2: int
    t3: int

    @property
    def offset_ms(self) -> float:
        """Room clock minus local clock according to this sample."""
        return ((self.t1 - self.t0) + (self.t2 - self.t3)) / 2

    @property
    def delay_ms(self) -> int:
        """Round-trip time of this exchange, less the host's processing time."""
        return (self.t3 - self.t0) - (self.t2 - self.t1)


class ClockEstimator:
    """Keeps the last ``window`` samples and estimates the offset from the lowest-delay one.

    Samples with a negative delay (a clock stepped mid-exchange) are ignored.
    """

    def __init__(self, window: int = 8) -> None:
        self._samples: deque[ClockSample] = deque(maxlen=window)

    def add(self, sample: ClockSample) -> None:
        """Record one exchange."""
        if sample.delay_ms >= 0:
            self._samples.append(sample)

    @property
    def synced(self) -> bool:
        """Whether at least one usable sample has been seen."""
        return bool(self._samples)

    @property
    def best(self) -> ClockSample | None:
        """The lowest-delay sample in the window (latest one on ties)."""
        if not self._samples:
            return None
        return min(reversed(self._samples), key=lambda s: s.delay_ms)

    @property
    def offset_ms(self) -> int:
        """Room clock minus local clock, rounded; 0 before the first sample."""
        best = self.best
        return 0 if best is None else round(best.offset_ms)

    @property
    def rtt_ms(self) -> int | None:
        """Round-trip time of the best sample, or ``None`` before the first."""
        best = self.best
        return None if best is None else best.delay_ms

    def room_now(self, local_ms: int) -> int:
        """The room-clock instant matching local instant ``local_ms``."""
        return local_ms + self.offset_ms

"""Small builders shared by tests."""

from __future__ import annotations

from jamdesk.core import timer
from jamdesk.core.kinds import SessionType
from jamdesk.core.room import RoomLog, RoomOpened
from jamdesk.core.timer import TimerAnchor


def room_log(
    anchor: TimerAnchor | None = None,
    *,
    at_ms: int = 0,
    host_id: str = "host",
    session_type: SessionType = SessionType.STUDY,
) -> RoomLog:
    """A freshly opened room ``ALGO7X`` "Algorithms" hosted by Ana (25-minute countdown)."""
    opened = RoomOpened(
        code="ALGO7X",
        title="Algorithms",
        session_type=session_type,
        timer=anchor or timer.countdown(25 * 60_000),
        host_id=host_id,
        host_name="Ana",
    )
    return RoomLog(opened, at_ms=at_ms)

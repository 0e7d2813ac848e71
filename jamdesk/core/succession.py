"""Who holds the host role next: the room's succession rule, pure (docs/ARCHITECTURE.md,
"Network": host transfer).

When the host leaves it hands over, and when it is lost the members agree without talking:
the member who joined earliest among those still present takes over, from its own copy of
the log. "Earliest" is the seq of the event that brought them in (``joined_seq``): every
member holds the same log, so every member names the same successor. Ghosts (replayed past
participants) and removed people never hold the role.
"""

from __future__ import annotations

from jamdesk.core.room import RoomState


def successor(state: RoomState, exclude: str) -> str | None:
    """The participant id of the member who joined earliest among those present, other than
    ``exclude`` (the host who goes), or ``None`` when nobody else is there."""
    people = [
        p
        for p in state.participants
        if p.present and not p.removed and not p.ghost and p.participant_id != exclude
    ]
    return min(people, key=lambda p: p.joined_seq).participant_id if people else None


def takes_over(state: RoomState, me: str) -> bool:
    """Whether ``me`` is the one to take over when the host is lost."""
    return successor(state, exclude=state.host_id) == me


def possible_hosts(state: RoomState) -> set[str]:
    """Whom a member may accept as the host of this room now: the host, or the member who
    would take over if it were lost (an advert by anyone else is stale or an impostor)."""
    nxt = successor(state, exclude=state.host_id)
    return {state.host_id} | ({nxt} if nxt is not None else set())

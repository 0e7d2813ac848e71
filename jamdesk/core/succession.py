"""Who holds the host role next: the room's succession rule, pure (docs/ARCHITECTURE.md,
"Network": host transfer).

When the host leaves it hands over, and when it is lost the members agree without talking:
the member who joined earliest among those still present takes over, from its own copy of
the log. "Earliest" is the seq of the event that brought them in (``joined_seq``): every
member holds the same log, so every member names the same successor. Ghosts (replayed past
participants) and removed people never hold the role.
"""

from __future__ import annotations

from collections.abc import Iterable

from jamdesk.core.events import Event, HostChanged
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


def replaced_hosts(events: Iterable[Event]) -> set[str]:
    """Hosts this log shows were taken over from as lost (``host_changed``, ``lost``): one
    of them may turn out to be alive (it was only cut off), and then it keeps the room."""
    return {
        e.body.previous_host_id
        for e in events
        if isinstance(e.body, HostChanged) and e.body.reason == "lost"
    }


def possible_hosts(state: RoomState, events: Iterable[Event] = ()) -> set[str]:
    """Whom a member may accept as the host of this room now: the host, the member who
    would take over if it were lost, or a host this log replaced as lost (the room may be
    merging back into it: :func:`gives_way`). An advert by anyone else is stale or an
    impostor."""
    nxt = successor(state, exclude=state.host_id)
    return {state.host_id} | ({nxt} if nxt is not None else set()) | replaced_hosts(events)


def gives_way(
    state: RoomState,
    events: Iterable[Event],
    me: str,
    other: tuple[str, int],
    my_people: int,
) -> bool:
    """Whether this host (``me``, holding ``state`` and its log ``events``, with
    ``my_people`` really here, itself included) gives way to ``other`` = (host id, people
    really here), found alive serving the same room: two hosts of one room must become
    one (issue 16, item 2), and exactly one gives way.

    - Only while ``me`` is the host in its own log (not after handing the room over), and
      only to someone of this room (a participant in ``state``), never a stranger.
    - Only when alone (nobody else really here): a host with people keeps them.
    - Then to a host with more people (this one was cut off: a laptop frozen longer than
      the failover, and its successor kept the room), or, alone against alone, to the
      host this log took the room over from (the taker gives way; that host never does,
      its log knows no takeover).

    Each side decides from its own log and a fresh answer of the other: only a host alone
    gives way, and of two alone only the taker, so at most one gives way. Two hosts that
    both have people stay two rooms (a partition that healed with people on both sides).
    """
    other_host, other_people = other
    if state.host_id != me or other_host == me or state.participant(other_host) is None:
        return False  # not the host here (handed over), or a stranger
    if my_people > 1:
        return False
    return other_people > my_people or other_host in replaced_hosts(events)

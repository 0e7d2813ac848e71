"""What a jam is and shows: the updates observers receive, a new room's settings, the three
states of the jam's role and the one table of moves between them, and :class:`JamView`, the
read side of a :class:`~jamdesk.app.jam.Jam` (everything an observer may read; nothing here
changes the jam)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jamdesk.app.clock import LocalClock
from jamdesk.app.hosting import Hosting, Reach
from jamdesk.app.membership import Membership
from jamdesk.app.recorder import SessionRecorder
from jamdesk.app.transport import HostLink
from jamdesk.core import timer as timers
from jamdesk.core.events import Event
from jamdesk.core.kinds import Role, SessionType
from jamdesk.core.room import RoomState
from jamdesk.core.rules import Rejected
from jamdesk.core.timer import TimerAnchor, TimerReading
from jamdesk.net.member_client import LinkState
from jamdesk.protocol.engine import FANOUT_WINDOW_MS
from jamdesk.protocol.paths import Path


@dataclass(frozen=True)
class JamUpdate:
    """One change for observers.

    Attributes:
        events: new log entries, in order.
        refused: a refusal of one of our commands, with its reason.
        link: the new state of our link to the host (while a member).
        notice: something to tell the student in plain words.
        host_changed: the host role moved (to us or to someone else).
        closed: the jam is over for this computer.
        path: what now carries our link to the host (direct, TURN or relayed).
        paths: how people reach the host changed (read :meth:`Jam.paths`).
    """

    events: tuple[Event, ...] = ()
    refused: Rejected | None = None
    link: LinkState | None = None
    notice: str | None = None
    host_changed: bool = False
    closed: bool = False
    path: Path | None = None
    paths: bool = False


Listener = Callable[[JamUpdate], None]


@dataclass(frozen=True)
class HostSettings:
    """A new room: who hosts it, what it is, and where it listens."""

    name: str
    title: str
    session_type: SessionType
    timer: TimerAnchor
    bind_host: str = "0.0.0.0"
    advertise: bool = True
    avatar_color: str = ""
    discipline: str = ""
    private: bool = False
    show_title: bool = False
    lobby: bool = False
    signal_url: str = ""
    ice_servers: tuple[str, ...] = ()
    fanout_window_ms: int = FANOUT_WINDOW_MS


@dataclass(frozen=True)
class Closed:
    """The jam is over for this computer; what it last held stays readable."""

    state: RoomState | None
    events: list[Event] = field(default_factory=list)
    me: str = ""


RoleState = Hosting | Membership | Closed
"""What this computer is in the room now."""

TRANSITIONS: dict[tuple[str, str], str] = {
    ("member", "transferred_to_us"): "hosting",  # the host handed the room to us
    ("member", "took_over"): "hosting",  # the host was lost and we joined earliest
    ("member", "left"): "closed",
    ("member", "closed"): "closed",
    ("hosting", "handed_over"): "member",  # we gave the role away and stay
    ("hosting", "handed_over_leaving"): "closed",  # we gave the role away and go
    ("hosting", "gave_way"): "member",  # two hosts of the room met: the other keeps it
    ("hosting", "closed"): "closed",
}
"""Every move of the role: (state, event) -> next state. Anything else is a bug."""


def state_name(role: RoleState) -> str:
    """The name of ``role`` in :data:`TRANSITIONS`."""
    return {Hosting: "hosting", Membership: "member", Closed: "closed"}[type(role)]


class JamView:
    """The read side of a jam: what it holds and shows now, from its role state."""

    _role: RoleState
    _reach: Reach
    _recorder: SessionRecorder
    _clock: LocalClock
    _listeners: list[Listener]
    transitions: list[tuple[str, str, str]]

    @property
    def closed(self) -> bool:
        """Whether the jam is over for this computer."""
        return isinstance(self._role, Closed) and bool(self.transitions)

    @property
    def hosting(self) -> bool:
        """Whether this computer serves the room now."""
        return isinstance(self._role, Hosting) and self._role.service is not None

    @property
    def service(self) -> HostLink | None:
        """The host service, while we serve the room."""
        return self._role.service if isinstance(self._role, Hosting) else None

    @property
    def state(self) -> RoomState:
        """The room now (the last state held, once closed). Raises ``RuntimeError`` before
        a room is held."""
        role = self._role
        if isinstance(role, Membership) and role.held:
            return role.state
        if isinstance(role, Hosting):
            return role.state
        if isinstance(role, Closed) and role.state is not None:
            return role.state
        raise RuntimeError("not in a room yet")

    @property
    def events(self) -> list[Event]:
        """The log held so far."""
        return self._role.events

    @property
    def me(self) -> str:
        """Our participant id."""
        return self._role.me

    @property
    def code(self) -> str:
        """The room's join code."""
        return self.state.code

    @property
    def role(self) -> Role:
        """Our role in the room."""
        me = self.state.participant(self.me)
        return me.role if me is not None else Role.PARTICIPANT

    @property
    def port(self) -> int:
        """The LAN signalling port, while hosting (0 otherwise)."""
        return self._role.port if isinstance(self._role, Hosting) else 0

    @property
    def link_state(self) -> LinkState:
        """Our link to the host (``connected`` while we host)."""
        role = self._role
        return role.client.link_state if isinstance(role, Membership) else LinkState.CONNECTED

    @property
    def path(self) -> Path | None:
        """What carries our link to the host (``None`` while hosting or not connected)."""
        role = self._role
        return role.client.path if isinstance(role, Membership) else None

    def paths(self) -> dict[str, Path]:
        """How each member's link reaches the host (participant id -> path), as the host
        knows it; our own from our link while we are a member. The host has none."""
        role = self._role
        if isinstance(role, Hosting):
            return role.service.engine.paths() if role.service is not None else {}
        if not isinstance(role, Membership):
            return {}
        held = dict(role.engine.paths)
        own = role.client.path
        if own is not None:
            held[role.me] = own
        return held

    @property
    def advert_problem(self) -> str | None:
        """Why the room is not announced on the LAN (while hosting), in words."""
        return self._role.advert_problem if isinstance(self._role, Hosting) else None

    @property
    def signal_url(self) -> str:
        """The signalling server the room is reached through ("" on a LAN)."""
        return self._reach.signal_url

    @property
    def relay_id(self) -> str:
        """The id a private room is registered under at the signalling server."""
        return self._reach.relay_id

    @property
    def session_id(self) -> int | None:
        """The stored session's id (once its row is written)."""
        return self._recorder.session_id

    @property
    def clock_offset_ms(self) -> int:
        """Room clock minus this computer's clock, as estimated (ms)."""
        role = self._role
        if isinstance(role, Membership):
            return role.engine.clock.offset_ms
        return role.offset_ms if isinstance(role, Hosting) else 0

    @property
    def rtt_ms(self) -> int | None:
        """Round-trip time to the host of the best clock sample (``None`` while hosting)."""
        role = self._role
        return role.engine.clock.rtt_ms if isinstance(role, Membership) else None

    def room_now_ms(self) -> int:
        """Our best estimate of the room clock now."""
        role = self._role
        if isinstance(role, Membership | Hosting):
            return role.room_now_ms()
        return self._clock.now_ms()

    def reading(self) -> TimerReading:
        """The shared timer as it should show now on this computer."""
        return timers.read(self.state.timer, self.room_now_ms())

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every :class:`JamUpdate`; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

"""A jam as the GUI and the CLI use it: host one, join one, send commands, leave.

One :class:`Jam` object serves the whole session on this computer, whichever role it plays
(docs/ARCHITECTURE.md, "Network": host transfer). Its role is one of three states, and moves
only along :data:`TRANSITIONS` (the manner of magic-wormhole's ``_boss.py``):

- :class:`~jamdesk.app.hosting.Hosting`: it serves the room's log;
- :class:`~jamdesk.app.membership.Membership`: it is linked to the host;
- :class:`Closed`: the jam is over for this computer (the last state stays readable).

The host **hands over** (``transfer``): it appends ``host_changed``, stops serving, and
becomes a member of the new host. The new host (a member that sees ``host_changed`` naming
it) starts serving from its own copy of the log, under the same code, keeping the room clock
through its clock offset. When the host is **lost** (no word for 3 s), the member who joined
earliest among those remaining takes over the same way (:mod:`jamdesk.core.succession`);
the others find the room again by its code and resume from their last event.

Observers :meth:`~Jam.subscribe` and receive frozen :class:`JamUpdate` values (the
magic-wormhole status pattern); they read :attr:`Jam.state` and :meth:`Jam.reading` and never
touch the layers below. Every event is kept by a :class:`~jamdesk.app.recorder.
SessionRecorder`. The network parts come from a :class:`~jamdesk.app.transport.Transport`
(the real one unless a test gives another).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from jamdesk.app.clock import LocalClock
from jamdesk.app.hosting import Hosting, Reach
from jamdesk.app.membership import Membership, address_of
from jamdesk.app.recorder import SessionRecorder
from jamdesk.app.storage import AsyncDatabase
from jamdesk.app.transport import HostLink, Transport, network
from jamdesk.core import codes, succession
from jamdesk.core import timer as timers
from jamdesk.core.commands import Command, EndRoom, TakeOver, TransferHost
from jamdesk.core.kinds import Lifecycle, Role, SessionType
from jamdesk.core.room import Event, HostChanged, RoomEnded, RoomLog, RoomOpened, RoomState
from jamdesk.core.rules import Rejected, decide, valid_color
from jamdesk.core.timer import TimerAnchor, TimerReading
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.member_client import JoinError, LinkState
from jamdesk.protocol.engine import MemberEngine, MemberOutcome
from jamdesk.protocol.paths import Path

__all__ = ["HostSettings", "Jam", "JamUpdate", "address_of", "host_jam", "join_jam"]

log = logging.getLogger(__name__)

END_DRAIN_S = 2.0
"""How long an ending host waits for members to hear the end before closing links."""


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
    ("hosting", "closed"): "closed",
}
"""Every move of the role: (state, event) -> next state. Anything else is a bug."""


def _state_name(role: RoleState) -> str:
    return {Hosting: "hosting", Membership: "member", Closed: "closed"}[type(role)]


class Jam:
    """One jam on this computer. Build it with :func:`host_jam` or :func:`join_jam`.

    Args:
        name: our display name.
        clock: this computer's clock.
        db: where the session is kept (``None``: not kept).
        reach: how the room is reached (address policy, listening address, LAN advert,
            signalling server and STUN/TURN servers).
        client_id: this app's stable id (from the profile), for bans.
        avatar_color: our colour in the people list.
        transport: the network parts (:func:`~jamdesk.app.transport.network` by default).
    """

    def __init__(
        self,
        name: str,
        *,
        clock: LocalClock,
        db: AsyncDatabase | None,
        reach: Reach,
        client_id: str = "",
        avatar_color: str = "",
        transport: Transport | None = None,
    ) -> None:
        self.name = name
        self._avatar_color = avatar_color
        self._clock = clock
        self._client_id = client_id
        self._reach = reach
        self._transport = transport or network()
        self._recorder = SessionRecorder(db)
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Future[None]] = set()
        self._role: RoleState = Closed(None)
        self._leaving = False
        self._handed_over = asyncio.Event()
        self.transitions: list[tuple[str, str, str]] = []
        """Every move of the role so far: (from, event, to)."""

    # -- the role -----------------------------------------------------------------------------

    def _move(self, event: str, to: RoleState) -> None:
        """Change role along :data:`TRANSITIONS`. Raises ``RuntimeError`` for a move the
        table does not have (a bug, not bad input)."""
        before = _state_name(self._role)
        after = TRANSITIONS.get((before, event))
        if after is None or after != _state_name(to):
            raise RuntimeError(f"no move from {before} on {event} to {_state_name(to)}")
        self.transitions.append((before, event, after))
        log.info("role: %s --%s--> %s", before, event, after)
        self._role = to

    def _close_role(self, event: str) -> None:
        role = self._role
        if isinstance(role, Closed):
            return
        last = role.state if not isinstance(role, Membership) or role.held else None
        self._move(event, Closed(last, list(role.events), role.me))

    # -- what observers read ----------------------------------------------------------------

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

    # -- what observers do --------------------------------------------------------------------

    async def send(self, cmd: Command) -> None:
        """Send a command; a refusal arrives as a :class:`JamUpdate` with ``refused``."""
        service = self.service
        if service is not None:
            rejected = await service.command(cmd)
            if rejected is not None:
                self._emit(JamUpdate(refused=rejected))
            return
        role = self._role
        if not isinstance(role, Membership) or role.client.send(cmd) is None:
            self._emit(
                JamUpdate(notice="Not connected to the host right now; try again in a moment.")
            )

    def act_as_ghost(self, ghost_id: str, cmd: Command) -> None:
        """Replay a ghost's action into the room (only while hosting); a refusal is logged."""
        service = self.service
        if service is None:
            log.warning("only the host can replay ghosts")
            return
        out = service.engine.act_as(ghost_id, cmd, self.room_now_ms())
        service.carry_out(out)
        if out.refused is not None:
            log.info("ghost action refused: %s", out.refused.reason)

    async def end(self) -> None:
        """End the jam for everyone (host), give members a moment to hear it, then close."""
        service = self.service
        if service is None:
            await self.send(EndRoom())
            return
        if self.state.lifecycle is not Lifecycle.ENDED:
            await self.send(EndRoom())
        await service.wait_no_links(END_DRAIN_S)
        await self.close()

    async def leave(self) -> None:
        """Leave the room. A host hands over to the earliest-joined member present, or ends
        the jam when nobody else is there."""
        role = self._role
        if isinstance(role, Closed):
            return
        service = self.service
        if service is not None:
            successor = succession.successor(self.state, exclude=self.me)
            if successor is None or self.state.lifecycle is Lifecycle.ENDED:
                await self.end()
                return
            self._leaving = True
            await service.command(TransferHost(participant_id=successor, leaving=True))
            await self._handed_over.wait()  # set once members have moved to the new host
            return
        if not isinstance(role, Membership):
            return
        held = role.held
        self._close_role("left")
        await role.client.leave()
        if held and self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("left")
        self._emit(JamUpdate(closed=True))

    async def close(self) -> None:
        """Stop without leaving (the app quits): the stored session shows as interrupted."""
        role = self._role
        if isinstance(role, Closed):
            return
        held = not isinstance(role, Membership) or role.held
        if self._recorder.recording and held and self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("interrupted")
        self._close_role("closed")
        if isinstance(role, Hosting):
            await role.stop()
        else:
            await role.client.close()
        for task in list(self._tasks):
            task.cancel()
        self._emit(JamUpdate(closed=True))

    # -- opening --------------------------------------------------------------------------------

    async def open_room(self, opened: RoomOpened, *, replay_of: int | None = None) -> None:
        """Open a new room as its host and start recording it. Raises
        :class:`~jamdesk.net.lan.SignallingError` when the signalling server refuses it."""
        hosting = self._new_hosting(RoomLog(opened, at_ms=self._clock.now_ms()), opened.host_id)
        self._role = hosting
        try:
            await hosting.start(probe=True, on_path=self._paths_changed)
        except BaseException:
            await self.close()
            raise
        self._start_session(replay_of=replay_of)

    async def join(
        self, code: str | None, address: tuple[str, int] | None, *, rediscover: bool
    ) -> None:
        """Join the room with ``code`` (found on the LAN or through the signalling server)
        or at ``address``, and start recording it. Raises
        :class:`~jamdesk.net.member_client.JoinError` in words."""
        membership = self._new_membership(code, address)
        self._role = membership
        await membership.join_first()
        if code is not None and membership.state.code != code:
            await membership.client.close()
            raise JoinError(
                f"The host at that address is running jam {membership.state.code}, not {code}."
            )
        membership.code = membership.state.code
        if rediscover:
            membership.address = None
        self._start_session()

    def _new_hosting(self, room_log: RoomLog, me: str, offset_ms: int = 0) -> Hosting:
        return Hosting(
            room_log,
            me,
            transport=self._transport,
            reach=self._reach,
            clock=self._clock,
            offset_ms=offset_ms,
            on_events=self._on_host_events,
            notice=lambda words: self._emit(JamUpdate(notice=words)),
            spawn=self._spawn,
        )

    def _new_membership(
        self,
        code: str | None,
        address: tuple[str, int] | None,
        engine: MemberEngine | None = None,
    ) -> Membership:
        return Membership(
            transport=self._transport,
            reach=self._reach,
            clock=self._clock,
            name=self.name,
            client_id=self._client_id,
            avatar_color=self._avatar_color,
            code=code,
            address=address,
            on_outcome=self._on_outcome,
            on_link=self._on_link,
            on_path=lambda path: self._emit(JamUpdate(path=path)),
            engine=engine,
        )

    # -- hosting ------------------------------------------------------------------------------

    def _on_host_events(self, events: list[Event]) -> None:
        self._persist(events)
        if any(isinstance(e.body, RoomEnded) for e in events):
            self._finish_session("ended")
        if isinstance(self._role, Hosting):
            self._role.refresh_advert()
        self._emit(JamUpdate(events=tuple(events)))
        for event in events:
            body = event.body
            if isinstance(body, HostChanged) and body.participant_id != self.me:
                self._spawn(self._hand_over(body.participant_id))

    def _paths_changed(self) -> None:
        self._emit(JamUpdate(paths=True))

    async def _hand_over(self, new_host: str) -> None:
        """We were host and gave the role to ``new_host``: serve no more, then either go (we
        were leaving) or join the new host as a member."""
        hosting = self._role
        assert isinstance(hosting, Hosting)
        if hosting.service is not None:
            await hosting.service.wait_no_links(END_DRAIN_S)  # members move to the new host
        held = list(hosting.log.events)
        state = hosting.state
        await hosting.stop()
        notice = f"{state.name_of(new_host)} is now the host."
        if self._leaving:
            self._close_role("handed_over_leaving")
            self._finish_session("left")
            self._handed_over.set()
            self._emit(JamUpdate(host_changed=True, notice=notice, closed=True))
            return
        engine = MemberEngine(
            self.name,
            participant_id=hosting.me,
            log=held,
            client_id=self._client_id,
            avatar_color=self._avatar_color,
            code=state.code,
        )
        engine.state = RoomLog.from_events(held).state
        membership = self._new_membership(state.code, None, engine)
        self._move("handed_over", membership)
        self._emit(JamUpdate(host_changed=True, notice=notice))
        try:
            await membership.client.join()
        except JoinError as exc:
            self._emit(JamUpdate(notice=f"Could not reach the new host: {exc}"))
            return
        self._emit(JamUpdate(link=LinkState.CONNECTED))

    # -- being a member -----------------------------------------------------------------------

    def _on_outcome(self, out: MemberOutcome) -> None:
        if out.kept_until is not None:
            self._recorder.drop_after(out.kept_until)
        if out.events:
            self._persist(out.events)
            self._emit(JamUpdate(events=tuple(out.events)))
            for event in out.events:
                self._after_member_event(event)
        for _ref, refusal in out.refused:
            self._emit(JamUpdate(refused=refusal))
        if out.paths_changed:
            self._emit(JamUpdate(paths=True))
        if out.error is not None:
            log.warning("the host reported: %s %s", out.error.code, out.error.message)
            if out.error.fatal:
                self._emit(JamUpdate(notice=out.error.message))

    def _after_member_event(self, event: Event) -> None:
        body = event.body
        if isinstance(body, RoomEnded):
            self._finish_session("ended")
            self._emit(JamUpdate(notice="The host ended the jam."))
            self._spawn(self.close())
        elif isinstance(body, HostChanged):
            if body.participant_id == self.me and body.reason == "transfer":
                self._spawn(self._become_host(take_over=False))
            elif body.participant_id != self.me:
                name = self.state.name_of(body.participant_id)
                self._emit(JamUpdate(host_changed=True, notice=f"{name} is now the host."))

    def _on_link(self, state: LinkState) -> None:
        role = self._role
        if isinstance(role, Membership) and state is LinkState.RECONNECTING and role.held:
            lost = self.state.host_id
            moved = role.linked_host not in ("", lost)  # handed over: the new host is known
            # A relayed link lost with the signalling server says nothing of the host.
            unknown = role.client.lost_with_server
            if (
                not moved
                and not unknown
                and succession.takes_over(self.state, self.me)
                and role.address is None
            ):
                log.info("the host is lost and we joined earliest: taking over")
                self._spawn(self._become_host(take_over=True))
                return
        notice = {
            LinkState.RECONNECTING: "Lost the connection to the host; reconnecting...",
            LinkState.GONE: "The host has gone, and the jam cannot continue.",
        }.get(state)
        if state is LinkState.CONNECTED and isinstance(role, Membership) and role.held:
            role.linked_host = self.state.host_id
        if state is LinkState.CONNECTED and self._recorder.recording:
            notice = "Reconnected."
        if state is LinkState.GONE and not self.closed and self._recorder.recording:
            self._finish_session("interrupted")
        self._emit(JamUpdate(link=state, notice=notice))

    async def _become_host(self, *, take_over: bool) -> None:
        """Serve the room from our own copy of its log (host transfer or failover)."""
        membership = self._role
        if not isinstance(membership, Membership):
            return
        await membership.client.close()
        offset = membership.engine.clock.offset_ms
        me = membership.me
        room_log = RoomLog.from_events(membership.engine.log)
        hosting = self._new_hosting(room_log, me, offset)
        added: list[Event] = []
        if take_over:
            bodies = decide(room_log.state, me, TakeOver(), hosting.room_now_ms())
            if isinstance(bodies, Rejected):
                log.warning("could not take over: %s", bodies.reason)
                return
            added = room_log.append(me, bodies, hosting.room_now_ms())
        self._move("took_over" if take_over else "transferred_to_us", hosting)
        await hosting.start(probe=False, on_path=self._paths_changed)
        if added:
            self._on_host_events(added)
        self._emit(JamUpdate(host_changed=True, notice="You are now the host."))

    # -- storage ------------------------------------------------------------------------------

    def _start_session(self, replay_of: int | None = None) -> None:
        held = list(self.events)
        self._recorder.start(
            self.state,
            held,
            me=self.me,
            role=self.role,
            started_at_ms=held[0].at_ms if held else self.room_now_ms(),
            replay_of=replay_of,
        )

    def _persist(self, events: list[Event]) -> None:
        self._recorder.append(events)

    def _finish_session(self, outcome: str) -> None:
        self._recorder.finish(outcome, self.room_now_ms())

    # -- plumbing -----------------------------------------------------------------------------

    def _emit(self, update: JamUpdate) -> None:
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:
                log.exception("a jam listener failed")

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)
        return task


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a jam task failed", exc_info=task.exception())


async def host_jam(
    settings: HostSettings,
    *,
    clock: LocalClock,
    db: AsyncDatabase | None,
    mode: NetworkMode,
    client_id: str = "",
    replay_of: int | None = None,
    transport: Transport | None = None,
) -> Jam:
    """Open a room and start serving it; returns once it is advertised. ``replay_of`` marks
    a solo run beside the ghosts of that stored jam. Raises
    :class:`~jamdesk.net.lan.SignallingError` when the signalling server refuses it."""
    reach = Reach(
        mode=mode,
        bind_host=settings.bind_host,
        advertise=settings.advertise,
        signal_url=settings.signal_url,
        ice_servers=list(settings.ice_servers),
    )
    jam = Jam(
        settings.name,
        clock=clock,
        db=db,
        reach=reach,
        client_id=client_id,
        avatar_color=settings.avatar_color,
        transport=transport,
    )
    opened = RoomOpened(
        code=codes.new_code(secrets.randbelow),
        title=settings.title,
        session_type=settings.session_type,
        timer=settings.timer,
        host_id=secrets.token_hex(8),
        host_name=settings.name,
        host_client_id=client_id,
        host_color=settings.avatar_color if valid_color(settings.avatar_color) else "",
        discipline=settings.discipline,
        private=settings.private,
        show_title=settings.show_title,
        lobby=settings.lobby,
    )
    await jam.open_room(opened, replay_of=replay_of)
    return jam


async def join_jam(
    name: str,
    *,
    code: str | None = None,
    address: tuple[str, int] | None = None,
    clock: LocalClock,
    db: AsyncDatabase | None,
    mode: NetworkMode,
    client_id: str = "",
    bind_host: str = "0.0.0.0",
    avatar_color: str = "",
    rediscover: bool = False,
    signal_url: str = "",
    ice_servers: tuple[str, ...] = (),
    relay_id: str = "",
    transport: Transport | None = None,
) -> Jam:
    """Join the room with ``code`` (found on the LAN) or at ``address`` (host, port).
    With ``rediscover``, ``address`` serves the first join only (it came from the LAN) and
    reconnects find the room by its code, like a join by code.

    Raises :class:`~jamdesk.net.member_client.JoinError` with a reason fit for a student.
    """
    if code is None and address is None:
        raise JoinError("Enter the jam's code.")
    reach = Reach(
        mode=mode,
        bind_host=bind_host,
        signal_url=signal_url,
        ice_servers=list(ice_servers),
        relay_id=relay_id,
    )
    jam = Jam(
        name,
        clock=clock,
        db=db,
        reach=reach,
        client_id=client_id,
        avatar_color=avatar_color,
        transport=transport,
    )
    await jam.join(code, address, rediscover=rediscover)
    return jam

"""A jam as the GUI and the CLI use it: host one, join one, send commands, leave.

One :class:`Jam` object serves the whole session on this computer, whichever role it plays:
it hosts (a ``HostService`` over the room's ``RoomLog``) or it is a member (a ``MemberClient``
over a ``MemberEngine``), and it switches in place when the host role moves (design page,
"Network", host transfer):

- the host **hands over** (``transfer``): it appends ``host_changed``, stops serving, and
  becomes a member of the new host;
- the new host (a member that sees ``host_changed`` naming it) starts serving from its own
  copy of the log, under the same code, keeping the room clock through its clock offset;
- the host is **lost** (no word for 3 s): the member who joined earliest among those remaining
  takes over the same way, appending ``host_changed`` (``lost``); the others find the room again
  by its code and resume from their last event.

Observers :meth:`~Jam.subscribe` and receive frozen :class:`JamUpdate` values (the
magic-wormhole status pattern); they read :attr:`Jam.state` and :meth:`Jam.reading` and never
touch the layers below. Every event is persisted through :class:`AsyncDatabase`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import msgspec

from jamdesk.app.clock import LocalClock
from jamdesk.app.progress import credit_events, refresh_session
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core import codes, succession
from jamdesk.core import timer as timers
from jamdesk.core.commands import Command, EndRoom, TakeOver, TransferHost
from jamdesk.core.kinds import Lifecycle, Role, SessionType
from jamdesk.core.room import Event, HostChanged, RoomEnded, RoomLog, RoomOpened, RoomState
from jamdesk.core.rules import Rejected, decide, valid_color
from jamdesk.core.timer import TimerAnchor, TimerReading
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import (
    Advertiser,
    DiscoveryError,
    RoomAd,
    RoomNotFoundError,
    find_rooms,
)
from jamdesk.net.host_service import HostService
from jamdesk.net.lan import SignallingError
from jamdesk.net.member_client import HostRoute, JoinError, LinkState, MemberClient
from jamdesk.net.signal_client import HostSignal, SignalRoute
from jamdesk.protocol.engine import HostEngine, MemberEngine, MemberOutcome
from jamdesk.protocol.messages import PROTOCOL_VERSION
from jamdesk.protocol.paths import Path

log = logging.getLogger(__name__)

END_DRAIN_S = 2.0
"""How long an ending host waits for members to hear the end before closing links."""
TAKE_OVER_PATIENCE_S = 60.0
"""How long a member who takes over waits for the signalling server to let go of the lost
host's registration (members keep trying as long: RESUME_WINDOW_MS in member_client)."""


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


class Jam:
    """One jam on this computer. Build it with :func:`host_jam` or :func:`join_jam`.

    Args:
        name: our display name.
        clock: this computer's clock.
        db: where the session is kept (``None``: not kept).
        mode: the network address policy.
        client_id: this app's stable id (from the profile), for bans.
        bind_host: where to listen if we host (now or after a host change).
        advertise: announce the room on the LAN when hosting.
    """

    def __init__(
        self,
        name: str,
        *,
        clock: LocalClock,
        db: AsyncDatabase | None,
        mode: NetworkMode,
        client_id: str = "",
        bind_host: str = "0.0.0.0",
        advertise: bool = True,
        avatar_color: str = "",
    ) -> None:
        self.name = name
        self._avatar_color = avatar_color
        self._clock = clock
        self._db = db
        self._mode = mode
        self._client_id = client_id
        self._bind_host = bind_host
        self._advertise = advertise
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Future[None]] = set()
        self.session_id: int | None = None  # set on the database worker
        self._recording = False  # set when the session row is queued; appends follow it
        self.closed = False
        # member side
        self.engine: MemberEngine | None = None
        self.client: MemberClient | None = None
        self._code: str | None = None
        self._address: tuple[str, int] | None = None
        # host side
        self._log: RoomLog | None = None
        self.service: HostService | None = None
        self._advertiser: Advertiser | None = None
        self._advertised: RoomAd | None = None
        self._advert_task: asyncio.Future[None] | None = None
        self._offset_ms = 0  # room clock minus our clock, frozen when we became host
        self._me = ""
        self._linked_host = ""  # the host our member link was made to
        self.advert_problem: str | None = None  # why the room is not announced on the LAN
        self.signal_url = ""  # the signalling server the room is reached through, if any
        self.ice_servers: list[str] = []  # STUN/TURN servers (none on a LAN)
        self.relay_id = ""  # the id a private room is registered under at the server
        self._host_signal: HostSignal | None = None
        self._leaving = False
        self._handed_over = asyncio.Event()

    # -- what observers read ----------------------------------------------------------------

    @property
    def hosting(self) -> bool:
        """Whether this computer serves the room now."""
        return self.service is not None

    @property
    def _member_side(self) -> bool:
        return self.engine is not None and self.engine.state is not None

    @property
    def state(self) -> RoomState:
        """The room now (the last state held, once closed)."""
        if self._member_side:
            assert self.engine is not None
            assert self.engine.state is not None
            return self.engine.state
        if self._log is None:
            raise RuntimeError("not in a room yet")
        return self._log.state

    @property
    def events(self) -> list[Event]:
        """The log held so far."""
        if self._member_side:
            assert self.engine is not None
            return self.engine.log
        return self._log.events if self._log is not None else []

    @property
    def me(self) -> str:
        """Our participant id."""
        if self._member_side:
            assert self.engine is not None
            return self.engine.participant_id or ""
        return self._me

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
        return self.service.port if self.service is not None else 0

    @property
    def link_state(self) -> LinkState:
        """Our link to the host (``connected`` while we host)."""
        if self.hosting or self.client is None:
            return LinkState.CONNECTED
        return self.client.link_state

    @property
    def path(self) -> Path | None:
        """What carries our link to the host (``None`` while hosting or not connected)."""
        return self.client.path if self.client is not None and not self.hosting else None

    def paths(self) -> dict[str, Path]:
        """How each member's link reaches the host (participant id -> path), as the host
        knows it; our own from our link while we are a member. The host has none."""
        if self.service is not None:
            return self.service.engine.paths()
        held = dict(self.engine.paths) if self.engine is not None else {}
        own = self.path
        if own is not None:
            held[self.me] = own
        return held

    @property
    def clock_offset_ms(self) -> int:
        """Room clock minus this computer's clock, as estimated (ms)."""
        return self.engine.clock.offset_ms if self.engine is not None else self._offset_ms

    @property
    def rtt_ms(self) -> int | None:
        """Round-trip time to the host of the best clock sample (``None`` while hosting)."""
        return self.engine.clock.rtt_ms if self.engine is not None else None

    def room_now_ms(self) -> int:
        """Our best estimate of the room clock now."""
        if self.hosting or self.engine is None:
            return self._clock.now_ms() + self._offset_ms
        return self.engine.room_now(self._clock.now_ms())

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
        if self.service is not None:
            rejected = await self.service.command(cmd)
            if rejected is not None:
                self._emit(JamUpdate(refused=rejected))
        elif self.client is None or self.client.send(cmd) is None:
            self._emit(
                JamUpdate(notice="Not connected to the host right now; try again in a moment.")
            )

    def act_as_ghost(self, ghost_id: str, cmd: Command) -> None:
        """Replay a ghost's action into the room (only while hosting); a refusal is logged."""
        if self.service is None:
            log.warning("only the host can replay ghosts")
            return
        out = self.service.engine.act_as(ghost_id, cmd, self.room_now_ms())
        self.service.carry_out(out)
        if out.refused is not None:
            log.info("ghost action refused: %s", out.refused.reason)

    async def end(self) -> None:
        """End the jam for everyone (host), give members a moment to hear it, then close."""
        if self.service is None:
            await self.send(EndRoom())
            return
        if self.state.lifecycle is not Lifecycle.ENDED:
            await self.send(EndRoom())
        await self.service.wait_no_links(END_DRAIN_S)
        await self.close()

    async def leave(self) -> None:
        """Leave the room. A host hands over to the earliest-joined member present, or ends
        the jam when nobody else is there."""
        if self.closed:
            return
        if self.service is not None:
            successor = succession.successor(self.state, exclude=self.me)
            if successor is None or self.state.lifecycle is Lifecycle.ENDED:
                await self.end()
                return
            self._leaving = True
            await self.service.command(TransferHost(participant_id=successor, leaving=True))
            await self._handed_over.wait()  # set once members have moved to the new host
            return
        self.closed = True
        if self.client is not None:
            await self.client.leave()
        if (
            self.engine is not None
            and self.engine.state is not None
            and self.state.lifecycle is not Lifecycle.ENDED
        ):
            self._finish_session("left")
        self._emit(JamUpdate(closed=True))

    async def close(self) -> None:
        """Stop without leaving (the app quits): the stored session shows as interrupted."""
        if self.closed:
            return
        self.closed = True
        if self._recording and self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("interrupted")
        await self._stop_hosting()
        if self.client is not None:
            await self.client.close()
        for task in list(self._tasks):
            task.cancel()
        self._emit(JamUpdate(closed=True))

    # -- hosting ------------------------------------------------------------------------------

    async def _start_hosting(self, room_log: RoomLog, me: str, *, probe: bool) -> None:
        self._log = room_log
        self._me = me
        engine = HostEngine(room_log, lambda: secrets.token_hex(8), now_ms=self.room_now_ms())
        service = HostService(
            engine,
            self.room_now_ms,
            self._on_host_events,
            bind_host=self._bind_host,
            ice_servers=self.ice_servers,
        )
        await service.start()
        service.on_path = lambda: self._emit(JamUpdate(paths=True))
        self.service = service
        if self.signal_url:
            private = room_log.state.private
            if private and not self.relay_id:  # a private room is listed under a random id
                self.relay_id = codes.new_code(secrets.randbelow) + codes.new_code(
                    secrets.randbelow
                )
            host_signal = HostSignal(
                self.signal_url, self.relay_id or room_log.state.code, service.answer
            )
            self._host_signal = host_signal
            if probe:  # opening the room: a refusal is said, and the room does not open
                try:
                    await host_signal.start()
                except SignallingError:
                    self._host_signal = None
                    await host_signal.close()
                    raise
            else:  # taking over: LAN members come back at once; those online once registered
                self._spawn(self._register_again(host_signal))
        if self._advertise:
            advertiser = Advertiser(self._mode)
            self._advertised = self._ad()
            try:
                await advertiser.start(self._advertised, probe=probe)
            except DiscoveryError as exc:  # the jam still works: joiners use the address
                log.warning("not announcing the room on the LAN: %s", exc)
                await advertiser.close()
                self.advert_problem = (
                    f"{exc} Your jam's address is {self._bind_host}:{self.port}."
                    if self._bind_host not in ("0.0.0.0", "::")
                    else f"{exc} Your jam listens on port {self.port}."
                )
                return
            self._advertiser = advertiser

    async def _register_again(self, host_signal: HostSignal) -> None:
        """Register the room we took over, waiting while the lost host's registration (or a
        crashed server instance's claim) still holds its code."""
        try:
            await host_signal.start(patience_s=TAKE_OVER_PATIENCE_S)
        except SignallingError as exc:
            if self._host_signal is not host_signal:  # handed over or closed meanwhile
                return
            log.warning("could not register at %s: %s", self.signal_url, exc)
            self._emit(
                JamUpdate(
                    notice=f"People joining over the internet cannot reach this jam now: {exc}"
                )
            )
            return
        log.info("registered the room at %s after taking over", self.signal_url)

    async def _stop_hosting(self) -> None:
        service, self.service = self.service, None
        host_signal, self._host_signal = self._host_signal, None
        if host_signal is not None:
            await host_signal.close()
        if self._advert_task is not None:
            self._advert_task.cancel()
        advertiser, self._advertiser = self._advertiser, None
        if advertiser is not None:
            await advertiser.close()
        if service is not None:
            await service.close()

    def _on_host_events(self, events: list[Event]) -> None:
        self._persist(events)
        if any(isinstance(e.body, RoomEnded) for e in events):
            self._finish_session("ended")
        self._refresh_advert()
        self._emit(JamUpdate(events=tuple(events)))
        for event in events:
            body = event.body
            if isinstance(body, HostChanged) and body.participant_id != self.me:
                self._spawn(self._hand_over(body.participant_id))

    async def _hand_over(self, new_host: str) -> None:
        """We were host and gave the role to ``new_host``: serve no more, then either go (we
        were leaving) or join the new host as a member."""
        assert self._log is not None
        service = self.service
        if service is not None:
            await service.wait_no_links(END_DRAIN_S)  # members move over to the new host
        held = list(self._log.events)
        me = self._me
        await self._stop_hosting()
        notice = f"{self.state.name_of(new_host)} is now the host."
        if self._leaving:
            self.closed = True
            self._finish_session("left")
            self._handed_over.set()
            self._emit(JamUpdate(host_changed=True, notice=notice, closed=True))
            return
        self._emit(JamUpdate(host_changed=True, notice=notice))
        self.engine = MemberEngine(
            self.name,
            participant_id=me,
            log=held,
            client_id=self._client_id,
            avatar_color=self._avatar_color,
            code=self._log.state.code,
        )
        self.engine.state = RoomLog.from_events(held).state
        self._code = self._log.state.code
        self._log = None
        self.client = self._new_client()
        try:
            await self.client.join()
        except JoinError as exc:
            self._emit(JamUpdate(notice=f"Could not reach the new host: {exc}"))
            return
        self._emit(JamUpdate(link=LinkState.CONNECTED))

    def _ad(self) -> RoomAd:
        """The room as the LAN sees it: a private room without its code (and without its
        title, host and discipline unless shown); the timer on this computer's clock."""
        s = self.state
        host = s.participant(s.host_id)
        shown = not s.private or s.show_title
        anchor = s.timer
        if anchor.started_at_ms is not None:
            anchor = msgspec.structs.replace(
                anchor, started_at_ms=anchor.started_at_ms - self._offset_ms
            )
        return RoomAd(
            title=s.title if shown else "",
            session_type=s.session_type.value,
            host_name=host.name if host and shown else "",
            count=s.present_count,
            lifecycle=s.lifecycle.value,
            code=None if s.private else s.code,
            port=self.port,
            host_id=s.host_id,
            discipline=s.discipline if shown else "",
            lobby=s.lobby,
            timer=anchor,
        )

    def _refresh_advert(self) -> None:
        if self._advertiser is None or self._advertised is None or self.closed:
            return
        if self._ad() == self._advertised or (self._advert_task and not self._advert_task.done()):
            return
        self._advert_task = self._spawn(self._update_advert())

    async def _update_advert(self) -> None:
        while self._advertiser is not None and not self.closed and self._ad() != self._advertised:
            self._advertised = self._ad()
            try:
                await self._advertiser.update(self._advertised)
            except Exception:
                log.exception("updating the LAN advert failed")
                return

    # -- being a member -----------------------------------------------------------------------

    def _start_member(self) -> None:
        """A new member engine (no room held yet) and its client."""
        self.engine = MemberEngine(
            self.name,
            client_id=self._client_id,
            avatar_color=self._avatar_color,
            code=self._code or "",
        )
        self.client = self._new_client()

    def _new_client(self) -> MemberClient:
        client = self._make_client()
        if self._member_side and self.state.private and self._code and not self.signal_url:
            client.pake_secret = self._code  # prove the code on the LAN, never send it
        return client

    def _make_client(self) -> MemberClient:
        assert self.engine is not None
        return MemberClient(
            self.engine,
            local_clock=self._clock.now_ms,
            on_outcome=self._on_outcome,
            on_link=self._on_link,
            find_host=self._find_host,
            ice_servers=self.ice_servers,
            on_path=lambda path: self._emit(JamUpdate(path=path)),
        )

    async def _find_host(self) -> HostRoute:
        """Where the host is: the address given or being tried, else found on the LAN by the
        room's code. Once in the room, only an advert by the current host (or, if it was
        lost, the member who takes over) is used: an old host's record may linger, and a
        private room's code is never offered to another room's host."""
        if self._address is not None:
            return self._address
        assert self._code is not None
        if self.signal_url:
            if self.relay_id:  # private: the id routes, the code is proved by PAKE
                return SignalRoute(self.signal_url, self.relay_id, secret=self._code)
            return SignalRoute(self.signal_url, self._code)
        hosts: set[str] = set()
        lobby = self._member_side and self.state.lobby
        if self._member_side:
            hosts = succession.possible_hosts(self.state)
        try:
            ads = await find_rooms(self._code, self._mode, 5.0, lobby=lobby)
        except RoomNotFoundError as exc:
            raise JoinError(str(exc)) from exc
        if hosts:
            ads = [ad for ad in ads if ad.host_id in hosts]
            if not ads:
                raise JoinError(f"The host of jam {self._code} is not on the network right now.")
        return address_of(ads[0])

    async def _join_first(self) -> None:
        """The first join: by the address given, else try each room that may have the code
        (the public one advertising it, or each private room) until one lets us in."""
        assert self.client is not None
        if self._address is not None or self._code is None or self.signal_url:
            await self.client.join()
            return
        try:
            ads = await find_rooms(self._code, self._mode, 5.0)
        except RoomNotFoundError as exc:
            raise JoinError(str(exc)) from exc
        last: JoinError | None = None
        for ad in ads:
            try:
                self._address = address_of(ad)
                self.client.pake_secret = self._code if ad.private else ""
                await self.client.join()
                return
            except JoinError as exc:
                last = exc
                self._start_member()  # a fresh engine and link for the next room
            finally:
                self._address = None
        assert last is not None
        if all(ad.private for ad in ads):
            raise JoinError(
                f"No jam on this network opened with code {self._code}. Check the code."
            ) from last
        raise last

    def _on_outcome(self, out: MemberOutcome) -> None:
        db = self._db
        if out.kept_until is not None and db is not None and self._recording:
            kept = out.kept_until
            db.submit(lambda: db.db.drop_events_after(self._sid(), kept))
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
        if (
            state is LinkState.RECONNECTING
            and self.engine is not None
            and self.engine.state is not None
            and not self.closed
        ):
            lost = self.state.host_id
            moved = self._linked_host not in ("", lost)  # handed over: the new host is known
            # A relayed link lost with the signalling server says nothing of the host.
            unknown = self.client is not None and self.client.lost_with_server
            if (
                not moved
                and not unknown
                and succession.takes_over(self.state, self.me)
                and self._address is None
            ):
                log.info("the host is lost and we joined earliest: taking over")
                self._spawn(self._become_host(take_over=True))
                return
        notice = {
            LinkState.RECONNECTING: "Lost the connection to the host; reconnecting...",
            LinkState.GONE: "The host has gone, and the jam cannot continue.",
        }.get(state)
        if state is LinkState.CONNECTED and self._member_side:
            self._linked_host = self.state.host_id
        if state is LinkState.CONNECTED and self._recording:
            notice = "Reconnected."
        if state is LinkState.GONE and not self.closed and self._recording:
            self._finish_session("interrupted")
        self._emit(JamUpdate(link=state, notice=notice))

    async def _become_host(self, *, take_over: bool) -> None:
        """Serve the room from our own copy of its log (host transfer or failover)."""
        assert self.engine is not None
        client, self.client = self.client, None
        if client is not None:
            await client.close()
        self._offset_ms = self.engine.clock.offset_ms
        me = self.engine.participant_id or ""
        room_log = RoomLog.from_events(self.engine.log)
        if take_over:
            bodies = decide(room_log.state, me, TakeOver(), self.room_now_ms())
            if isinstance(bodies, Rejected):
                log.warning("could not take over: %s", bodies.reason)
                return
            added = room_log.append(me, bodies, self.room_now_ms())
        else:
            added = []
        self._log, self._me = room_log, me  # readable while the service starts
        self.engine = None
        await self._start_hosting(room_log, me, probe=False)
        if added:
            self._on_host_events(added)
        self._emit(JamUpdate(host_changed=True, notice="You are now the host."))

    # -- storage ------------------------------------------------------------------------------

    def _start_session(self, replay_of: int | None = None) -> None:
        db = self._db
        if db is None:
            return
        state, held, me, role = self.state, list(self.events), self.me, self.role
        started = held[0].at_ms if held else self.room_now_ms()
        self._recording = True

        def start() -> None:
            self.session_id = db.db.start_session(
                room_code=state.code,
                title=state.title,
                session_type=state.session_type.value,
                role=role.value,
                participant_id=me,
                started_at_ms=started,
                replay_of=replay_of,
            )
            db.db.append_events(self.session_id, held)

        db.submit(start)

    def _persist(self, events: list[Event]) -> None:
        db = self._db
        if db is None or not events or not self._recording:
            return
        db.submit(lambda: db.db.append_events(self._sid(), events))
        if credit_events(events):  # a block may have completed: credit EXP now, from the log
            db.submit(lambda: refresh_session(db.db, self._sid()))

    def _sid(self) -> int:
        if self.session_id is None:
            raise RuntimeError("the session row is not created yet")
        return self.session_id

    def _finish_session(self, outcome: str) -> None:
        db = self._db
        if db is None or not self._recording:
            return
        ended_at = self.room_now_ms()
        db.submit(lambda: db.db.finish_session(self._sid(), outcome, ended_at))
        db.submit(lambda: refresh_session(db.db, self._sid()))

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


def address_of(ad: RoomAd) -> tuple[str, int]:
    """Where to reach an advertised room: an IPv4 address first. Raises :class:`JoinError`
    when it gave none (or speaks another protocol)."""
    if ad.protocol != PROTOCOL_VERSION:
        raise JoinError(
            f"That jam runs a different version of Jamdesk (protocol "
            f"{ad.protocol}, yours {PROTOCOL_VERSION}). Update both to match."
        )
    ipv4 = [a for a in ad.addresses if ":" not in a]
    if not (ipv4 or ad.addresses):
        raise JoinError("The jam was found but gave no address to connect to.")
    return ((ipv4 or ad.addresses)[0], ad.port)


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
) -> Jam:
    """Open a room and start serving it; returns once it is advertised. ``replay_of`` marks
    a solo run beside the ghosts of that stored jam."""
    jam = Jam(
        settings.name,
        clock=clock,
        db=db,
        mode=mode,
        client_id=client_id,
        bind_host=settings.bind_host,
        advertise=settings.advertise,
        avatar_color=settings.avatar_color,
    )
    jam.signal_url = settings.signal_url
    jam.ice_servers = list(settings.ice_servers)
    host_id = secrets.token_hex(8)
    opened = RoomOpened(
        code=codes.new_code(secrets.randbelow),
        title=settings.title,
        session_type=settings.session_type,
        timer=settings.timer,
        host_id=host_id,
        host_name=settings.name,
        host_client_id=client_id,
        host_color=settings.avatar_color if valid_color(settings.avatar_color) else "",
        discipline=settings.discipline,
        private=settings.private,
        show_title=settings.show_title,
        lobby=settings.lobby,
    )
    try:
        await jam._start_hosting(RoomLog(opened, at_ms=clock.now_ms()), host_id, probe=True)
    except BaseException:
        await jam.close()
        raise
    jam._start_session(replay_of=replay_of)
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
) -> Jam:
    """Join the room with ``code`` (found on the LAN) or at ``address`` (host, port).
    With ``rediscover``, ``address`` serves the first join only (it came from the LAN) and
    reconnects find the room by its code, like a join by code.

    Raises :class:`~jamdesk.net.member_client.JoinError` with a reason fit for a student.
    """
    if code is None and address is None:
        raise JoinError("Enter the jam's code.")
    jam = Jam(
        name,
        clock=clock,
        db=db,
        mode=mode,
        client_id=client_id,
        bind_host=bind_host,
        avatar_color=avatar_color,
    )
    jam._code, jam._address = code, address
    jam.signal_url = signal_url
    jam.ice_servers = list(ice_servers)
    jam.relay_id = relay_id
    jam._start_member()
    await jam._join_first()
    assert jam.client is not None
    if code is not None and jam.state.code != code:
        await jam.client.close()
        raise JoinError(f"The host at that address is running jam {jam.state.code}, not {code}.")
    jam._code = jam.state.code
    if rediscover:
        jam._address = None
    jam._start_session()
    return jam

"""A jam as the GUI and the CLI use it: host one, join one, send commands, leave.

A :class:`Jam` hides whether this computer is the host (a :class:`HostedJam` wrapping a
``HostService``) or a member (a :class:`JoinedJam` wrapping a ``MemberClient``). Observers
:meth:`~Jam.subscribe` and receive frozen :class:`JamUpdate` values (the magic-wormhole
"status snapshot" pattern); they read :attr:`Jam.state` and :meth:`Jam.reading` and never
touch the layers below. Every event is persisted through :class:`AsyncDatabase`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from jamdesk.app.clock import LocalClock
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core import codes
from jamdesk.core import timer as timers
from jamdesk.core.commands import Command, EndRoom
from jamdesk.core.kinds import Lifecycle, Role, SessionType
from jamdesk.core.room import Event, RoomEnded, RoomLog, RoomOpened, RoomState
from jamdesk.core.rules import Rejected
from jamdesk.core.timer import TimerAnchor, TimerReading
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import Advertiser, RoomAd, RoomNotFoundError, find_room
from jamdesk.net.host_service import HostService
from jamdesk.net.member_client import JoinError, LinkState, MemberClient
from jamdesk.protocol.engine import HostEngine, MemberEngine, MemberOutcome
from jamdesk.protocol.messages import PROTOCOL_VERSION

log = logging.getLogger(__name__)

END_DRAIN_S = 2.0
"""How long an ending host waits for members to hear the end before closing links."""


@dataclass(frozen=True)
class JamUpdate:
    """One change for observers.

    Attributes:
        events: new log entries, in order.
        refused: a refusal of one of our commands, with its reason.
        link: the new state of our link to the host (members only).
        notice: something to tell the student in plain words.
        closed: the jam is over for this computer.
    """

    events: tuple[Event, ...] = ()
    refused: Rejected | None = None
    link: LinkState | None = None
    notice: str | None = None
    closed: bool = False


Listener = Callable[[JamUpdate], None]


class Jam:
    """What hosted and joined jams have in common. Not constructed directly."""

    def __init__(self, clock: LocalClock, db: AsyncDatabase | None) -> None:
        self._clock = clock
        self._db = db
        self._listeners: list[Listener] = []
        self.session_id: int | None = None
        self.closed = False

    # -- to be provided -------------------------------------------------------------------------

    @property
    def state(self) -> RoomState:
        """The room now."""
        raise NotImplementedError

    @property
    def me(self) -> str:
        """Our participant id."""
        raise NotImplementedError

    @property
    def events(self) -> list[Event]:
        """The log held so far."""
        raise NotImplementedError

    def room_now_ms(self) -> int:
        """Our best estimate of the room clock now."""
        raise NotImplementedError

    async def send(self, cmd: Command) -> None:
        """Send a command; a refusal arrives as a :class:`JamUpdate` with ``refused``."""
        raise NotImplementedError

    async def leave(self) -> None:
        """Leave the room (a host's leaving closes it until host transfer exists)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Stop without leaving (the app quits); the stored session shows as interrupted."""
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------------

    @property
    def code(self) -> str:
        """The room's join code."""
        return self.state.code

    @property
    def role(self) -> Role:
        """Our role in the room."""
        me = self.state.participant(self.me)
        return me.role if me is not None else Role.PARTICIPANT

    def reading(self) -> TimerReading:
        """The shared timer as it should show now on this computer."""
        return timers.read(self.state.timer, self.room_now_ms())

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every :class:`JamUpdate`; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, update: JamUpdate) -> None:
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:
                log.exception("a jam listener failed")

    def _persist(self, events: list[Event]) -> None:
        db = self._db
        if db is None or not events:
            return
        db.submit(lambda: db.db.append_events(self._sid(), events))

    def _sid(self) -> int:
        if self.session_id is None:
            raise RuntimeError("the session row is not created yet")
        return self.session_id

    def _start_session(self, role: Role) -> None:
        db = self._db
        if db is None:
            return
        state, held, me = self.state, list(self.events), self.me
        started = held[0].at_ms if held else self.room_now_ms()

        def start() -> None:
            self.session_id = db.db.start_session(
                room_code=state.code,
                title=state.title,
                session_type=state.session_type.value,
                role=role.value,
                participant_id=me,
                started_at_ms=started,
            )
            db.db.append_events(self.session_id, held)

        db.submit(start)

    def _finish_session(self, outcome: str) -> None:
        db = self._db
        if db is None:
            return
        ended_at = self.room_now_ms()
        db.submit(lambda: db.db.finish_session(self._sid(), outcome, ended_at))


# --------------------------------------------------------------------------------- hosting


@dataclass(frozen=True)
class HostSettings:
    """A new room: who hosts it, what it is, and where it listens."""

    name: str
    title: str
    session_type: SessionType
    timer: TimerAnchor
    bind_host: str = "0.0.0.0"
    advertise: bool = True


class HostedJam(Jam):
    """A room this computer hosts: the single writer of its log."""

    def __init__(
        self, settings: HostSettings, clock: LocalClock, db: AsyncDatabase | None, mode: NetworkMode
    ) -> None:
        super().__init__(clock, db)
        code = codes.new_code(secrets.randbelow)
        host_id = secrets.token_hex(8)
        opened = RoomOpened(
            code=code,
            title=settings.title,
            session_type=settings.session_type,
            timer=settings.timer,
            host_id=host_id,
            host_name=settings.name,
        )
        self._log = RoomLog(opened, at_ms=clock.now_ms())
        engine = HostEngine(self._log, lambda: secrets.token_hex(8))
        self.service = HostService(
            engine, clock.now_ms, self._on_events, bind_host=settings.bind_host
        )
        self._advertiser = Advertiser(mode) if settings.advertise else None
        self._advert_task: asyncio.Task[None] | None = None
        self._advertised: RoomAd | None = None

    @property
    def state(self) -> RoomState:
        return self._log.state

    @property
    def me(self) -> str:
        return self._log.state.host_id

    @property
    def events(self) -> list[Event]:
        return self._log.events

    @property
    def port(self) -> int:
        """The LAN signalling port members connect to."""
        return self.service.port

    def room_now_ms(self) -> int:
        return self._clock.now_ms()  # the first host's clock is the room clock

    async def start(self) -> None:
        """Listen, record the session, and advertise the room on the LAN."""
        await self.service.start()
        self._start_session(Role.HOST)
        if self._advertiser is not None:
            self._advertised = self._ad()
            await self._advertiser.start(self._advertised)

    async def send(self, cmd: Command) -> None:
        rejected = await self.service.command(cmd)
        if rejected is not None:
            self._emit(JamUpdate(refused=rejected))

    async def end(self) -> None:
        """End the jam for everyone, give members a moment to hear it, then close."""
        if self.state.lifecycle is not Lifecycle.ENDED:
            await self.send(EndRoom())
        await self.service.wait_no_links(END_DRAIN_S)
        await self.close()

    async def leave(self) -> None:
        await self.end()

    async def close(self) -> None:
        """Stop serving without ending (the app quit). Idempotent."""
        if self.closed:
            return
        self.closed = True
        if self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("interrupted")
        if self._advert_task is not None:
            self._advert_task.cancel()
        if self._advertiser is not None:
            await self._advertiser.close()
        await self.service.close()
        self._emit(JamUpdate(closed=True))

    def _on_events(self, events: list[Event]) -> None:
        self._persist(events)
        if any(isinstance(e.body, RoomEnded) for e in events):
            self._finish_session("ended")
        self._refresh_advert()
        self._emit(JamUpdate(events=tuple(events)))

    def _ad(self) -> RoomAd:
        s = self.state
        host = s.participant(s.host_id)
        return RoomAd(
            title=s.title,
            session_type=s.session_type.value,
            host_name=host.name if host else "",
            count=s.present_count,
            lifecycle=s.lifecycle.value,
            code=s.code,
            port=self.port,
        )

    def _refresh_advert(self) -> None:
        if self._advertiser is None or self._advertised is None or self.closed:
            return
        ad = self._ad()
        if ad == self._advertised or (self._advert_task and not self._advert_task.done()):
            return
        self._advertised = ad
        self._advert_task = asyncio.ensure_future(self._update_advert())

    async def _update_advert(self) -> None:
        assert self._advertiser is not None
        try:
            await self._advertiser.update(self._advertised or self._ad())
        except Exception:
            log.exception("updating the LAN advert failed")
        if not self.closed and self._ad() != self._advertised:
            self._advertised = self._ad()
            await self._update_advert()


async def host_jam(
    settings: HostSettings, *, clock: LocalClock, db: AsyncDatabase | None, mode: NetworkMode
) -> HostedJam:
    """Open a room and start serving it; returns once it is advertised."""
    jam = HostedJam(settings, clock, db, mode)
    try:
        await jam.start()
    except BaseException:
        await jam.close()
        raise
    return jam


# --------------------------------------------------------------------------------- joining


class JoinedJam(Jam):
    """A room this computer joined as a member."""

    def __init__(self, name: str, clock: LocalClock, db: AsyncDatabase | None) -> None:
        super().__init__(clock, db)
        self.engine = MemberEngine(name)
        self._closing: asyncio.Task[None] | None = None
        self.client: MemberClient | None = None
        self._joined = False

    @property
    def state(self) -> RoomState:
        if self.engine.state is None:
            raise RuntimeError("not joined yet")
        return self.engine.state

    @property
    def me(self) -> str:
        return self.engine.participant_id or ""

    @property
    def events(self) -> list[Event]:
        return self.engine.log

    @property
    def link_state(self) -> LinkState:
        """Our link to the host."""
        return self.client.link_state if self.client else LinkState.CONNECTING

    def room_now_ms(self) -> int:
        return self.engine.room_now(self._clock.now_ms())

    async def send(self, cmd: Command) -> None:
        if self.client is None or self.client.send(cmd) is None:
            self._emit(
                JamUpdate(notice="Not connected to the host right now; try again in a moment.")
            )

    async def leave(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.client is not None:
            await self.client.leave()
        if self.engine.state is not None and self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("left")
        self._emit(JamUpdate(closed=True))

    async def close(self) -> None:
        """Close without a goodbye (the app quit): the session shows as interrupted."""
        if self.closed:
            return
        self.closed = True
        if self.client is not None:
            await self.client.close()
        if self._joined and self.state.lifecycle is not Lifecycle.ENDED:
            self._finish_session("interrupted")
        self._emit(JamUpdate(closed=True))

    def _on_outcome(self, out: MemberOutcome) -> None:
        if out.events:
            if self._joined:
                self._persist(out.events)
            self._emit(JamUpdate(events=tuple(out.events)))
            if any(isinstance(e.body, RoomEnded) for e in out.events):
                self._finish_session("ended")
                self._emit(JamUpdate(notice="The host ended the jam."))
                self._closing = asyncio.ensure_future(self.close())
        for _ref, refusal in out.refused:
            self._emit(JamUpdate(refused=refusal))
        if out.error is not None:
            log.warning("the host reported: %s %s", out.error.code, out.error.message)
            if out.error.fatal:
                self._emit(JamUpdate(notice=out.error.message))

    def _on_link(self, state: LinkState) -> None:
        notice = {
            LinkState.RECONNECTING: "Lost the connection to the host; reconnecting...",
            LinkState.GONE: "The host has gone, and the jam cannot continue.",
        }.get(state)
        if state is LinkState.CONNECTED and self._joined:
            notice = "Reconnected."
        if state is LinkState.GONE and self._joined and not self.closed:
            self._finish_session("interrupted")
        self._emit(JamUpdate(link=state, notice=notice))


async def join_jam(
    name: str,
    *,
    code: str | None = None,
    address: tuple[str, int] | None = None,
    clock: LocalClock,
    db: AsyncDatabase | None,
    mode: NetworkMode,
    discovery_timeout_s: float = 5.0,
) -> JoinedJam:
    """Join the room with ``code`` (found on the LAN) or at ``address`` (host, port).

    Raises :class:`~jamdesk.net.member_client.JoinError` with a reason fit for a student.
    """
    if code is None and address is None:
        raise JoinError("Enter the jam's code.")

    async def find_host() -> tuple[str, int]:
        if address is not None:
            return address
        assert code is not None
        try:
            ad = await find_room(code, mode, discovery_timeout_s)
        except RoomNotFoundError as exc:
            raise JoinError(str(exc)) from exc
        if ad.protocol != PROTOCOL_VERSION:
            raise JoinError(
                f"That jam runs a different version of Jamdesk (protocol "
                f"{ad.protocol}, yours {PROTOCOL_VERSION}). Update both to match."
            )
        ipv4 = [a for a in ad.addresses if ":" not in a]
        if not (ipv4 or ad.addresses):
            raise JoinError("The jam was found but gave no address to connect to.")
        return ((ipv4 or ad.addresses)[0], ad.port)

    jam = JoinedJam(name, clock, db)
    client = MemberClient(
        jam.engine,
        local_clock=clock.now_ms,
        on_outcome=jam._on_outcome,
        on_link=jam._on_link,
        find_host=find_host,
    )
    jam.client = client
    await client.join()
    if code is not None and jam.state.code != code:
        await client.close()
        raise JoinError(f"The host at that address is running jam {jam.state.code}, not {code}.")
    jam._joined = True
    jam._start_session(jam.role)
    return jam

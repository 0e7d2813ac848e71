"""An in-memory network for the Jam's transport seam (:mod:`jamdesk.app.transport`): host
services and member clients that pass the engines' real messages to each other on the event
loop, LAN adverts in a dict. A fake inside unit tests of the Jam's logic (hand-over, failover,
leaving, resuming), which then run in milliseconds; the real network is tested end to end.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from jamdesk.app.transport import Transport
from jamdesk.core.commands import Command
from jamdesk.core.events import Event
from jamdesk.core.rules import Rejected
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import RoomAd, RoomNotFoundError
from jamdesk.net.lan import HostStatus, SessionDescription
from jamdesk.net.member_client import HostRoute, JoinError, LinkState
from jamdesk.net.signal_client import SignalledAnswerer, SignalledJoin
from jamdesk.protocol.engine import HostEngine, HostOutcome
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome
from jamdesk.protocol.paths import Path

HOST = "127.0.0.1"


@dataclass
class _Link:
    """One member's link to one host."""

    name: str
    host: MemoryHost
    member: MemoryMember
    open: bool = True


@dataclass
class MemoryNet:
    """The network: serving hosts by (address, port), adverts by instance."""

    hosts: dict[tuple[str, int], MemoryHost] = field(default_factory=dict)
    adverts: dict[int, RoomAd] = field(default_factory=dict)
    browsers: list[MemoryBrowser] = field(default_factory=list)
    cut_off: set[tuple[str, int]] = field(default_factory=set)
    """Hosts cut off from the others (a network partition): they serve on, but nobody
    reaches them or sees their advert; :meth:`heal` ends it."""
    _ports: itertools.count[int] = field(default_factory=lambda: itertools.count(40_000))

    def transport(self) -> Transport:
        def host_service(
            engine: HostEngine,
            room_clock: Callable[[], int],
            on_events: Callable[[list[Event]], None],
            *,
            bind_host: str,
            ice_servers: list[str],
        ) -> MemoryHost:
            return MemoryHost(self, engine, room_clock, on_events)

        def member_client(
            engine: MemberEngine,
            *,
            local_clock: Callable[[], int],
            on_outcome: Callable[[MemberOutcome], None],
            on_link: Callable[[LinkState], None],
            find_host: Callable[[], Awaitable[HostRoute]],
            ice_servers: list[str],
            on_path: Callable[[Path], None],
        ) -> MemoryMember:
            return MemoryMember(
                self, engine, local_clock, on_outcome=on_outcome, on_link=on_link,
                find_host=find_host,
            )  # fmt: skip

        def host_signal(url: str, code: str, answer: SignalledAnswerer) -> MemoryRegistration:
            raise AssertionError("the in-memory network has no signalling server")

        return Transport(
            host_service=host_service,
            member_client=member_client,
            find_rooms=self.find_rooms,
            advertiser=lambda mode: MemoryAdvertiser(self),
            host_signal=host_signal,
            browser=lambda mode: MemoryBrowser(self),
            host_status=self.host_status,
        )

    def reachable(self, route: object) -> MemoryHost | None:
        if not isinstance(route, tuple) or route in self.cut_off:
            return None
        return self.hosts.get(route)

    async def host_status(self, address: tuple[str, int]) -> HostStatus | None:
        host = self.reachable(address)
        if host is None or host.crashed:
            return None
        people = host.engine.live_people(host.room_now())
        return HostStatus(host_id=host.engine.state.host_id, people=people)

    def heal(self) -> None:
        self.cut_off.clear()
        self.adverts_changed()

    def visible(self) -> tuple[RoomAd, ...]:
        return tuple(ad for ad in self.adverts.values() if (HOST, ad.port) not in self.cut_off)

    def adverts_changed(self) -> None:
        rooms = self.visible()
        for browser in list(self.browsers):
            asyncio.get_running_loop().call_soon(browser.changed, rooms)

    async def find_rooms(
        self, code: str, mode: NetworkMode, timeout_s: float, *, lobby: bool = False
    ) -> list[RoomAd]:
        found = [ad for ad in self.visible() if ad.code == code or ad.code is None]
        if not found:
            raise RoomNotFoundError(f"No jam with code {code} on this network.")
        return found

    def port(self) -> int:
        return next(self._ports)

    def crash(self, host: MemoryHost) -> None:
        """The host's computer is gone at once: its links drop, its advert stays (an mDNS
        record lingers until it expires)."""
        host.crashed = True
        self.hosts.pop((HOST, host.port), None)
        for link in list(host.links.values()):
            host.drop(link)


class MemoryAdvertiser:
    """A LAN advert in the net's dict."""

    def __init__(self, net: MemoryNet) -> None:
        self._net = net
        self._key = id(self)

    async def start(self, ad: RoomAd, *, probe: bool = True) -> None:
        await self.update(ad)

    async def update(self, ad: RoomAd) -> None:
        self._net.adverts[self._key] = RoomAd(**{**_fields(ad), "addresses": [HOST]})
        self._net.adverts_changed()

    async def close(self) -> None:
        self._net.adverts.pop(self._key, None)
        self._net.adverts_changed()


class MemoryBrowser:
    """The adverts visible on the net, with a call to each listener when they change."""

    def __init__(self, net: MemoryNet) -> None:
        self._net = net
        self._listeners: list[Callable[[tuple[RoomAd, ...]], None]] = []

    @property
    def rooms(self) -> tuple[RoomAd, ...]:
        return self._net.visible()

    def subscribe(self, listener: Callable[[tuple[RoomAd, ...]], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def changed(self, rooms: tuple[RoomAd, ...]) -> None:
        for listener in list(self._listeners):
            listener(rooms)

    async def start(self) -> None:
        self._net.browsers.append(self)

    async def close(self) -> None:
        if self in self._net.browsers:
            self._net.browsers.remove(self)


def _fields(ad: RoomAd) -> dict[str, object]:
    return {name: getattr(ad, name) for name in ad.__struct_fields__}


class MemoryRegistration:
    """Never made: the in-memory network is a LAN."""

    async def start(self, patience_s: float = 0.0) -> None:  # pragma: no cover
        raise AssertionError

    def list(self, listing: object) -> None:  # pragma: no cover
        raise AssertionError

    async def close(self) -> None:  # pragma: no cover
        raise AssertionError


class MemoryHost:
    """A host service: the engine's sends go to each link's member on the loop."""

    def __init__(
        self,
        net: MemoryNet,
        engine: HostEngine,
        room_clock: Callable[[], int],
        on_events: Callable[[list[Event]], None],
    ) -> None:
        self.net, self.engine = net, engine
        self._clock, self._on_events = room_clock, on_events
        self.links: dict[str, _Link] = {}
        self._names = itertools.count(1)
        self._changed = asyncio.Event()
        self.on_path: Callable[[], None] | None = None
        self.port = 0
        self.crashed = False
        self._tick: asyncio.TimerHandle | None = None

    def room_now(self) -> int:
        return self._clock()

    async def start(self) -> int:
        self.port = self.net.port()
        self.net.hosts[(HOST, self.port)] = self
        return self.port

    def open_link(self, member: MemoryMember) -> _Link:
        link = _Link(f"link{next(self._names)}", self, member)
        self.links[link.name] = link
        self.engine.link_opened(link.name, self._clock())
        return link

    def received(self, link: _Link, data: bytes) -> None:
        if link.open and not self.crashed:
            self.carry_out(self.engine.receive(link.name, data, self._clock()))

    async def command(self, cmd: Command) -> Rejected | None:
        out = self.engine.command(cmd, self._clock())
        self.carry_out(out)
        return out.refused

    def carry_out(self, out: HostOutcome) -> None:
        loop = asyncio.get_running_loop()
        for send in out.sends:
            link = self.links.get(send.link)
            if link is not None:
                loop.call_soon(link.member.received, link, send.data)
        for name in out.close:
            link = self.links.get(name)
            if link is not None:
                loop.call_soon(self.drop, link)
        if out.events:
            self._on_events(out.events)
            # As HostService's tick loop: wake when the engine has events waiting to go out.
            delay_ms = self.engine.next_wakeup(self._clock()) - self._clock()
            if self._tick is not None:
                self._tick.cancel()
            self._tick = loop.call_later(max(0, delay_ms) / 1000, self._ticked)

    def _ticked(self) -> None:
        self._tick = None
        if not self.crashed:
            self.carry_out(self.engine.tick(self._clock()))

    def drop(self, link: _Link) -> None:
        """The link closes (both ends see it)."""
        if self.links.pop(link.name, None) is None:
            return
        link.open = False
        self._changed.set()
        if not self.crashed:
            self.carry_out(self.engine.link_closed(link.name, self._clock()))
        link.member.link_closed(link)

    async def wait_no_links(self, timeout_s: float) -> bool:
        try:
            async with asyncio.timeout(timeout_s):
                while self.links:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            return False
        return True

    async def answer(
        self, offer: SessionDescription, remote: str = "", via: SignalledJoin | None = None
    ) -> SessionDescription:  # pragma: no cover - no signalling here
        raise AssertionError

    async def close(self) -> None:
        self.net.hosts.pop((HOST, self.port), None)
        for link in list(self.links.values()):
            self.drop(link)


class MemoryMember:
    """A member client: hello, the Welcome, a ping for the clock, and reconnecting to
    whichever host :func:`find_host` names when the link drops."""

    def __init__(
        self,
        net: MemoryNet,
        engine: MemberEngine,
        local_clock: Callable[[], int],
        *,
        on_outcome: Callable[[MemberOutcome], None],
        on_link: Callable[[LinkState], None],
        find_host: Callable[[], Awaitable[HostRoute]],
    ) -> None:
        self.net, self.engine = net, engine
        self._clock, self._on_outcome = local_clock, on_outcome
        self._on_link, self._find_host = on_link, find_host
        self._link: _Link | None = None
        self._welcomed: asyncio.Future[None] | None = None
        self._closing = False
        self._reconnect: asyncio.Task[None] | None = None
        self._left = asyncio.Event()
        self.link_state = LinkState.CONNECTING
        self.lost_with_server = False
        self.pake_secret = ""

    @property
    def path(self) -> Path | None:
        return Path.DIRECT if self._link is not None else None

    async def join(self, timeout_s: float = 5) -> None:
        await asyncio.wait_for(self._connect(), timeout_s)
        self._set(LinkState.CONNECTED)

    async def _connect(self) -> None:
        route = await self._find_host()
        host = self.net.reachable(route)
        if host is None:
            raise JoinError("Could not reach the host.")
        welcomed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._welcomed = welcomed
        link = host.open_link(self)
        host.received(link, self.engine.hello(self._clock()))
        host.received(link, self.engine.ping(self._clock()))
        try:
            await asyncio.wait_for(welcomed, 5)
        except TimeoutError as exc:
            raise JoinError("The host did not answer in time.") from exc
        self._link = link

    def received(self, link: _Link, data: bytes) -> None:
        if not link.open:
            return
        out = self.engine.receive(data, self._clock())
        welcomed = self._welcomed
        if welcomed is not None and not welcomed.done():
            if out.error is not None and out.error.fatal:
                welcomed.set_exception(JoinError(out.error.message))
                return
            if self.engine.state is not None and self.engine.clock.synced:
                welcomed.set_result(None)
        self._on_outcome(out)

    def send(self, cmd: Command) -> int | None:
        ref, data = self.engine.command(cmd)
        link = self._link
        if link is None or not link.open:
            return None
        asyncio.get_running_loop().call_soon(link.host.received, link, data)
        return ref

    def link_closed(self, link: _Link) -> None:
        if link is not self._link:
            return
        self._link = None
        if self._closing:
            self._left.set()
            return
        self._reconnect = asyncio.ensure_future(self._come_back())

    async def _come_back(self) -> None:
        self._set(LinkState.RECONNECTING)
        for _ in range(200):
            if self._closing:
                return
            try:
                await self._connect()
            except JoinError:
                await asyncio.sleep(0.01)  # the next host may still be starting
                continue
            self._set(LinkState.CONNECTED)
            return
        self._set(LinkState.GONE)

    async def leave(self) -> None:
        self._closing = True
        link = self._link
        if link is not None and link.open:
            asyncio.get_running_loop().call_soon(link.host.received, link, self.engine.bye())
            await asyncio.wait_for(self._left.wait(), 5)
        await self.close()

    async def close(self) -> None:
        self._closing = True
        if self._reconnect is not None and self._reconnect is not asyncio.current_task():
            self._reconnect.cancel()
        link, self._link = self._link, None
        if link is not None and link.open:
            link.host.drop(link)
        self._set(LinkState.CLOSED)

    def _set(self, state: LinkState) -> None:
        if state is not self.link_state:
            self.link_state = state
            self._on_link(state)

"""The seam between a :class:`~jamdesk.app.jam.Jam` and the network.

A jam needs seven things from below: something that serves a room (a host service), something
that links a member to its host (a member client), a way to find the rooms that carry a code
on the LAN, a LAN advertiser, a LAN browser and a probe of a host's endpoint (a host watches
for another host of its own room, and asks it whether it is alive), and a registration at a
signalling server. :class:`Transport`
holds one factory for each. :func:`network` gives the real ones (aiortc, zeroconf, aiohttp);
``tests/app/memory.py`` gives ones that link engines in memory, so hand-over, failover,
leaving and rejoining run in milliseconds without WebRTC. The relay of an internet jam sits
below the same seam, inside the real member client and host service.

The protocols below name exactly what the jam uses of each; the real classes satisfy them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from jamdesk.core.commands import Command
from jamdesk.core.events import Event
from jamdesk.core.rules import Rejected
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import Advertiser, RoomAd, RoomBrowser, find_rooms
from jamdesk.net.host_service import HostService
from jamdesk.net.lan import HostStatus, SessionDescription, host_status
from jamdesk.net.member_client import HostRoute, LinkState, MemberClient
from jamdesk.net.signal_client import HostSignal, SignalledAnswerer, SignalledJoin
from jamdesk.protocol.engine import HostEngine, HostOutcome
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome
from jamdesk.protocol.paths import Path
from jamdesk.protocol.signal import Listing


class HostLink(Protocol):
    """Serves one room (:class:`~jamdesk.net.host_service.HostService`)."""

    engine: HostEngine
    port: int
    on_path: Callable[[], None] | None

    async def start(self) -> int: ...

    async def command(self, cmd: Command) -> Rejected | None: ...

    def carry_out(self, out: HostOutcome) -> None: ...

    async def wait_no_links(self, timeout_s: float) -> bool: ...

    async def answer(
        self, offer: SessionDescription, remote: str = "", via: SignalledJoin | None = None
    ) -> SessionDescription: ...

    async def close(self) -> None: ...


class MemberLink(Protocol):
    """One member's link to its host (:class:`~jamdesk.net.member_client.MemberClient`)."""

    engine: MemberEngine
    link_state: LinkState
    lost_with_server: bool
    pake_secret: str

    @property
    def path(self) -> Path | None: ...

    async def join(self, timeout_s: float = ...) -> None: ...

    def send(self, cmd: Command) -> int | None: ...

    async def leave(self) -> None: ...

    async def close(self) -> None: ...


class Advertising(Protocol):
    """A room announced on the LAN (:class:`~jamdesk.net.discovery.Advertiser`)."""

    async def start(self, ad: RoomAd, *, probe: bool = True) -> None: ...

    async def update(self, ad: RoomAd) -> None: ...

    async def close(self) -> None: ...


class Browsing(Protocol):
    """A live list of the rooms advertised on the LAN (:class:`~jamdesk.net.discovery.
    RoomBrowser`); a host watches it for another host of its own room."""

    @property
    def rooms(self) -> tuple[RoomAd, ...]: ...

    def subscribe(self, listener: Callable[[tuple[RoomAd, ...]], None]) -> Callable[[], None]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Registration(Protocol):
    """A room registered at a signalling server (:class:`~jamdesk.net.signal_client.
    HostSignal`)."""

    async def start(self, patience_s: float = 0.0) -> None: ...

    def list(self, listing: Listing | None) -> None: ...

    async def close(self) -> None: ...


class HostServiceFactory(Protocol):
    def __call__(
        self,
        engine: HostEngine,
        room_clock: Callable[[], int],
        on_events: Callable[[list[Event]], None],
        *,
        bind_host: str,
        ice_servers: list[str],
    ) -> HostLink: ...


class MemberClientFactory(Protocol):
    def __call__(
        self,
        engine: MemberEngine,
        *,
        local_clock: Callable[[], int],
        on_outcome: Callable[[MemberOutcome], None],
        on_link: Callable[[LinkState], None],
        find_host: Callable[[], Awaitable[HostRoute]],
        ice_servers: list[str],
        on_path: Callable[[Path], None],
    ) -> MemberLink: ...


class RoomFinder(Protocol):
    def __call__(
        self, code: str, mode: NetworkMode, timeout_s: float, *, lobby: bool = False
    ) -> Awaitable[list[RoomAd]]: ...


@dataclass(frozen=True)
class Transport:
    """The factories a jam builds its network parts with (see the module text).

    ``find_rooms`` raises :class:`~jamdesk.net.discovery.RoomNotFoundError` when no room
    carries the code; ``advertiser``, ``browser`` and ``host_signal`` start nothing until
    asked; ``host_status`` gives ``None`` for a host that does not answer."""

    host_service: HostServiceFactory
    member_client: MemberClientFactory
    find_rooms: RoomFinder
    advertiser: Callable[[NetworkMode], Advertising]
    host_signal: Callable[[str, str, SignalledAnswerer], Registration]
    browser: Callable[[NetworkMode], Browsing]
    host_status: Callable[[tuple[str, int]], Awaitable[HostStatus | None]]


def network() -> Transport:
    """The real network: aiortc data channels, zeroconf, HTTP and WebSocket signalling."""
    return Transport(
        host_service=HostService,
        member_client=MemberClient,
        find_rooms=find_rooms,
        advertiser=Advertiser,
        host_signal=HostSignal,
        browser=RoomBrowser,
        host_status=host_status,
    )

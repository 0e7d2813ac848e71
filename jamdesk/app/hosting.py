"""Hosting a room from this computer: the host service over the room's log, its registration
at a signalling server, and its LAN advert (docs/ARCHITECTURE.md, "The room is an event log",
"Network"). The :class:`~jamdesk.app.jam.Jam` holds one :class:`Hosting` while it is the
host, whether it opened the room or took it over."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from jamdesk.app.advert import LanAdvert, room_ad, room_listing
from jamdesk.app.clock import LocalClock
from jamdesk.app.transport import HostLink, Registration, Transport
from jamdesk.core import codes
from jamdesk.core.events import Event
from jamdesk.core.room import RoomLog, RoomState
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import DiscoveryError, RoomAd
from jamdesk.net.lan import SignallingError
from jamdesk.protocol.engine import FANOUT_WINDOW_MS, HostEngine

log = logging.getLogger(__name__)

TAKE_OVER_PATIENCE_S = 60.0
"""How long a member who takes over waits for the signalling server to let go of the lost
host's registration (members keep trying as long: RESUME_WINDOW_MS in member_client)."""


@dataclass
class Reach:
    """How this computer reaches and is reached by the room: the address policy, where it
    listens and whether it announces the room on the LAN when hosting, the signalling
    server (if any) with the STUN/TURN servers, and the id a private room is registered
    under there (made when hosting, given when joining), and the host's fan-out window
    (:data:`~jamdesk.protocol.engine.FANOUT_WINDOW_MS` unless a benchmark sets it)."""

    mode: NetworkMode
    bind_host: str = "0.0.0.0"
    advertise: bool = True
    signal_url: str = ""
    ice_servers: list[str] = field(default_factory=list)
    relay_id: str = ""
    fanout_window_ms: int = FANOUT_WINDOW_MS


class Hosting:
    """This computer serves ``room_log`` as participant ``me``.

    Args:
        transport: what builds the host service, the advertiser and the registration.
        reach: how the room is reached (a private room's relay id is made here).
        clock: this computer's clock; ``offset_ms`` the room clock minus it (0 for the
            room's first host; a new host keeps serving the same room clock through it).
        on_events: every batch of events the service appends.
        notice: says something to the student in words.
        spawn: runs background work owned by the jam.
    """

    def __init__(
        self,
        room_log: RoomLog,
        me: str,
        *,
        transport: Transport,
        reach: Reach,
        clock: LocalClock,
        offset_ms: int,
        on_events: Callable[[list[Event]], None],
        notice: Callable[[str], None],
        spawn: Callable[[Coroutine[Any, Any, None]], object],
    ) -> None:
        self.log, self.me = room_log, me
        self.offset_ms = offset_ms
        self._transport, self._reach, self._clock = transport, reach, clock
        self._on_events, self._notice, self._spawn = on_events, notice, spawn
        self.service: HostLink | None = None
        self._signal: Registration | None = None
        self._advert: LanAdvert | None = None
        self.advert_problem: str | None = None  # why the room is not announced on the LAN

    @property
    def state(self) -> RoomState:
        return self.log.state

    @property
    def events(self) -> list[Event]:
        return self.log.events

    def room_now_ms(self) -> int:
        """The room clock now."""
        return self._clock.now_ms() + self.offset_ms

    async def start(self, *, probe: bool, on_path: Callable[[], None]) -> None:
        """Serve the room, register it at the signalling server and announce it on the LAN.
        ``probe`` (opening the room): a refused registration raises
        :class:`~jamdesk.net.lan.SignallingError` and the room does not open; taking over,
        the registration is retried in the background while LAN members come back."""
        engine = HostEngine(
            self.log,
            lambda: secrets.token_hex(8),
            now_ms=self.room_now_ms(),
            fanout_window_ms=self._reach.fanout_window_ms,
        )
        service = self._transport.host_service(
            engine,
            self.room_now_ms,
            self._on_events,
            bind_host=self._reach.bind_host,
            ice_servers=self._reach.ice_servers,
        )
        await service.start()
        service.on_path = on_path
        self.service = service
        reach = self._reach
        if reach.signal_url:
            if self.state.private and not reach.relay_id:  # listed under a random id
                reach.relay_id = codes.new_code(secrets.randbelow) + codes.new_code(
                    secrets.randbelow
                )
            signal = self._transport.host_signal(
                reach.signal_url, reach.relay_id or self.state.code, service.answer
            )
            self._signal = signal
            if reach.advertise:  # a public room is listed in the server's internet lobby
                signal.list(room_listing(self.ad()))
            if probe:
                try:
                    await signal.start()
                except SignallingError:
                    self._signal = None
                    await signal.close()
                    raise
            else:
                self._spawn(self._register_again(signal))
        if reach.advertise:
            await self._announce(probe=probe)

    async def _announce(self, *, probe: bool) -> None:
        advert = LanAdvert(self._transport.advertiser(self._reach.mode))
        try:
            await advert.start(self.ad(), probe=probe)
        except DiscoveryError as exc:  # the jam still works: joiners use the address
            log.warning("not announcing the room on the LAN: %s", exc)
            bind = self._reach.bind_host
            self.advert_problem = (
                f"{exc} Your jam's address is {bind}:{self.port}."
                if bind not in ("0.0.0.0", "::")
                else f"{exc} Your jam listens on port {self.port}."
            )
            return
        self._advert = advert

    @property
    def port(self) -> int:
        """The LAN signalling port (0 until serving)."""
        return self.service.port if self.service is not None else 0

    def ad(self) -> RoomAd:
        """The room's LAN advert now."""
        return room_ad(self.state, port=self.port, offset_ms=self.offset_ms)

    def refresh_advert(self) -> None:
        """The room changed: keep its LAN advert and internet lobby listing in step."""
        if self._advert is not None:
            self._advert.show(self.ad())
        if self._signal is not None and self._reach.advertise:
            self._signal.list(room_listing(self.ad()))

    async def _register_again(self, signal: Registration) -> None:
        """Register the room we took over, waiting while the lost host's registration (or a
        crashed server instance's claim) still holds its code."""
        try:
            await signal.start(patience_s=TAKE_OVER_PATIENCE_S)
        except SignallingError as exc:
            if self._signal is not signal:  # handed over or closed meanwhile
                return
            log.warning("could not register at %s: %s", self._reach.signal_url, exc)
            self._notice(f"People joining over the internet cannot reach this jam now: {exc}")
            return
        log.info("registered the room at %s after taking over", self._reach.signal_url)

    async def stop(self) -> None:
        """Serve no more: leave the signalling server, withdraw the advert, close links."""
        service, self.service = self.service, None
        signal, self._signal = self._signal, None
        if signal is not None:
            await signal.close()
        advert, self._advert = self._advert, None
        if advert is not None:
            await advert.close()
        if service is not None:
            await service.close()

"""Hosting a room from this computer: the host service over the room's log, its registration
at a signalling server, and its LAN advert (docs/ARCHITECTURE.md, "The room is an event log",
"Network"). The :class:`~jamdesk.app.jam.Jam` holds one :class:`Hosting` while it is the
host, whether it opened the room or took it over."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from jamdesk.app.advert import LanAdvert, room_ad, room_listing
from jamdesk.app.clock import LocalClock
from jamdesk.app.transport import Browsing, HostLink, Registration, Transport
from jamdesk.core import codes, succession
from jamdesk.core.events import Event
from jamdesk.core.room import RoomLog, RoomState
from jamdesk.net.addresses import NetworkMode
from jamdesk.net.discovery import DiscoveryError, RoomAd
from jamdesk.net.lan import SignallingError
from jamdesk.protocol.engine import FANOUT_WINDOW_MS, HostEngine

log = logging.getLogger(__name__)

TWIN_CHECK_S = 5.0
"""How often a LAN host looks again for another host of its own room (and at once whenever
the LAN's adverts change)."""

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


def lan_address(ad: RoomAd) -> tuple[str, int]:
    """Where an advertised room's LAN endpoint listens: an IPv4 address first."""
    ipv4 = [a for a in ad.addresses if ":" not in a]
    return ((ipv4 or ad.addresses)[0], ad.port)


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
        on_twin: another host of this same room answers on the LAN, and this one gives way
            to it (:func:`~jamdesk.core.succession.gives_way`); called at most once.
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
        on_twin: Callable[[RoomAd], object] | None = None,
    ) -> None:
        self.log, self.me = room_log, me
        self.offset_ms = offset_ms
        self._transport, self._reach, self._clock = transport, reach, clock
        self._on_events, self._notice, self._spawn = on_events, notice, spawn
        self.service: HostLink | None = None
        self._signal: Registration | None = None
        self._advert: LanAdvert | None = None
        self.advert_problem: str | None = None  # why the room is not announced on the LAN
        self._on_twin = on_twin
        self._twins: Browsing | None = None  # the LAN, watched for another host of the room
        self._adverts_changed = asyncio.Event()

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
            if self._advert is not None and self._on_twin is not None:
                await self._watch_for_twins()

    async def _watch_for_twins(self) -> None:
        """Watch the LAN for another host of this room: a member cut off from us that took
        over, or the successor that did while we were frozen. One of the two gives way."""
        browser = self._transport.browser(self._reach.mode)
        browser.subscribe(lambda _rooms: self._adverts_changed.set())
        try:
            await browser.start()
        except DiscoveryError as exc:
            log.warning("not watching the LAN for another host of this room: %s", exc)
            return
        self._twins = browser
        self._spawn(self._check_twins(browser))

    async def _check_twins(self, browser: Browsing) -> None:
        """Every :data:`TWIN_CHECK_S`, and whenever the adverts change: an advert of this
        room by someone this host could give way to is asked whether its host is alive
        (a dead or frozen host's advert lingers) and how many it has; the rule decides."""
        while self._twins is browser and self.service is not None:
            self._adverts_changed.clear()
            for ad in browser.rooms:
                if not self._could_give_way(ad):
                    continue
                status = await self._transport.host_status(lan_address(ad))
                if status is None or status.host_id != ad.host_id or self.service is None:
                    continue
                if self._gives_way((ad.host_id, status.people)):
                    log.info(
                        "%s also hosts this room (%d here): giving way", ad.host_id, status.people
                    )
                    on_twin, self._on_twin = self._on_twin, None
                    if on_twin is not None:
                        on_twin(ad)
                    return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._adverts_changed.wait(), TWIN_CHECK_S)

    def _could_give_way(self, ad: RoomAd) -> bool:
        """Whether ``ad`` is of this room and by someone this host would give way to, if it
        answered with a large enough room (asked only then)."""
        state = self.state
        same_room = ad.code == state.code if ad.code else state.private
        return same_room and bool(ad.addresses) and self._gives_way((ad.host_id, 1 << 30))

    def _gives_way(self, other: tuple[str, int]) -> bool:
        service = self.service
        if service is None:
            return False
        mine = service.engine.live_people(self.room_now_ms())
        return succession.gives_way(self.state, self.log.events, self.me, other, mine)

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
        twins, self._twins = self._twins, None
        self._adverts_changed.set()
        if twins is not None:
            await twins.close()
        if service is not None:
            await service.close()

"""LAN discovery with zeroconf (mDNS/DNS-SD, RFC 6762/6763).

A host advertises its room as an instance of :data:`SERVICE_TYPE` whose TXT record carries the
room's title, discipline, session type, host name, participant count, lifecycle, host id and
timer anchor, and for a public room only, the join code (docs/ARCHITECTURE.md, "Network": a private
room's code is never advertised, and its title and host only when the host chooses). The
instance name is random so that it says nothing about the code either.

Browsing uses ``DNSQuestionType.QM`` (multicast answers): with the default QU question a
browser on the same host waits about 1.1 s because the unicast reply to a shared port 5353 is
lost; QM finds the room in 0.1 to 0.2 s.

Real networks, handled here (python-zeroconf's documented behaviour):

- python-zeroconf does not notice interfaces that come and go (Wi-Fi); its
  ``async_update_interfaces`` exists and the app must call it. :class:`Advertiser` and
  :class:`RoomBrowser` check the host's addresses every :data:`NETWORK_CHECK_S` and, on a
  change, call it and re-advertise with the new addresses (``InterfaceChoice.All`` decides
  where announcements go, not which addresses are advertised).
- Port 5353 is usually shared (zeroconf sets ``SO_REUSEADDR``/``SO_REUSEPORT``, as the system
  responders of macOS and Windows allow). Where another program holds it exclusively, browsing
  falls back to zeroconf's unicast mode (queries from an ephemeral port; responders answer
  them by unicast, RFC 6762 section 6.7) and advertising fails with :class:`DiscoveryError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable

import msgspec
from zeroconf import DNSQuestionType, InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from jamdesk.core.kinds import TimerMode
from jamdesk.core.pomodoro import PlanError, PomodoroPlan
from jamdesk.core.timer import TimerAnchor, TimerError
from jamdesk.net.addresses import LOOPBACK, NetworkMode, host_addresses
from jamdesk.net.waiting import wait_until
from jamdesk.protocol.messages import PROTOCOL_VERSION

log = logging.getLogger(__name__)

SERVICE_TYPE = "_jamdesk._tcp.local."
RESOLVE_TIMEOUT_MS = 3_000
NETWORK_CHECK_S = 5.0
"""How often the host's addresses are compared with the last ones (interfaces come and go)."""
ADVERT_TTL_S = 60
"""TTL of our records. RFC 6762 suggests 75 minutes for PTR and TXT records, but a room whose
host crashed (no goodbye) would then linger in every lobby for that long; a minute costs a
refresh query per room every ~50 s, nothing on a LAN."""
PRIVATE_SETTLE_S = 1.5
"""After the first private room shows up, how long to wait for more before trying them."""
_TXT_VALUE_MAX = 200  # bytes; a TXT string holds at most 255 (RFC 6763 section 6.1)


class _OneLineSocketErrors(logging.Filter):
    """Drops the traceback from zeroconf's "Error with socket ..." warnings (the message
    stays): a socket whose address just vanished fails its next send until the network watch
    rebuilds the sockets, which is expected when Wi-Fi comes and goes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Error with socket"):
            record.exc_info = None
            record.exc_text = None
        return True


_SOCKET_ERRORS = _OneLineSocketErrors()


def quiet_socket_errors() -> None:
    """Log zeroconf's socket errors as one line each (see :class:`_OneLineSocketErrors`).
    Idempotent."""
    zc_log = logging.getLogger("zeroconf")
    if _SOCKET_ERRORS not in zc_log.filters:
        zc_log.addFilter(_SOCKET_ERRORS)


class RoomNotFoundError(LookupError):
    """No room with the code answered on this network in time; the message says so plainly."""


class DiscoveryError(OSError):
    """The LAN cannot be used for discovery here; the message says why in plain words."""


class RoomAd(msgspec.Struct, frozen=True):
    """What a room tells the LAN about itself.

    ``code`` is ``None`` for a private room, whose ``title``, ``host_name`` and ``discipline``
    are empty unless its host chose to show them. ``addresses`` and ``port`` are where its LAN
    signalling endpoint listens. ``timer`` is the room's timer anchor with its instants on the
    *advertising computer's* clock (Unix ms), so a browser computes the time left with its
    own clock, to within how far the two clocks disagree. ``lobby`` marks the LAN's lobby
    room. ``name`` is the mDNS instance name (set when browsed; it identifies one advert).
    """

    title: str
    session_type: str
    host_name: str
    count: int
    lifecycle: str
    code: str | None
    addresses: list[str] = msgspec.field(default_factory=list)
    port: int = 0
    protocol: int = PROTOCOL_VERSION
    host_id: str = ""
    discipline: str = ""
    lobby: bool = False
    timer: TimerAnchor | None = None
    name: str = ""

    @property
    def private(self) -> bool:
        """A private room: its code is a password and is not advertised."""
        return self.code is None

    def txt(self) -> dict[str, str]:
        """The TXT properties (UTF-8 values cut to fit one TXT string each)."""
        props = {
            "v": str(self.protocol),
            "type": self.session_type,
            "n": str(self.count),
            "st": self.lifecycle,
            "priv": "0" if self.code else "1",
            "hid": self.host_id,
        }
        optional = {
            "title": self.title,
            "host": self.host_name,
            "d": self.discipline,
            "code": self.code or "",
            "tm": anchor_to_txt(self.timer) if self.timer is not None else "",
            "lobby": "1" if self.lobby else "",
        }
        props.update({k: v for k, v in optional.items() if v})
        return {k: _cut(v) for k, v in props.items()}

    @classmethod
    def from_info(cls, info: AsyncServiceInfo) -> RoomAd | None:
        """Parse a resolved service; ``None`` for anything malformed (logged, never raised)."""
        try:
            props = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
            return cls(
                title=props.get("title", ""),
                session_type=props["type"],
                host_name=props.get("host", ""),
                count=int(props["n"]),
                lifecycle=props["st"],
                code=props.get("code") if props.get("priv") == "0" else None,
                addresses=info.parsed_scoped_addresses(),
                port=int(info.port or 0),
                protocol=int(props["v"]),
                host_id=props.get("hid", ""),
                discipline=props.get("d", ""),
                lobby=props.get("lobby") == "1",
                timer=anchor_from_txt(props["tm"]) if props.get("tm") else None,
                name=info.name,
            )
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            log.warning("ignoring malformed room advert %s: %s", info.name, exc)
            return None


_MODES = {TimerMode.COUNTDOWN: "c", TimerMode.STOPWATCH: "s", TimerMode.POMODORO: "p"}


def anchor_to_txt(anchor: TimerAnchor) -> str:
    """A timer anchor in a few bytes for a TXT string:
    ``mode,running,started_at,banked[,duration][,focus,short,long,every]`` (``-`` for none).
    """
    fields = [
        _MODES[anchor.mode],
        "1" if anchor.running else "0",
        "-" if anchor.started_at_ms is None else str(anchor.started_at_ms),
        str(anchor.banked_ms),
    ]
    if anchor.duration_ms is not None:
        fields.append(str(anchor.duration_ms))
    if anchor.plan is not None:
        p = anchor.plan
        fields += [str(p.focus_ms), str(p.short_break_ms), str(p.long_break_ms), str(p.long_every)]
    return ",".join(fields)


def anchor_from_txt(text: str) -> TimerAnchor:
    """Parse :func:`anchor_to_txt`'s form. Raises ``ValueError`` on anything else."""
    parts = text.split(",")
    modes = {v: k for k, v in _MODES.items()}
    if len(parts) < 4 or parts[0] not in modes or parts[1] not in ("0", "1"):
        raise ValueError(f"not a timer: {text[:40]!r}")
    mode = modes[parts[0]]
    extra = [int(x) for x in parts[4:]]
    expected = {TimerMode.COUNTDOWN: 1, TimerMode.STOPWATCH: 0, TimerMode.POMODORO: 4}[mode]
    if len(extra) != expected:
        raise ValueError(f"not a timer: {text[:40]!r}")
    try:
        return TimerAnchor(
            mode=mode,
            running=parts[1] == "1",
            started_at_ms=None if parts[2] == "-" else int(parts[2]),
            banked_ms=int(parts[3]),
            duration_ms=extra[0] if mode is TimerMode.COUNTDOWN else None,
            plan=PomodoroPlan(*extra) if mode is TimerMode.POMODORO else None,
        )
    except (TimerError, PlanError) as exc:
        raise ValueError(str(exc)) from exc


def _cut(value: str) -> str:
    data = value.encode()[:_TXT_VALUE_MAX]
    return data.decode("utf-8", errors="ignore")


def _zeroconf(mode: NetworkMode, *, browse_only: bool = False) -> AsyncZeroconf:
    """A zeroconf instance for ``mode``. Raises :class:`DiscoveryError` when port 5353 cannot
    be had (a browser then falls back to unicast mode; see the module docstring)."""
    loopback = host_addresses(mode) == [LOOPBACK]  # no other address, IPv4 or IPv6
    kwargs: dict[str, object] = (
        {"interfaces": [LOOPBACK], "ip_version": IPVersion.V4Only}
        if loopback
        else {"interfaces": InterfaceChoice.All, "ip_version": IPVersion.All}
    )
    try:
        try:
            return AsyncZeroconf(**kwargs)  # type: ignore[arg-type]
        except OSError:
            if kwargs.get("ip_version") is not IPVersion.All:
                raise
            log.info("mDNS over IPv6 is not possible here; using IPv4 only")
            kwargs["ip_version"] = IPVersion.V4Only
            return AsyncZeroconf(**kwargs)  # type: ignore[arg-type]
    except OSError as exc:
        if not browse_only:
            raise DiscoveryError(
                "Another program holds the network port for finding rooms (5353), so this "
                "jam cannot be announced on your network. Others can still join it with "
                f"its address. ({exc.strerror or exc})"
            ) from exc
        log.warning("port 5353 is taken (%s); browsing in unicast mode", exc)
    try:
        return AsyncZeroconf(unicast=True, **kwargs)  # type: ignore[arg-type]
    except OSError as exc:
        raise DiscoveryError(
            f"Cannot look for rooms on this network: {exc.strerror or exc}."
        ) from exc


class _NetworkWatch:
    """Calls ``on_change`` when the host's addresses differ from the last look."""

    def __init__(self, mode: NetworkMode, on_change: Callable[[list[str]], object]) -> None:
        self._mode = mode
        self._on_change = on_change
        self.addresses = host_addresses(mode)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="jamdesk-network-watch")

    async def check(self) -> bool:
        """Look now; returns whether the addresses changed (and ``on_change`` ran)."""
        now = host_addresses(self._mode)
        if now == self.addresses:
            return False
        log.info("network addresses changed: %s -> %s", self.addresses, now)
        self.addresses = now
        result = self._on_change(now)
        if asyncio.iscoroutine(result):
            await result
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(NETWORK_CHECK_S)
            try:
                await self.check()
            except Exception:
                log.exception("following a network change failed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class Advertiser:
    """Announces one room and keeps its TXT record and addresses current."""

    def __init__(self, mode: NetworkMode) -> None:
        self._mode = mode
        self._zc: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None
        self._ad: RoomAd | None = None
        token = secrets.token_hex(4)
        self._instance = f"jam-{token}.{SERVICE_TYPE}"
        self._server = f"jamdesk-{token}.local."  # updates need it; registration would guess
        self._watch = _NetworkWatch(mode, self._network_changed)

    def _service_info(self, ad: RoomAd) -> AsyncServiceInfo:
        return AsyncServiceInfo(
            SERVICE_TYPE,
            self._instance,
            port=ad.port,
            properties=ad.txt(),
            parsed_addresses=self._watch.addresses,
            server=self._server,
            host_ttl=ADVERT_TTL_S,
            other_ttl=ADVERT_TTL_S,
        )

    async def start(self, ad: RoomAd, *, probe: bool = True) -> None:
        """Register the room. RFC 6762 probing takes about 1.2 s; a host taking over a room
        skips it (``probe=False``: its instance name is fresh and random) to keep failover
        short, and its first announcement goes out at once.

        Raises :class:`DiscoveryError` when the LAN cannot be used."""
        self._zc = _zeroconf(self._mode)
        self._ad = ad
        self._info = self._service_info(ad)
        await self._zc.async_register_service(self._info, cooperating_responders=not probe)
        self._watch.start()

    async def update(self, ad: RoomAd) -> None:
        """Announce a changed TXT record (count, lifecycle, timer)."""
        if self._zc is None:
            return
        self._ad = ad
        self._info = self._service_info(ad)
        await self._zc.async_update_service(self._info)

    async def _network_changed(self, _addresses: list[str]) -> None:
        if self._zc is None or self._ad is None:
            return
        await self._zc.zeroconf.async_update_interfaces()
        await self.update(self._ad)

    async def close(self) -> None:
        """Say goodbye on the LAN and stop."""
        await self._watch.close()
        zc, self._zc = self._zc, None
        if zc is not None:
            with contextlib.suppress(Exception):
                await zc.async_unregister_all_services()
            await zc.async_close()


RoomsListener = Callable[[tuple[RoomAd, ...]], None]


class RoomBrowser:
    """Keeps a live list of the rooms advertised on the LAN.

    ``on_change`` is called (on the event loop) with a fresh tuple of every resolved
    :class:`RoomAd` whenever a room appears, changes or goes (a goodbye, or its record's TTL
    running out). Adverts of another protocol version are listed too (the UI says so).
    """

    def __init__(self, mode: NetworkMode, on_change: RoomsListener | None = None) -> None:
        self._mode = mode
        self._listeners: list[RoomsListener] = [on_change] if on_change else []
        self._rooms: dict[str, RoomAd] = {}
        self._azc: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._generation: dict[str, int] = {}
        self._changed = asyncio.Event()
        self._watch = _NetworkWatch(mode, self._network_changed)

    @property
    def rooms(self) -> tuple[RoomAd, ...]:
        """Every room resolved so far, in the order first seen."""
        return tuple(self._rooms.values())

    def subscribe(self, listener: RoomsListener) -> Callable[[], None]:
        """Call ``listener`` on every change; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def start(self) -> None:
        """Start browsing. Raises :class:`DiscoveryError` when the LAN cannot be used."""
        self._azc = _zeroconf(self._mode, browse_only=True)
        self._browser = AsyncServiceBrowser(
            self._azc.zeroconf,
            SERVICE_TYPE,
            handlers=[self._on_service],
            question_type=DNSQuestionType.QM,
        )
        self._watch.start()

    async def wait_for(
        self, predicate: Callable[[tuple[RoomAd, ...]], bool], timeout_s: float
    ) -> bool:
        """Wait until ``predicate(rooms)`` holds, at most ``timeout_s``; returns whether it
        did."""
        return await wait_until(lambda: predicate(self.rooms), self._changed, timeout_s)

    async def close(self) -> None:
        """Stop browsing."""
        await self._watch.close()
        for task in list(self._pending):
            task.cancel()
        if self._browser is not None:
            await self._browser.async_cancel()
            self._browser = None
        if self._azc is not None:
            await self._azc.async_close()
            self._azc = None

    def _on_service(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        generation = self._generation.get(name, 0) + 1
        self._generation[name] = generation
        if state_change is ServiceStateChange.Removed:
            if self._rooms.pop(name, None) is not None:
                self._notify()
            return
        task = asyncio.ensure_future(self._resolve(name, generation))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _resolve(self, name: str, generation: int) -> None:
        if self._azc is None:
            return
        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if not await info.async_request(
            self._azc.zeroconf, RESOLVE_TIMEOUT_MS, question_type=DNSQuestionType.QM
        ):
            return
        ad = RoomAd.from_info(info)
        if ad is None or self._generation.get(name) != generation:
            return  # malformed, or removed or changed again while we resolved
        if self._rooms.get(name) != ad:
            self._rooms[name] = ad
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        rooms = self.rooms
        for listener in list(self._listeners):
            try:
                listener(rooms)
            except Exception:
                log.exception("a room list listener failed")

    async def _network_changed(self, _addresses: list[str]) -> None:
        if self._azc is not None:
            await self._azc.zeroconf.async_update_interfaces()


async def find_rooms(
    code: str,
    mode: NetworkMode,
    timeout_s: float = 5.0,
    *,
    lobby: bool = False,
) -> list[RoomAd]:
    """The rooms that may be the one with ``code``: the public room advertising it, or else
    every private room found (a private room's code is not advertised, so the joiner tries
    each, proving the code by PAKE). Only lobby rooms when ``lobby`` (a lobby member finding
    its lobby again), else never a lobby.

    Raises :class:`RoomNotFoundError` after ``timeout_s`` without a candidate, or
    :class:`DiscoveryError`.
    """

    def public(ad: RoomAd) -> bool:
        return ad.code == code and ad.lobby == lobby

    def private(ad: RoomAd) -> bool:
        return ad.private and ad.lobby == lobby

    browser = RoomBrowser(mode)
    await browser.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        await browser.wait_for(lambda rooms: any(public(r) or private(r) for r in rooms), timeout_s)
        if not any(public(r) for r in browser.rooms) and any(private(r) for r in browser.rooms):
            # A private room showed up: give the public one a moment still, and more
            # private ones the chance to answer too.
            settle = min(PRIVATE_SETTLE_S, max(0.0, deadline - loop.time()))
            await browser.wait_for(lambda rooms: any(public(r) for r in rooms), settle)
        found = [r for r in browser.rooms if public(r)] or [r for r in browser.rooms if private(r)]
    finally:
        await browser.close()
    if not found:
        raise RoomNotFoundError(
            f"No jam with code {code} was found on this network. Check the code, and that you "
            f"are on the same Wi-Fi or network as the host."
        )
    return found

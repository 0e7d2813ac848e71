"""LAN discovery with zeroconf (mDNS/DNS-SD, RFC 6762/6763).

A host advertises its room as an instance of :data:`SERVICE_TYPE` whose TXT record carries the
room's title, session type, host name, participant count, lifecycle and, for a public room only,
the join code (design page, "Network": a private room's code is never advertised). The
instance name is random so that it says nothing about the code either.

``join CODE`` browses with ``DNSQuestionType.QM`` (multicast answers): with the default QU
question a browser on the same host waits about 1.1 s because the unicast reply to a shared
port 5353 is lost; QM finds the room in 0.1 to 0.2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

import msgspec
from zeroconf import DNSQuestionType, InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from jamdesk.net.addresses import LOOPBACK, NetworkMode, host_addresses
from jamdesk.protocol.messages import PROTOCOL_VERSION

log = logging.getLogger(__name__)

SERVICE_TYPE = "_jamdesk._tcp.local."
RESOLVE_TIMEOUT_MS = 3_000
_TXT_VALUE_MAX = 200  # bytes; a TXT string holds at most 255 (RFC 6763 section 6.1)


class RoomNotFoundError(LookupError):
    """No room with the code answered on this network in time; the message says so plainly."""


class RoomAd(msgspec.Struct, frozen=True):
    """What a room tells the LAN about itself.

    ``code`` is ``None`` for a private room. ``addresses`` and ``port`` are where its LAN
    signalling endpoint listens.
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

    def txt(self) -> dict[str, str]:
        """The TXT properties (UTF-8 values cut to fit one TXT string each)."""
        props = {
            "v": str(self.protocol),
            "title": self.title,
            "type": self.session_type,
            "host": self.host_name,
            "n": str(self.count),
            "st": self.lifecycle,
            "priv": "0" if self.code else "1",
        }
        if self.code:
            props["code"] = self.code
        return {k: _cut(v) for k, v in props.items()}

    @classmethod
    def from_info(cls, info: AsyncServiceInfo) -> RoomAd | None:
        """Parse a resolved service; ``None`` for anything malformed (logged, never raised)."""
        try:
            props = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
            return cls(
                title=props["title"],
                session_type=props["type"],
                host_name=props["host"],
                count=int(props["n"]),
                lifecycle=props["st"],
                code=props.get("code") if props.get("priv") == "0" else None,
                addresses=info.parsed_scoped_addresses(),
                port=int(info.port or 0),
                protocol=int(props["v"]),
            )
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            log.warning("ignoring malformed room advert %s: %s", info.name, exc)
            return None


def _cut(value: str) -> str:
    data = value.encode()[:_TXT_VALUE_MAX]
    return data.decode("utf-8", errors="ignore")


def _zeroconf(mode: NetworkMode) -> AsyncZeroconf:
    if host_addresses(mode, use_ipv6=False) == [LOOPBACK]:
        return AsyncZeroconf(interfaces=[LOOPBACK], ip_version=IPVersion.V4Only)
    return AsyncZeroconf(interfaces=InterfaceChoice.All)


class Advertiser:
    """Announces one room and keeps its TXT record current."""

    def __init__(self, mode: NetworkMode) -> None:
        self._mode = mode
        self._zc: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None
        token = secrets.token_hex(4)
        self._instance = f"jam-{token}.{SERVICE_TYPE}"
        self._server = f"jamdesk-{token}.local."  # updates need it; registration would guess

    def _service_info(self, ad: RoomAd) -> AsyncServiceInfo:
        return AsyncServiceInfo(
            SERVICE_TYPE,
            self._instance,
            port=ad.port,
            properties=ad.txt(),
            parsed_addresses=host_addresses(self._mode),
            server=self._server,
        )

    async def start(self, ad: RoomAd, *, probe: bool = True) -> None:
        """Register the room. RFC 6762 probing takes about 1.2 s; a host taking over a room
        skips it (``probe=False``: its instance name is fresh and random) to keep failover
        short, and its first announcement goes out at once."""
        self._zc = _zeroconf(self._mode)
        self._info = self._service_info(ad)
        await self._zc.async_register_service(self._info, cooperating_responders=not probe)

    async def update(self, ad: RoomAd) -> None:
        """Announce a changed TXT record (count, lifecycle)."""
        if self._zc is None:
            return
        self._info = self._service_info(ad)
        await self._zc.async_update_service(self._info)

    async def close(self) -> None:
        """Say goodbye on the LAN and stop."""
        zc, self._zc = self._zc, None
        if zc is not None:
            with contextlib.suppress(Exception):
                await zc.async_unregister_all_services()
            await zc.async_close()


async def find_room(
    code: str,
    mode: NetworkMode,
    timeout_s: float = 5.0,
    host_id: str | None = None,
    not_host_id: str | None = None,
) -> RoomAd:
    """Browse the LAN for the public room with ``code`` (served by ``host_id`` if given, and
    not by ``not_host_id``: after a host change the old host's record may still linger).

    Raises :class:`RoomNotFoundError` after ``timeout_s`` without a match.
    """
    azc = _zeroconf(mode)
    found: asyncio.Future[RoomAd] = asyncio.get_running_loop().create_future()
    pending: set[asyncio.Task[None]] = set()

    async def resolve(name: str) -> None:
        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if not await info.async_request(
            azc.zeroconf, RESOLVE_TIMEOUT_MS, question_type=DNSQuestionType.QM
        ):
            return
        ad = RoomAd.from_info(info)
        if ad is None or ad.code != code or found.done():
            return
        if (host_id and ad.host_id != host_id) or (not_host_id and ad.host_id == not_host_id):
            return
        found.set_result(ad)

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change in (ServiceStateChange.Added, ServiceStateChange.Updated):
            task = asyncio.ensure_future(resolve(name))
            pending.add(task)
            task.add_done_callback(pending.discard)

    browser = AsyncServiceBrowser(
        azc.zeroconf, SERVICE_TYPE, handlers=[on_change], question_type=DNSQuestionType.QM
    )
    try:
        return await asyncio.wait_for(found, timeout_s)
    except TimeoutError:
        raise RoomNotFoundError(
            f"No jam with code {code} was found on this network. Check the code, and that you "
            f"are on the same Wi-Fi or network as the host."
        ) from None
    finally:
        for task in pending:
            task.cancel()
        await browser.async_cancel()
        await azc.async_close()

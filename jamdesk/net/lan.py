"""LAN signalling: the host's small HTTP endpoint where a joiner trades SDP offer for answer.

``POST /v1/offer`` with JSON ``{"protocol": 1, "sdp": "...", "type": "offer"}`` answers
``{"sdp": "...", "type": "answer"}``; errors answer JSON ``{"error": "..."}`` with a 4xx status.
``GET /v1/health`` answers ``{"ok": true, "protocol": N, "host_id": "...", "people": N}``: a
host that answers is alive now (a dead or frozen host's mDNS advert can linger), and says
who it is and how many are in its room (what its advert says, but fresh).
Bodies over :data:`MAX_BODY_BYTES` are refused by aiohttp itself (``client_max_size``).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable

import aiohttp
import msgspec
from aiohttp import web

from jamdesk.protocol.messages import PROTOCOL_VERSION

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
OFFER_PATH = "/v1/offer"


class SessionDescription(msgspec.Struct, frozen=True):
    """An SDP offer or answer as it travels over HTTP. For a private room, the offer carries
    the joiner's SPAKE2 message (``pake``) and the answer the host's message and its
    fingerprint ``proof`` (:mod:`jamdesk.protocol.pake`): the code itself never travels."""

    sdp: str
    type: str
    protocol: int = PROTOCOL_VERSION
    pake: str = ""
    proof: str = ""
    tunnel: str = ""
    """Through a signalling server only: a tunnel key for the relay session
    (:mod:`jamdesk.protocol.tunnel`), the joiner's in an offer, the host's in an answer."""


class HostStatus(msgspec.Struct, frozen=True):
    """Who serves a room now and how many are present in it (``GET /v1/health``)."""

    host_id: str = ""
    people: int = 0


OfferHandler = Callable[[SessionDescription, str], Awaitable[SessionDescription]]
"""Answers an offer; the second argument is the joiner's address (for rate limits)."""


class HostBusyError(ValueError):
    """The host will not take this joiner now (too many at once, or too many tries at a
    private code); ``str()`` says so in words for the student. The endpoint answers 503
    with those words and ``Retry-After``."""


class SignallingError(ConnectionError):
    """The host's signalling endpoint could not be reached or refused the offer."""


class LanSignallingServer:
    """Serves :data:`OFFER_PATH` on ``host``:ephemeral port, calling ``on_offer`` per joiner."""

    def __init__(
        self,
        on_offer: OfferHandler,
        host: str = "0.0.0.0",
        status: Callable[[], HostStatus] | None = None,
    ) -> None:
        self._on_offer = on_offer
        self._status = status
        self._host = host
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> int:
        """Start listening; returns the port chosen by the system."""
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(OFFER_PATH, self._offer)
        app.router.add_get("/v1/health", self._health)
        # A joiner sends its offer at once: a connection silent 10 s is closed (aiohttp's
        # keep-alive timeout runs from the moment a connection opens).
        self._runner = web.AppRunner(app, access_log=None, keepalive_timeout=10.0)
        await self._runner.setup()
        sock = _listen_socket(self._host)
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.port = int(sock.getsockname()[1])
        return self.port

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, _request: web.Request) -> web.Response:
        status = self._status() if self._status is not None else HostStatus()
        return web.json_response(
            {"ok": True, "protocol": PROTOCOL_VERSION, **msgspec.to_builtins(status)}
        )

    async def _offer(self, request: web.Request) -> web.Response:
        try:
            offer = msgspec.json.decode(await request.read(), type=SessionDescription)
        except (msgspec.DecodeError, ValueError) as exc:
            log.info("bad offer from %s: %s", request.remote, exc)
            return web.json_response({"error": "That was not an SDP offer."}, status=400)
        if offer.protocol != PROTOCOL_VERSION:
            return web.json_response(
                {
                    "error": f"This jam uses Jamdesk protocol {PROTOCOL_VERSION} and your app uses "
                    f"{offer.protocol}. Update Jamdesk on both computers."
                },
                status=409,
            )
        if offer.type != "offer":
            return web.json_response({"error": "Expected an SDP offer."}, status=400)
        try:
            answer = await self._on_offer(offer, request.remote or "")
        except HostBusyError as exc:
            headers = {"Retry-After": "5"}
            return web.json_response({"error": str(exc)}, status=503, headers=headers)
        except ValueError as exc:
            log.info("unusable offer from %s: %s", request.remote, exc)
            return web.json_response({"error": "The offer could not be used."}, status=400)
        return web.json_response(msgspec.to_builtins(answer))


async def post_offer(
    address: tuple[str, int], offer: SessionDescription, timeout_s: float = 10.0
) -> SessionDescription:
    """Send ``offer`` to the host at ``address``; returns its answer.

    Raises :class:`SignallingError` with a message fit for a student on any failure.
    """
    host, port = address
    url = f"http://{_bracket(host)}:{port}{OFFER_PATH}"
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                url, data=msgspec.json.encode(offer), headers={"Content-Type": "application/json"}
            ) as response,
        ):
            body = await response.read()
            if response.status != 200:
                try:
                    reason = str(msgspec.json.decode(body).get("error", ""))
                except (msgspec.DecodeError, AttributeError):
                    reason = ""
                raise SignallingError(reason or f"The host answered HTTP {response.status}.")
            return msgspec.json.decode(body, type=SessionDescription)
    except SignallingError:
        raise  # the host's own words (busy, another version): an OSError, not a lost host
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise SignallingError(f"Could not reach the host at {host}:{port}.") from exc
    except msgspec.DecodeError as exc:
        raise SignallingError("The host sent an answer Jamdesk cannot read.") from exc


async def host_status(address: tuple[str, int], timeout_s: float = 2.0) -> HostStatus | None:
    """Ask the host at ``address`` who it is and how many are in its room; ``None`` when it
    does not answer within ``timeout_s`` (gone, frozen, or not a Jamdesk host). Never
    raises for a network failure."""
    host, port = address
    url = f"http://{_bracket(host)}:{port}/v1/health"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.get(url) as response,
        ):
            if response.status != 200:
                return None
            body = await response.content.read(4096)
            return msgspec.json.decode(body, type=HostStatus)
    except (aiohttp.ClientError, OSError, TimeoutError, msgspec.DecodeError):
        return None


def _listen_socket(host: str) -> socket.socket:
    """A listening TCP socket on an ephemeral port. ``0.0.0.0`` (every interface) becomes one
    dual-stack socket on ``::`` (RFC 3493 section 5.3, ``IPV6_V6ONLY`` off), so IPv4 and IPv6
    joiners reach the same port; where the system has no IPv6 it stays IPv4 only."""
    if host == "0.0.0.0":
        try:
            sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(("::", 0))
        except OSError as exc:
            log.info("no IPv6 here (%s); listening on IPv4 only", exc)
        else:
            sock.listen(128)
            sock.setblocking(False)
            return sock
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host

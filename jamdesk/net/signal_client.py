"""Reaching a jam through a signalling URL (``jamdesk signal``) instead of the LAN endpoint.

The host keeps one WebSocket to the server (:class:`HostSignal`): it registers the room's
code, and answers each joiner's SDP offer that the server hands it, exactly as the LAN
endpoint would. A joiner trades its offer for the host's answer in one short WebSocket
(:func:`exchange`). After that the peers talk directly over WebRTC; the server relays SDP
only. Messages: :mod:`jamdesk.protocol.signal`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import aiohttp

from jamdesk.net.lan import OfferHandler, SessionDescription, SignallingError
from jamdesk.protocol import pake
from jamdesk.protocol.signal import (
    Answer,
    Failure,
    Join,
    Offer,
    Register,
    Registered,
    SignalError,
    decode_signal,
    encode_signal,
)

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
RETRY_S = (0.5, 1.0, 2.0, 5.0)
HELD_RETRY_S = 1.0
"""How often :meth:`HostSignal.start` asks again for a code the server still holds."""


@dataclass(frozen=True)
class SignalRoute:
    """Where a joiner reaches the room: the server's URL and the id the room is registered
    under (a public room's code); ``secret`` is a private room's code, proved by PAKE and
    never sent (:mod:`jamdesk.protocol.pake`)."""

    url: str
    code: str
    secret: str = ""


class AlteredError(SignallingError):
    """The PAKE proof failed: a wrong code, or the SDP was altered on the way."""


class RefusedError(SignallingError):
    """The server refused a registration: ``code`` is its failure code (``code_taken``,
    ``unavailable``, ...; :mod:`jamdesk.protocol.signal`), the text its words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def ws_url(url: str) -> str:
    """``http(s)://host:port[/]`` (or ``ws(s)://``) to the server's WebSocket URL."""
    base = url.rstrip("/")
    if base.startswith("http"):
        base = "ws" + base[len("http") :]
    return base if base.endswith("/v1/ws") else f"{base}/v1/ws"


async def exchange(route: SignalRoute, offer: SessionDescription) -> tuple[SessionDescription, str]:
    """Send ``offer`` to the room's host through the server; returns the host's answer and,
    for a private room, the proof our hello must carry ("" otherwise).

    Raises :class:`~jamdesk.net.lan.SignallingError` in words (server unreachable, no such
    room, no answer in time), :class:`AlteredError` when the host's proof fails."""
    joiner = pake.JoinerPake(route.secret) if route.secret else None
    join = Join(code=route.code, sdp=offer.sdp, pake=joiner.message if joiner else "")
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S * 2)) as session,
            session.ws_connect(ws_url(route.url)) as ws,
        ):
            await ws.send_str(encode_signal(join))
            reply = decode_signal(await ws.receive_str(timeout=TIMEOUT_S * 2))
    except (aiohttp.ClientError, OSError, TimeoutError, TypeError) as exc:
        raise SignallingError(f"Could not reach the signalling server at {route.url}.") from exc
    except SignalError as exc:
        raise SignallingError("The signalling server sent something Jamdesk cannot read.") from exc
    if isinstance(reply, Failure):
        raise SignallingError(reply.message)
    if not isinstance(reply, Answer):
        raise SignallingError("The signalling server answered out of turn.")
    answer = SessionDescription(sdp=reply.sdp, type="answer")
    if joiner is None:
        return answer, ""
    return answer, conclude(joiner, offer, reply.sdp, reply.pake, reply.proof)


def conclude(
    joiner: pake.JoinerPake,
    offer: SessionDescription,
    answer_sdp: str,
    host_message: str,
    host_proof: str,
) -> str:
    """Our proof for the hello, once the host's answer is checked (LAN or relay alike).
    Raises :class:`AlteredError` in words when it fails."""
    try:
        return joiner.conclude(offer.sdp, answer_sdp, host_message, host_proof)
    except pake.PakeError as exc:
        raise AlteredError(ALTERED) from exc


ALTERED = (
    "That code does not open this private jam, or the connection was altered on the way. "
    "Check the code; Jamdesk did not connect."
)


class HostSignal:
    """The host's registration at a signalling server, answering joiners' offers with
    ``answer`` (``HostService.answer``, the LAN endpoint's answerer: it runs a private
    room's PAKE and rate-limits its tries). Reconnects with backoff when the server
    drops it. Raises :class:`~jamdesk.net.lan.SignallingError` from :meth:`start` when the
    server cannot be reached or refuses the code."""

    def __init__(self, url: str, code: str, answer: OfferHandler) -> None:
        self.url, self.code = url, code
        self._answer = answer
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._offers: set[asyncio.Future[None]] = set()

    async def start(self, patience_s: float = 0.0) -> None:
        """Register the room; returns once the server holds it. With ``patience_s``, a code
        the server still holds for someone else is asked for again every
        :data:`HELD_RETRY_S` until then: after a failover the lost host's registration lasts
        until the server notices its connection dead (its WebSocket heartbeat), and a
        crashed cluster instance's claim until it expires
        (:data:`~jamdesk.signal_server.cluster.CLAIM_TTL_S`). Raises
        :class:`RefusedError` (refused, patience spent) or
        :class:`~jamdesk.net.lan.SignallingError` (unreachable, or closed meanwhile)."""
        self._session = aiohttp.ClientSession()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience_s
        while True:
            try:
                ws = await self._register()
                break
            except RefusedError as exc:
                held = exc.code in ("code_taken", "unavailable")
                if not held or loop.time() + HELD_RETRY_S > deadline or self._closing:
                    raise
                log.info("the server still holds %s (%s); asking again", self.code, exc)
                await asyncio.sleep(HELD_RETRY_S)
        if self._closing:  # closed while registering: let go at once
            await ws.close()
            raise SignallingError("Closed while registering.")
        self._task = asyncio.create_task(self._serve(ws), name="jamdesk-host-signal")

    async def close(self) -> None:
        """Leave the server (it forgets the room)."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _register(self) -> aiohttp.ClientWebSocketResponse:
        assert self._session is not None
        try:
            ws = await self._session.ws_connect(ws_url(self.url), heartbeat=20)
            await ws.send_str(encode_signal(Register(code=self.code)))
            reply = decode_signal(await ws.receive_str(timeout=TIMEOUT_S))
        except (aiohttp.ClientError, OSError, TimeoutError, TypeError, SignalError) as exc:
            raise SignallingError(f"Could not reach the signalling server at {self.url}.") from exc
        if isinstance(reply, Failure):
            await ws.close()
            raise RefusedError(reply.code, reply.message)
        if not isinstance(reply, Registered):
            await ws.close()
            raise SignallingError("The signalling server answered out of turn.")
        log.info("room %s registered at %s", self.code, self.url)
        return ws

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while not self._closing:
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    message = decode_signal(frame.data)
                except SignalError as exc:
                    log.warning("the signalling server sent an unreadable frame: %s", exc)
                    continue
                if isinstance(message, Offer):
                    task = asyncio.ensure_future(self._offer(ws, message))
                    self._offers.add(task)
                    task.add_done_callback(self._offers.discard)
                elif isinstance(message, Failure):
                    log.info("the signalling server refused: %s", message.message)
            ws = await self._reconnect()

    async def _offer(self, ws: aiohttp.ClientWebSocketResponse, offer: Offer) -> None:
        sent = SessionDescription(sdp=offer.sdp, type="offer", pake=offer.pake)
        try:  # the same answerer as the LAN endpoint: it runs a private room's PAKE
            answer = await self._answer(sent, "relay")
        except ValueError as exc:  # an unusable offer, a bad PAKE message, too many tries
            log.warning("could not answer a relayed offer: %s", exc)
            return
        reply = Answer(join_id=offer.join_id, sdp=answer.sdp, pake=answer.pake, proof=answer.proof)
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            await ws.send_str(encode_signal(reply))

    async def _reconnect(self) -> aiohttp.ClientWebSocketResponse:
        for attempt in range(10**9):
            delay = RETRY_S[min(attempt, len(RETRY_S) - 1)]
            log.info("signalling server connection lost; again in %.1f s", delay)
            await asyncio.sleep(delay)
            with contextlib.suppress(SignallingError):
                return await self._register()
        raise AssertionError("unreachable")  # pragma: no cover

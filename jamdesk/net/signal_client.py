"""Reaching a jam through a signalling URL (``jamdesk signal``) instead of the LAN endpoint.

The host keeps one WebSocket to the server (:class:`HostSignal`): it registers the room's
code, and answers each joiner's SDP offer that the server hands it, exactly as the LAN
endpoint would. A joiner (:class:`JoinerSignal`) asks for the server's STUN/TURN servers,
trades its offer for the host's answer, and keeps its WebSocket as the relay session of its
link until a direct path replaces it (:mod:`jamdesk.net.paths`; docs/ARCHITECTURE.md, "Relay
fallback"). Messages: :mod:`jamdesk.protocol.signal`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

from jamdesk.net.lan import HostBusyError, SessionDescription, SignallingError
from jamdesk.protocol import pake
from jamdesk.protocol.signal import (
    Answer,
    AskIce,
    Decline,
    Failure,
    IceServer,
    IceServers,
    Join,
    Listing,
    ListRoom,
    Offer,
    Register,
    Registered,
    RelayEnd,
    Signal,
    SignalError,
    decode_signal,
    encode_signal,
    parse_relay_frame,
    relay_frame,
)

log = logging.getLogger(__name__)

_UNUSABLE_OFFER = "The host could not use your app's offer; update Jamdesk and try again."

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


async def open_and_ask(
    session: aiohttp.ClientSession, url: str, message: Signal
) -> tuple[aiohttp.ClientWebSocketResponse, Signal]:
    """Open the signalling server's WebSocket at ``url``, send ``message`` and read the
    server's first reply (at most :data:`TIMEOUT_S`). Raises
    :class:`~jamdesk.net.lan.SignallingError` when the server cannot be reached or answers
    with no signalling message."""
    try:
        ws = await session.ws_connect(ws_url(url), heartbeat=20)
        await ws.send_str(encode_signal(message))
        reply = decode_signal(await ws.receive_str(timeout=TIMEOUT_S))
    except (aiohttp.ClientError, OSError, TimeoutError, TypeError, SignalError) as exc:
        raise SignallingError(f"Could not reach the signalling server at {url}.") from exc
    return ws, reply


async def again_until_connected(
    connect: Callable[[], Awaitable[aiohttp.ClientWebSocketResponse]], what: str
) -> aiohttp.ClientWebSocketResponse:
    """Call ``connect`` after each of :data:`RETRY_S`'s delays (the last one repeated) until
    it stops raising :class:`~jamdesk.net.lan.SignallingError`; ``what`` names what was lost
    in the log."""
    for attempt in range(10**9):
        delay = RETRY_S[min(attempt, len(RETRY_S) - 1)]
        log.info("%s lost; again in %.1f s", what, delay)
        await asyncio.sleep(delay)
        with contextlib.suppress(SignallingError):
            return await connect()
    raise AssertionError("unreachable")  # pragma: no cover


class RelayReceiver(Protocol):
    """What a relay session's frames are handed to (a :class:`~jamdesk.net.paths.PathLink`)."""

    def relay_frame(self, sealed: bytes) -> None:
        """A sealed frame from the other side."""

    def relay_ended(self, reason: str = "", *, peer_left: bool = False) -> None:
        """The session is over: the other side left it (``peer_left``), or the server
        ended it or went away."""


class _Outbox:
    """Frames for one WebSocket, written in order by one task (aiohttp does not promise the
    order of concurrent sends)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._queue: asyncio.Queue[bytes | str | None] = asyncio.Queue()
        self._task = asyncio.create_task(self._write(), name="jamdesk-signal-writer")

    def put(self, frame: bytes | str) -> bool:
        if self.ws.closed or self._task.done():
            return False
        self._queue.put_nowait(frame)
        return True

    async def _write(self) -> None:
        while (frame := await self._queue.get()) is not None:
            try:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            except (ConnectionError, aiohttp.ClientError, RuntimeError):
                return

    async def close(self) -> None:
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
            await asyncio.wait_for(self._task, 1.0)


class JoinerSignal:
    """A joiner's connection to the signalling server, in three steps: :meth:`open` (the
    server's STUN/TURN servers), :meth:`join` (offer for answer), then, when the host
    accepted a relay session, :meth:`carry` (the WebSocket stays open and carries the link's
    sealed frames; it is a :class:`~jamdesk.net.paths.RelayPort`). Raises
    :class:`~jamdesk.net.lan.SignallingError` in words."""

    def __init__(self, route: SignalRoute) -> None:
        self.route = route
        self.join_id = ""
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._outbox: _Outbox | None = None
        self._reader: asyncio.Task[None] | None = None
        self._receiver: RelayReceiver | None = None

    async def open(self) -> tuple[IceServer, ...]:
        """Connect; returns the server's STUN/TURN servers (perhaps none)."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        try:
            self._ws = await self._session.ws_connect(
                ws_url(self.route.url), timeout=aiohttp.ClientWSTimeout(ws_close=2.0)
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            await self.close()
            raise SignallingError(
                f"Could not reach the signalling server at {self.route.url}."
            ) from exc
        reply = await self._ask(AskIce())
        return reply.servers if isinstance(reply, IceServers) else ()

    async def join(
        self, offer: SessionDescription | None, tunnel: str = ""
    ) -> tuple[SessionDescription, str, bytes]:
        """Ask the room's host for a link: with ``offer`` (an SDP offer, no relay), or with
        our ``tunnel`` key only (the link starts on the relay, and the SDP for a direct path
        travels inside it later). Returns the host's answer (its ``tunnel`` set when it
        opened a relay session), our proof for the hello and the PAKE key (both empty for a
        public room). Raises :class:`AlteredError` when the host's proof fails (a wrong
        code, or a relay that changed the answer), :class:`~jamdesk.net.lan.SignallingError`
        otherwise."""
        route = self.route
        joiner = pake.JoinerPake(route.secret) if route.secret else None
        sdp = offer.sdp if offer is not None else ""
        join = Join(code=route.code, sdp=sdp, pake=joiner.message if joiner else "", tunnel=tunnel)
        reply = await self._ask(join)
        if isinstance(reply, Failure):
            raise SignallingError(reply.message)
        if not isinstance(reply, Answer):
            raise SignallingError("The signalling server answered out of turn.")
        self.join_id = reply.join_id
        answer = SessionDescription(sdp=reply.sdp, type="answer", tunnel=reply.tunnel)
        if joiner is None:
            return answer, "", b""
        if offer is None:
            try:
                proof = joiner.conclude_tunnel(tunnel, reply.tunnel, reply.pake, reply.proof)
            except pake.PakeError as exc:
                raise AlteredError(ALTERED) from exc
            return answer, proof, joiner.key
        proof = conclude(joiner, offer, reply.sdp, reply.pake, reply.proof)
        return answer, proof, joiner.key

    def carry(self, receiver: RelayReceiver) -> None:
        """Keep the WebSocket as the relay session: frames go to ``receiver``."""
        assert self._ws is not None
        self._receiver = receiver
        self._outbox = _Outbox(self._ws)
        self._reader = asyncio.create_task(self._read(self._ws), name="jamdesk-joiner-relay")

    def send_frame(self, sealed: bytes) -> bool:
        """Queue a sealed frame for the host (:class:`~jamdesk.net.paths.RelayPort`)."""
        return self._outbox is not None and self._outbox.put(relay_frame(self.join_id, sealed))

    def end(self) -> None:
        """Leave the relay session: closing our WebSocket ends it at the server."""
        task = asyncio.ensure_future(self.close())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def close(self) -> None:
        """Close the WebSocket (and with it any relay session)."""
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
        if self._outbox is not None:
            await self._outbox.close()
        if self._ws is not None:
            with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                await self._ws.close()
        if self._session is not None:
            await self._session.close()

    async def _ask(self, message: AskIce | Join) -> object:
        assert self._ws is not None
        try:
            await self._ws.send_str(encode_signal(message))
            return decode_signal(await self._ws.receive_str(timeout=TIMEOUT_S * 2))
        except (aiohttp.ClientError, OSError, TimeoutError, TypeError, RuntimeError) as exc:
            raise SignallingError(
                f"Could not reach the signalling server at {self.route.url}."
            ) from exc
        except SignalError as exc:
            raise SignallingError(
                "The signalling server sent something Jamdesk cannot read."
            ) from exc

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        reason = "The connection to the signalling server was lost."
        left = False
        try:
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.BINARY:
                    try:
                        join_id, sealed = parse_relay_frame(frame.data)
                    except SignalError as exc:
                        log.warning("the signalling server sent an unusable relay frame: %s", exc)
                        continue
                    if join_id == self.join_id and self._receiver is not None:
                        self._receiver.relay_frame(sealed)
                elif frame.type == aiohttp.WSMsgType.TEXT:
                    with contextlib.suppress(SignalError):
                        message = decode_signal(frame.data)
                        if isinstance(message, RelayEnd) and message.join_id == self.join_id:
                            reason = message.reason or "The host closed the relayed link."
                            left = message.left
                            break
                        if isinstance(message, Failure):
                            log.info("the signalling server said: %s", message.message)
        finally:
            if self._receiver is not None:
                self._receiver.relay_ended(reason, peer_left=left)


async def exchange(route: SignalRoute, offer: SessionDescription) -> tuple[SessionDescription, str]:
    """Send ``offer`` to the room's host through the server (asking for no relay session);
    returns the host's answer and, for a private room, the proof our hello must carry (""
    otherwise).

    Raises :class:`~jamdesk.net.lan.SignallingError` in words (server unreachable, no such
    room, no answer in time), :class:`AlteredError` when the host's proof fails."""
    joiner = JoinerSignal(route)
    try:
        await joiner.open()
        answer, proof, _key = await joiner.join(offer)
    finally:
        await joiner.close()
    return answer, proof


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


@dataclass
class SignalledJoin:
    """How a join reached the host through the server: the server's STUN/TURN servers, and
    ``relay`` when the joiner asked for a relay session (its frames then go through it)."""

    ice_servers: tuple[IceServer, ...] = ()
    relay: HostRelayPort | None = None


SignalledAnswerer = Callable[
    [SessionDescription, str, SignalledJoin], Awaitable[SessionDescription]
]
"""Answers a relayed offer (``HostService.answer``): offer, remote, how it came."""


@dataclass
class HostRelayPort:
    """One relay session on the host's WebSocket (a :class:`~jamdesk.net.paths.RelayPort`):
    :meth:`carry` names who gets its frames once the answer is sent."""

    signal: HostSignal
    join_id: str
    receiver: RelayReceiver | None = field(default=None, repr=False)

    def carry(self, receiver: RelayReceiver) -> None:
        """Hand the session's frames to ``receiver`` from now on."""
        self.receiver = receiver
        self.signal._relays[self.join_id] = self

    def send_frame(self, sealed: bytes) -> bool:
        """Queue a sealed frame for the joiner."""
        outbox = self.signal._outbox
        live = self.signal._relays.get(self.join_id) is self
        return live and outbox is not None and outbox.put(relay_frame(self.join_id, sealed))

    def end(self) -> None:
        """Leave the session (the server tells the joiner)."""
        if self.signal._relays.pop(self.join_id, None) is self and self.signal._outbox:
            self.signal._outbox.put(encode_signal(RelayEnd(join_id=self.join_id)))


class HostSignal:
    """The host's registration at a signalling server, answering joiners' offers with
    ``answer`` (``HostService.answer``, the LAN endpoint's answerer: it runs a private
    room's PAKE and rate-limits its tries), and carrying the frames of relayed members'
    links (:class:`HostRelayPort`). Reconnects with backoff when the server drops it (the
    relay sessions end then; their members reconnect). Raises
    :class:`~jamdesk.net.lan.SignallingError` from :meth:`start` when the server cannot be
    reached or refuses the code."""

    def __init__(self, url: str, code: str, answer: SignalledAnswerer) -> None:
        self.url, self.code = url, code
        self._answer = answer
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._offers: set[asyncio.Future[None]] = set()
        self._relays: dict[str, HostRelayPort] = {}
        self._outbox: _Outbox | None = None
        self.ice_servers: tuple[IceServer, ...] = ()
        self._listing: Listing | None = None

    def list(self, listing: Listing | None) -> None:
        """Show the room in the server's internet lobby as ``listing`` from now on (``None``:
        not listed); sent at once when connected, and again after a reconnection. Only a
        public room is listed: its code is no secret."""
        if listing == self._listing:
            return
        self._listing = listing
        if self._outbox is not None:
            self._outbox.put(encode_signal(ListRoom(code=self.code, listing=listing)))

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
        """Leave the server (it forgets the room, and ends its relay sessions)."""
        self._closing = True
        self._end_relays("The host stopped serving the jam.")
        if self._outbox is not None:
            await self._outbox.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _register(self) -> aiohttp.ClientWebSocketResponse:
        assert self._session is not None
        ws, reply = await open_and_ask(self._session, self.url, Register(code=self.code))
        if isinstance(reply, Failure):
            await ws.close()
            raise RefusedError(reply.code, reply.message)
        if not isinstance(reply, Registered):
            await ws.close()
            raise SignallingError("The signalling server answered out of turn.")
        self.ice_servers = reply.ice_servers
        log.info("room %s registered at %s", self.code, self.url)
        return ws

    async def _serve(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while not self._closing:
            self._outbox = _Outbox(ws)
            if self._listing is not None:  # a new connection: the server forgot it
                self._outbox.put(encode_signal(ListRoom(code=self.code, listing=self._listing)))
            async for frame in ws:
                if frame.type == aiohttp.WSMsgType.BINARY:
                    self._relayed(frame.data)
                    continue
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    message = decode_signal(frame.data)
                except SignalError as exc:
                    log.warning("the signalling server sent an unreadable frame: %s", exc)
                    continue
                if isinstance(message, Offer):
                    task = asyncio.ensure_future(self._offer(message))
                    self._offers.add(task)
                    task.add_done_callback(self._offers.discard)
                elif isinstance(message, RelayEnd):
                    port = self._relays.pop(message.join_id, None)
                    if port is not None and port.receiver is not None:
                        port.receiver.relay_ended(
                            message.reason or "The member left the relay.", peer_left=message.left
                        )
                elif isinstance(message, Failure):
                    log.info("the signalling server refused: %s", message.message)
            self._end_relays("The connection to the signalling server was lost.")
            ws = await self._reconnect()

    def _relayed(self, data: bytes) -> None:
        try:
            join_id, sealed = parse_relay_frame(data)
        except SignalError as exc:
            log.warning("the signalling server sent an unusable relay frame: %s", exc)
            return
        port = self._relays.get(join_id)
        if port is not None and port.receiver is not None:
            port.receiver.relay_frame(sealed)

    def _end_relays(self, reason: str) -> None:
        relays, self._relays = list(self._relays.values()), {}
        for port in relays:
            if port.receiver is not None:
                port.receiver.relay_ended(reason)

    async def _offer(self, offer: Offer) -> None:
        sent = SessionDescription(sdp=offer.sdp, type="offer", pake=offer.pake, tunnel=offer.tunnel)
        port = HostRelayPort(self, offer.join_id) if offer.tunnel else None
        how = SignalledJoin(ice_servers=self.ice_servers, relay=port)
        try:  # the same answerer as the LAN endpoint: it runs a private room's PAKE
            # Per joiner: the server's tag of its address; "relay" alone for an old server.
            answer = await self._answer(sent, f"relay:{offer.joiner}", how)
        except ValueError as exc:  # an unusable offer, a bad PAKE message, too many tries
            log.info("could not answer a relayed offer: %s", exc)
            words = str(exc) if isinstance(exc, HostBusyError) else _UNUSABLE_OFFER
            if self._outbox is not None:  # the joiner hears at once, not after a timeout
                self._outbox.put(encode_signal(Decline(join_id=offer.join_id, message=words)))
            return
        reply = Answer(
            join_id=offer.join_id,
            sdp=answer.sdp,
            pake=answer.pake,
            proof=answer.proof,
            tunnel=answer.tunnel,
        )
        if self._outbox is not None:
            self._outbox.put(encode_signal(reply))

    async def _reconnect(self) -> aiohttp.ClientWebSocketResponse:
        return await again_until_connected(self._register, "signalling server connection")

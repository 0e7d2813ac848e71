"""MemberClient: runs a :class:`~jamdesk.protocol.engine.MemberEngine` over a data channel.

It connects to the host (SDP offer over the LAN endpoint, or through a signalling server),
says hello, keeps the room-clock estimate fresh with a ping every second, and when the link
drops reconnects by itself with backoff for up to :data:`RESUME_WINDOW_MS`, resuming from its
last sequence number.

Through a signalling server the link starts on the server's relay as soon as the host answers
(a :class:`~jamdesk.net.paths.PathLink`, sealed end to end) while ICE goes on trying in the
background; a data channel that opens later carries the link from then on, and :attr:`path`
says which carries it (docs/ARCHITECTURE.md, "Relay fallback").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Protocol

from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.exceptions import InvalidStateError

from jamdesk.core.commands import Command
from jamdesk.net import rtc
from jamdesk.net.lan import SessionDescription, SignallingError, post_offer
from jamdesk.net.paths import PathLink, channel_path
from jamdesk.net.signal_client import JoinerSignal, SignalRoute, conclude
from jamdesk.protocol import pake
from jamdesk.protocol.engine import LINK_TIMEOUT_MS
from jamdesk.protocol.member_engine import MemberEngine, MemberOutcome
from jamdesk.protocol.paths import Path, Upgrade
from jamdesk.protocol.signal import IceServer
from jamdesk.protocol.tunnel import TunnelError, TunnelKey

log = logging.getLogger(__name__)

RESUME_WINDOW_MS = 60_000
"""How long a dropped member keeps trying to come back before giving up."""
PING_INTERVAL_S = 1.0
CONNECT_TIMEOUT_S = 10.0
LEAVE_TIMEOUT_S = 2.0

Address = tuple[str, int]
HostRoute = Address | SignalRoute
"""The host's LAN signalling endpoint (host, port), or a signalling server and the code."""
AddressSource = Callable[[], Awaitable[HostRoute]]


class LinkState(StrEnum):
    """The member's link to the host, as shown to the student."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    GONE = "gone"
    CLOSED = "closed"


class JoinError(ConnectionError):
    """Joining failed; the message is fit to show a student."""


class _Pipe(Protocol):
    """What carries the link's messages: a data channel, or a relayed :class:`PathLink`."""

    @property
    def path(self) -> Path: ...

    def send(self, data: bytes) -> bool: ...

    async def wait_closed(self, timeout_s: float) -> None: ...


class _ChannelPipe:
    """A plain data channel (a LAN join), as a :class:`_Pipe`."""

    path = Path.DIRECT

    def __init__(self, channel: RTCDataChannel) -> None:
        self.channel = channel

    def send(self, data: bytes) -> bool:
        return rtc.send(self.channel, data)

    async def wait_closed(self, timeout_s: float) -> None:
        await rtc.wait_closed(self.channel, timeout_s)


class MemberClient:
    """One member's connection to a room.

    Args:
        engine: the member's engine (holds the log and the clock estimate).
        local_clock: this computer's clock, in ms (may be wrong by minutes: only the offset
            to the room clock is used).
        on_outcome: called with each :class:`MemberOutcome` (events, refusals, errors).
        on_link: called when the :class:`LinkState` changes.
        find_host: returns the host's current address; called again before each reconnect, so
            a host that moved is found (LAN discovery) or the fixed address is reused.
    """

    def __init__(
        self,
        engine: MemberEngine,
        *,
        local_clock: Callable[[], int],
        on_outcome: Callable[[MemberOutcome], None],
        on_link: Callable[[LinkState], None],
        find_host: AddressSource,
        ice_servers: list[str] | None = None,
        on_path: Callable[[Path], None] | None = None,
    ) -> None:
        self.engine = engine
        self._clock = local_clock
        self._on_outcome = on_outcome
        self._on_link = on_link
        self._find_host = find_host
        self._ice_servers = ice_servers
        self._on_path = on_path
        self._pc: RTCPeerConnection | None = None
        self._signal: JoinerSignal | None = None
        self._relayed: PathLink | None = None  # the relayed link being set up, or in use
        self._channel: _Pipe | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_heard_ms = 0
        self._closing = False
        self._welcomed: asyncio.Future[None] | None = None
        self._reconnecting = False
        self.pake_secret = ""  # a private room's code: proved on the LAN, never sent
        self.link_state = LinkState.CONNECTING
        self.lost_with_server = False
        """Whether the link was last lost with the signalling server (its relay went), so
        the host may well be there still: such a member does not take over."""

    @property
    def path(self) -> Path | None:
        """What carries our link now (``None`` while not connected)."""
        return self._channel.path if self._channel is not None else None

    # -- public ---------------------------------------------------------------------------------

    async def join(self, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        """Connect and wait until the room's state and the first clock sample are held.

        Raises :class:`JoinError` with a plain-words reason.
        """
        address: HostRoute | None = None
        try:
            address = await self._find_host()
            await asyncio.wait_for(self._connect(address), timeout_s)
        except TimeoutError as exc:
            await self._teardown()
            if isinstance(address, SignalRoute):
                raise JoinError(
                    "The host did not answer through the signalling server in time. Check "
                    "that the host's Jamdesk is still open, and try again."
                ) from exc
            raise JoinError(
                "The host did not answer in time. Check that you are on the same "
                "network and try again."
            ) from exc
        except (SignallingError, ConnectionError) as exc:
            await self._teardown()
            raise JoinError(str(exc)) from exc
        self._spawn(self._ping_loop())
        self._set_link(LinkState.CONNECTED)

    def send(self, cmd: Command) -> int | None:
        """Send ``cmd``; returns its ref (a refusal comes back in an outcome) or ``None`` when
        the link is down right now."""
        ref, data = self.engine.command(cmd)
        if self._channel is None or not self._channel.send(data):
            return None
        return ref

    async def leave(self) -> None:
        """Say goodbye and close (the host records the member as having left)."""
        self._closing = True
        channel = self._channel
        if channel is not None and channel.send(self.engine.bye()):
            # The host closes the link once it has recorded the goodbye.
            with contextlib.suppress(TimeoutError, ConnectionError):
                await channel.wait_closed(LEAVE_TIMEOUT_S)
        await self.close()

    async def close(self) -> None:
        """Close without a goodbye (the host sees the link lost)."""
        self._closing = True
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        await self._teardown()
        self._set_link(LinkState.CLOSED)

    # -- connecting -----------------------------------------------------------------------------

    async def _connect(self, address: HostRoute) -> None:
        """Offer, open the data channel, say hello, and wait for the Welcome.

        The channel becomes :attr:`_channel` (the link that commands, pings and the silence
        check use) only once the host has welcomed us: a half-open link is never judged
        silent, so a slow host cannot make the ping loop start a second reconnect that tears
        down this one after the host admitted it. Raises ``ConnectionError`` (the channel
        closed or the peer connection was closed under us) or ``SignallingError``.
        """
        await self._teardown()
        if isinstance(address, SignalRoute):
            await self._connect_signalled(address)
            return
        pc = rtc.new_peer_connection(self._ice_servers)
        self._pc = pc
        channel = pc.createDataChannel(rtc.CHANNEL_LABEL, ordered=True)
        loop = asyncio.get_running_loop()
        welcomed: asyncio.Future[None] = loop.create_future()
        self._welcomed = welcomed

        @channel.on("message")
        def on_message(data: bytes | str) -> None:
            self._receive(data)

        pipe = _ChannelPipe(channel)

        @channel.on("close")
        def on_close() -> None:
            _fail(welcomed, ConnectionError("the host closed the connection"))
            self._lost(pipe)

        try:
            await pc.setLocalDescription(await pc.createOffer())
            offer = rtc.sdp_dict(pc)
            sent = SessionDescription(sdp=offer["sdp"], type="offer")
            if self.pake_secret:
                answer, self.engine.proof = await _pake_offer(address, sent, self.pake_secret)
            else:
                answer = await post_offer(address, sent)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
        except InvalidStateError as exc:  # the peer connection was closed while we waited
            raise ConnectionError("the connection was closed while connecting") from exc
        await rtc.wait_open(channel, CONNECT_TIMEOUT_S)
        await self._greet(pipe, welcomed)

    async def _greet(self, pipe: _Pipe, welcomed: asyncio.Future[None]) -> None:
        """Say hello over ``pipe`` and wait for the Welcome; then ``pipe`` is the link."""
        pipe.send(self.engine.hello(self._clock()))
        pipe.send(self.engine.ping(self._clock()))
        await welcomed
        self._last_heard_ms = self._clock()
        self._channel = pipe
        self.lost_with_server = False

    async def _connect_signalled(self, route: SignalRoute) -> None:
        """Join through a signalling server, starting on its relay: ask it for its STUN/TURN
        servers, send our tunnel key (no SDP: gathering ICE candidates can take seconds),
        and say hello over the relay as soon as the host answers. The direct path is set up
        afterwards, inside the link (:meth:`_upgrade`)."""
        joiner = JoinerSignal(route)
        self._signal = joiner
        servers = await joiner.open()
        welcomed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._welcomed = welcomed
        key = TunnelKey()
        answer, self.engine.proof, pake_key = await joiner.join(None, key.public)
        if not answer.tunnel:
            raise SignallingError(
                "The signalling server cannot carry this connection right now; try again."
            )
        try:
            cipher = key.cipher(answer.tunnel, role="joiner", pake_key=pake_key)
        except TunnelError as exc:
            raise SignallingError("The host's relay key cannot be used.") from exc
        link = PathLink(
            cipher,
            joiner,
            on_message=self._receive,
            on_closed=lambda reason: self._link_closed(link, welcomed, reason),
            on_path=self._path_changed,
            on_upgrade=lambda upgrade: self._upgraded(link, upgrade),
        )
        self._relayed = link
        joiner.carry(link)
        await self._greet(link, welcomed)
        self._spawn(self._upgrade(link, servers))

    async def _upgrade(self, link: PathLink, servers: tuple[IceServer, ...]) -> None:
        """Look for a direct path while the relay carries the link: gather ICE candidates
        (with the server's and our own STUN/TURN servers), send the SDP offer inside the
        link, and let the data channel join the link when it opens."""
        pc = rtc.new_peer_connection([*(self._ice_servers or []), *servers])
        channel = pc.createDataChannel(rtc.CHANNEL_LABEL, ordered=True)
        channel.on("open", lambda: link.attach(channel, channel_path(pc)))
        if self._relayed is not link:
            await pc.close()
            return
        self._pc = pc
        try:
            await pc.setLocalDescription(await pc.createOffer())
        except InvalidStateError:  # closed while gathering
            return
        if not link.closed:
            link.send_upgrade(Upgrade(type="offer", sdp=rtc.sdp_dict(pc)["sdp"]))

    def _upgraded(self, link: PathLink, upgrade: Upgrade) -> None:
        """The host's SDP answer for the direct path: ICE starts (in the background)."""
        pc = self._pc
        if upgrade.type != "answer" or pc is None or self._relayed is not link:
            log.warning("the host sent an unexpected upgrade; staying on the relay")
            return
        answer = RTCSessionDescription(sdp=upgrade.sdp, type="answer")
        self._spawn(_quietly(pc.setRemoteDescription(answer)))

    def _link_closed(self, link: PathLink, welcomed: asyncio.Future[None], reason: str) -> None:
        _fail(welcomed, ConnectionError(reason))
        if link is self._channel:
            self.lost_with_server = link.server_lost
        self._lost(link)

    def _path_changed(self, path: Path) -> None:
        if self._on_path is not None and not self._closing:
            self._on_path(path)

    async def _teardown(self) -> None:
        pc, self._pc, self._channel = self._pc, None, None
        joiner, self._signal = self._signal, None
        relayed, self._relayed = self._relayed, None
        welcomed, self._welcomed = self._welcomed, None
        if welcomed is not None:
            _fail(welcomed, ConnectionError("the connection was closed while connecting"))
        if relayed is not None:
            relayed.close()
        if joiner is not None:
            await joiner.close()
        if pc is not None:
            await pc.close()

    def _receive(self, data: bytes | str) -> None:
        now = self._clock()
        self._last_heard_ms = now
        out = self.engine.receive(data, now)
        welcomed = self._welcomed
        if welcomed is not None and not welcomed.done():
            if out.error is not None and out.error.fatal:
                welcomed.set_exception(JoinError(out.error.message))
                return
            ready = self.engine.state is not None and not self.engine.snapshot_pending
            if ready and self.engine.clock.synced:
                welcomed.set_result(None)
        if out.error is not None and out.error.fatal:
            self._spawn(self._fatal(out.error.message))
        elif out.error is not None and out.error.code == "gap" and self._channel is not None:
            log.warning("events went missing (%s); resuming the link", out.error.message)
            self._lost(self._channel)  # a new hello resumes from the last event held
        self._on_outcome(out)

    async def _fatal(self, message: str) -> None:
        log.warning("the host closed our link: %s", message)
        await self.close()
        self._set_link(LinkState.GONE)

    # -- keeping the link alive -----------------------------------------------------------------

    async def _ping_loop(self) -> None:
        """Ping every :data:`PING_INTERVAL_S`, and judge the link lost as soon as the host has
        been silent for ``LINK_TIMEOUT_MS`` (waking for that instant, not at the next ping,
        which would add up to a second to every failover)."""
        ping_ms = int(PING_INTERVAL_S * 1000)
        next_ping = self._clock() + ping_ms
        while not self._closing:
            now = self._clock()
            if now >= next_ping:
                if self._channel is not None:
                    self._channel.send(self.engine.ping(now))
                next_ping = now + ping_ms
            silent_until = self._last_heard_ms + LINK_TIMEOUT_MS
            if self._channel is not None and now > silent_until:
                log.info("no word from the host for %d ms", now - self._last_heard_ms)
                self._lost(self._channel)
            wake = next_ping if self._channel is None else min(next_ping, silent_until + 1)
            await asyncio.sleep(max(0.01, (wake - self._clock()) / 1000))

    def _lost(self, channel: _Pipe) -> None:
        if self._closing or channel is not self._channel or self._reconnecting:
            return
        self._channel = None
        self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        self._reconnecting = True
        try:
            await self._reconnect_until_back()
        finally:
            self._reconnecting = False

    async def _reconnect_until_back(self) -> None:
        self._set_link(LinkState.RECONNECTING)
        deadline = self._clock() + RESUME_WINDOW_MS
        delay_s = 0.2
        while not self._closing and self._clock() < deadline:
            try:
                address = await self._find_host()
                await asyncio.wait_for(self._connect(address), CONNECT_TIMEOUT_S)
            except (TimeoutError, SignallingError, ConnectionError) as exc:
                log.info("reconnect failed (%s); retrying in %.1f s", exc, delay_s)
                await self._teardown()
                await asyncio.sleep(delay_s)
                delay_s = min(delay_s * 2, 5.0)
                continue
            self._set_link(LinkState.CONNECTED)
            return
        if not self._closing:
            await self._teardown()
            self._set_link(LinkState.GONE)

    def _set_link(self, state: LinkState) -> None:
        if state is not self.link_state:
            self.link_state = state
            self._on_link(state)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _quietly(step: Awaitable[None]) -> None:
    """Run an ICE step whose failure only means that the link stays on the relay."""
    try:
        await step
    except Exception as exc:  # aiortc raises a variety for an SDP it cannot use
        log.info("no direct path: %s", exc)


def _fail(future: asyncio.Future[None], exc: Exception) -> None:
    """Fail ``future`` unless it is done; marked retrieved, since nobody may await it any more
    (asyncio logs "exception was never retrieved" otherwise)."""
    if not future.done():
        future.set_exception(exc)
        future.exception()


async def _pake_offer(
    address: Address, offer: SessionDescription, code: str
) -> tuple[SessionDescription, str]:
    """Trade ``offer`` for the answer of a private room on the LAN, proving ``code`` with
    SPAKE2 (the code never travels); returns the answer and our proof for the hello.
    Raises :class:`~jamdesk.net.signal_client.AlteredError` when the host's proof fails (a
    wrong code or another room), or ``SignallingError``."""
    joiner = pake.JoinerPake(code)
    sent = SessionDescription(sdp=offer.sdp, type="offer", pake=joiner.message)
    answer = await post_offer(address, sent)
    return answer, conclude(joiner, offer, answer.sdp, answer.pake, answer.proof)

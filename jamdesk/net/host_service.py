"""HostService: runs a :class:`~jamdesk.protocol.engine.HostEngine` over real data channels.

Each joiner posts an SDP offer to the LAN signalling endpoint; the service answers, and the
joiner's data channel becomes one *link* of the star. A joiner that came through a
signalling server with a tunnel key gets a :class:`~jamdesk.net.paths.PathLink` instead: the
link opens at once over the server's relay, and moves to the data channel when ICE opens one.
Everything the engine decides is carried out here (send, close, report events); nothing here
decides anything about the room.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
from aiortc import RTCDataChannel, RTCPeerConnection, RTCSessionDescription

from jamdesk.core.commands import Command
from jamdesk.core.events import Event
from jamdesk.core.rules import Rejected
from jamdesk.net import rtc
from jamdesk.net.lan import HostBusyError, HostStatus, LanSignallingServer, SessionDescription
from jamdesk.net.paths import PathLink, channel_path
from jamdesk.net.signal_client import SignalledJoin
from jamdesk.net.waiting import wait_until
from jamdesk.protocol import pake
from jamdesk.protocol.engine import HostEngine, HostOutcome, RateLimit
from jamdesk.protocol.paths import Path, Upgrade
from jamdesk.protocol.signal import IceServer
from jamdesk.protocol.tunnel import TunnelError, TunnelKey

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 15.0
"""How long an answered joiner has to open its data channel (ICE through a TURN relay takes
a few seconds); then its peer connection is closed and freed."""
PAKE_TRY_LIMIT = (10, 6_000)
"""A private room's PAKE tries per address: 10 at once, then one every 6 s."""
ROOM_PAKE_TRY_LIMIT = (30, 2_000)
"""A private room's PAKE tries from everyone together: 30 at once, then one every 2 s, so
rotating addresses buys no more guesses (issue 16, item 10)."""
OFFER_LIMIT = (5, 1_000)
"""SDP offers per address (a relayed joiner: per the server's tag of its address): 5 at
once, then one a second."""
ALL_OFFER_LIMIT = (20, 200)
"""SDP offers from everyone together: 20 at once, then five a second."""
MAX_PENDING = 16
"""Peer connections answered but not yet admitted (no hello yet), in all."""
MAX_PENDING_PER_SOURCE = 3
"""Of those, from one address."""

CLOSE_DRAIN_S = 0.5
"""Delay between the last message to a closed link and closing its peer connection."""

_BUSY = "The host is letting other people in; try again in a few seconds."
_TOO_MANY_TRIES = "Too many tries at this private jam's code; wait a minute, then try again."

EventsListener = Callable[[list[Event]], None]


@dataclass
class _Peer:
    pc: RTCPeerConnection | None  # none yet for a relayed link that has not upgraded
    channel: RTCDataChannel | None = None
    link: PathLink | None = None  # a relayed join's link (the channel then joins it)
    source: str = ""

    @property
    def opened(self) -> bool:
        return self.channel is not None or self.link is not None

    def send(self, data: bytes) -> None:
        if self.link is not None:
            self.link.send(data)
        elif self.channel is not None:
            rtc.send(self.channel, data)


class HostService:
    """Serves one room.

    Args:
        engine: the room's engine (owns the log).
        room_clock: returns the room clock now, in ms.
        on_events: called (on the event loop) with every batch of appended events.
        bind_host: address the signalling endpoint listens on (``0.0.0.0`` for the LAN).
        ice_servers: STUN/TURN URLs; none on a LAN.
    """

    def __init__(
        self,
        engine: HostEngine,
        room_clock: Callable[[], int],
        on_events: EventsListener,
        *,
        bind_host: str = "0.0.0.0",
        ice_servers: list[str] | None = None,
    ) -> None:
        self.engine = engine
        self._clock = room_clock
        self._on_events = on_events
        self._ice_servers = ice_servers
        self._signalling = LanSignallingServer(self.answer, host=bind_host, status=self.status)
        self._pake_tries = RateLimit(*PAKE_TRY_LIMIT)
        self._room_pake_tries = RateLimit(*ROOM_PAKE_TRY_LIMIT)
        self._offers = RateLimit(*OFFER_LIMIT)
        self._all_offers = RateLimit(*ALL_OFFER_LIMIT)
        self._peers: dict[str, _Peer] = {}
        self._proofs: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._wake = asyncio.Event()
        self._stopping = False
        self._links_changed = asyncio.Event()
        self._ticker: asyncio.Task[None] | None = None
        self.port = 0
        self.on_path: Callable[[], None] | None = None
        """Called when a member's link changes path (``engine.paths()`` has them all)."""

    def status(self) -> HostStatus:
        """Who serves the room and how many are really here now (``GET /v1/health``)."""
        people = self.engine.live_people(self._clock())
        return HostStatus(host_id=self.engine.state.host_id, people=people)

    async def start(self) -> int:
        """Start the signalling endpoint and the timer ticker; returns the port."""
        self.port = await self._signalling.start()
        self._ticker = asyncio.create_task(self._tick_loop(), name="jamdesk-host-tick")
        return self.port

    async def command(self, cmd: Command) -> Rejected | None:
        """Run the host's own command; returns the refusal, if any."""
        out = self.engine.command(cmd, self._clock())
        self._carry_out(out)
        return out.refused

    async def wait_no_links(self, timeout_s: float) -> bool:
        """Wait until every member has closed its link (as members do when the room ends), at
        most ``timeout_s``. Returns whether all did."""
        return await wait_until(lambda: not self._peers, self._links_changed, timeout_s)

    async def close(self) -> None:
        """Stop serving: close every link and the endpoint."""
        self._stopping = True
        self._wake.set()
        if self._ticker is not None:
            await self._ticker
        await self._signalling.close()
        peers, self._peers = list(self._peers.values()), {}
        for peer in peers:
            if peer.link is not None:
                peer.link.close("The host stopped serving the jam.")
        await asyncio.gather(*(p.pc.close() for p in peers if p.pc), return_exceptions=True)

    # -- signalling ---------------------------------------------------------------------------

    async def answer(
        self, offer: SessionDescription, remote: str = "", via: SignalledJoin | None = None
    ) -> SessionDescription:
        """Answer a joiner's offer, from the LAN endpoint or a signalling server (then
        ``remote`` is ``"relay"`` and ``via`` says with which STUN/TURN servers, and whether
        the joiner asked for a relay session).

        An SDP offer gets an SDP answer, and the joiner's data channel becomes one link. An
        offer with a tunnel key and no SDP (a join through a signalling server) gets our
        tunnel key: the link opens at once over the relay as a
        :class:`~jamdesk.net.paths.PathLink`, and the SDP for a direct path is traded inside
        it later (:meth:`_upgrade`). A private room's joiner proves the code with SPAKE2 (its
        offer carries message A): the answer carries message B and the host's proof over the
        fingerprints or tunnel keys, the joiner's hello must carry its own
        (:mod:`jamdesk.protocol.pake`), and the SPAKE2 key binds the tunnel's keys
        (:mod:`jamdesk.protocol.tunnel`). At most :data:`PAKE_TRY_LIMIT` tries per
        ``remote`` and :data:`ROOM_PAKE_TRY_LIMIT` in all.

        Each offer costs a peer connection, so offers are limited per ``remote``
        (:data:`OFFER_LIMIT`) and in all (:data:`ALL_OFFER_LIMIT`), and so are peers not yet
        admitted (:data:`MAX_PENDING`, :data:`MAX_PENDING_PER_SOURCE`); past them
        :class:`HostBusyError`. Raises ``ValueError`` for an unusable offer, PAKE message or
        tunnel key (the LAN endpoint answers 400)."""
        self._admit(remote)
        relayed = via is not None and via.relay is not None and bool(offer.tunnel)
        key, message = b"", ""
        if offer.pake and self.engine.state.private:
            now = self._clock()
            if not self._pake_tries.allow(remote, now) or not self._room_pake_tries.allow("", now):
                raise HostBusyError(_TOO_MANY_TRIES)
            key, message = pake.host_pake(self.engine.state.code, offer.pake)
        if relayed and not offer.sdp:
            assert via is not None
            return self._answer_relayed(offer, remote, via, key, message)
        if not key:
            return await self._answer(offer, remote, via=via)
        answer = await self._answer(
            offer, remote, lambda sdp: pake.proof(key, "joiner", offer.sdp, sdp), via
        )
        proof = pake.proof(key, "host", answer.sdp, offer.sdp)
        return msgspec.structs.replace(answer, pake=message, proof=proof)

    def _admit(self, remote: str) -> None:
        """Raise :class:`HostBusyError` unless one more joiner from ``remote`` may cost a
        peer connection now (see :meth:`answer`)."""
        now = self._clock()
        linked = self.engine.linked_participants()
        pending = [p for link, p in self._peers.items() if link not in linked]
        mine = sum(1 for p in pending if p.source == remote)
        if len(pending) >= MAX_PENDING or mine >= MAX_PENDING_PER_SOURCE:
            self.engine.refusals["busy"] += 1
            raise HostBusyError(_BUSY)
        if not self._offers.allow(remote, now) or not self._all_offers.allow("", now):
            self.engine.refusals["busy"] += 1
            raise HostBusyError(_BUSY)

    def _answer_relayed(
        self,
        offer: SessionDescription,
        remote: str,
        via: SignalledJoin,
        pake_key: bytes,
        pake_message: str,
    ) -> SessionDescription:
        """A join that starts on the relay: our tunnel key, and the link open at once."""
        assert via.relay is not None
        tunnel = TunnelKey()
        try:
            cipher = tunnel.cipher(offer.tunnel, role="host", pake_key=pake_key)
        except TunnelError as exc:
            raise ValueError(str(exc)) from exc
        link = f"link{next(self._ids)}"
        peer = _Peer(pc=None, source=remote)
        self._peers[link] = peer
        peer.link = PathLink(
            cipher,
            via.relay,
            on_message=lambda data: self._carry_out(self.engine.receive(link, data, self._clock())),
            on_closed=lambda _reason: self._drop(link),
            on_path=lambda path: self._path_changed(link, path),
            on_upgrade=lambda upgrade: self._spawn_upgrade(link, peer, upgrade, via),
        )
        via.relay.carry(peer.link)
        expected, proof = None, ""
        if pake_key:
            expected = pake.tunnel_proof(pake_key, "joiner", offer.tunnel, tunnel.public)
            proof = pake.tunnel_proof(pake_key, "host", tunnel.public, offer.tunnel)
        self.engine.link_opened(
            link, self._clock(), source=remote, proof=expected, path=Path.RELAYED
        )
        return SessionDescription(
            sdp="", type="answer", tunnel=tunnel.public, pake=pake_message, proof=proof
        )

    def _spawn_upgrade(self, link: str, peer: _Peer, upgrade: Upgrade, via: SignalledJoin) -> None:
        task = asyncio.ensure_future(self._upgrade(link, peer, upgrade, via))
        task.add_done_callback(_log_failure)

    async def _upgrade(self, link: str, peer: _Peer, upgrade: Upgrade, via: SignalledJoin) -> None:
        """A relayed member's SDP offer for a direct path (it came inside the tunnel):
        answer it over the link; the data channel joins the link when it opens. One
        upgrade per link; a bad offer is logged and the link stays on the relay."""
        path_link = peer.link
        problem = rtc.offer_problem(upgrade.sdp)
        if upgrade.type != "offer" or peer.pc is not None or path_link is None or problem:
            log.warning("%s sent an unusable upgrade (%s); it stays on the relay", link, problem)
            return
        servers: list[str | IceServer] = [*(self._ice_servers or []), *via.ice_servers]
        pc = rtc.new_peer_connection(servers)
        peer.pc = pc

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            if peer.channel is None and not path_link.closed:
                peer.channel = channel
                path_link.attach(channel, channel_path(pc))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState == "failed":
                log.info("%s: no direct path could be made; it stays on the relay", link)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=upgrade.sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises a variety for an SDP it cannot use
            log.warning("%s: its upgrade offer cannot be used (%s)", link, exc)
            return
        if self._peers.get(link) is not peer:  # the link went meanwhile
            await pc.close()
            return
        path_link.send_upgrade(Upgrade(type="answer", sdp=rtc.sdp_dict(pc)["sdp"]))

    async def _answer(
        self,
        offer: SessionDescription,
        remote: str = "",
        expect_proof: Callable[[str], str] | None = None,
        via: SignalledJoin | None = None,
    ) -> SessionDescription:
        problem = rtc.offer_problem(offer.sdp)
        if problem is not None:
            raise ValueError(problem)
        link = f"link{next(self._ids)}"
        servers: list[str | IceServer] = [*(self._ice_servers or [])]
        servers += via.ice_servers if via is not None else ()
        pc = rtc.new_peer_connection(servers)
        peer = _Peer(pc, source=remote)
        self._peers[link] = peer

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            if peer.channel is not None:
                log.warning("%s opened a second data channel; ignoring it", link)
                return
            peer.channel = channel
            proof = self._proofs.pop(link, None)
            self.engine.link_opened(link, self._clock(), source=remote, proof=proof)

            @channel.on("message")
            def on_message(data: bytes | str) -> None:
                self._carry_out(self.engine.receive(link, data, self._clock()))

            @channel.on("close")
            def on_close() -> None:
                self._drop(link)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                self._drop(link)

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type=offer.type))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            self._peers.pop(link, None)
            await pc.close()
            raise ValueError(str(exc)) from exc
        answer = rtc.sdp_dict(pc)
        if expect_proof is not None:
            self._proofs[link] = expect_proof(answer["sdp"])
        # A joiner that never opens its data channel must not hold a peer connection forever.
        asyncio.get_running_loop().call_later(OPEN_TIMEOUT_S, self._expire, link, peer)
        return SessionDescription(sdp=answer["sdp"], type=answer["type"])

    def _path_changed(self, link: str, path: Path) -> None:
        self._carry_out(self.engine.link_moved(link, path))
        if self.on_path is not None:
            self.on_path()

    def _expire(self, link: str, peer: _Peer) -> None:
        if not peer.opened and self._peers.get(link) is peer:
            log.info("%s never opened its data channel; closing it", link)
            del self._peers[link]
            self._links_changed.set()
            _close_soon(peer)

    # -- carrying out the engine's decisions ----------------------------------------------------

    def carry_out(self, out: HostOutcome) -> None:
        """Carry out what the engine decided (sends, closes, events) for an outside input."""
        self._carry_out(out)

    def _carry_out(self, out: HostOutcome) -> None:
        for send in out.sends:
            peer = self._peers.get(send.link)
            if peer is not None:
                peer.send(send.data)
        for link in out.close:
            self._close_link(link)
        if out.events:
            self._wake.set()
            self._on_events(out.events)

    def _drop(self, link: str) -> None:
        peer = self._peers.pop(link, None)
        if peer is None:
            return
        if peer.link is not None:  # the link failed: let go of its relay and ICE too
            _close_soon(peer)
        self._links_changed.set()
        self._carry_out(self.engine.link_closed(link, self._clock()))

    def _close_link(self, link: str) -> None:
        peer = self._peers.pop(link, None)
        if peer is None:
            return
        self._links_changed.set()
        self._carry_out(self.engine.link_closed(link, self._clock()))
        # Let the last messages (a goodbye or a fatal error) drain before tearing down SCTP
        # and leaving the relay session.
        loop = asyncio.get_running_loop()
        loop.call_later(CLOSE_DRAIN_S, _close_soon, peer)

    async def _tick_loop(self) -> None:
        # Stops on a flag, not on cancel: in Python 3.11, asyncio.wait_for can swallow a
        # cancellation that lands as the awaited event is set, and the loop would go on.
        while not self._stopping:
            self._carry_out(self.engine.tick(self._clock()))
            delay_s = max(0.0, (self.engine.next_wakeup(self._clock()) - self._clock()) / 1000)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay_s)


def _close_soon(peer: _Peer) -> None:
    if peer.link is not None:
        peer.link.close("The host closed the link.")
    if peer.pc is None:
        return
    task = asyncio.ensure_future(peer.pc.close())
    task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("closing a peer connection failed: %s", task.exception())

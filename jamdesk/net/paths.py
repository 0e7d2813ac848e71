"""A member's link to its host over the signalling server's relay and, once ICE opens one, a
data channel (the rules: :mod:`jamdesk.protocol.paths`; the sealing:
:mod:`jamdesk.protocol.tunnel`; docs/ARCHITECTURE.md, "Relay fallback").

Both ends of a link joined through a signalling URL hold a :class:`PathLink`. It carries the
room's messages (bytes in, bytes out) over whichever path is best now: the data channel while
it is open, else the relay. Frames sealed by the tunnel go to the relay through a
:class:`RelayPort` (the joiner's own WebSocket, or the host's one shared by every relayed
member); what comes back is opened, put in order and handed on. A frame that fails to open, a
repeat, or a gap that stays open closes the link loudly (a tampering relay), and so does the
loss of both paths.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from aiortc import RTCDataChannel, RTCPeerConnection

from jamdesk.protocol.paths import (
    CONTROL,
    ROOM,
    Path,
    PathError,
    Sequencer,
    Upgrade,
    decode_upgrade,
    direct_frame,
    encode_upgrade,
    parse_direct,
)
from jamdesk.protocol.tunnel import TunnelCipher, TunnelError

log = logging.getLogger(__name__)


class RelayPort(Protocol):
    """One side's way into a relay session."""

    def send_frame(self, sealed: bytes) -> bool:
        """Queue one sealed frame for the other side; ``False`` when the session is over."""
        ...

    def end(self) -> None:
        """Leave the session (the server tells the other side)."""
        ...


def channel_path(pc: RTCPeerConnection) -> Path:
    """Whether ``pc``'s nominated ICE pair runs through a TURN server (a ``relay`` candidate
    on either side, RFC 8445 5.1.1.2) or directly. Reads aioice's nominated pairs, which
    aiortc does not expose (``RTCIceTransport._connection``); :attr:`Path.DIRECT` when that
    cannot be read."""
    sctp = pc.sctp
    try:
        connection = sctp.transport.transport._connection  # type: ignore[union-attr]
        pairs = list(connection._nominated.values())
    except AttributeError:
        return Path.DIRECT
    turn = any("relay" in (p.local_candidate.type, p.remote_candidate.type) for p in pairs)
    return Path.TURN if turn else Path.DIRECT


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class PathLink:
    """One link's two paths.

    Args:
        cipher: the tunnel's keys with the other end.
        relay: the way into the relay session.
        on_message: called with each room message from the other end, in order.
        on_closed: called once when the link is over, with the reason in words.
        on_path: called when :attr:`path` changes.
        on_upgrade: called with each :class:`~jamdesk.protocol.paths.Upgrade` (the SDP that
            sets up the direct path) from the other end.
    """

    def __init__(
        self,
        cipher: TunnelCipher,
        relay: RelayPort,
        *,
        on_message: Callable[[bytes], None],
        on_closed: Callable[[str], None],
        on_path: Callable[[Path], None] | None = None,
        on_upgrade: Callable[[Upgrade], None] | None = None,
    ) -> None:
        self._cipher = cipher
        self._on_upgrade = on_upgrade
        self._relay: RelayPort | None = relay
        self._on_message = on_message
        self._on_closed = on_closed
        self._on_path = on_path
        self._sequencer = Sequencer()
        self._channel: RTCDataChannel | None = None
        self._channel_path = Path.DIRECT
        self._gap_timer: asyncio.TimerHandle | None = None
        self._closed_event = asyncio.Event()
        self.closed = False
        self.reason = ""
        self.server_lost = False
        self.relayed_frames = 0
        self.direct_frames = 0

    @property
    def path(self) -> Path:
        """The path our frames take now."""
        if self._channel is not None and self._channel.readyState == "open":
            return self._channel_path
        return Path.RELAYED

    # -- sending ------------------------------------------------------------------------------

    def send(self, data: bytes) -> bool:
        """Send one room message on the best path; ``False`` once the link is over."""
        return self._send(ROOM + data)

    def send_upgrade(self, upgrade: Upgrade) -> bool:
        """Send an SDP offer or answer for the direct path, inside the link."""
        return self._send(encode_upgrade(upgrade))

    def _send(self, data: bytes) -> bool:
        if self.closed:
            return False
        seq = self._sequencer.next_seq()
        channel = self._channel
        if channel is not None and channel.readyState == "open":
            channel.send(direct_frame(seq, data))
            self.direct_frames += 1
            return True
        if self._relay is not None and self._relay.send_frame(self._cipher.seal(seq, data)):
            self.relayed_frames += 1
            return True
        self._fail("Neither the relay nor a direct connection is open.", loud=False)
        return False

    # -- the relay ----------------------------------------------------------------------------

    def relay_frame(self, sealed: bytes) -> None:
        """A sealed frame from the relay."""
        if self.closed:
            return
        try:
            seq, payload = self._cipher.open(sealed)
        except TunnelError as exc:
            self._fail(f"The relay altered the connection ({exc}); closing it.", loud=True)
            return
        self._deliver(seq, payload)

    def relay_ended(self, reason: str = "", *, peer_left: bool = False) -> None:
        """The relay session is over: the other end left it (``peer_left``), or the server
        ended it or went away. When that ends the link, :attr:`server_lost` tells the
        second case: the other end may well be there still."""
        if self._relay is None:
            return
        self._relay = None
        self.server_lost = not peer_left
        if reason:
            log.info("relay session ended: %s", reason)
        if self.path is Path.RELAYED:
            self._fail(reason or "The relay closed the connection.", loud=False)

    # -- the data channel ---------------------------------------------------------------------

    def attach(self, channel: RTCDataChannel, path: Path = Path.DIRECT) -> None:
        """Use ``channel`` (open, or about to open) as the direct path."""
        if self.closed:
            return
        before = self.path
        self._channel, self._channel_path = channel, path

        @channel.on("message")
        def on_message(data: bytes | str) -> None:
            if self.closed or self._channel is not channel:
                return
            if isinstance(data, str):
                self._fail("The other end sent text on the direct path.", loud=True)
                return
            try:
                seq, payload = parse_direct(data)
            except PathError as exc:
                self._fail(str(exc), loud=True)
                return
            self._deliver(seq, payload)

        @channel.on("close")
        def on_close() -> None:
            if self._channel is channel:
                self._channel = None
                if self._relay is None:
                    self._fail("The connection closed.", loud=False)
                else:
                    self._path_changed(self._channel_path)

        if channel.readyState == "open":
            self._path_changed(before)
        else:
            channel.on("open", lambda: self._path_changed(before))

    # -- ending -------------------------------------------------------------------------------

    def close(self, reason: str = "closed") -> None:
        """End the link from this side: leave the relay session (the data channel belongs to
        its peer connection, which the owner closes)."""
        if self.closed:
            return
        self.closed = True
        self.reason = reason
        if self._gap_timer is not None:
            self._gap_timer.cancel()
        relay, self._relay = self._relay, None
        if relay is not None:
            relay.end()
        self._closed_event.set()

    async def wait_closed(self, timeout_s: float) -> None:
        """Wait until the link is over. Raises ``TimeoutError``."""
        await asyncio.wait_for(self._closed_event.wait(), timeout_s)

    # -- internals ----------------------------------------------------------------------------

    def _deliver(self, seq: int, payload: bytes) -> None:
        now = _now_ms()
        try:
            ready = self._sequencer.accept(seq, payload, now)
        except PathError as exc:
            self._fail(f"The link's frames cannot be put in order ({exc}); closing it.", loud=True)
            return
        self._arm_gap_timer()
        for frame in ready:
            if self.closed:
                return
            kind, message = frame[:1], frame[1:]
            if kind == ROOM:
                self._on_message(message)
            elif kind == CONTROL and self._on_upgrade is not None:
                try:
                    upgrade = decode_upgrade(frame)
                except PathError as exc:
                    log.warning("the other end sent %s", exc)
                    continue
                self._on_upgrade(upgrade)
            else:
                self._fail("The other end sent a frame of an unknown kind.", loud=True)

    def _arm_gap_timer(self) -> None:
        deadline = self._sequencer.gap_deadline_ms()
        if self._gap_timer is not None:
            self._gap_timer.cancel()
            self._gap_timer = None
        if deadline is not None:
            delay_s = max(0.0, (deadline - _now_ms()) / 1000) + 0.01
            self._gap_timer = asyncio.get_running_loop().call_later(delay_s, self._check_gap)

    def _check_gap(self) -> None:
        self._gap_timer = None
        if not self.closed and self._sequencer.overdue(_now_ms()):
            missing = self._sequencer.expected
            self._fail(
                f"Frame {missing} never arrived: the relay dropped it; closing the link.", loud=True
            )
        elif not self.closed:
            self._arm_gap_timer()

    def _path_changed(self, before: Path) -> None:
        now = self.path
        if now is not before and self._on_path is not None and not self.closed:
            log.info("link path: %s -> %s", before, now)
            self._on_path(now)

    def _fail(self, reason: str, *, loud: bool) -> None:
        """End the link and say why: a WARNING when the relay misbehaved (``loud``), INFO
        when a path simply went away."""
        if self.closed:
            return
        log.log(logging.WARNING if loud else logging.INFO, "link closed: %s", reason)
        self.close(reason)
        self._on_closed(reason)

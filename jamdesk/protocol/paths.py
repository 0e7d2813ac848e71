"""One link over two paths: the relay first, a direct data channel once ICE opens one.

A member joined through a signalling URL reaches the host over the server's relay at once
(:mod:`jamdesk.protocol.tunnel`) while ICE keeps trying; when a data channel opens (directly
or through TURN) the link moves to it. Each side numbers the frames it sends, one sequence for
the link whichever path carries them, and sends each frame on exactly one path (the direct one
when it is open). The receiver puts frames back in order with a :class:`Sequencer`: frames
that were still on the relay when the sender moved arrive after later ones on the direct path
and are slotted in, so no message is lost or seen twice when the path changes. A gap that
stays open for :data:`GAP_TIMEOUT_MS` means a frame was dropped (by the relay: the data
channel is reliable), and the link fails loudly.

A frame's payload starts with its kind: :data:`ROOM` (one room message for the engines) or
:data:`CONTROL` (an :class:`Upgrade`, the SDP offer or answer that sets up the direct path:
it travels inside the tunnel, so the DTLS fingerprints it carries are as authentic as the
tunnel itself). On the direct path a frame is ``seq (8 bytes, big-endian) || payload`` in one
binary data-channel message (DTLS protects it); on the relay it is sealed by the tunnel.
Pure logic, no I/O; the time is an argument.
"""

from __future__ import annotations

import struct
from enum import StrEnum
from typing import Literal

import msgspec

GAP_TIMEOUT_MS = 3_000
"""How long a missing frame may be awaited before the link is judged broken."""
MAX_PENDING = 512
"""Frames held out of order at most, waiting for a gap to fill."""

_SEQ = struct.Struct(">Q")

ROOM = b"\x00"
"""Payload kind: a room message."""
CONTROL = b"\x01"
"""Payload kind: an :class:`Upgrade`."""


class Upgrade(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The member's SDP offer for a direct path, or the host's answer, sent over the link."""

    type: Literal["offer", "answer"]
    sdp: str


def encode_upgrade(upgrade: Upgrade) -> bytes:
    """An :class:`Upgrade` as a control payload."""
    return CONTROL + msgspec.json.encode(upgrade)


def decode_upgrade(payload: bytes) -> Upgrade:
    """The :class:`Upgrade` in a control payload. Raises :class:`PathError` for anything
    else."""
    try:
        return msgspec.json.decode(payload[1:], type=Upgrade)
    except msgspec.DecodeError as exc:
        raise PathError(f"an unreadable control frame: {exc}") from exc


class Path(StrEnum):
    """How a member's frames reach the host, as shown in the people list."""

    DIRECT = "direct"
    """A WebRTC data channel between the two computers."""
    TURN = "turn"
    """A WebRTC data channel through a TURN server."""
    RELAYED = "relayed"
    """Sealed frames over the signalling server's WebSockets."""


class PathError(ValueError):
    """The link's frames cannot be put in order: a frame went missing, or came twice on a
    path that never repeats. The text says which."""


def direct_frame(seq: int, payload: bytes) -> bytes:
    """A frame for the direct path."""
    return _SEQ.pack(seq) + payload


def parse_direct(frame: bytes) -> tuple[int, bytes]:
    """``(seq, payload)`` of a direct-path frame. Raises :class:`PathError` when it is
    shorter than its header."""
    if len(frame) < _SEQ.size:
        raise PathError("a frame on the direct path is too short")
    return _SEQ.unpack_from(frame)[0], frame[_SEQ.size :]


class Sequencer:
    """Numbers our frames (:meth:`next_seq`) and delivers the peer's in order
    (:meth:`accept`); :meth:`overdue` says when a gap has waited too long."""

    def __init__(self) -> None:
        self._next_send = 0
        self._expected = 0
        self._pending: dict[int, bytes] = {}
        self._gap_since_ms: int | None = None

    def next_seq(self) -> int:
        """The sequence number of our next frame (0, 1, 2, ...)."""
        seq = self._next_send
        self._next_send += 1
        return seq

    @property
    def expected(self) -> int:
        """The sequence number of the next frame to deliver."""
        return self._expected

    def accept(self, seq: int, payload: bytes, now_ms: int) -> list[bytes]:
        """The payloads that can be delivered now, in order, once frame ``seq`` arrived.

        Raises :class:`PathError` for a frame already delivered or already held (each frame
        travels on one path only, so a repeat is tampering), or when more than
        :data:`MAX_PENDING` frames wait behind a gap."""
        if seq < self._expected or seq in self._pending:
            raise PathError(f"frame {seq} arrived twice")
        if seq > self._expected:
            if len(self._pending) >= MAX_PENDING:
                raise PathError(f"frame {self._expected} never arrived")
            self._pending[seq] = payload
            if self._gap_since_ms is None:
                self._gap_since_ms = now_ms
            return []
        ready = [payload]
        self._expected += 1
        while self._expected in self._pending:
            ready.append(self._pending.pop(self._expected))
            self._expected += 1
        self._gap_since_ms = now_ms if self._pending else None
        return ready

    def overdue(self, now_ms: int) -> bool:
        """Whether a frame has been missing for longer than :data:`GAP_TIMEOUT_MS`."""
        return self._gap_since_ms is not None and now_ms - self._gap_since_ms > GAP_TIMEOUT_MS

    def gap_deadline_ms(self) -> int | None:
        """When the open gap (if any) becomes overdue."""
        return None if self._gap_since_ms is None else self._gap_since_ms + GAP_TIMEOUT_MS

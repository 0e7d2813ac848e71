"""The end-to-end tunnel through the signalling server's relay: keys and sealed frames.

When no direct path between a member and the host has opened (yet), their frames travel over
their WebSockets to ``jamdesk signal``, which forwards them (docs/ARCHITECTURE.md, "Relay
fallback"). The server must see only ciphertext and must not be able to change the room:

- each side makes an ephemeral X25519 key pair; the joiner's public key travels in its
  ``join``, the host's in its ``answer`` (RFC 7748);
- both derive two ChaCha20-Poly1305 keys (RFC 8439), one per direction, with HKDF-SHA256
  (RFC 5869) over the X25519 shared secret. The HKDF salt is a private room's SPAKE2 key
  (:mod:`jamdesk.protocol.pake`), so a server that swaps the public keys to sit in the middle
  cannot derive the keys without the room's code; a public room has no secret to bind to, so
  an active server could sit in the middle of it exactly as it could rewrite the SDP
  fingerprints of its DTLS (what it cannot do either way: read a private room's frames,
  or alter, drop, reorder or replay frames of any room without the link failing loudly);
- the HKDF info binds both public keys, so keys of one join never open another's frames;
- a frame is ``seq (8 bytes, big-endian) || ciphertext``: the nonce is the sequence number,
  which must grow from frame to frame; an altered byte, a replayed or reordered frame fails
  :meth:`TunnelCipher.open` with :class:`TunnelError`. Frames that go missing are found by
  the gap they leave in the link's sequence (:mod:`jamdesk.protocol.paths`).

Pure computation with the ``cryptography`` package (aiortc's own dependency); no I/O.
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_INFO = b"jamdesk tunnel v1"
_SEQ = struct.Struct(">Q")
SEQ_BYTES = _SEQ.size
TAG_BYTES = 16
"""What sealing adds to a payload: the sequence number and the Poly1305 tag."""
OVERHEAD_BYTES = SEQ_BYTES + TAG_BYTES


class TunnelError(ValueError):
    """A relayed frame that must not be used: altered, replayed, reordered, or keyed for
    someone else. The link that gets one fails."""


class TunnelKey:
    """One side's ephemeral X25519 key pair; :attr:`public` (hex) goes to the peer."""

    def __init__(self) -> None:
        self._private = X25519PrivateKey.generate()
        self.public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def cipher(self, peer_public: str, *, role: str, pake_key: bytes = b"") -> TunnelCipher:
        """The tunnel with the peer whose public key (hex) is ``peer_public``; ``role`` is
        ``"joiner"`` or ``"host"`` (ours); ``pake_key`` a private room's SPAKE2 key.
        Raises :class:`TunnelError` for a malformed public key."""
        if role not in ("joiner", "host"):
            raise ValueError(f"role must be joiner or host, not {role!r}")
        try:
            peer = X25519PublicKey.from_public_bytes(bytes.fromhex(peer_public))
            shared = self._private.exchange(peer)
        except ValueError as exc:  # bad hex, wrong length, or a low-order point
            raise TunnelError(f"the peer's tunnel key cannot be used: {exc}") from exc
        joiner, host = (
            (self.public, peer_public) if role == "joiner" else (peer_public, self.public)
        )
        info = _INFO + b"|" + joiner.encode() + b"|" + host.encode()
        okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=pake_key or None, info=info).derive(
            shared
        )
        to_host, to_joiner = okm[:32], okm[32:]
        if role == "joiner":
            return TunnelCipher(send_key=to_host, receive_key=to_joiner)
        return TunnelCipher(send_key=to_joiner, receive_key=to_host)


class TunnelCipher:
    """Seals our frames and opens the peer's, one key per direction (see the module text)."""

    def __init__(self, *, send_key: bytes, receive_key: bytes) -> None:
        self._seal = ChaCha20Poly1305(send_key)
        self._open = ChaCha20Poly1305(receive_key)
        self._last_sent = -1
        self._last_opened = -1

    def seal(self, seq: int, payload: bytes) -> bytes:
        """``payload`` as one frame under sequence number ``seq`` (greater than the last
        sealed one; ``ValueError`` otherwise, since a nonce must never repeat)."""
        if seq <= self._last_sent:
            raise ValueError(f"sequence {seq} is not after {self._last_sent}")
        self._last_sent = seq
        head = _SEQ.pack(seq)
        return head + self._seal.encrypt(_nonce(seq), payload, head)

    def open(self, frame: bytes) -> tuple[int, bytes]:
        """``(seq, payload)`` of a frame from the peer. Raises :class:`TunnelError` for a
        frame that is too short, altered, or not after the last one opened."""
        if len(frame) < OVERHEAD_BYTES:
            raise TunnelError("a relayed frame is too short")
        (seq,) = _SEQ.unpack_from(frame)
        if seq <= self._last_opened:
            raise TunnelError(f"relayed frame {seq} came again or out of order")
        try:
            payload = self._open.decrypt(_nonce(seq), frame[SEQ_BYTES:], frame[:SEQ_BYTES])
        except InvalidTag as exc:
            raise TunnelError("a relayed frame was altered on the way") from exc
        self._last_opened = seq
        return seq, payload


def _nonce(seq: int) -> bytes:
    return b"\0\0\0\0" + _SEQ.pack(seq)

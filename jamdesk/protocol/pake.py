"""A private room's code as a password that no relay learns: SPAKE2 plus fingerprint proofs.

The joiner and the host each run SPAKE2 (the ``spake2`` package, the construction
magic-wormhole uses for its short codes) with the room's code; the relay carries the two
messages and learns nothing that lets it test a guess offline. Each side then proves, with an
HMAC-SHA256 under the shared key, the pair of DTLS certificate fingerprints it sees in the
SDP offer and answer (RFC 8122 ``a=fingerprint``): the host's proof travels in the answer,
the joiner's in its hello over the data channel. A relay that rewrites either SDP (to sit in
the middle) or a joiner with the wrong code fails a proof; each wrong guess costs one online
try, which the host rate-limits. Pure computation, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac

from spake2 import SPAKE2_A, SPAKE2_B
from spake2.spake2 import SPAKEError

_ID_JOINER = b"jamdesk-joiner"
_ID_HOST = b"jamdesk-host"


class PakeError(ValueError):
    """A PAKE message or SDP that cannot be used; the text says why."""


def fingerprint(sdp: str) -> str:
    """The DTLS fingerprint of an SDP (``sha-256 AB:CD:...``, lower case). Raises
    :class:`PakeError` when there is none."""
    for line in sdp.splitlines():
        if line.startswith("a=fingerprint:"):
            return line[len("a=fingerprint:") :].strip().lower()
    raise PakeError("the session description has no DTLS fingerprint")


def proof(key: bytes, role: str, own_sdp: str, peer_sdp: str) -> str:
    """``role``'s proof (hex) that it holds ``key`` and sees these two fingerprints."""
    return _prove(key, role, fingerprint(own_sdp), fingerprint(peer_sdp))


def tunnel_proof(key: bytes, role: str, own_tunnel: str, peer_tunnel: str) -> str:
    """``role``'s proof (hex) that it holds ``key`` and sees these two tunnel keys: a join
    that starts on the relay (:mod:`jamdesk.protocol.tunnel`) has no SDP yet, and the DTLS
    fingerprints it trades later travel inside the tunnel."""
    return _prove(key, role, f"tunnel {own_tunnel.lower()}", f"tunnel {peer_tunnel.lower()}")


def _prove(key: bytes, role: str, own: str, peer: str) -> str:
    return hmac.new(key, f"{role}|{own}|{peer}".encode(), hashlib.sha256).hexdigest()


def check(expected: str, given: str) -> bool:
    """Compare proofs in constant time."""
    return hmac.compare_digest(expected.encode(), given.encode())


class JoinerPake:
    """The joiner's side: :attr:`message` (hex) goes to the host; :meth:`finish` takes the
    host's message and returns the shared key."""

    def __init__(self, code: str) -> None:
        self._spake = SPAKE2_A(code.encode(), idA=_ID_JOINER, idB=_ID_HOST)
        self.message = self._spake.start().hex()
        self.key = b""

    def finish(self, host_message: str) -> bytes:
        """The shared key (equal to the host's only if both used the same code). Raises
        :class:`PakeError` for a malformed or replayed message."""
        try:
            return bytes(self._spake.finish(bytes.fromhex(host_message)))
        except (ValueError, SPAKEError) as exc:
            raise PakeError(f"the host's PAKE message cannot be used: {exc}") from exc

    def conclude(self, offer_sdp: str, answer_sdp: str, host_message: str, host_proof: str) -> str:
        """Check the host's answer (its message and its proof over both fingerprints) and
        return our own proof for the hello. Raises :class:`PakeError` when the proof fails:
        a wrong code, or an SDP altered on the way. The shared key is then :attr:`key` (it
        also binds a relay tunnel's keys: :mod:`jamdesk.protocol.tunnel`)."""
        key = self.finish(host_message)
        if not check(proof(key, "host", answer_sdp, offer_sdp), host_proof):
            raise PakeError("the host's proof does not match")
        self.key = key
        return proof(key, "joiner", offer_sdp, answer_sdp)

    def conclude_tunnel(
        self, own_tunnel: str, host_tunnel: str, host_message: str, host_proof: str
    ) -> str:
        """:meth:`conclude` for a join that starts on the relay: the proofs cover both
        tunnel keys. Raises :class:`PakeError` when the host's proof fails (a wrong code,
        or a relay that swapped the keys)."""
        key = self.finish(host_message)
        if not check(tunnel_proof(key, "host", host_tunnel, own_tunnel), host_proof):
            raise PakeError("the host's proof does not match")
        self.key = key
        return tunnel_proof(key, "joiner", own_tunnel, host_tunnel)


def host_pake(code: str, joiner_message: str) -> tuple[bytes, str]:
    """The host's side, in one step: (shared key, message for the joiner in hex). Raises
    :class:`PakeError` for a malformed or replayed message."""
    spake = SPAKE2_B(code.encode(), idA=_ID_JOINER, idB=_ID_HOST)
    message = spake.start().hex()
    try:
        return bytes(spake.finish(bytes.fromhex(joiner_message))), message
    except (ValueError, SPAKEError) as exc:
        raise PakeError(f"the joiner's PAKE message cannot be used: {exc}") from exc

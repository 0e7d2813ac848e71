"""Messages between the signalling server (``jamdesk signal``) and its clients.

One WebSocket per client, one JSON text frame per message, tagged by ``type``. A host
``register``s its room's code; a joiner may ask for the server's STUN/TURN servers (``ice``),
then sends ``join`` with its SDP offer; the server hands the offer to the host as ``offer``
with a ``join_id``; the host's ``answer`` goes back to that joiner. The server never looks
inside SDP. Errors are ``error`` messages with a code and a sentence.

Relay fallback (docs/ARCHITECTURE.md, "Relay fallback"): a join that carries a ``tunnel`` key
and an answer that carries one open a *relay session* under the join's id. Its frames are
binary WebSocket frames, ``join_id (16 ASCII bytes) || sealed frame``
(:func:`relay_frame`; sealed by :mod:`jamdesk.protocol.tunnel`, so the server forwards bytes
it cannot read), until either side sends ``relay_end`` or leaves; the server then tells the
other side with ``relay_end``.
"""

from __future__ import annotations

import msgspec

from jamdesk.protocol.messages import MAX_MESSAGE_BYTES, PROTOCOL_VERSION
from jamdesk.protocol.tunnel import OVERHEAD_BYTES

MAX_SIGNAL_BYTES = 64 * 1024
"""Largest text frame the server reads; an SDP offer of a data channel is about 1 KiB."""
JOIN_ID_BYTES = 16
"""A join's id: 16 hex digits (the server makes it)."""
MAX_RELAY_FRAME_BYTES = JOIN_ID_BYTES + OVERHEAD_BYTES + MAX_MESSAGE_BYTES
"""Largest binary (relay) frame: one room message, sealed, behind its join's id."""


class _Signal(msgspec.Struct, frozen=True, tag_field="type", forbid_unknown_fields=True):
    """Base of every signalling message."""


class Register(_Signal, frozen=True, tag="register"):
    """A host claims ``code`` for its room."""

    code: str
    protocol: int = PROTOCOL_VERSION


class IceServer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A STUN or TURN server as the signalling server hands it out (W3C ``RTCIceServer``):
    ``urls`` one ``stun:``/``turn:`` URI; TURN credentials, short-lived where the server has
    a ``--turn-secret`` (the TURN REST API form coturn's ``use-auth-secret`` checks)."""

    urls: str
    username: str = ""
    credential: str = ""


def parse_ice_server(text: str) -> IceServer:
    """``stun:host[:port]`` or ``turn[s]:[user:password@]host[:port]`` to an
    :class:`IceServer` (RFC 7064/7065 URIs carry no credentials; ``user:password@`` is our own
    short form for them). Raises ``ValueError`` in words for anything else."""
    scheme, _, rest = text.strip().partition(":")
    if scheme not in ("stun", "turn", "turns") or not rest:
        raise ValueError(f"'{text}' is not a STUN or TURN server (stun:host:3478, turn:...).")
    if "@" in rest and scheme.startswith("turn"):
        credentials, _, host = rest.rpartition("@")
        username, _, credential = credentials.partition(":")
        return IceServer(urls=f"{scheme}:{host}", username=username, credential=credential)
    return IceServer(urls=f"{scheme}:{rest}")


class Registered(_Signal, frozen=True, tag="registered"):
    """The server holds the room under ``code`` for this host; ``ice_servers`` are the
    server's STUN/TURN servers for answering joiners."""

    code: str
    ice_servers: tuple[IceServer, ...] = ()


class AskIce(_Signal, frozen=True, tag="ice"):
    """A joiner asks for the server's STUN/TURN servers before it makes its offer."""


class IceServers(_Signal, frozen=True, tag="ice_servers"):
    """The server's STUN/TURN servers (perhaps none), answering :class:`AskIce`."""

    servers: tuple[IceServer, ...] = ()


class RelayEnd(_Signal, frozen=True, tag="relay_end"):
    """Client to server: this side is done with relay session ``join_id``. Server to client:
    the other side left it, or ``reason`` (words) says why the server ended it."""

    join_id: str
    reason: str = ""
    left: bool = False
    """The other side left the session (or its room is gone), as opposed to a limit that
    ended it: a member whose host left may take over, one whose relay failed may not."""


class Join(_Signal, frozen=True, tag="join"):
    """A joiner asks for the room registered as ``code``, offering ``sdp``. For a private
    room, ``code`` is the room's public id and ``pake`` the joiner's SPAKE2 message (hex;
    :mod:`jamdesk.protocol.pake`): the code itself never travels."""

    code: str
    sdp: str
    protocol: int = PROTOCOL_VERSION
    pake: str = ""
    tunnel: str = ""
    """The joiner's tunnel key (hex): it asks the host for a relay session."""


class Offer(_Signal, frozen=True, tag="offer"):
    """Server to host: a joiner's SDP offer (and PAKE message), to answer under
    ``join_id``."""

    join_id: str
    sdp: str
    pake: str = ""
    tunnel: str = ""


class Answer(_Signal, frozen=True, tag="answer"):
    """Host to server (with the ``join_id``), and server to joiner: the SDP answer; for a
    private room also the host's SPAKE2 message and its fingerprint ``proof``."""

    join_id: str
    sdp: str
    pake: str = ""
    proof: str = ""
    tunnel: str = ""
    """The host's tunnel key (hex), when it accepts the joiner's relay session."""


class Failure(_Signal, frozen=True, tag="error"):
    """Something was refused: ``code`` for programs, ``message`` for people."""

    code: str
    message: str


Signal = Register | Registered | AskIce | IceServers | Join | Offer | Answer | RelayEnd | Failure
"""Every signalling message."""

_decoder: msgspec.json.Decoder[Signal] = msgspec.json.Decoder(Signal)
_encoder = msgspec.json.Encoder()


class SignalError(ValueError):
    """A frame that is not a signalling message; the text says why."""


def decode_signal(data: str | bytes) -> Signal:
    """One frame to a message. Raises :class:`SignalError` for anything too large or
    malformed (never anything else)."""
    if len(data) > MAX_SIGNAL_BYTES:
        raise SignalError(f"frames are at most {MAX_SIGNAL_BYTES} bytes")
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise SignalError(f"not a signalling message: {exc}") from exc


def encode_signal(message: Signal) -> str:
    """A message as one JSON text frame."""
    return _encoder.encode(message).decode()


def relay_frame(join_id: str, sealed: bytes) -> bytes:
    """A binary relay frame for session ``join_id``."""
    return join_id.encode("ascii") + sealed


def parse_relay_frame(data: bytes) -> tuple[str, bytes]:
    """``(join_id, sealed)`` of a binary relay frame. Raises :class:`SignalError` for one
    too short, too long, or whose id is not 16 hex digits."""
    if len(data) > MAX_RELAY_FRAME_BYTES:
        raise SignalError(f"relay frames are at most {MAX_RELAY_FRAME_BYTES} bytes")
    if len(data) <= JOIN_ID_BYTES:
        raise SignalError("a relay frame is too short")
    head = data[:JOIN_ID_BYTES]
    if any(c not in b"0123456789abcdef" for c in head):
        raise SignalError("a relay frame must start with its join's id")
    return head.decode("ascii"), data[JOIN_ID_BYTES:]

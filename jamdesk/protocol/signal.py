"""Messages between the signalling server (``jamdesk signal``) and its clients.

One WebSocket per client, one JSON text frame per message, tagged by ``type``. A host
``register``s its room's code; a joiner sends ``join`` with its SDP offer; the server hands
the offer to the host as ``offer`` with a ``join_id``; the host's ``answer`` goes back to that
joiner. The server relays SDP and nothing else, and never looks inside it. Errors are
``error`` messages with a code and a sentence (design page, "Network": internet).
"""

from __future__ import annotations

import msgspec

from jamdesk.protocol.messages import PROTOCOL_VERSION

MAX_SIGNAL_BYTES = 64 * 1024
"""Largest frame the server reads; an SDP offer of a data channel is about 1 KiB."""


class _Signal(msgspec.Struct, frozen=True, tag_field="type", forbid_unknown_fields=True):
    """Base of every signalling message."""


class Register(_Signal, frozen=True, tag="register"):
    """A host claims ``code`` for its room."""

    code: str
    protocol: int = PROTOCOL_VERSION


class Registered(_Signal, frozen=True, tag="registered"):
    """The server holds the room under ``code`` for this host."""

    code: str


class Join(_Signal, frozen=True, tag="join"):
    """A joiner asks for the room registered as ``code``, offering ``sdp``. For a private
    room, ``code`` is the room's public id and ``pake`` the joiner's SPAKE2 message (hex;
    :mod:`jamdesk.protocol.pake`): the code itself never travels."""

    code: str
    sdp: str
    protocol: int = PROTOCOL_VERSION
    pake: str = ""


class Offer(_Signal, frozen=True, tag="offer"):
    """Server to host: a joiner's SDP offer (and PAKE message), to answer under
    ``join_id``."""

    join_id: str
    sdp: str
    pake: str = ""


class Answer(_Signal, frozen=True, tag="answer"):
    """Host to server (with the ``join_id``), and server to joiner: the SDP answer; for a
    private room also the host's SPAKE2 message and its fingerprint ``proof``."""

    join_id: str
    sdp: str
    pake: str = ""
    proof: str = ""


class Failure(_Signal, frozen=True, tag="error"):
    """Something was refused: ``code`` for programs, ``message`` for people."""

    code: str
    message: str


Signal = Register | Registered | Join | Offer | Answer | Failure
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

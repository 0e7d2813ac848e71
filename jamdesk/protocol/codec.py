"""Encoding and strict decoding of :data:`~jamdesk.protocol.messages.Message`.

Decoding never raises: bad input comes back as a :class:`DecodeError` value with a stable code
(``too_large``, ``malformed``, ``invalid``) and a detail for the log, so a host can answer and go on
serving everyone else.
"""

from __future__ import annotations

import hashlib

import msgspec

from jamdesk.core.events import Event
from jamdesk.protocol.messages import MAX_MESSAGE_BYTES, Message

_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[Message] = msgspec.json.Decoder(Message)


class DecodeError(msgspec.Struct, frozen=True):
    """Why a received message was not used."""

    code: str
    detail: str


class MessageTooLargeError(ValueError):
    """Raised by :func:`encode` for a message over the size limit; a bug on our side."""


def encode(message: Message) -> bytes:
    """JSON bytes of ``message``. Raises :class:`MessageTooLargeError` past the limit."""
    data = _encoder.encode(message)
    if len(data) > MAX_MESSAGE_BYTES:
        raise MessageTooLargeError(f"{type(message).__name__} is {len(data)} bytes")
    return data


def decode(data: bytes | str) -> Message | DecodeError:
    """The message in ``data`` (bytes, or text as a data channel may deliver), or why not."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_MESSAGE_BYTES:
        return DecodeError("too_large", f"{len(raw)} bytes, limit {MAX_MESSAGE_BYTES}")
    try:
        return _decoder.decode(raw)
    except msgspec.ValidationError as exc:
        return DecodeError("invalid", str(exc))
    except msgspec.DecodeError as exc:
        return DecodeError("malformed", str(exc))


def event_digest(event: Event) -> str:
    """A short fingerprint of one event (BLAKE2b of its JSON), to check that two logs agree
    up to that event before resuming."""
    return hashlib.blake2b(_encoder.encode(event), digest_size=8).hexdigest()


def batch_events(events: list[Event], limit: int = MAX_MESSAGE_BYTES - 64) -> list[list[Event]]:
    """Split ``events`` into runs whose JSON fits one message (each event alone must fit)."""
    batches: list[list[Event]] = []
    current: list[Event] = []
    size = 0
    for event in events:
        n = len(_encoder.encode(event)) + 1
        if current and size + n > limit:
            batches.append(current)
            current, size = [], 0
        current.append(event)
        size += n
    if current:
        batches.append(current)
    return batches

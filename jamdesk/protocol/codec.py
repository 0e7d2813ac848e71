"""Encoding and strict decoding of :data:`~jamdesk.protocol.messages.Message`.

Decoding never raises: bad input comes back as a :class:`DecodeError` value with a stable code
(``too_large``, ``malformed``, ``invalid``) and a detail for the log, so a host can answer and go on
serving everyone else.
"""

from __future__ import annotations

import hashlib

import msgspec

from jamdesk.core.events import Event
from jamdesk.core.room import RoomState
from jamdesk.protocol.messages import (
    MAX_MESSAGE_BYTES,
    MAX_SNAPSHOT_PARTS,
    PROTOCOL_VERSION,
    Message,
    SnapshotPart,
    Welcome,
)

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


_PART_CHARS = 16_000
"""Characters of snapshot JSON per :class:`SnapshotPart` to start from; a part whose message
would still be too large (escapes, wide characters) is cut in half until it fits."""


def welcome_messages(participant_id: str, state: RoomState, resume_from: int) -> list[bytes]:
    """The encoded :class:`Welcome` for ``state``: one message when it fits, or a Welcome
    announcing parts followed by the :class:`SnapshotPart` messages, each under the limit.

    Raises :class:`MessageTooLargeError` past :data:`MAX_SNAPSHOT_PARTS` (the room's limits
    in :mod:`jamdesk.core.rules` keep a state far below it)."""
    whole = Welcome(
        protocol=PROTOCOL_VERSION,
        participant_id=participant_id,
        snapshot=state,
        resume_from=resume_from,
    )
    try:
        return [encode(whole)]
    except MessageTooLargeError:
        pass
    text = _encoder.encode(state).decode("utf-8")
    parts: list[bytes] = []
    start = 0
    while start < len(text):
        size = _PART_CHARS
        while True:
            try:
                data = encode(SnapshotPart(index=len(parts), text=text[start : start + size]))
                break
            except MessageTooLargeError:
                size //= 2
        parts.append(data)
        start += size
    if len(parts) > MAX_SNAPSHOT_PARTS:
        raise MessageTooLargeError(f"a snapshot of {len(parts)} parts")
    head = Welcome(
        protocol=PROTOCOL_VERSION,
        participant_id=participant_id,
        resume_from=resume_from,
        snapshot_parts=len(parts),
    )
    return [encode(head), *parts]


class SnapshotAssembly:
    """A member's collector for a snapshot sent in parts (see :func:`welcome_messages`).

    ``add`` returns the :class:`RoomState` once the last part arrives, ``None`` before;
    raises ``ValueError`` for a part out of order, too many parts or a snapshot that does
    not decode (a hostile or broken host: the member leaves)."""

    def __init__(self, parts: int) -> None:
        if not 0 < parts <= MAX_SNAPSHOT_PARTS:
            raise ValueError(f"a snapshot in {parts} parts (at most {MAX_SNAPSHOT_PARTS})")
        self.parts = parts
        self._texts: list[str] = []

    def add(self, part: SnapshotPart) -> RoomState | None:
        """Take the next part; the snapshot when it was the last."""
        if part.index != len(self._texts):
            raise ValueError(f"snapshot part {part.index} where {len(self._texts)} was due")
        self._texts.append(part.text)
        if len(self._texts) < self.parts:
            return None
        try:
            return msgspec.json.decode("".join(self._texts).encode("utf-8"), type=RoomState)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise ValueError(f"the snapshot does not read: {exc}") from exc

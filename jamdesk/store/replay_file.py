"""The shareable replay file: one session's full log, versioned, self-describing, checksummed.

Layout: a first line of JSON ``{"format": "jamdesk-replay", "version": 1, "bytes": N,
"sha256": "..."}``, then exactly ``N`` bytes of JSON payload ``{"title": ..., "events": [...]}``.
Reading checks, in order: that it is a Jamdesk replay at all, that its version is one we read,
that it is complete, that its checksum matches, and that its events form a valid room log
(they fold without error). Any failure raises :class:`ReplayFileError` in plain words and
nothing is imported.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec

from jamdesk.core.events import Event
from jamdesk.core.room import LogError, fold
from jamdesk.core.rules import (
    MAX_CHAT_CHARS,
    MAX_NAME_CHARS,
    MAX_TASK_CHARS,
    MAX_TITLE_CHARS,
)

FORMAT = "jamdesk-replay"
VERSION = 1
MAX_FILE_BYTES = 16 * 1024 * 1024
"""A replay file larger than this is refused before it is read (a 12-hour room with 30
people chatting makes about 3 MB)."""
MAX_REPLAY_EVENTS = 50_000
"""Events a replay may hold; the payload is decoded only after the file's size is checked,
so memory stays bounded by :data:`MAX_FILE_BYTES`."""
MAX_ID_CHARS = 64
"""Ids (participants, tasks, codes) are short; a longer one is not ours."""
_TEXT_LIMITS = {
    "title": max(MAX_TITLE_CHARS, MAX_TASK_CHARS),
    "name": MAX_NAME_CHARS + 4,  # a ghost's name carries its mark
    "host_name": MAX_NAME_CHARS,
    "text": MAX_CHAT_CHARS,
    "discipline": MAX_TITLE_CHARS,
    "source": MAX_TITLE_CHARS,  # a ghost's session title
}
"""Each text field of an event at most as long as the room itself allows
(:mod:`jamdesk.core.rules`); any other text field is an id or a token."""


class ReplayFileError(ValueError):
    """A file that cannot be imported; the message says why in words a student understands."""


class Header(msgspec.Struct, frozen=True):
    """The first line of a replay file."""

    format: str
    version: int
    bytes: int
    sha256: str


class Payload(msgspec.Struct, frozen=True):
    """What a replay file carries."""

    title: str
    events: list[Event]


def write_replay(path: Path, title: str, events: list[Event]) -> None:
    """Write ``events`` (a whole room log) to ``path``. Raises ``OSError``."""
    payload = msgspec.json.encode(Payload(title=title, events=events))
    header = msgspec.json.encode(
        Header(
            format=FORMAT,
            version=VERSION,
            bytes=len(payload),
            sha256=hashlib.sha256(payload).hexdigest(),
        )
    )
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(header + b"\n" + payload)
    tmp.replace(path)  # never leave half a file under the real name


def read_replay(path: Path) -> Payload:
    """Read and check a replay file. Raises :class:`ReplayFileError` (or ``OSError``)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ReplayFileError("This file is far too large to be a Jamdesk replay.")
    data = path.read_bytes()
    first, newline, payload = data.partition(b"\n")
    try:
        header = msgspec.json.decode(first, type=Header)
    except msgspec.DecodeError:
        header = None
    if not newline or header is None or header.format != FORMAT:
        raise ReplayFileError("This is not a Jamdesk replay file.")
    if header.version > VERSION:
        raise ReplayFileError(
            f"This replay was made by a newer Jamdesk (format {header.version}"
            f"); update Jamdesk to open it."
        )
    if header.version < 1:
        raise ReplayFileError("This replay file has an unknown format.")
    if len(payload) < header.bytes:
        raise ReplayFileError(
            "This replay file is incomplete: it was cut short while being copied or downloaded."
        )
    if len(payload) > header.bytes or hashlib.sha256(payload).hexdigest() != header.sha256:
        raise ReplayFileError("This replay file is damaged (its checksum does not match).")
    try:
        body = msgspec.json.decode(payload, type=Payload)
    except msgspec.DecodeError as exc:
        raise ReplayFileError(f"This replay file is damaged ({exc}).") from exc
    _check_bounds(body)
    try:
        if fold(body.events) is None:
            raise ReplayFileError("This replay file holds no session.")
    except LogError as exc:
        raise ReplayFileError(f"This replay file is damaged ({exc}).") from exc
    return body


def _check_bounds(body: Payload) -> None:
    """Refuse a payload no room could have written: too many events, or a text longer than
    the room allows (:data:`_TEXT_LIMITS`). Raises :class:`ReplayFileError`."""
    if len(body.events) > MAX_REPLAY_EVENTS:
        raise ReplayFileError(
            f"This replay holds {len(body.events):,} events; Jamdesk opens at most "
            f"{MAX_REPLAY_EVENTS:,}. It was not made by a Jamdesk room."
        )
    if len(body.title) > MAX_TITLE_CHARS:
        raise ReplayFileError(_too_long("title", len(body.title), MAX_TITLE_CHARS))
    for event in body.events:
        for name in event.body.__struct_fields__:
            value = getattr(event.body, name)
            if not isinstance(value, str):
                continue
            limit = _TEXT_LIMITS.get(name, MAX_ID_CHARS)
            if len(value) > limit:
                raise ReplayFileError(_too_long(f"{event.kind} {name}", len(value), limit))
        if len(event.actor) > MAX_ID_CHARS:
            raise ReplayFileError(_too_long("actor", len(event.actor), MAX_ID_CHARS))


def _too_long(what: str, length: int, limit: int) -> str:
    return (
        f"This replay file was altered: a {what} of {length:,} characters, where a room "
        f"allows {limit:,}."
    )

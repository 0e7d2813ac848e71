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

FORMAT = "jamdesk-replay"
VERSION = 1
MAX_FILE_BYTES = 256 * 1024 * 1024


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
        if fold(body.events) is None:
            raise ReplayFileError("This replay file holds no session.")
    except (msgspec.DecodeError, LogError) as exc:
        raise ReplayFileError(f"This replay file is damaged ({exc}).") from exc
    return body

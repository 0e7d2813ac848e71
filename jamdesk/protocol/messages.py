"""Messages exchanged on a jam's data channel, as msgspec tagged structs (JSON on the wire).

One message per data-channel message, at most :data:`MAX_MESSAGE_BYTES` encoded. A member
opens with :class:`Hello`; the host answers :class:`Welcome` (the room's snapshot, in
:class:`SnapshotPart` messages when it does not fit one) followed by the log as :class:`Events`
batches, then every new event as it is appended.
"""

from __future__ import annotations

import msgspec

from jamdesk.core.commands import Command
from jamdesk.core.events import Event
from jamdesk.core.room import RoomState

PROTOCOL_VERSION = 3
"""Bumped on any change a peer of the previous version could not read."""

MAX_MESSAGE_BYTES = 64 * 1024
"""Hard limit for one encoded message; SCTP messages of this size go through aiortc unsplit."""


class _Message(msgspec.Struct, frozen=True, tag_field="type"):
    """Base of every message; unknown fields are ignored so that newer peers can add some."""


class Hello(_Message, frozen=True, tag="hello"):
    """A member asks to join. ``participant_id``, ``since_seq`` and ``last_digest`` (of the
    event at ``since_seq``, see :func:`jamdesk.protocol.codec.event_digest`) resume an earlier
    stay; ``client_id`` is the app's own stable id (a removed member is refused by it);
    ``code`` is the join code the student typed, which a private room checks (its code is a
    password and is never advertised); ``proof`` replaces the code when the room was reached
    through a signalling server with a PAKE (:mod:`jamdesk.protocol.pake`).

    ``public_key`` and ``signature`` (hex) prove the member's identity
    (:mod:`jamdesk.protocol.identity`): signed at ``signed_at_ms`` over the room's code. The
    host admits the key's own participant id; ``participant_id`` only asks to resume, and a
    hello without a key never resumes anyone's stay."""

    protocol: int
    name: str
    participant_id: str | None = None
    since_seq: int = 0
    client_id: str = ""
    last_digest: str = ""
    avatar_color: str = ""
    code: str = ""
    proof: str = ""
    public_key: str = ""
    signature: str = ""
    signed_at_ms: int = 0


class Welcome(_Message, frozen=True, tag="welcome"):
    """The host admits a member: its id and the room as of ``snapshot.head_seq``.

    The member keeps the events it holds up to ``resume_from`` and drops any after it (a new
    host may never have received the last events of a lost one); the backlog that follows
    starts at ``resume_from + 1``.

    A snapshot too large for one message (a room with hundreds of people or tasks) comes as
    ``snapshot=None`` and ``snapshot_parts`` :class:`SnapshotPart` messages right after, whose
    texts joined are the snapshot's JSON; at most :data:`MAX_SNAPSHOT_PARTS`.
    """

    protocol: int
    participant_id: str
    snapshot: RoomState | None = None
    resume_from: int = 0
    snapshot_parts: int = 0


MAX_SNAPSHOT_PARTS = 64
"""A snapshot spans at most this many parts (about 1 MB of JSON at the most compact; the
room's limits in :mod:`jamdesk.core.rules` keep it well under); a member refuses more."""


class SnapshotPart(_Message, frozen=True, tag="snapshot_part"):
    """Part ``index`` (from 0) of a snapshot announced by :class:`Welcome`: a run of its JSON
    text."""

    index: int
    text: str


class Events(_Message, frozen=True, tag="events"):
    """Events in sequence order: the backlog after a Welcome, then live ones."""

    events: list[Event]


class CommandMessage(_Message, frozen=True, tag="command"):
    """A member's command; ``ref`` is echoed in a refusal so the sender can match it."""

    ref: int
    command: Command


class Refused(_Message, frozen=True, tag="refused"):
    """The host refused command ``ref``: a stable ``code`` and a ``reason`` for people."""

    ref: int
    code: str
    reason: str


class Error(_Message, frozen=True, tag="error"):
    """Something the peer sent could not be used. ``fatal`` means the host closes the link."""

    code: str
    message: str
    fatal: bool = False


class Ping(_Message, frozen=True, tag="ping"):
    """Clock probe: ``t0`` is the member's clock when sent (ms)."""

    t0: int


class Pong(_Message, frozen=True, tag="pong"):
    """Clock answer: ``t1`` room clock on receipt, ``t2`` room clock on sending (ms)."""

    t0: int
    t1: int
    t2: int


class Bye(_Message, frozen=True, tag="bye"):
    """A peer is going away on purpose (leave or room ended)."""

    reason: str = ""


class Paths(_Message, frozen=True, tag="paths"):
    """Host to members: how each member's link reaches the host now (participant id ->
    ``direct``, ``turn`` or ``relayed``; :class:`~jamdesk.protocol.paths.Path`), for the
    people list. Sent when a link changes path, and when someone is admitted while any link
    is not direct (a LAN room never sends it); not part of the log."""

    paths: dict[str, str]


Message = (
    Hello
    | Welcome
    | SnapshotPart
    | Events
    | CommandMessage
    | Refused
    | Error
    | Ping
    | Pong
    | Bye
    | Paths
)

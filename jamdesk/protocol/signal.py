"""Messages between the signalling server (``jamdesk signal``) and its clients.

One WebSocket per client, one JSON text frame per message, tagged by ``type``. A host
``register``s its room's code; a joiner may ask for the server's STUN/TURN servers (``ice``),
then sends ``join`` with its SDP offer; the server hands the offer to the host as ``offer``
with a ``join_id``; the host's ``answer`` goes back to that joiner. The server never looks
inside SDP. Errors are ``error`` messages with a code and a sentence.

The internet lobby (docs/ARCHITECTURE.md, "Internet lobby"): a host lists its registered
public room with ``list`` (a :class:`Listing`: what the LAN advert says); a client that sends
``lobby`` gets every listed room as ``rooms`` (``full``), then the changes as they happen
(batched, at most :data:`LOBBY_FLUSH_MS` apart), and the lobby chat as ``lobby_line``s; it
says something with ``lobby_say``. Private rooms are never listed: their code is a password.

Relay fallback (docs/ARCHITECTURE.md, "Relay fallback"): a join that carries a ``tunnel`` key
and an answer that carries one open a *relay session* under the join's id. Its frames are
binary WebSocket frames, ``join_id (16 ASCII bytes) || sealed frame``
(:func:`relay_frame`; sealed by :mod:`jamdesk.protocol.tunnel`, so the server forwards bytes
it cannot read), until either side sends ``relay_end`` or leaves; the server then tells the
other side with ``relay_end``.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from jamdesk.core.kinds import Lifecycle, SessionType
from jamdesk.core.rules import MAX_CHAT_CHARS, clean_text, valid_name
from jamdesk.core.timer import TimerAnchor
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
    joiner: str = ""
    """An opaque tag of the joiner's address, the same for all its joins (the server's
    word: the host limits tries per tag, and all relayed joins together)."""


class Answer(_Signal, frozen=True, tag="answer"):
    """Host to server (with the ``join_id``), and server to joiner: the SDP answer; for a
    private room also the host's SPAKE2 message and its fingerprint ``proof``."""

    join_id: str
    sdp: str
    pake: str = ""
    proof: str = ""
    tunnel: str = ""
    """The host's tunnel key (hex), when it accepts the joiner's relay session."""


_SESSION_TYPES = frozenset(t.value for t in SessionType)
_LIFECYCLES = frozenset(life.value for life in Lifecycle)
LOBBY_FLUSH_MS = 250
"""Lobby changes are sent to subscribers at most this often (one batch for all)."""
MAX_SNAPSHOT_ROOMS = 300
"""Rooms in the first answer to a watcher at most."""
ROOMS_PER_FRAME = 100
"""Rooms in one ``rooms`` frame at most (a listing is at most about 400 bytes of JSON, so a
frame stays well under :data:`MAX_SIGNAL_BYTES`); more go in several frames."""
MAX_LISTING_TEXT = 80
"""Longest title; host names and subjects are cut to 40 characters."""


class Decline(_Signal, frozen=True, tag="decline"):
    """Host to server: join ``join_id`` is refused (too many joiners at once, too many tries
    at a private code, an offer it cannot use); the joiner gets ``message`` (at most
    :data:`MAX_DECLINE_CHARS` of it) at once instead of waiting for an answer."""

    join_id: str
    message: str


MAX_DECLINE_CHARS = 200


class Listing(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A public room as the internet lobby shows it (the fields of the LAN advert,
    :class:`jamdesk.net.discovery.RoomAd`): ``timer`` with its instants on the host's room
    clock (Unix ms), so a client computes the time left itself."""

    title: str
    session_type: str
    host_name: str
    count: int
    lifecycle: str
    discipline: str = ""
    timer: TimerAnchor | None = None
    protocol: int = PROTOCOL_VERSION


_SHORT_TEXT = 40


def _cut_line(text: str, limit: int) -> str:
    """One line of at most ``limit`` printable characters (others dropped)."""
    return "".join(c for c in text if c.isprintable()).strip()[:limit]


def clean_listing(listing: Listing) -> Listing | None:
    """``listing`` with its texts cut to one printable line each (title
    :data:`MAX_LISTING_TEXT`, host and subject 40 characters), or ``None`` for one that
    cannot be shown: no title, an unknown session type or lifecycle, a count out of 1-1,000."""
    title = _cut_line(listing.title, MAX_LISTING_TEXT)
    if not title or not 0 < listing.count <= 1_000:
        return None
    if listing.session_type not in _SESSION_TYPES or listing.lifecycle not in _LIFECYCLES:
        return None
    return msgspec.structs.replace(
        listing,
        title=title,
        host_name=_cut_line(listing.host_name, _SHORT_TEXT),
        discipline=_cut_line(listing.discipline, _SHORT_TEXT),
    )


def clean_lobby_line(name: str, text: str) -> tuple[str, str] | None:
    """A lobby chat line's ``(name, text)`` as the room chat accepts them (a name of up to
    40 characters, one message of 1 to 2,000 characters with no control characters but
    newlines), or ``None``."""
    clean = clean_text(text, MAX_CHAT_CHARS, multiline=True)
    who = valid_name(name)
    if clean is None or who is None:
        return None
    return who, clean


class ListRoom(_Signal, frozen=True, tag="list"):
    """Host to server: list (or update) its registered public room ``code``; ``listing``
    ``None`` takes it off the lobby."""

    code: str
    listing: Listing | None = None


class ListedRoom(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One room in the lobby: its code (public rooms only) and listing."""

    code: str
    listing: Listing


class WatchLobby(_Signal, frozen=True, tag="lobby"):
    """Client to server: send me the lobby (and its chat), optionally only rooms of
    ``session_type`` or whose title, subject or host contains ``text`` (any case)."""

    session_type: str = ""
    text: str = ""


class LobbyRooms(_Signal, frozen=True, tag="rooms"):
    """Server to client: ``rooms`` listed or changed, ``gone`` codes no longer listed;
    ``full``: this is the whole lobby (the first answer to :class:`WatchLobby`), busiest
    rooms first, at most :data:`MAX_SNAPSHOT_ROOMS` of them; ``more`` says how many more
    match (a filter narrows them down)."""

    rooms: tuple[ListedRoom, ...] = ()
    gone: tuple[str, ...] = ()
    full: bool = False
    more: int = 0


def lobby_frames(
    rooms: Sequence[ListedRoom], gone: Sequence[str] = (), *, full: bool = False, more: int = 0
) -> list[LobbyRooms]:
    """``rooms`` and ``gone`` as :class:`LobbyRooms` frames of at most
    :data:`ROOMS_PER_FRAME` rooms (and 2,000 codes) each; only the first says ``full``
    (the others add to it)."""
    frames = []
    step_gone = 2_000
    count = max(1, -(-len(rooms) // ROOMS_PER_FRAME), -(-len(gone) // step_gone))
    for i in range(count):
        frames.append(
            LobbyRooms(
                rooms=tuple(rooms[i * ROOMS_PER_FRAME : (i + 1) * ROOMS_PER_FRAME]),
                gone=tuple(gone[i * step_gone : (i + 1) * step_gone]),
                full=full and i == 0,
                more=more if i == 0 else 0,
            )
        )
    return frames


class LobbySay(_Signal, frozen=True, tag="lobby_say"):
    """Client to server: one line in the lobby chat, as ``name``."""

    name: str
    text: str


class LobbyLine(_Signal, frozen=True, tag="lobby_line"):
    """Server to client: a lobby chat line (``at_ms``: when the server took it, Unix ms)."""

    name: str
    text: str
    at_ms: int


class Failure(_Signal, frozen=True, tag="error"):
    """Something was refused: ``code`` for programs, ``message`` for people."""

    code: str
    message: str


LobbyMessage = ListRoom | WatchLobby | LobbySay
"""What a client sends about the internet lobby."""

Signal = (
    Register
    | Registered
    | AskIce
    | IceServers
    | Join
    | Offer
    | Answer
    | Decline
    | RelayEnd
    | Failure
    | ListRoom
    | WatchLobby
    | LobbyRooms
    | LobbySay
    | LobbyLine
)
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

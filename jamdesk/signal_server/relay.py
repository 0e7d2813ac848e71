"""The signalling relay's rules, with no I/O (the aioquic pattern): who holds which room,
which joiner waits for which answer, and the limits. The aiohttp adapter in
:mod:`jamdesk.signal_server.server` feeds it frames and the time, and carries out the sends
and closes it returns.

Limits (per the issue): frames of at most 64 KiB (:data:`~jamdesk.protocol.signal.
MAX_SIGNAL_BYTES`), :data:`ROOMS_PER_CLIENT` rooms per connection, :data:`MESSAGES_PER_S`
messages a second per connection (burst :data:`MESSAGE_BURST`), a room forgotten when its host
leaves or after :data:`ROOM_IDLE_S` idle, a joiner's wait dropped after :data:`JOIN_WAIT_S`.
Connections per address are counted by the adapter (it sees addresses).

Relay sessions (sealed frames between a member and its host when no direct path has opened)
follow the rules of :mod:`jamdesk.signal_server.sessions`; the STUN/TURN servers handed out
are :class:`~jamdesk.signal_server.turn.IceConfig`'s.

Several instances (``jamdesk signal --redis URL``) share one room registry: a relay made with
``clustered=True`` does not decide alone that a code is free. It asks the adapter to *claim*
the code cluster-wide (:attr:`RelayOutcome.claims`, answered by :meth:`Relay.claimed`),
hands a join for a room it does not hold to the adapter to *forward* to the instance that
holds it (:attr:`RelayOutcome.forwards`, answered by :meth:`Relay.unrouted` when nobody does),
and speaks to other instances with messages (:data:`PeerMessage`; :attr:`RelayOutcome.peers`, and
:meth:`Relay.peer_received` for theirs). The adapter for Redis is
:mod:`jamdesk.signal_server.cluster`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field

import msgspec

from jamdesk.protocol.engine import RateLimit
from jamdesk.protocol.messages import PROTOCOL_VERSION
from jamdesk.protocol.signal import (
    MAX_DECLINE_CHARS,
    Answer,
    AskIce,
    Decline,
    Failure,
    IceServers,
    Join,
    ListRoom,
    LobbySay,
    Offer,
    Register,
    Registered,
    RelayEnd,
    Signal,
    SignalError,
    WatchLobby,
    decode_signal,
    parse_relay_frame,
)
from jamdesk.signal_server.lobby import LobbyBook, LobbyOutcome, PeerLobby
from jamdesk.signal_server.sessions import PeerRelay, PeerRelayEnd, SessionOutcome, Sessions
from jamdesk.signal_server.turn import IceConfig

log = logging.getLogger(__name__)

ROOMS_PER_CLIENT = 3
MESSAGES_PER_S = 20
MESSAGE_BURST = 40
ROOM_IDLE_S = 12 * 60 * 60
JOIN_WAIT_S = 20
MAX_BAD_FRAMES = 10
JOINS_PER_SOURCE = (5, 2_000)
"""Joins from one address (all its connections together): 5 at once, then one every 2 s."""
JOINS_PER_ROOM = (30, 200)
"""Joins to one room from everyone: 30 at once, then five a second."""
PENDING_JOINS_PER_CLIENT = 1
"""A connection waits for one answer at a time; a second join before it is refused."""

_TAKEN = "Another room already uses this code."
_BUSY = "The signalling server is busy; try again soon."
_SLOW_JOINS = "Too many tries to join from your network; wait a few seconds and try again."
_ROOM_BUSY = "This jam is letting other people in; try again in a few seconds."
_ONE_JOIN = "You are already joining a jam from this connection; wait for its answer."
_RELAY_FULL = "The relay cannot take another link from you right now; try again soon."


class _Peer(msgspec.Struct, frozen=True, tag_field="type", forbid_unknown_fields=True):
    """Base of the messages between signalling instances (over Redis pub/sub)."""


class PeerOffer(_Peer, frozen=True, tag="offer"):
    """A joiner on instance ``origin`` offers ``sdp`` (and ``pake``) to room ``code``, which
    the receiving instance holds; its answer goes back to ``origin`` under ``join_id``."""

    join_id: str
    code: str
    sdp: str
    origin: str
    pake: str = ""
    tunnel: str = ""
    joiner: str = ""
    """The joiner's tag (:meth:`Relay.joiner_tag`), for the host's per-joiner limits."""


class PeerAnswer(_Peer, frozen=True, tag="answer"):
    """The host's answer to join ``join_id``, for the joiner on the receiving instance;
    ``origin`` is the host's instance (where a relay session's frames go)."""

    answer: Answer
    origin: str = ""


class PeerFailure(_Peer, frozen=True, tag="error"):
    """Join ``join_id`` cannot go on (``failure`` says why, for the joiner)."""

    join_id: str
    failure: Failure


PeerMessage = PeerOffer | PeerAnswer | PeerFailure | PeerRelay | PeerRelayEnd | PeerLobby
"""Every message between instances."""

_peer_decoder: msgspec.json.Decoder[PeerMessage] = msgspec.json.Decoder(PeerMessage)


def encode_peer(message: PeerMessage) -> bytes:
    """A message between instances as JSON."""
    return msgspec.json.encode(message)


def decode_peer(data: bytes | str) -> PeerMessage:
    """JSON from another instance to a message. Raises :class:`SignalError` for anything
    else (never another exception)."""
    try:
        return _peer_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise SignalError(f"not a message between instances: {exc}") from exc


@dataclass(frozen=True)
class Forward:
    """A join for room ``code``, which this instance does not hold: the adapter passes it as
    a :class:`PeerOffer` to the instance that does, or calls :meth:`Relay.unrouted`."""

    join_id: str
    code: str
    sdp: str
    pake: str
    tunnel: str = ""
    joiner: str = ""


@dataclass
class RelayOutcome:
    """What the adapter must do, in this order: ``sends`` (client, message), then ``close``
    those clients; in a cluster also ``releases`` (codes to free in the shared registry),
    ``peers`` (instance, message) to publish, ``claims`` (client, code) to try in the
    registry and report with :meth:`Relay.claimed`, and ``forwards`` to route. ``frames``
    (client, bytes) are relayed frames, sent as binary WebSocket frames with ``sends``;
    ``broadcasts`` (clients, text) one lobby frame for many clients, and ``lobby_peer`` the
    lobby's changes for every other instance (published on the shared lobby channel)."""

    sends: list[tuple[str, Signal]] = field(default_factory=list)
    frames: list[tuple[str, bytes]] = field(default_factory=list)
    broadcasts: list[tuple[list[str], str]] = field(default_factory=list)
    lobby_peer: PeerLobby | None = None
    close: list[str] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)
    peers: list[tuple[str, PeerMessage]] = field(default_factory=list)
    claims: list[tuple[str, str]] = field(default_factory=list)
    forwards: list[Forward] = field(default_factory=list)

    def merge(self, other: SessionOutcome) -> None:
        """Add what the relay sessions decided."""
        self.sends.extend(other.sends)
        self.frames.extend(other.frames)
        self.peers.extend(other.peers)

    def merge_lobby(self, other: LobbyOutcome) -> None:
        """Add what the lobby decided."""
        self.sends.extend(other.sends)
        self.broadcasts.extend(other.broadcasts)
        if other.peer is not None:
            self.lobby_peer = other.peer


@dataclass
class _Room:
    host: str
    last_active_ms: int


@dataclass
class _Join:
    """A pending join: ``joiner`` is a client here (or "" when it waits on instance
    ``origin``); ``code`` the room it asked for, here or elsewhere."""

    joiner: str
    code: str
    since_ms: int
    origin: str = ""
    tunnel: bool = False


class Relay:
    """Rooms by code, pending joins by id, and each client's limits. With ``clustered``, codes
    are claimed in a registry shared with other instances (see the module's text), and
    ``instance`` is this instance's id there; ``ice`` the STUN/TURN servers to hand out."""

    def __init__(
        self, *, clustered: bool = False, ice: IceConfig | None = None, instance: str = ""
    ) -> None:
        self.clustered = clustered
        self.instance = instance
        self.ice = ice or IceConfig()
        self.sessions = Sessions()
        self.lobby = LobbyBook()
        self.rooms: dict[str, _Room] = {}
        self._joins: dict[str, _Join] = {}
        self._live: set[str] = set()
        self._rate = RateLimit(MESSAGE_BURST, 1000 // MESSAGES_PER_S)
        self._source_joins = RateLimit(*JOINS_PER_SOURCE)
        self._room_joins = RateLimit(*JOINS_PER_ROOM)
        self._sources: dict[str, str] = {}  # client -> its address, as the adapter saw it
        self._tag_key = secrets.token_bytes(16)
        self._bad: dict[str, int] = {}
        self.refusals: dict[str, int] = {}

    def connected(self, client: str, source: str) -> None:
        """``client`` connected from address ``source`` (the adapter's word, after any
        trusted proxy): joins are limited per address, and the host is told a tag of it."""
        self._sources[client] = source

    def joiner_tag(self, client: str) -> str:
        """An opaque tag of ``client``'s address (a keyed BLAKE2b, so the host never learns
        the address), the same for every connection from it: the host's per-joiner limits
        (PAKE tries, offers) count by it, so one joiner's tries never block another's."""
        source = self._sources.get(client, client)
        digest = hashlib.blake2b(source.encode(), key=self._tag_key, digest_size=8)
        return digest.hexdigest()

    def received(self, client: str, data: str | bytes, now_ms: int) -> RelayOutcome:
        """One frame from ``client``. Bad input is answered and counted, never applied."""
        out = RelayOutcome()
        self._live.add(client)
        if not self._rate.allow(client, now_ms):
            self._refuse(out, client, "slow_down", "Too many messages; slow down.")
            return out
        try:
            message = decode_signal(data)
        except SignalError as exc:
            self._bad_frame(out, client, str(exc))
            return out
        match message:
            case Register(code=code, protocol=protocol):
                self._register(out, client, code, protocol, now_ms)
            case Join():
                self._join(out, client, message, now_ms)
            case Answer():
                self._answer(out, client, message, now_ms)
            case Decline(join_id=join_id):
                self._decline(out, client, join_id, message.message)
            case AskIce():
                out.sends.append((client, IceServers(servers=self.ice.for_client(client))))
            case RelayEnd(join_id=join_id):
                out.merge(self.sessions.ended(client, join_id))
            case ListRoom() | WatchLobby() | LobbySay():
                room = self.rooms.get(message.code) if isinstance(message, ListRoom) else None
                holds = room is not None and room.host == client
                out.merge_lobby(self.lobby.received(client, message, holds, now_ms))
            case _:
                self._refuse(out, client, "unexpected", "Clients do not send that.")
        return out

    def relayed(self, client: str, data: bytes, now_ms: int) -> RelayOutcome:
        """One binary (relay) frame from ``client``: forwarded to the other side of its
        session, unread. A frame for a session ``client`` is not a side of counts as bad."""
        out = RelayOutcome()
        self._live.add(client)
        try:
            join_id, _sealed = parse_relay_frame(data)
        except SignalError as exc:
            self._bad_frame(out, client, str(exc))
            return out
        sessions, usable = self.sessions.frame(client, join_id, data, now_ms)
        if not usable:
            self._bad_frame(out, client, "No relay session of yours has that id.")
        out.merge(sessions)
        return out

    def _bad_frame(self, out: RelayOutcome, client: str, reason: str) -> None:
        self._bad[client] = self._bad.get(client, 0) + 1
        self._refuse(out, client, "malformed", reason[:200])
        if self._bad[client] > MAX_BAD_FRAMES:
            out.close.append(client)

    def gone(self, client: str) -> RelayOutcome:
        """``client`` disconnected: forget its rooms (their waiting joiners are told), its
        pending joins and its relay sessions (the other sides are told)."""
        out = RelayOutcome()
        self._live.discard(client)
        out.merge(self.sessions.gone(client))
        for code in [c for c, room in self.rooms.items() if room.host == client]:
            self._forget(out, code)
            log.info("room %s forgotten: its host left", code)
            for join_id, join in list(self._joins.items()):
                if join.code == code:
                    del self._joins[join_id]
                    self._fail_join(out, join_id, join, "host_gone", "The host has left this jam.")
        for join_id in [j for j, join in self._joins.items() if join.joiner == client]:
            del self._joins[join_id]
        self._bad.pop(client, None)
        self._sources.pop(client, None)
        self._rate.forget(client)
        self.lobby.gone(client)
        return out

    def lobby_flush(self, now_ms: int) -> RelayOutcome:
        """The lobby's batch of changes for its watchers and the other instances (called
        every :data:`~jamdesk.protocol.signal.LOBBY_FLUSH_MS`)."""
        out = RelayOutcome()
        self.lobby.instance = self.instance
        out.merge_lobby(self.lobby.flush(now_ms, clustered=self.clustered))
        return out

    def tick(self, now_ms: int) -> RelayOutcome:
        """Expire idle rooms and joins that waited too long."""
        out = RelayOutcome()
        for code, room in list(self.rooms.items()):
            if now_ms - room.last_active_ms > ROOM_IDLE_S * 1000:
                self._forget(out, code)
                log.info("room %s expired", code)
        for join_id, join in list(self._joins.items()):
            if now_ms - join.since_ms > JOIN_WAIT_S * 1000:
                del self._joins[join_id]
                if join.joiner:  # a joiner on another instance is timed out there
                    self._refuse(out, join.joiner, "no_answer", "The host did not answer in time.")
                    out.close.append(join.joiner)
        return out

    # -- in a cluster ----------------------------------------------------------------------------

    def claimed(self, client: str, code: str, held: bool | None, now_ms: int) -> RelayOutcome:
        """The shared registry's word on ``client``'s claim of ``code``: ``True`` this
        instance holds it now, ``False`` another instance does, ``None`` the registry could
        not be reached. The local rules are checked again (the client may have left, or
        another client here claimed the code meanwhile)."""
        out = RelayOutcome()
        if held is None:
            self._refuse(out, client, "unavailable", _BUSY)
            return out
        if not held:
            self._refuse(out, client, "code_taken", _TAKEN)
            return out
        if client not in self._live:  # it left while the registry answered
            if code not in self.rooms:
                out.releases.append(code)
            return out
        self._hold(out, client, code, now_ms)
        return out

    def unrouted(self, join_id: str, reachable: bool = True) -> RelayOutcome:
        """No instance holds the room of forwarded join ``join_id`` (``reachable``), or the
        registry could not be asked: the joiner is told."""
        out = RelayOutcome()
        join = self._joins.pop(join_id, None)
        if join is None or not join.joiner:
            return out
        if reachable:
            self._refuse(out, join.joiner, "no_room", _no_room_words(join.code))
        else:
            self._refuse(out, join.joiner, "unavailable", _BUSY)
        return out

    def peer_received(self, message: PeerMessage, now_ms: int) -> RelayOutcome:
        """A message from another instance: an offer for a room held here, or the answer or
        failure of a join forwarded from here. Stale ones (the room or join is gone) are
        answered with a failure or dropped."""
        out = RelayOutcome()
        match message:
            case PeerOffer(join_id=join_id, code=code, origin=origin):
                room = self.rooms.get(code)
                if room is None:  # the registry still named us: the room just went
                    failure = Failure(code="no_room", message=_no_room_words(code))
                    out.peers.append((origin, PeerFailure(join_id=join_id, failure=failure)))
                    return out
                tunnel = bool(message.tunnel)
                self._joins[join_id] = _Join(
                    joiner="", code=code, since_ms=now_ms, origin=origin, tunnel=tunnel
                )
                room.last_active_ms = now_ms
                offer = Offer(
                    join_id=join_id,
                    sdp=message.sdp,
                    pake=message.pake,
                    tunnel=message.tunnel,
                    joiner=message.joiner,
                )
                out.sends.append((room.host, offer))
            case PeerAnswer(answer=answer, origin=host_instance):
                join = self._joins.get(answer.join_id)
                if join is not None and join.joiner:
                    del self._joins[answer.join_id]
                    if answer.tunnel and join.tunnel and host_instance:
                        self.sessions.open(
                            answer.join_id,
                            join.code,
                            joiner=join.joiner,
                            host="",
                            remote=host_instance,
                        )
                    out.sends.append((join.joiner, answer))
            case PeerFailure(join_id=join_id, failure=failure):
                join = self._joins.get(join_id)
                if join is not None and join.joiner:
                    del self._joins[join_id]
                    self._fail_join(out, join_id, join, failure.code, failure.message)
            case PeerRelay():
                out.merge(self.sessions.peer_frame(message))
            case PeerRelayEnd():
                out.merge(self.sessions.peer_ended(message))
            case PeerLobby():
                self.lobby.remote(message, now_ms)
        return out

    def lost(self, code: str) -> RelayOutcome:
        """The shared registry no longer names this instance for ``code`` (it expired while
        Redis was unreachable, and another instance took it): forget the room here."""
        out = RelayOutcome()
        room = self.rooms.pop(code, None)
        self.lobby.unlist(code)
        if room is not None:
            log.warning("room %s lost to another instance", code)
            self._refuse(out, room.host, "code_taken", "Another room now uses this code.")
            out.merge(self.sessions.room_gone(code))
        return out

    # -- internals -------------------------------------------------------------------------------

    def _register(
        self, out: RelayOutcome, client: str, code: str, protocol: int, now_ms: int
    ) -> None:
        if protocol != PROTOCOL_VERSION:
            self._refuse(out, client, "protocol_version", _version_words(protocol))
            return
        if not code.isalnum() or not 4 <= len(code) <= 12:
            self._refuse(out, client, "bad_code", "A room's code has 4 to 12 letters or digits.")
            return
        if self.clustered and code not in self.rooms:  # the registry decides; then claimed()
            if self._may_hold_another(out, client):
                out.claims.append((client, code))
            return
        self._hold(out, client, code, now_ms)

    def _hold(self, out: RelayOutcome, client: str, code: str, now_ms: int) -> None:
        room = self.rooms.get(code)
        if room is not None and room.host != client:
            self._refuse(out, client, "code_taken", _TAKEN)
            return
        if room is None and not self._may_hold_another(out, client):
            if self.clustered:  # claimed in the registry just now: give it back
                out.releases.append(code)
            return
        self.rooms[code] = _Room(host=client, last_active_ms=now_ms)
        log.info("room %s registered", code)
        out.sends.append((client, Registered(code=code, ice_servers=self.ice.for_client(client))))

    def _may_hold_another(self, out: RelayOutcome, client: str) -> bool:
        if sum(r.host == client for r in self.rooms.values()) < ROOMS_PER_CLIENT:
            return True
        self._refuse(out, client, "too_many_rooms", "One connection holds at most 3 rooms.")
        return False

    def _forget(self, out: RelayOutcome, code: str) -> None:
        del self.rooms[code]
        self.lobby.unlist(code)
        out.merge(self.sessions.room_gone(code))
        if self.clustered:
            out.releases.append(code)

    def _fail_join(
        self, out: RelayOutcome, join_id: str, join: _Join, code: str, message: str
    ) -> None:
        """Tell a pending join's joiner, here (and close it) or on its own instance."""
        if join.joiner:
            self._refuse(out, join.joiner, code, message)
            out.close.append(join.joiner)
        else:
            failure = Failure(code=code, message=message)
            out.peers.append((join.origin, PeerFailure(join_id=join_id, failure=failure)))

    def _join(self, out: RelayOutcome, client: str, join: Join, now_ms: int) -> None:
        code, sdp = join.code, join.sdp
        if join.protocol != PROTOCOL_VERSION:
            self._refuse(out, client, "protocol_version", _version_words(join.protocol))
            return
        refusal = self._join_refusal(client, code, now_ms)
        if refusal is not None:
            self._refuse(out, client, *refusal)
            return
        room = self.rooms.get(code)
        join_id = secrets.token_hex(8)
        joiner = self.joiner_tag(client)
        # A relay session is asked for only while this joiner may have another.
        tunnel = join.tunnel if self.sessions.may_open(code, client) else ""
        if not sdp and not tunnel:  # a join that can only start on the relay
            self._refuse(out, client, "relay_full", _RELAY_FULL)
            return
        pending = _Join(joiner=client, code=code, since_ms=now_ms, tunnel=bool(tunnel))
        if room is None and self.clustered:  # perhaps held by another instance
            self._joins[join_id] = pending
            out.forwards.append(
                Forward(
                    join_id=join_id,
                    code=code,
                    sdp=sdp,
                    pake=join.pake,
                    tunnel=tunnel,
                    joiner=joiner,
                )
            )
            return
        if room is None:
            self._refuse(out, client, "no_room", _no_room_words(code))
            return
        self._joins[join_id] = pending
        room.last_active_ms = now_ms
        offer = Offer(join_id=join_id, sdp=sdp, pake=join.pake, tunnel=tunnel, joiner=joiner)
        out.sends.append((room.host, offer))

    def _join_refusal(self, client: str, code: str, now_ms: int) -> tuple[str, str] | None:
        """Why a join must wait (code and words), or ``None``: one pending join per
        connection, :data:`JOINS_PER_SOURCE` per address and :data:`JOINS_PER_ROOM` per room
        (a flood at one room costs the host a peer connection per join)."""
        pending = sum(1 for j in self._joins.values() if j.joiner == client)
        if pending >= PENDING_JOINS_PER_CLIENT:
            return "slow_down", _ONE_JOIN
        if not self._source_joins.allow(self._sources.get(client, client), now_ms):
            return "slow_down", _SLOW_JOINS
        if not self._room_joins.allow(code, now_ms):
            return "room_busy", _ROOM_BUSY
        return None

    def _answer(self, out: RelayOutcome, client: str, answer: Answer, now_ms: int) -> None:
        join_id = answer.join_id
        join = self._joins.get(join_id)
        room = self.rooms.get(join.code) if join is not None else None
        if join is None or room is None or room.host != client:
            self._refuse(out, client, "no_such_join", "No joiner waits for that answer.")
            return
        del self._joins[join_id]
        room.last_active_ms = now_ms
        if answer.tunnel and join.tunnel and self.sessions.may_open(join.code, ""):
            joiner, remote = join.joiner, join.origin
            self.sessions.open(join_id, join.code, joiner=joiner, host=client, remote=remote)
        elif answer.tunnel:  # no session to carry it: the joiner must not count on one
            answer = msgspec.structs.replace(answer, tunnel="")
        if join.joiner:  # as the host sent it: SDP, PAKE, proof (and tunnel key)
            out.sends.append((join.joiner, answer))
        else:
            out.peers.append((join.origin, PeerAnswer(answer=answer, origin=self.instance)))

    def _decline(self, out: RelayOutcome, client: str, join_id: str, message: str) -> None:
        """The host refused a pending join: its joiner is told the host's words."""
        join = self._joins.get(join_id)
        room = self.rooms.get(join.code) if join is not None else None
        if join is None or room is None or room.host != client:
            self._refuse(out, client, "no_such_join", "No joiner waits for that answer.")
            return
        del self._joins[join_id]
        words = message[:MAX_DECLINE_CHARS] or "The host refused the join."
        self._fail_join(out, join_id, join, "declined", words)

    def _refuse(self, out: RelayOutcome, client: str, code: str, message: str) -> None:
        self.refusals[code] = self.refusals.get(code, 0) + 1
        out.sends.append((client, Failure(code=code, message=message)))


def _no_room_words(code: str) -> str:
    return f"No jam with code {code[:12]} is open here."


def _version_words(protocol: int) -> str:
    return (
        f"This server speaks Jamdesk protocol {PROTOCOL_VERSION} and your app {protocol}. "
        "Update Jamdesk."
    )

"""Relay sessions: the sealed frames the signalling server carries between a member and its
host when no direct path has opened (docs/ARCHITECTURE.md, "Relay fallback"). Pure rules,
no I/O, driven by :class:`~jamdesk.signal_server.relay.Relay`.

A session opens when the host answers a join that asked for one (both carried a tunnel key),
under the join's id, and lasts until either side sends ``relay_end`` or leaves. The server
forwards each binary frame from one side to the other unread (they are sealed end to end:
:mod:`jamdesk.protocol.tunnel`) and never trusts an id it is given: a frame is forwarded only
when its sender is one side of that session. Bounds: frames of at most
:data:`~jamdesk.protocol.signal.MAX_RELAY_FRAME_BYTES`, :data:`CLIENT_BYTES_PER_S` per
connection and :data:`ROOM_BYTES_PER_S` per room (token buckets), :data:`SESSIONS_PER_ROOM`
sessions per room and :data:`SESSIONS_PER_JOINER` per joining connection. A frame over a
budget ends its session with a sentence that says so; the member then reconnects.

Across instances (``--redis``) one side may be on another instance (``remote``): frames go
there as :class:`PeerRelay` and an end as :class:`PeerRelayEnd`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import msgspec

from jamdesk.protocol.signal import RelayEnd

log = logging.getLogger(__name__)

CLIENT_BYTES_PER_S = 256 * 1024
CLIENT_BURST_BYTES = 2 * 1024 * 1024
ROOM_BYTES_PER_S = 1024 * 1024
ROOM_BURST_BYTES = 8 * 1024 * 1024
SESSIONS_PER_ROOM = 64
SESSIONS_PER_JOINER = 2

CLIENT_LIMIT_WORDS = (
    f"This connection sent more than the relay carries ({CLIENT_BYTES_PER_S // 1024} KB/s); "
    "the relayed link was closed."
)
ROOM_LIMIT_WORDS = (
    f"This jam sent more than the relay carries for one room ({ROOM_BYTES_PER_S // 1024} "
    "KB/s); the relayed link was closed."
)


class PeerRelay(
    msgspec.Struct, frozen=True, tag_field="type", tag="relay", forbid_unknown_fields=True
):
    """A sealed frame of session ``join_id`` for its side on the receiving instance (the
    host's when ``to_host``)."""

    join_id: str
    data: bytes
    to_host: bool


class PeerRelayEnd(
    msgspec.Struct, frozen=True, tag_field="type", tag="relay_end", forbid_unknown_fields=True
):
    """Session ``join_id`` ended on the sending instance; ``reason`` in words, if any;
    ``left`` as in :class:`~jamdesk.protocol.signal.RelayEnd`."""

    join_id: str
    reason: str = ""
    left: bool = False


@dataclass
class ByteBudget:
    """A token bucket of bytes per key: ``burst`` at once, refilled at ``per_s`` a second."""

    per_s: int
    burst: int
    _buckets: dict[str, tuple[float, int]] = field(default_factory=dict)

    def allow(self, key: str, size: int, now_ms: int) -> bool:
        """Take ``size`` bytes for ``key`` at ``now_ms``; ``False`` (taking none) when the
        bucket holds fewer."""
        tokens, last = self._buckets.get(key, (float(self.burst), now_ms))
        tokens = min(float(self.burst), tokens + (now_ms - last) * self.per_s / 1000)
        if tokens < size:
            self._buckets[key] = (tokens, now_ms)
            return False
        self._buckets[key] = (tokens - size, now_ms)
        return True

    def forget(self, key: str) -> None:
        """Drop ``key``'s bucket (its connection or room is gone)."""
        self._buckets.pop(key, None)


@dataclass
class _Session:
    code: str
    joiner: str  # a client here, or "" when on instance ``remote``
    host: str  # likewise
    remote: str = ""


@dataclass
class SessionOutcome:
    """What the adapter must do: ``frames`` (client, bytes) to send as binary WebSocket
    frames, ``sends`` (client, message) as text, ``peers`` (instance, message) to publish."""

    frames: list[tuple[str, bytes]] = field(default_factory=list)
    sends: list[tuple[str, RelayEnd]] = field(default_factory=list)
    peers: list[tuple[str, PeerRelay | PeerRelayEnd]] = field(default_factory=list)


class Sessions:
    """Every relay session this instance takes part in, by join id."""

    def __init__(self) -> None:
        self._sessions: dict[str, _Session] = {}
        self._clients = ByteBudget(CLIENT_BYTES_PER_S, CLIENT_BURST_BYTES)
        self._rooms = ByteBudget(ROOM_BYTES_PER_S, ROOM_BURST_BYTES)
        self.relayed_bytes = 0

    def __len__(self) -> int:
        return len(self._sessions)

    def may_open(self, code: str, joiner: str) -> bool:
        """Whether room ``code`` and ``joiner`` (a client here, or "") may have another."""
        in_room = sum(s.code == code for s in self._sessions.values())
        of_joiner = joiner and sum(s.joiner == joiner for s in self._sessions.values())
        return in_room < SESSIONS_PER_ROOM and (not of_joiner or of_joiner < SESSIONS_PER_JOINER)

    def open(self, join_id: str, code: str, *, joiner: str, host: str, remote: str = "") -> None:
        """Open session ``join_id`` of room ``code`` between ``joiner`` and ``host`` (each a
        client here, or "" for the side on instance ``remote``)."""
        self._sessions[join_id] = _Session(code=code, joiner=joiner, host=host, remote=remote)
        log.info("relay session %s opened for room %s", join_id, code)

    def frame(
        self, client: str, join_id: str, data: bytes, now_ms: int
    ) -> tuple[SessionOutcome, bool]:
        """A binary frame from ``client`` for session ``join_id``. Returns what to do and
        whether the frame was usable (``False``: not a side of that session, which the
        relay counts as a bad frame)."""
        out = SessionOutcome()
        session = self._sessions.get(join_id)
        if session is None or client not in (session.joiner, session.host):
            return out, False
        if not self._clients.allow(client, len(data), now_ms):
            self._end(out, join_id, CLIENT_LIMIT_WORDS)
            return out, True
        if not self._rooms.allow(session.code, len(data), now_ms):
            self._end(out, join_id, ROOM_LIMIT_WORDS)
            return out, True
        self.relayed_bytes += len(data)
        to_host = client == session.joiner
        target = session.host if to_host else session.joiner
        if target:
            out.frames.append((target, data))
        else:
            out.peers.append((session.remote, PeerRelay(join_id, data, to_host)))
        return out, True

    def peer_frame(self, message: PeerRelay) -> SessionOutcome:
        """A frame another instance forwards here: to its side on this instance."""
        out = SessionOutcome()
        session = self._sessions.get(message.join_id)
        if session is not None:
            target = session.host if message.to_host else session.joiner
            if target:
                out.frames.append((target, message.data))
        return out

    def ended(self, client: str, join_id: str) -> SessionOutcome:
        """``client`` sent ``relay_end`` for ``join_id`` (ignored unless it is a side)."""
        out = SessionOutcome()
        session = self._sessions.get(join_id)
        if session is not None and client in (session.joiner, session.host):
            self._end(out, join_id, "", told=client, left=True)
        return out

    def peer_ended(self, message: PeerRelayEnd) -> SessionOutcome:
        """Another instance ended a session: tell our side."""
        out = SessionOutcome()
        session = self._sessions.pop(message.join_id, None)
        if session is not None:
            for side in (session.joiner, session.host):
                if side:
                    end = RelayEnd(message.join_id, message.reason, left=message.left)
                    out.sends.append((side, end))
        return out

    def gone(self, client: str) -> SessionOutcome:
        """``client`` disconnected: end every session it was a side of."""
        out = SessionOutcome()
        for join_id, session in list(self._sessions.items()):
            if client in (session.joiner, session.host):
                self._end(out, join_id, "The other side left the relay.", told=client, left=True)
        self._clients.forget(client)
        return out

    def room_gone(self, code: str) -> SessionOutcome:
        """Room ``code`` is no longer held here: end its sessions."""
        out = SessionOutcome()
        for join_id, session in list(self._sessions.items()):
            if session.code == code:
                self._end(out, join_id, "The host has left this jam.", left=True)
        self._rooms.forget(code)
        return out

    def _end(
        self, out: SessionOutcome, join_id: str, reason: str, told: str = "", left: bool = False
    ) -> None:
        """End a session: tell each side here (but ``told``, who knows) and the remote one;
        ``left`` when a side left (not a limit)."""
        session = self._sessions.pop(join_id)
        if reason:
            log.info("relay session %s ended: %s", join_id, reason)
        for side in (session.joiner, session.host):
            if side and side != told:
                out.sends.append((side, RelayEnd(join_id, reason, left=left)))
        if session.remote:
            out.peers.append((session.remote, PeerRelayEnd(join_id, reason, left=left)))

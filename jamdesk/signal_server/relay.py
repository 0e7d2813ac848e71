"""The signalling relay's rules, with no I/O (the aioquic pattern): who holds which room,
which joiner waits for which answer, and the limits. The aiohttp adapter in
:mod:`jamdesk.signal_server.server` feeds it frames and the time, and carries out the sends
and closes it returns.

Limits (per the issue): frames of at most 64 KiB (:data:`~jamdesk.protocol.signal.
MAX_SIGNAL_BYTES`), :data:`ROOMS_PER_CLIENT` rooms per connection, :data:`MESSAGES_PER_S`
messages a second per connection (burst :data:`MESSAGE_BURST`), a room forgotten when its host
leaves or after :data:`ROOM_IDLE_S` idle, a joiner's wait dropped after :data:`JOIN_WAIT_S`.
Connections per address are counted by the adapter (it sees addresses).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from jamdesk.protocol.engine import RateLimit
from jamdesk.protocol.messages import PROTOCOL_VERSION
from jamdesk.protocol.signal import (
    Answer,
    Failure,
    Join,
    Offer,
    Register,
    Registered,
    Signal,
    SignalError,
    decode_signal,
)

log = logging.getLogger(__name__)

ROOMS_PER_CLIENT = 3
MESSAGES_PER_S = 20
MESSAGE_BURST = 40
ROOM_IDLE_S = 12 * 60 * 60
JOIN_WAIT_S = 20
MAX_BAD_FRAMES = 10


@dataclass
class RelayOutcome:
    """What the adapter must do: ``sends`` (client, message) in order, then ``close``."""

    sends: list[tuple[str, Signal]] = field(default_factory=list)
    close: list[str] = field(default_factory=list)


@dataclass
class _Room:
    host: str
    last_active_ms: int


@dataclass
class _Join:
    joiner: str
    code: str
    since_ms: int


class Relay:
    """Rooms by code, pending joins by id, and each client's limits."""

    def __init__(self) -> None:
        self.rooms: dict[str, _Room] = {}
        self._joins: dict[str, _Join] = {}
        self._rate = RateLimit(MESSAGE_BURST, 1000 // MESSAGES_PER_S)
        self._bad: dict[str, int] = {}
        self.refusals: dict[str, int] = {}

    def received(self, client: str, data: str | bytes, now_ms: int) -> RelayOutcome:
        """One frame from ``client``. Bad input is answered and counted, never applied."""
        out = RelayOutcome()
        if not self._rate.allow(client, now_ms):
            self._refuse(out, client, "slow_down", "Too many messages; slow down.")
            return out
        try:
            message = decode_signal(data)
        except SignalError as exc:
            self._bad[client] = self._bad.get(client, 0) + 1
            self._refuse(out, client, "malformed", str(exc)[:200])
            if self._bad[client] > MAX_BAD_FRAMES:
                out.close.append(client)
            return out
        match message:
            case Register(code=code, protocol=protocol):
                self._register(out, client, code, protocol, now_ms)
            case Join():
                self._join(out, client, message, now_ms)
            case Answer():
                self._answer(out, client, message, now_ms)
            case _:
                self._refuse(out, client, "unexpected", "Clients do not send that.")
        return out

    def gone(self, client: str) -> RelayOutcome:
        """``client`` disconnected: forget its rooms (their waiting joiners are told) and its
        pending joins."""
        out = RelayOutcome()
        for code in [c for c, room in self.rooms.items() if room.host == client]:
            del self.rooms[code]
            log.info("room %s forgotten: its host left", code)
            for join_id, join in list(self._joins.items()):
                if join.code == code:
                    del self._joins[join_id]
                    self._refuse(out, join.joiner, "host_gone", "The host has left this jam.")
                    out.close.append(join.joiner)
        for join_id in [j for j, join in self._joins.items() if join.joiner == client]:
            del self._joins[join_id]
        self._bad.pop(client, None)
        return out

    def tick(self, now_ms: int) -> RelayOutcome:
        """Expire idle rooms and joins that waited too long."""
        out = RelayOutcome()
        for code, room in list(self.rooms.items()):
            if now_ms - room.last_active_ms > ROOM_IDLE_S * 1000:
                del self.rooms[code]
                log.info("room %s expired", code)
        for join_id, join in list(self._joins.items()):
            if now_ms - join.since_ms > JOIN_WAIT_S * 1000:
                del self._joins[join_id]
                self._refuse(out, join.joiner, "no_answer", "The host did not answer in time.")
                out.close.append(join.joiner)
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
        room = self.rooms.get(code)
        if room is not None and room.host != client:
            self._refuse(out, client, "code_taken", "Another room already uses this code.")
            return
        if room is None and sum(r.host == client for r in self.rooms.values()) >= ROOMS_PER_CLIENT:
            self._refuse(out, client, "too_many_rooms", "One connection holds at most 3 rooms.")
            return
        self.rooms[code] = _Room(host=client, last_active_ms=now_ms)
        log.info("room %s registered", code)
        out.sends.append((client, Registered(code=code)))

    def _join(self, out: RelayOutcome, client: str, join: Join, now_ms: int) -> None:
        code, sdp = join.code, join.sdp
        if join.protocol != PROTOCOL_VERSION:
            self._refuse(out, client, "protocol_version", _version_words(join.protocol))
            return
        room = self.rooms.get(code)
        if room is None:
            self._refuse(out, client, "no_room", f"No jam with code {code[:12]} is open here.")
            return
        join_id = secrets.token_hex(8)
        self._joins[join_id] = _Join(joiner=client, code=code, since_ms=now_ms)
        room.last_active_ms = now_ms
        out.sends.append((room.host, Offer(join_id=join_id, sdp=sdp, pake=join.pake)))

    def _answer(self, out: RelayOutcome, client: str, answer: Answer, now_ms: int) -> None:
        join_id = answer.join_id
        join = self._joins.get(join_id)
        room = self.rooms.get(join.code) if join is not None else None
        if join is None or room is None or room.host != client:
            self._refuse(out, client, "no_such_join", "No joiner waits for that answer.")
            return
        del self._joins[join_id]
        room.last_active_ms = now_ms
        out.sends.append((join.joiner, answer))  # as the host sent it: SDP, PAKE, proof

    def _refuse(self, out: RelayOutcome, client: str, code: str, message: str) -> None:
        self.refusals[code] = self.refusals.get(code, 0) + 1
        out.sends.append((client, Failure(code=code, message=message)))


def _version_words(protocol: int) -> str:
    return (
        f"This server speaks Jamdesk protocol {PROTOCOL_VERSION} and your app {protocol}. "
        "Update Jamdesk."
    )

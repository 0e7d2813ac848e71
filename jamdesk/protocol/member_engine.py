"""The member's sans-I/O protocol engine (the aioquic pattern, as :mod:`jamdesk.protocol.engine`
is for the host): it holds the member's copy of the log, folds the room's state, and keeps the
room-clock estimate. The adapter (:class:`~jamdesk.net.member_client.MemberClient`) feeds it
what the host sent and the time, and carries out the returned :class:`MemberOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jamdesk.core.commands import (
    Command,
)
from jamdesk.core.events import Event
from jamdesk.core.room import LogError, RoomState, apply
from jamdesk.core.rules import Rejected
from jamdesk.protocol.clock import ClockEstimator, ClockSample
from jamdesk.protocol.codec import (
    DecodeError,
    SnapshotAssembly,
    decode,
    encode,
    event_digest,
)
from jamdesk.protocol.identity import Identity
from jamdesk.protocol.messages import (
    PROTOCOL_VERSION,
    Bye,
    CommandMessage,
    Error,
    Events,
    Hello,
    Message,
    Paths,
    Ping,
    Pong,
    Refused,
    SnapshotPart,
    Welcome,
)
from jamdesk.protocol.paths import Path


@dataclass
class MemberOutcome:
    """What a member adapter must do after one received message.

    ``welcomed`` is true on the Welcome that gives the room's state; ``kept_until`` is set when
    held events after that seq were dropped (persist the same); ``events`` are new log
    entries in order (persist and show them); ``refused`` pairs a command ``ref`` with its
    refusal; ``error`` is an error the host reported or a message we could not read.
    """

    welcomed: bool = False
    kept_until: int | None = None
    events: list[Event] = field(default_factory=list)
    refused: list[tuple[int, Rejected]] = field(default_factory=list)
    error: Error | None = None
    clock_updated: bool = False
    paths_changed: bool = False


class MemberEngine:
    """A member's view of a room: its log, the folded state and its room-clock estimate.

    Args:
        name: display name to join under.
        participant_id: the id of an earlier stay to resume, if any.
        log: events already held from that stay (resumed from ``log[-1].seq``).
        code: the join code, sent in the hello (a private room checks it) and signed.
        identity: this install's key pair; the hello proves it, and the host admits its id
            (a new one, in memory only, when none is given).
    """

    def __init__(
        self,
        name: str,
        participant_id: str | None = None,
        log: list[Event] | None = None,
        *,
        client_id: str = "",
        avatar_color: str = "",
        code: str = "",
        identity: Identity | None = None,
    ) -> None:
        self.name = name
        self.identity = identity or Identity.generate()
        self.code = code
        self.proof = ""  # set after a PAKE through a signalling server
        self._last_signed_ms = 0  # the instant the last hello was signed at
        self.paths: dict[str, Path] = {}  # how each member reaches the host, as it said
        self.client_id = client_id
        self.avatar_color = avatar_color
        self.participant_id = participant_id
        self.log: list[Event] = list(log or [])
        self.state: RoomState | None = None
        self.clock = ClockEstimator()
        self._next_ref = 1
        self._snapshot_seq = 0
        self._assembly: SnapshotAssembly | None = None  # a snapshot arriving in parts

    @property
    def last_seq(self) -> int:
        """Sequence number of the last event held (0 for none)."""
        return self.log[-1].seq if self.log else 0

    @property
    def snapshot_pending(self) -> bool:
        """Whether a Welcome announced a snapshot in parts that have not all arrived."""
        return self._assembly is not None

    def hello(self, local_ms: int) -> bytes:
        """The opening message, signed at ``local_ms`` (this computer's clock, Unix ms);
        resumes from :attr:`last_seq` when an id is known."""
        since = self.last_seq if self.participant_id else 0
        # Each hello is signed at a later instant than the last, so two made within one
        # millisecond (a reconnect and a check of the host) are not refused as replays.
        signed_at = max(local_ms, self._last_signed_ms + 1)
        self._last_signed_ms = signed_at
        public_key, signature = self.identity.sign_hello(self.code, signed_at)
        return encode(
            Hello(
                protocol=PROTOCOL_VERSION,
                name=self.name,
                participant_id=self.participant_id,
                since_seq=since,
                client_id=self.client_id,
                last_digest=event_digest(self.log[-1]) if since else "",
                avatar_color=self.avatar_color,
                code="" if self.proof else self.code,  # a proof replaces the code
                proof=self.proof,
                public_key=public_key,
                signature=signature,
                signed_at_ms=signed_at,
            )
        )

    def command(self, cmd: Command) -> tuple[int, bytes]:
        """Encode ``cmd``; returns its ``ref`` and the bytes to send."""
        ref = self._next_ref
        self._next_ref += 1
        return ref, encode(CommandMessage(ref=ref, command=cmd))

    def ping(self, local_ms: int) -> bytes:
        """A clock probe stamped with the local clock."""
        return encode(Ping(t0=local_ms))

    def bye(self) -> bytes:
        """The goodbye sent when leaving on purpose."""
        return encode(Bye(reason="leave"))

    def room_now(self, local_ms: int) -> int:
        """The room-clock instant for local instant ``local_ms``."""
        return self.clock.room_now(local_ms)

    def receive(self, data: bytes | str, local_ms: int) -> MemberOutcome:
        """Handle one message from the host. Unreadable input is reported, never applied."""
        out = MemberOutcome()
        msg: Message | DecodeError = decode(data)
        if isinstance(msg, DecodeError):
            out.error = Error(code=msg.code, message=msg.detail)
        elif isinstance(msg, Pong):
            self.clock.add(ClockSample(t0=msg.t0, t1=msg.t1, t2=msg.t2, t3=local_ms))
            out.clock_updated = True
        elif isinstance(msg, Welcome):
            assembly: SnapshotAssembly | None = None
            if msg.snapshot is None:
                try:  # checked before anything held changes: a bad Welcome changes nothing
                    assembly = SnapshotAssembly(msg.snapshot_parts)
                except ValueError as exc:
                    out.error = Error(code="bad_snapshot", message=str(exc), fatal=True)
                    return out
            keep = msg.resume_from if msg.participant_id == self.participant_id else 0
            if self.last_seq > keep:
                out.kept_until = keep  # events after ``keep`` were replaced: forget them
            self.log = [e for e in self.log if e.seq <= keep]
            self.participant_id = msg.participant_id
            self._assembly = assembly
            if msg.snapshot is not None:
                self._welcomed(msg.snapshot, out)
        elif isinstance(msg, SnapshotPart):
            self._snapshot_part(msg, out)
        elif isinstance(msg, Events) and self._assembly is not None:  # parts come first
            self._assembly = None
            message = "events in the middle of the room's snapshot"
            out.error = Error(code="bad_snapshot", message=message, fatal=True)
        elif isinstance(msg, Events):
            self._events(msg.events, out)
        elif isinstance(msg, Refused):
            out.refused.append((msg.ref, Rejected(code=msg.code, reason=msg.reason)))
        elif isinstance(msg, Error):
            out.error = msg
        elif isinstance(msg, Paths):
            known = {p.value for p in Path}
            if len(msg.paths) <= 10_000 and all(v in known for v in msg.paths.values()):
                self.paths = {pid: Path(v) for pid, v in msg.paths.items()}
                out.paths_changed = True
            else:
                out.error = Error(code="bad_paths", message="unknown link paths")
        else:
            out.error = Error(code="unexpected", message=type(msg).__name__)
        return out

    def _welcomed(self, snapshot: RoomState, out: MemberOutcome) -> None:
        self.state = snapshot
        self._snapshot_seq = snapshot.head_seq
        out.welcomed = True

    def _snapshot_part(self, part: SnapshotPart, out: MemberOutcome) -> None:
        assembly = self._assembly
        if assembly is None:
            out.error = Error(code="unexpected", message="a snapshot part without a Welcome")
            return
        try:
            snapshot = assembly.add(part)
        except ValueError as exc:
            self._assembly = None
            out.error = Error(code="bad_snapshot", message=str(exc), fatal=True)
            return
        if snapshot is not None:
            self._assembly = None
            self._welcomed(snapshot, out)

    def _events(self, events: list[Event], out: MemberOutcome) -> None:
        for event in events:
            if event.seq <= self.last_seq:
                continue  # already held (a resume overlaps by design)
            if event.seq != self.last_seq + 1:
                out.error = Error(code="gap", message=f"missing events before {event.seq}")
                return
            if event.seq > self._snapshot_seq:
                try:
                    self.state = apply(self.state, event)
                except LogError as exc:
                    out.error = Error(code="bad_event", message=str(exc))
                    return
            self.log.append(event)
            out.events.append(event)

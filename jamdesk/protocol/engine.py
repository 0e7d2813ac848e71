"""Sans-I/O protocol engines for the host and for a member (the aioquic pattern).

Neither engine touches a socket or a clock: the adapter in ``jamdesk.net`` feeds in the bytes it
received and the current time, and carries out the returned :class:`HostOutcome` or
:class:`MemberOutcome` (bytes to send, links to close, events to persist and show). Tests drive
the engines directly and compare the exact lists they return.
"""

from __future__ import annotations

import hmac
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from jamdesk.core import timer as timers
from jamdesk.core.commands import (
    PEER_COMMANDS,
    AdvancePhase,
    Chat,
    Command,
    CompleteTimer,
    Disconnect,
    Join,
    Leave,
    React,
)
from jamdesk.core.events import Event, EventBody, MemberLeft, MemberRemoved
from jamdesk.core.room import RoomLog, RoomState
from jamdesk.core.rules import GHOST_ACTIONS, Rejected, decide
from jamdesk.protocol import pake
from jamdesk.protocol.codec import (
    DecodeError,
    batch_events,
    decode,
    encode,
    event_digest,
    welcome_messages,
)
from jamdesk.protocol.identity import HELLO_FRESH_MS, verify_hello
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
)
from jamdesk.protocol.paths import Path

log = logging.getLogger(__name__)

FANOUT_WINDOW_MS = 25
"""The host's default fan-out window: each member gets at most one :class:`Events` message
per window, so a busy room costs the host messages per window, not per event; the first
events after a quiet window go at once (docs/ARCHITECTURE.md, "Fan-out")."""

LINK_TIMEOUT_MS = 3_000
"""A link silent this long is lost (the heartbeat); members ping every second."""

RETURN_GRACE_MS = 15_000
"""After a host change, how long the new host waits for each member to reconnect."""

HELLO_TIMEOUT_MS = 10_000
"""A link that has not been admitted this long after it opened is closed (a stranger that
opens a data channel and never says hello, or keeps pinging, holds no place)."""

MAX_BAD_MESSAGES = 20
"""Malformed or unexpected messages tolerated from one link before the host closes it."""


@dataclass(frozen=True)
class Send:
    """Bytes for one link."""

    link: str
    data: bytes


@dataclass
class HostOutcome:
    """What the host adapter must do after one input.

    ``events`` were appended to the log (persist and show them); ``sends`` go out in order;
    ``close`` lists links to close after sending; ``refused`` is set when the host's own
    command was refused.
    """

    sends: list[Send] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    close: list[str] = field(default_factory=list)
    refused: Rejected | None = None


_HOST_HERE = "You are hosting this jam on another computer with the same Jamdesk profile."


@dataclass
class _Link:
    last_seen_ms: int
    opened_ms: int = 0
    participant_id: str | None = None
    bad_messages: int = 0
    flood_messages: int = 0
    source: str = ""
    proof: str | None = None
    sent_seq: int = 0  # the last event sent to this link (its Welcome's backlog included)
    path: Path = Path.DIRECT


@dataclass
class RateLimit:
    """A token bucket per key (a participant, a link, an address): ``burst`` at once,
    refilled at one per ``per_ms``. Past ``max_keys`` keys, the full buckets (keys that
    have waited long enough) are forgotten, so a stranger rotating keys costs bounded
    memory."""

    burst: int
    per_ms: int
    max_keys: int = 10_000
    _buckets: dict[str, tuple[float, int]] = field(default_factory=dict)

    def exhausted(self, who: str, now_ms: int) -> bool:
        """Whether ``who`` has no token left at ``now_ms`` (takes none)."""
        tokens, last = self._buckets.get(who, (float(self.burst), now_ms))
        return min(float(self.burst), tokens + (now_ms - last) / self.per_ms) < 1

    def forget(self, who: str) -> None:
        """Drop ``who``'s bucket (a closed link), so buckets never outgrow the links."""
        self._buckets.pop(who, None)

    def allow(self, who: str, now_ms: int) -> bool:
        """Take one token for ``who`` at ``now_ms``; ``False`` when none is left."""
        tokens, last = self._buckets.get(who, (float(self.burst), now_ms))
        tokens = min(float(self.burst), tokens + (now_ms - last) / self.per_ms)
        if tokens < 1:
            self._buckets[who] = (tokens, now_ms)
            return False
        self._buckets[who] = (tokens - 1, now_ms)
        if len(self._buckets) > self.max_keys:
            self._prune(now_ms)
        return True

    def _prune(self, now_ms: int) -> None:
        full = self.burst - 1  # within one token of full: as good as new
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now_ms - last) / self.per_ms >= full:
                del self._buckets[key]


CHAT_LIMIT = (10, 1_000)
"""Chat: 10 messages at once, then one a second per person."""
REACTION_LIMIT = (5, 2_000)
"""Reactions: 5 at once, then one every 2 s per person."""
CODE_TRY_LIMIT = (5, 10_000)
"""Private-room codes: 5 tries at once, then one every 10 s per source address."""
ROOM_CODE_TRY_LIMIT = (30, 2_000)
"""Wrong private-room codes from everyone together: 30, then one every 2 s (addresses are
cheap to rotate; issue 16, item 10)."""
COMMAND_LIMIT = (20, 250)
"""Every other member command (goal, progress, status, tasks, timer, ...): 20 at once, then
four a second per person; more are refused with ``slow_down``."""
MESSAGE_LIMIT = (60, 50)
"""Every message, per link: 60 at once, then 20 a second. A link past
it is flooding: its messages are dropped unread and, after :data:`MAX_FLOOD_MESSAGES`, the
link is closed."""
PING_LIMIT = (5, 500)
"""Clock pings per link (members send one a second): past it they go unanswered."""
MAX_FLOOD_MESSAGES = 200
"""Messages dropped for a link past :data:`MESSAGE_LIMIT` before the host closes it."""


class HostEngine:
    """The single writer of a room: admits members, decides commands, fans out events.

    Args:
        log: the room's authoritative log (the host's own participant is ``log.state.host_id``).
        new_participant_id: returns a fresh unique participant id.
        now_ms: the room clock when the engine starts; members the log shows present (other
            than the host) are expected back within :data:`RETURN_GRACE_MS` (after a host
            change), else recorded as lost.

        fanout_window_ms: coalesce the room's events for each member into at most one
            :class:`Events` message per window (0: one message per append, at once). The
            first events after a quiet window go at once; later ones wait for the window to
            pass since the last send (:meth:`next_wakeup` says when, :meth:`tick` sends).
            The host's cost is messages sent, not events (docs/ARCHITECTURE.md, "Fan-out").

    ``refusals`` counts refused commands and bad messages by code.
    """

    def __init__(
        self,
        log: RoomLog,
        new_participant_id: Callable[[], str],
        now_ms: int = 0,
        *,
        fanout_window_ms: int = 0,
    ) -> None:
        self.log = log
        self._window_ms = fanout_window_ms
        self._last_fanout_ms: int | None = None  # when events last went out
        self._fanout_at: int | None = None  # when waiting events are due to go out
        self._new_id = new_participant_id
        self._signatures: dict[str, int] = {}  # hello signatures used -> when to forget them
        self._links: dict[str, _Link] = {}
        self.refusals: Counter[str] = Counter()
        self._chat = RateLimit(*CHAT_LIMIT)
        self._reactions = RateLimit(*REACTION_LIMIT)
        self._code_tries = RateLimit(*CODE_TRY_LIMIT)
        self._room_code_tries = RateLimit(*ROOM_CODE_TRY_LIMIT)
        self._commands = RateLimit(*COMMAND_LIMIT)
        self._messages = RateLimit(*MESSAGE_LIMIT)
        self._pings = RateLimit(*PING_LIMIT)
        self._expected = {
            p.participant_id: now_ms + RETURN_GRACE_MS
            for p in log.state.participants
            if p.present and p.participant_id != log.state.host_id
        }

    @property
    def state(self) -> RoomState:
        """The room now."""
        return self.log.state

    def live_people(self, now_ms: int) -> int:
        """The host and every admitted member heard from within :data:`LINK_TIMEOUT_MS`:
        who is really here now (a host frozen for seconds still holds its members' links
        and the log still shows them present, until its next tick)."""
        return 1 + sum(
            1
            for st in self._links.values()
            if st.participant_id is not None and now_ms - st.last_seen_ms <= LINK_TIMEOUT_MS
        )

    def linked_participants(self) -> dict[str, str]:
        """``link -> participant id`` for every admitted link."""
        return {k: v.participant_id for k, v in self._links.items() if v.participant_id}

    # -- inputs ---------------------------------------------------------------------------

    def link_opened(
        self,
        link: str,
        now_ms: int,
        source: str = "",
        proof: str | None = None,
        path: Path = Path.DIRECT,
    ) -> None:
        """A data channel to a prospective member opened; ``source`` names where it came
        from (the remote address), for rate-limiting tries at a private room's code;
        ``proof`` is the PAKE proof its hello must carry instead of the code (a join through
        a signalling server, :mod:`jamdesk.protocol.pake`); ``path`` what carries it."""
        self._links[link] = _Link(
            last_seen_ms=now_ms, opened_ms=now_ms, source=source, proof=proof, path=path
        )

    def link_moved(self, link: str, path: Path) -> HostOutcome:
        """``link`` is carried by ``path`` now; every member is told (:class:`Paths`)."""
        out = HostOutcome()
        st = self._links.get(link)
        if st is not None and st.path is not path:
            st.path = path
            self._announce_paths(out)
        return out

    def paths(self) -> dict[str, Path]:
        """``participant id -> path`` of every admitted member's link."""
        return {st.participant_id: st.path for st in self._links.values() if st.participant_id}

    def _announce_paths(self, out: HostOutcome) -> None:
        message = Paths(paths={pid: path.value for pid, path in self.paths().items()})
        for link, st in self._links.items():
            if st.participant_id:
                _send(out, link, message)

    def link_closed(self, link: str, now_ms: int) -> HostOutcome:
        """A link went away; its member, if still present, is recorded as lost."""
        state = self._links.pop(link, None)
        self._messages.forget(link)
        self._pings.forget(link)
        out = HostOutcome()
        if state is not None and state.participant_id is not None:
            self._run(state.participant_id, Disconnect(), now_ms, out)
        return out

    def command(self, cmd: Command, now_ms: int) -> HostOutcome:
        """The host's own command (from its UI or stdin)."""
        out = HostOutcome()
        rejected = self._run(self.state.host_id, cmd, now_ms, out)
        out.refused = rejected
        return out

    def act_as(self, ghost_id: str, cmd: Command, now_ms: int) -> HostOutcome:
        """Replay a ghost's action (status, goal, progress, reaction, chat) into the room.
        Anything else, or a participant who is not a ghost, is refused."""
        out = HostOutcome()
        ghost = self.state.participant(ghost_id)
        if ghost is None or not ghost.ghost or not isinstance(cmd, GHOST_ACTIONS):
            out.refused = Rejected("not_ghost", "Only a ghost's own actions can be replayed.")
            return out
        out.refused = self._run(ghost_id, cmd, now_ms, out)
        return out

    def tick(self, now_ms: int) -> HostOutcome:
        """Time-driven work: send events whose window has passed, record a finished
        countdown, drop links silent too long."""
        out = HostOutcome()
        if self._fanout_at is not None and now_ms >= self._fanout_at:
            self._fan_out(now_ms, out)
        end = timers.completes_at(self.state.timer)
        if end is not None and now_ms >= end:
            self._run(self.state.host_id, CompleteTimer(), now_ms, out)
        if self.state.timer.plan is not None and self.state.timer.running:
            self._run(self.state.host_id, AdvancePhase(), now_ms, out)
        for pid, deadline in list(self._expected.items()):
            if now_ms >= deadline:
                del self._expected[pid]
                log.info("%s did not come back after the host change", pid)
                self._run(pid, Disconnect(), now_ms, out)
        for link, st in list(self._links.items()):
            if st.participant_id is None and now_ms - st.opened_ms > HELLO_TIMEOUT_MS:
                log.info("link %s never joined; closing", link)
                out.close.append(link)
                self.link_closed(link, now_ms)
            elif now_ms - st.last_seen_ms > LINK_TIMEOUT_MS:
                log.info("link %s silent for %d ms; closing", link, now_ms - st.last_seen_ms)
                out.close.append(link)
                out_lost = self.link_closed(link, now_ms)
                _merge(out, out_lost)
        return out

    def next_wakeup(self, now_ms: int) -> int:
        """Room-clock instant :meth:`tick` should next run (at most one second away)."""
        wake = now_ms + 1_000
        if self._fanout_at is not None:
            wake = min(wake, max(now_ms, self._fanout_at))
        end = timers.next_boundary(self.state.timer, now_ms)
        return min(wake, end) if end is not None and end > now_ms else wake

    def receive(self, link: str, data: bytes | str, now_ms: int) -> HostOutcome:
        """Handle one message from ``link``. Bad input never changes the room.

        Never raises: should handling fail on our side (a bug), the failure is logged, the
        link is closed, and whatever was already appended to the log is still returned
        with its sends, so no event is ever lost between the log, the disk and the members.
        """
        out = HostOutcome()
        st = self._links.get(link)
        if st is None:
            return out
        st.last_seen_ms = now_ms
        try:
            self._receive(link, st, data, now_ms, out)
        except Exception:
            log.exception("handling a message from link %s failed; closing it", link)
            out.close.append(link)
        return out

    def _receive(
        self, link: str, st: _Link, data: bytes | str, now_ms: int, out: HostOutcome
    ) -> None:
        if not self._messages.allow(link, now_ms):  # before decoding: a flood costs little
            self._flooding(link, st, out)
            return
        msg = decode(data)
        if isinstance(msg, DecodeError):
            self._bad(link, st, msg.code, f"That message could not be read ({msg.code}).", out)
            log.info("link %s sent a bad message: %s %s", link, msg.code, msg.detail[:200])
            return
        if isinstance(msg, Ping):
            if self._pings.allow(link, now_ms):  # pings past the limit go unanswered
                _send(out, link, Pong(t0=msg.t0, t1=now_ms, t2=now_ms))
        elif isinstance(msg, Hello):
            self._hello(link, st, msg, now_ms, out)
        elif st.participant_id is None:
            self._bad(link, st, "not_joined", "Say hello before anything else.", out)
        elif isinstance(msg, CommandMessage):
            self._peer_command(link, st.participant_id, msg, now_ms, out)
        elif isinstance(msg, Bye):
            pid, st.participant_id = st.participant_id, None
            self._run(pid, Leave(), now_ms, out)
            out.close.append(link)
        else:
            self._bad(
                link, st, "unexpected", f"A member does not send '{type(msg).__name__}'.", out
            )

    # -- internals ------------------------------------------------------------------------

    def _hello(self, link: str, st: _Link, hello: Hello, now_ms: int, out: HostOutcome) -> None:
        if hello.protocol != PROTOCOL_VERSION:
            message = (
                f"This jam uses Jamdesk protocol {PROTOCOL_VERSION} and your app uses "
                f"{hello.protocol}. Update Jamdesk on both computers to the same version."
            )
            _send(out, link, Error(code="protocol_version", message=message, fatal=True))
            out.close.append(link)
            return
        if st.participant_id is not None:
            self._bad(link, st, "already_joined", "You have already joined.", out)
            return
        refusal = self._code_refusal(st, hello, now_ms)
        if refusal is not None:
            self.refusals[refusal.code] += 1
            log.info("refused a hello from %s: %s", st.source or link, refusal.code)
            _send(out, link, Error(code=refusal.code, message=refusal.reason, fatal=True))
            out.close.append(link)
            return
        proven = self._proven_id(link, hello, now_ms, out)
        if proven is None:
            return
        if proven and proven == self.state.host_id:  # the host's own key, from elsewhere
            _send(out, link, Error(code="already_here", message=_HOST_HERE, fatal=True))
            out.close.append(link)
            return
        pid = proven or self._new_id()  # without a key: a new person, whatever it claims
        known = self.state.participant(pid) if proven else None
        if known is None:
            since = 0
        else:
            since = hello.since_seq if 0 < hello.since_seq <= self.state.head_seq else 0
            if since and event_digest(self.log.events[since - 1]) != hello.last_digest:
                since = 0  # the member's history differs from ours: send it all again
            for other, ost in self._links.items():  # a stale link of the same member
                if ost.participant_id == pid and other != link:
                    ost.participant_id = None
                    out.close.append(other)
        if known is not None and known.present and not known.removed:
            # Still in the room as far as the log goes (a blip, or a new host): re-attach.
            self._expected.pop(pid, None)
            outcome: list[EventBody] | Rejected = []
        else:
            # A keyed member is refused or admitted by its key's id alone: the visible
            # client_id is not recorded, so copying it cannot get anyone else refused.
            client_id = "" if hello.public_key else hello.client_id
            outcome = decide(
                self.state,
                pid,
                Join(name=hello.name, client_id=client_id, avatar_color=hello.avatar_color),
                now_ms,
            )
        if isinstance(outcome, Rejected):
            self.refusals[outcome.code] += 1
            _send(out, link, Error(code=outcome.code, message=outcome.reason, fatal=True))
            out.close.append(link)
            return
        st.participant_id = pid
        self._append(pid, outcome, now_ms, out, exclude=link)
        out.sends.extend(Send(link, data) for data in welcome_messages(pid, self.state, since))
        for batch in batch_events(self.log.since(since)):
            _send(out, link, Events(events=batch))
        st.sent_seq = self.state.head_seq
        if any(path is not Path.DIRECT for path in self.paths().values()):
            self._announce_paths(out)  # a LAN room, all direct, never needs to say so

    def _proven_id(self, link: str, hello: Hello, now_ms: int, out: HostOutcome) -> str | None:
        """The participant id ``hello`` proves with its key (:mod:`jamdesk.protocol.identity`),
        ``""`` for a hello without a key (it joins under a new id, never resuming a stay),
        or ``None`` when refused (the link is told and closed)."""
        if not hello.public_key:
            return ""
        # Signed over the room's code; a member that joined by address alone knew none.
        pid = verify_hello(
            self.state.code, hello.public_key, hello.signature, hello.signed_at_ms
        ) or verify_hello("", hello.public_key, hello.signature, hello.signed_at_ms)
        refusal = ""
        if not pid:
            refusal = "Your app could not prove who you are; update Jamdesk and try again."
        elif abs(now_ms - hello.signed_at_ms) > HELLO_FRESH_MS:
            refusal = "Your computer's clock is far off; set it right and join again."
        elif hello.signature in self._signatures:
            refusal = "That hello was already used; join again."
        elif (
            hello.participant_id
            and hello.participant_id != pid
            and self.state.participant(hello.participant_id) is not None
        ):  # another key with a known id: someone tries to be another member
            refusal = "That place in the jam belongs to someone else; join as yourself."
        if refusal:
            self.refusals["bad_identity"] += 1
            _send(out, link, Error(code="bad_identity", message=refusal, fatal=True))
            out.close.append(link)
            return None
        self._signatures[hello.signature] = now_ms + 2 * HELLO_FRESH_MS
        for signature in [s for s, until in self._signatures.items() if until < now_ms]:
            del self._signatures[signature]  # bounded by the join rate limits
        return pid

    def _code_refusal(self, st: _Link, hello: Hello, now_ms: int) -> Rejected | None:
        """A private room admits only a hello with its code (compared in constant time),
        and each source gets :data:`CODE_TRY_LIMIT` wrong tries, all sources together
        :data:`ROOM_CODE_TRY_LIMIT`. Public rooms admit everyone:
        their code is advertised anyway."""
        if not self.state.private:
            return None
        if self._code_tries.exhausted(st.source, now_ms):
            return Rejected(
                "locked_out", "Too many wrong codes from your computer. Wait a minute, then try."
            )
        if self._room_code_tries.exhausted("", now_ms):
            return Rejected(
                "locked_out", "This jam has had too many wrong codes. Wait a minute, then try."
            )
        if st.proof is not None:
            right = pake.check(st.proof, hello.proof)
        else:
            right = hmac.compare_digest(hello.code.encode(), self.state.code.encode())
        if not right:
            self._code_tries.allow(st.source, now_ms)
            self._room_code_tries.allow("", now_ms)
            return Rejected("wrong_code", "That code does not open this private jam.")
        return None

    def _peer_command(
        self, link: str, pid: str, msg: CommandMessage, now_ms: int, out: HostOutcome
    ) -> None:
        if not isinstance(msg.command, PEER_COMMANDS):
            _send(
                out,
                link,
                Refused(
                    ref=msg.ref,
                    code="not_allowed",
                    reason="That command is not accepted from a member.",
                ),
            )
            return
        limit = {Chat: self._chat, React: self._reactions}.get(type(msg.command), self._commands)
        if not limit.allow(pid, now_ms):
            rejected: Rejected | None = Rejected(
                "slow_down", "Slow down a little: too many messages at once."
            )
        else:
            rejected = self._run(pid, msg.command, now_ms, out)
        if rejected is not None:
            self.refusals[rejected.code] += 1
            log.info("refused %s from %s: %s", type(msg.command).__name__, pid, rejected.code)
            _send(out, link, Refused(ref=msg.ref, code=rejected.code, reason=rejected.reason))
        elif isinstance(msg.command, Leave):
            self._links[link].participant_id = None
            out.close.append(link)

    def _run(self, actor: str, cmd: Command, now_ms: int, out: HostOutcome) -> Rejected | None:
        outcome = decide(self.state, actor, cmd, now_ms)
        if isinstance(outcome, Rejected):
            return outcome
        self._append(actor, outcome, now_ms, out)
        return None

    def _append(
        self,
        actor: str,
        bodies: list[EventBody],
        now_ms: int,
        out: HostOutcome,
        exclude: str | None = None,
    ) -> None:
        events = self.log.append(actor, bodies, now_ms)
        if not events:
            return
        out.events.extend(events)
        if exclude is not None:  # it is sent these events in its Welcome's backlog
            self._links[exclude].sent_seq = self.state.head_seq
        last = self._last_fanout_ms
        if last is None or now_ms >= last + self._window_ms:
            self._fan_out(now_ms, out)
        elif self._fanout_at is None:
            self._fanout_at = last + self._window_ms
        for event in events:
            if isinstance(event.body, MemberRemoved | MemberLeft):
                self._expected.pop(event.body.participant_id, None)
            if isinstance(event.body, MemberRemoved):
                self._unlink(event.body.participant_id, "You were removed from this jam.", out)

    def _fan_out(self, now_ms: int, out: HostOutcome) -> None:
        """Send every admitted link the events it has not had, in as few messages as fit;
        links that had the same events share the same encoded messages."""
        self._fanout_at = None
        self._last_fanout_ms = now_ms
        head = self.state.head_seq
        encoded: dict[int, list[bytes]] = {}
        for link, st in self._links.items():
            if st.participant_id is None or st.sent_seq >= head:
                continue
            since = st.sent_seq
            if since not in encoded:
                events = self.log.since(since)
                encoded[since] = [encode(Events(events=b)) for b in batch_events(events)]
            out.sends.extend(Send(link, data) for data in encoded[since])
            st.sent_seq = head

    def _unlink(self, pid: str, message: str, out: HostOutcome) -> None:
        for link, st in self._links.items():
            if st.participant_id == pid:
                st.participant_id = None
                _send(out, link, Error(code="removed", message=message, fatal=True))
                out.close.append(link)

    def _flooding(self, link: str, st: _Link, out: HostOutcome) -> None:
        """One message over :data:`MESSAGE_LIMIT`: dropped, told once, closed after
        :data:`MAX_FLOOD_MESSAGES` (the link's member, if any, is then recorded as lost)."""
        self.refusals["flood"] += 1
        st.flood_messages += 1
        if st.flood_messages == 1:
            log.info("link %s sends too fast; dropping its messages", link)
            message = "You are sending too fast; the host dropped some of your messages."
            _send(out, link, Error(code="slow_down", message=message))
        elif st.flood_messages > MAX_FLOOD_MESSAGES and link not in out.close:
            log.info("link %s kept flooding; closing it", link)
            message = "Too many messages at once; the host closed the connection."
            _send(out, link, Error(code="flood", message=message, fatal=True))
            out.close.append(link)

    def _bad(self, link: str, st: _Link, code: str, message: str, out: HostOutcome) -> None:
        self.refusals[code] += 1
        st.bad_messages += 1
        fatal = st.bad_messages > MAX_BAD_MESSAGES
        if fatal:
            message = "Too many unreadable messages; the host closed the connection."
            out.close.append(link)
        _send(out, link, Error(code=code, message=message, fatal=fatal))


def _send(out: HostOutcome, link: str, message: Message) -> None:
    out.sends.append(Send(link, encode(message)))


def _merge(into: HostOutcome, other: HostOutcome) -> None:
    into.sends.extend(other.sends)
    into.events.extend(other.events)
    into.close.extend(other.close)


# ------------------------------------------------------------------------------- member

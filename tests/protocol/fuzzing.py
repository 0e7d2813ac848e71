"""The fuzz and abuse harness of issue 16: generated and mutated frames through the decoder,
the host's and a member's engines, and the room's ``decide``/``apply``.

Three targets, each fed from one seeded stream of frames:

- **the host**: a room of a host and three admitted members; frames arrive on a member's
  link (``HostEngine.receive``: decode, rate limits, ``decide``, ``apply``);
- **a member**: a welcomed member engine receiving frames as if from a hostile host
  (``MemberEngine.receive``);
- **the rules**: commands built by Hypothesis, decided for the host, a member and a stranger,
  and every event ``decide`` returns applied (``decide``'s output must always apply).

Frames come from Hypothesis strategies for every message type and every command (drawn once
into a pool), from valid frames of every kind, and from mutations of both: a value replaced
by another JSON value of any type, a key dropped or added, a tag changed, deep nesting,
flipped bits, cuts, stray bytes and bad UTF-8.

What is counted: ``crashes`` (an exception out of an engine, or an ERROR logged with a
traceback inside one: the host engine catches its own bugs, so both count), and
``refused_changed`` (a frame that was refused, or could not be read, and yet changed the
room's state or log). The goal for both is 0. ``benchmarks/fuzz.py`` runs 10^6 frames;
``tests/protocol/test_fuzz.py`` runs a few thousand on every CI run.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import time
import traceback
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec.inspect as mi
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from jamdesk.core import commands as cmds
from jamdesk.core.kinds import Status
from jamdesk.core.room import LogError, RoomLog
from jamdesk.core.rules import Rejected, decide
from jamdesk.protocol import messages
from jamdesk.protocol.codec import DecodeError, decode, encode
from jamdesk.protocol.engine import HostEngine
from jamdesk.protocol.identity import Identity
from jamdesk.protocol.member_engine import MemberEngine
from tests.factories import room_log, run

MEMBERS = ("Bo", "Cy", "Di")

_COMMAND_TYPES: tuple[type[Any], ...] = typing.get_args(cmds.Command)
_MESSAGE_TYPES: tuple[type[Any], ...] = typing.get_args(messages.Message)


@dataclass
class FuzzReport:
    """What one run found; ``samples`` keeps the first few crashes (frame and traceback)."""

    frames: int = 0
    crashes: int = 0
    refused_changed: int = 0
    refused: int = 0
    accepted: int = 0
    by_target: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def problem(self, what: str, frame: bytes | str, detail: str) -> None:
        if len(self.samples) < 5:
            self.samples.append(f"{what}: {frame[:300]!r}\n{detail[-1500:]}")

    def as_json(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "crashes": self.crashes,
            "refused_changed": self.refused_changed,
            "refused": self.refused,
            "accepted": self.accepted,
            "by_target": dict(self.by_target),
            "by_source": dict(self.by_source),
            "frames_per_s": round(self.frames / self.seconds) if self.seconds else 0,
            "seconds": round(self.seconds, 1),
            "samples": self.samples,
        }


class _Tracebacks(logging.Handler):
    """Counts ERROR records with a traceback (a bug an engine caught and logged)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


# -- frames ------------------------------------------------------------------------------------


_SCALARS: dict[type[mi.Type], st.SearchStrategy[Any]] = {
    mi.IntType: st.integers(),
    mi.FloatType: st.floats(allow_nan=False),
    mi.StrType: st.text(max_size=80),
    mi.BoolType: st.booleans(),
}


def _json_of(t: mi.Type) -> st.SearchStrategy[Any]:
    """JSON values shaped like ``t`` (a :mod:`msgspec.inspect` type): what a peer could put
    on the wire for it, with no struct built, so the classes' own checks never filter it.
    ``Any`` and kinds no message holds give ``null``."""
    scalar = _SCALARS.get(type(t))
    if scalar is not None:
        return scalar
    strategy: st.SearchStrategy[Any] = st.none()
    if isinstance(t, mi.EnumType):
        strategy = st.sampled_from([e.value for e in t.cls])
    elif isinstance(t, mi.LiteralType):
        strategy = st.sampled_from(t.values)
    elif isinstance(t, mi.UnionType):
        strategy = st.one_of([_json_of(u) for u in t.types])
    elif isinstance(t, (mi.ListType, mi.VarTupleType, mi.SetType, mi.FrozenSetType)):
        strategy = st.lists(_json_of(t.item_type), max_size=5)
    elif isinstance(t, mi.TupleType):
        strategy = st.tuples(*(_json_of(u) for u in t.item_types)).map(list)
    elif isinstance(t, mi.DictType):
        strategy = st.dictionaries(st.text(max_size=20), _json_of(t.value_type), max_size=5)
    elif isinstance(t, mi.StructType):
        struct = t
        strategy = st.deferred(lambda: _struct_json(struct))
    return strategy


def _struct_json(t: mi.StructType) -> st.SearchStrategy[dict[str, Any]]:
    required = {f.encode_name: _json_of(f.type) for f in t.fields if f.required}
    optional = {f.encode_name: _json_of(f.type) for f in t.fields if not f.required}
    shaped = st.fixed_dictionaries(required, optional=optional)
    if t.tag_field is not None:
        tag_field, tag = t.tag_field, t.tag
        return shaped.map(lambda d: {tag_field: tag, **d})
    return shaped


def message_strategy() -> st.SearchStrategy[bytes]:
    """Every message type (and so every command, inside ``command`` messages) as the JSON a
    peer could send for it, encoded."""
    union = mi.type_info(messages.Message)
    assert isinstance(union, mi.UnionType)
    return st.one_of([_json_of(t) for t in union.types]).map(lambda v: json.dumps(v).encode())


def hypothesis_pool(size: int, random_seed: int) -> list[bytes]:
    """``size`` frames drawn by Hypothesis (its generation phase only, seeded)."""
    pool: list[bytes] = []
    strategy = message_strategy()

    @settings(
        max_examples=size,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(frame: bytes) -> None:
        pool.append(frame)

    seed(random_seed)(draw)()
    return pool


def valid_frames(state_task_id: str, member_id: str) -> list[bytes]:
    """One well-formed frame of every kind a member sends, with plausible values."""
    made = [
        cmds.StartTimer(),
        cmds.PauseTimer(),
        cmds.ResumeTimer(),
        cmds.ResetTimer(),
        cmds.SkipPhase(),
        cmds.SetStatus(value=Status.PAUSED),
        cmds.SetStatus(value=Status.ACTIVE),
        cmds.SetGoal(text="Finish chapter 3"),
        cmds.SetRoomGoal(text="Pass the exam"),
        cmds.SetProgress(percent=40),
        cmds.Promote(participant_id=member_id),
        cmds.Demote(participant_id=member_id),
        cmds.TransferHost(participant_id=member_id),
        cmds.Remove(participant_id=member_id),
        cmds.React(emoji="👏"),
        cmds.React(emoji="🔥", to=member_id),
        cmds.AddGhost(name="Past me"),
        cmds.Chat(text="hello everyone"),
        cmds.AddTask(title="Problem 2"),
        cmds.RenameTask(task_id=state_task_id, title="Problem 2b"),
        cmds.ToggleTask(task_id=state_task_id),
        cmds.DeleteTask(task_id=state_task_id),
        cmds.EndRoom(),
        cmds.Leave(),
        cmds.TakeOver(),
        cmds.Join(name="Eve"),
    ]
    frames = [encode(messages.CommandMessage(ref=i, command=c)) for i, c in enumerate(made)]
    frames += [
        encode(messages.Ping(t0=1)),
        encode(messages.Bye(reason="leave")),
        encode(messages.Hello(protocol=messages.PROTOCOL_VERSION, name="Eve")),
        encode(messages.Pong(t0=1, t1=2, t2=3)),
        encode(messages.Paths(paths={member_id: "direct"})),
    ]
    return frames


_JSON_LEAVES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**63,
    -(2**64),
    1e308,
    -0.0,
    "",
    "x" * 5000,
    "\u0000\ud7ff\ufffd",
    "<b>markup</b>",
    "k" + "0" * 15,
    "host",
    [],
    {},
    [1, "a", None],
    {"type": "hello"},
]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 3 and roll < 0.1:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if depth < 3 and roll < 0.2:
        return {
            rng.choice(["type", "cmd", "text", "ref", "x", "participant_id"]): _random_value(
                rng, depth + 1
            )
            for _ in range(rng.randrange(4))
        }
    if roll < 0.35:
        return rng.randint(-(2**70), 2**70)
    if roll < 0.5:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(30)))
    return rng.choice(_JSON_LEAVES)


_TAGS = [m.__struct_config__.tag for m in _MESSAGE_TYPES] + ["nope", "", 1]
_CMD_TAGS = [c.__struct_config__.tag for c in _COMMAND_TYPES] + ["nope", None]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _structural(rng: random.Random, frame: bytes) -> bytes:
    try:
        tree = json.loads(frame)
    except (ValueError, UnicodeDecodeError):
        return frame
    paths = list(_paths(tree))
    path = rng.choice(paths)
    roll = rng.random()
    if not path:
        tree = _random_value(rng) if roll < 0.2 else tree
    else:
        parent = tree
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if roll < 0.45:
            parent[last] = _random_value(rng)
        elif roll < 0.6 and isinstance(parent, dict):
            del parent[last]
        elif roll < 0.7 and isinstance(parent, dict):
            parent[rng.choice(["extra", "type", "cmd", "since_seq", "snapshot"])] = _random_value(
                rng
            )
        elif roll < 0.8 and isinstance(parent, dict) and "type" in parent:
            parent["type"] = rng.choice(_TAGS)
        elif roll < 0.9 and isinstance(tree, dict) and isinstance(tree.get("command"), dict):
            tree["command"]["cmd"] = rng.choice(_CMD_TAGS)
        else:
            nested: Any = parent[last]
            for _ in range(rng.choice([12, 200])):
                nested = [nested]
            parent[last] = nested
    try:
        return json.dumps(tree, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    except (ValueError, TypeError, RecursionError):
        return frame


def _bytewise(rng: random.Random, frame: bytes) -> bytes:
    data = bytearray(frame)
    roll = rng.random()
    if roll < 0.3 and data:
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif roll < 0.5:
        data = data[: rng.randrange(len(data) + 1)]
    elif roll < 0.7:
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.choice([b"\xff\xfe", b"\x00", b"{", b"]", b'"', b"\\u", b"\xc3("])
    elif roll < 0.8:
        data = bytearray(b"[" * 5_000 + b"]" * 5_000)
    elif roll < 0.9:
        data = data + b" " * rng.choice([1, 70_000])
    else:
        data = bytearray(rng.randbytes(rng.randrange(1, 200)))
    return bytes(data)


def frames(
    rng: random.Random, pool: list[bytes], valid: list[bytes]
) -> Iterator[tuple[str, bytes]]:
    """An endless seeded stream of ``(source, frame)``."""
    while True:
        roll = rng.random()
        if roll < 0.25:
            yield "hypothesis", rng.choice(pool)
        elif roll < 0.4:
            yield "valid", rng.choice(valid)
        elif roll < 0.8:
            yield "mutated", _structural(rng, rng.choice(pool if rng.random() < 0.3 else valid))
        else:
            yield "bytes", _bytewise(rng, rng.choice(pool if rng.random() < 0.3 else valid))


# -- targets -----------------------------------------------------------------------------------


class HostTarget:
    """A room of a host and :data:`MEMBERS`, each admitted by a real signed hello; frames
    arrive on the link of a member chosen per frame. A link the host closes is replaced by a
    new one whose member says hello again (resuming its stay)."""

    def __init__(self) -> None:
        log = room_log()
        run(log, "host", cmds.AddTask(title="Read notes"), 1)
        counter = itertools.count(1)
        self.now = 10_000
        self.engine = HostEngine(log, lambda: f"p{next(counter)}", now_ms=self.now)
        self.members = [
            MemberEngine(n, code="ALGO7X", identity=Identity.generate()) for n in MEMBERS
        ]
        self.links: list[str] = [""] * len(MEMBERS)
        self._names = itertools.count(1)
        for i in range(len(MEMBERS)):
            self._relink(i)

    def _relink(self, i: int) -> None:
        link = f"L{next(self._names)}"
        self.links[i] = link
        self.engine.link_opened(link, self.now)
        member = self.members[i]
        for send in self.engine.receive(link, member.hello(self.now), self.now).sends:
            if send.link == link:
                member.receive(send.data, self.now)

    @property
    def member_id(self) -> str:
        return self.members[0].participant_id or ""

    @property
    def task_id(self) -> str:
        tasks = self.engine.state.tasks
        return tasks[0].task_id if tasks else "t1"

    def feed(self, rng: random.Random, frame: bytes, report: FuzzReport) -> None:
        self.now += rng.randrange(0, 700)
        i = rng.randrange(len(self.links))
        link = self.links[i]
        before = (self.engine.state, len(self.engine.log.events))
        out = self.engine.receive(link, frame, self.now)
        after = (self.engine.state, len(self.engine.log.events))
        told = [decode(s.data) for s in out.sends if s.link == link]
        refused = not out.events and (
            link in out.close
            or any(isinstance(m, (messages.Error, messages.Refused)) for m in told)
            or isinstance(decode(frame), DecodeError)
        )
        if refused:
            report.refused += 1
        elif out.events:
            report.accepted += 1
        if (refused or not out.events) and after != before:
            report.refused_changed += 1
            report.problem("refused frame changed the room", frame, repr(told)[:500])
        if link in out.close or rng.random() < 0.002:
            if link not in out.close:
                self.engine.link_closed(link, self.now)
            self._relink(i)
        if self.engine.state.lifecycle.value == "ended" or len(self.engine.log.events) > 20_000:
            self.__init__()  # type: ignore[misc]  # a fresh room: keep exercising a live one


class MemberTarget:
    """A welcomed member engine; frames arrive as if from a hostile host."""

    def __init__(self) -> None:
        host = HostTarget()
        self.member = host.members[1]
        self.now = host.now

    def feed(self, rng: random.Random, frame: bytes, report: FuzzReport) -> None:
        self.now += rng.randrange(0, 700)
        member = self.member
        before = (member.state, len(member.log))
        out = member.receive(frame, self.now)
        after = (member.state, len(member.log))
        if out.error is not None and not out.events and not out.welcomed:
            report.refused += 1
            if after != before:
                report.refused_changed += 1
                report.problem("member: refused frame changed its state", frame, repr(out.error))
        else:
            report.accepted += 1
        if member.state is None or len(member.log) > 20_000:
            self.__init__()  # type: ignore[misc]


class RulesTarget:
    """``decide`` for the host, a member and a stranger on Hypothesis-built commands, and
    every event it returns applied to the room."""

    def __init__(self) -> None:
        self.log: RoomLog = room_log()
        run(self.log, "m1", cmds.Join(name="Bo"), 1)
        run(self.log, "host", cmds.AddTask(title="Read notes"), 2)
        self.now = 10

    def feed(self, rng: random.Random, frame: bytes, report: FuzzReport) -> None:
        msg = decode(frame)
        if not isinstance(msg, messages.CommandMessage):
            return
        self.now += rng.randrange(0, 70_000)
        actor = rng.choice(["host", "m1", "stranger", "ghost"])
        state = self.log.state
        bodies = decide(state, actor, msg.command, self.now)
        if isinstance(bodies, Rejected):
            report.refused += 1
            if self.log.state is not state:
                report.refused_changed += 1
            return
        report.accepted += 1
        try:
            self.log.append(actor, bodies, self.now)
        except LogError as exc:  # decide's output must always apply
            report.crashes += 1
            report.problem("decide's events did not apply", frame, repr(exc))
        if self.log.state.lifecycle.value == "ended" or len(self.log.events) > 20_000:
            self.__init__()


def run_fuzz(frames_total: int, seed: int = 16, pool_size: int = 3_000) -> FuzzReport:
    """Feed ``frames_total`` frames, each to one target in turn (host, member, rules), and
    return the report. Deterministic for a given ``seed``."""
    rng = random.Random(seed)
    report = FuzzReport()
    pool = hypothesis_pool(pool_size, seed)
    host, member, rules = HostTarget(), MemberTarget(), RulesTarget()
    valid = valid_frames(host.task_id, host.member_id)
    targets: list[tuple[str, Callable[[random.Random, bytes, FuzzReport], None]]] = [
        ("host", host.feed),
        ("member", member.feed),
        ("rules", rules.feed),
    ]
    catcher = _Tracebacks()
    jamdesk_log = logging.getLogger("jamdesk")
    jamdesk_log.addHandler(catcher)
    level = jamdesk_log.level
    jamdesk_log.setLevel(logging.ERROR)  # the refusals' INFO lines would dominate the time
    started = time.perf_counter()
    try:
        stream = frames(rng, pool, valid)
        for n in range(frames_total):
            source, frame = next(stream)
            name, feed = targets[n % 3]
            report.by_target[name] += 1
            report.by_source[source] += 1
            seen = len(catcher.records)
            try:
                feed(rng, frame, report)
            except Exception:
                report.crashes += 1
                report.problem(f"{name} raised", frame, traceback.format_exc())
            if len(catcher.records) > seen:
                report.crashes += len(catcher.records) - seen
                record = catcher.records[-1]
                report.problem(f"{name} logged a traceback", frame, record.getMessage())
            report.frames += 1
    finally:
        jamdesk_log.removeHandler(catcher)
        jamdesk_log.setLevel(level)
    report.seconds = time.perf_counter() - started
    return report

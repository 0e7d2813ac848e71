"""History and Ghost Replay use-cases: list past jams, show one, share it, replay it.

Everything touching the database runs on the :class:`AsyncDatabase` worker. A replay runs on
the caller's clock (:class:`GhostRunner` drives a hosted room on the room clock, so every
member sees a ghost act at the same moment).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path

import msgspec

from jamdesk.app.jam import Jam
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.commands import (
    AddGhost,
    Chat,
    Command,
    PauseTimer,
    React,
    SetGoal,
    SetProgress,
    SetStatus,
    SkipPhase,
    StartTimer,
)
from jamdesk.core.events import (
    ChatPosted,
    Event,
    GhostAdded,
    GoalSet,
    MemberJoined,
    PhaseSkipped,
    ProgressReported,
    Reacted,
    RoomOpened,
    StatusChanged,
    TimerPaused,
    TimerStarted,
)
from jamdesk.core.replay import Cue, Playhead, ReplayError, Script, ScriptBuilder
from jamdesk.core.room import RoomState, fold
from jamdesk.core.summary import RoomSummary, summarize
from jamdesk.core.timeline import TimelineEntry, timeline
from jamdesk.store.db import SessionInfo
from jamdesk.store.replay_file import read_replay, write_replay

log = logging.getLogger(__name__)

OUTCOME_NOTES = {"interrupted": " (interrupted)", "handed_over": " (handed over)"}
"""What a jam's title says of how it ended for this profile (none for ended or left)."""


class HistoryError(LookupError):
    """A past jam that is not there (or holds nothing); the message is fit for a student."""


FIRST_CHUNK = 2_000
"""Events read before a replay starts; the rest is read while it plays."""
CHUNK = 10_000


class HistoryEntry(msgspec.Struct, frozen=True):
    """One past jam as the history list shows it. Times in ms; ``my_focus_ms`` is yours."""

    session_id: int
    title: str
    session_type: str
    started_at_ms: int
    duration_ms: int
    participants: list[str]
    my_focus_ms: int
    outcome: str
    imported: bool
    replay_of: int | None


def matches(
    entry: HistoryEntry,
    *,
    text: str = "",
    session_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
    tz: tzinfo | None = None,
) -> bool:
    """Whether ``entry`` passes the history screen's search and filters."""
    day = datetime.fromtimestamp(entry.started_at_ms / 1000, tz).date()
    needle = text.strip().casefold()
    return (
        (
            not needle
            or needle in entry.title.casefold()
            or any(needle in name.casefold() for name in entry.participants)
        )
        and (session_type is None or entry.session_type == session_type)
        and (since is None or day >= since)
        and (until is None or day <= until)
    )


class HistoryService:
    """Past jams from the local database."""

    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db

    async def entries(self) -> list[HistoryEntry]:
        """Every stored jam, newest first (names come from each jam's joins alone)."""

        def load() -> list[HistoryEntry]:
            db = self._db.db
            stats = {s.session_id: s for s in db.all_session_stats()}
            out = []
            for info in db.sessions():
                names = roster_names(db.roster(info.id))
                end = info.ended_at_ms or db.last_event_at(info.id) or info.started_at_ms
                mine = stats.get(info.id)
                out.append(
                    HistoryEntry(
                        session_id=info.id,
                        title=info.title,
                        session_type=info.session_type,
                        started_at_ms=info.started_at_ms,
                        duration_ms=end - info.started_at_ms,
                        participants=names,
                        my_focus_ms=sum(b - a for a, b in mine.spans) if mine else 0,
                        outcome=info.outcome,
                        imported=info.imported,
                        replay_of=info.replay_of,
                    )
                )
            return out

        return await self._db.call(load)

    async def events(self, session_id: int) -> list[Event]:
        """A jam's whole log."""
        return await self._db.call(self._db.db.events, session_id)

    async def info(self, session_id: int) -> SessionInfo | None:
        """A jam's stored record."""
        return await self._db.call(self._db.db.session, session_id)

    async def detail(self, session_id: int) -> tuple[RoomSummary, list[TimelineEntry]]:
        """A jam's summary and full timeline. Raises :class:`HistoryError` if it has no events."""
        events = await self.events(session_id)
        if not events:
            raise HistoryError("This jam has no events.")
        return summarize(events), timeline(events)

    async def export(self, session_id: int, path: Path) -> None:
        """Write a jam as a replay file. Raises :class:`HistoryError` or ``OSError``."""
        info = await self.info(session_id)
        events = await self.events(session_id)
        if info is None or not events:
            raise HistoryError("There is no such jam to export.")
        await self._db.call(write_replay, path, info.title, events)

    async def import_file(self, path: Path) -> int:
        """Check and import a replay file as a new jam; returns its id. Raises
        :class:`~jamdesk.store.replay_file.ReplayFileError` (nothing imported) or ``OSError``."""
        payload = await self._db.call(read_replay, path)
        return await self._db.call(self._db.db.import_session, payload.events)

    async def _wanted(self, session_id: int, names: Sequence[str]) -> list[str]:
        roster = await self._db.call(self._db.db.roster, session_id)
        ids = []
        for name in names:
            found = [pid for pid, who in roster_people(roster) if who.casefold() == name.casefold()]
            if not found:
                raise ReplayError(f"Nobody called {name!r} was in this jam.")
            ids.append(found[0])
        return ids

    async def script(self, session_id: int, names: Sequence[str] = ()) -> Script:
        """The whole replay script of ``names`` (all participants when empty) from a stored
        jam. Raises :class:`~jamdesk.core.replay.ReplayError` with a plain reason."""
        stream = await self.open_replay(session_id, names)
        await stream.fill()
        return stream.script()

    async def open_replay(
        self, session_id: int, names: Sequence[str] = (), first_chunk: int = FIRST_CHUNK
    ) -> ReplayStream:
        """Start a replay after reading only the first ``first_chunk`` events; the caller runs
        :meth:`ReplayStream.fill` to read the rest while it plays."""
        info = await self.info(session_id)
        if info is None:
            raise ReplayError(f"There is no jam number {session_id}.")
        wanted = await self._wanted(session_id, names)
        stream = ReplayStream(self._db, info, wanted)
        await stream.read_chunk(first_chunk)
        return stream


def roster_people(roster: Sequence[Event]) -> list[tuple[str, str]]:
    """``(participant id, name)`` for everyone who opened, joined or haunted a jam, in order."""
    people: dict[str, str] = {}
    for event in roster:
        body = event.body
        if isinstance(body, RoomOpened):
            people[body.host_id] = body.host_name
        elif isinstance(body, MemberJoined | GhostAdded):
            people[body.participant_id] = body.name
    return list(people.items())


def roster_names(roster: Sequence[Event]) -> list[str]:
    """The names of everyone in a jam, in the order they came."""
    return [name for _, name in roster_people(roster)]


class ReplayStream:
    """A replay being read in chunks: the cues so far (the playhead's list grows as more of
    the log is read) and the log so far (for the viewer)."""

    def __init__(self, db: AsyncDatabase, info: SessionInfo, wanted: Sequence[str]) -> None:
        self._db = db
        self.info = info
        self.builder = ScriptBuilder(wanted or None)
        self.events: list[Event] = []
        self.playhead = Playhead(self.builder.cues)
        self.complete = False

    async def read_chunk(self, limit: int = CHUNK) -> int:
        """Read and add the next ``limit`` events; returns how many there were."""
        after = self.events[-1].seq if self.events else 0
        page = await self._db.call(self._db.db.events_page, self.info.id, after, limit)
        self.builder.feed(page)
        self.events.extend(page)
        if len(page) < limit:
            self.complete = True
        return len(page)

    async def fill(self) -> None:
        """Read the rest of the log."""
        while not self.complete:
            await self.read_chunk()

    def script(self) -> Script:
        """What has been read so far, as a script (an empty jam replays as nothing)."""
        ended = self.info.outcome == "ended"
        if self.builder.state is None:
            return Script(
                title=self.info.title,
                session_type=self.info.session_type,
                length_ms=0,
                ghosts=[],
                cues=[],
                interrupted=not ended,
            )
        return self.builder.script(ended=ended)


def _action(body: object, ghost_of: dict[str, str]) -> Command | None:
    """The command that re-enacts a past action, for the ghost standing in for its author."""
    match body:
        case StatusChanged(status=status):
            return SetStatus(value=status)
        case GoalSet(text=text):
            return SetGoal(text=text)
        case ProgressReported(percent=percent):
            return SetProgress(percent=percent)
        case Reacted(emoji=emoji, to=to):
            return React(emoji=emoji, to=ghost_of.get(to) if to else None)
        case ChatPosted(text=text):
            return Chat(text=text)
    return None


_TIMER_COMMANDS: dict[type, Command] = {
    TimerStarted: StartTimer(),
    TimerPaused: PauseTimer(),
    PhaseSkipped: SkipPhase(),
}


class GhostRunner:
    """Replays a :class:`Script` into a room this computer hosts, on the room clock.

    Args:
        jam: a hosted jam.
        script: what to replay.
        follow_timer: also re-enact the replayed room's timer starts, pauses and skips (a solo
            run beside the ghosts); off when ghosts join a live room with its own timer.
        on_cue: called with each cue as it is re-enacted (for a progress display).
    """

    def __init__(
        self,
        jam: Jam,
        script: Script,
        *,
        follow_timer: bool,
        on_cue: Callable[[Cue], None] | None = None,
    ) -> None:
        self.jam = jam
        self.script = script
        self._follow = follow_timer
        self._on_cue = on_cue
        self.playhead = Playhead(script.cues)
        self.ghost_of: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def start(self) -> None:
        """Add the ghosts to the room and start replaying now."""
        for ghost in self.script.ghosts:
            head = self.jam.state.head_seq
            await self.jam.send(AddGhost(name=ghost.name, source=self.script.title))
            added = [e for e in self.jam.events if e.seq > head and isinstance(e.body, GhostAdded)]
            if added:
                self.ghost_of[ghost.participant_id] = added[0].body.participant_id  # type: ignore[union-attr]
        self.playhead.play(self.jam.room_now_ms())
        self._task = asyncio.create_task(self._run(), name="jamdesk-ghosts")

    def pause(self) -> None:
        """Hold the ghosts still."""
        self.playhead.pause(self.jam.room_now_ms())
        self._wake.set()

    def resume(self) -> None:
        """Let the ghosts go on."""
        self.playhead.play(self.jam.room_now_ms())
        self._wake.set()

    async def stop(self) -> None:
        """Stop replaying (the ghosts stay as they are)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def done(self) -> bool:
        """Every cue has been re-enacted."""
        return self.playhead.finished

    async def _run(self) -> None:
        while not self.playhead.finished and not self.jam.closed:
            now = self.jam.room_now_ms()
            for cue in self.playhead.due(now):
                await self._enact(cue)
            wake = self.playhead.next_due_at(self.jam.room_now_ms())
            delay = None if wake is None else max(0.0, (wake - self.jam.room_now_ms()) / 1000)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _enact(self, cue: Cue) -> None:
        if not cue.who:
            command = _TIMER_COMMANDS.get(type(cue.body))
            if self._follow and command is not None:
                await self.jam.send(command)
        else:
            ghost = self.ghost_of.get(cue.who)
            action = _action(cue.body, self.ghost_of)
            if ghost is not None and action is not None:
                self.jam.act_as_ghost(ghost, action)
        if self._on_cue is not None:
            self._on_cue(cue)


class ReplayView:
    """The replayed room as it was at a position (ms after it opened), for the replay viewer.

    Moving forward folds only the new events; moving back folds again from the start.
    """

    def __init__(self, events: list[Event]) -> None:
        self.events = events  # kept, not copied: a replay being read keeps adding to it
        self._start = events[0].at_ms if events else 0  # the opening is read first
        self._next = 0
        self.state: RoomState | None = None

    @property
    def length_ms(self) -> int:
        """How long the replayed jam lasted."""
        return self.events[-1].at_ms - self._start if self.events else 0

    def move_to(self, position_ms: int) -> RoomState | None:
        """The state at ``position_ms``."""
        if self._next and self.events[self._next - 1].at_ms - self._start > position_ms:
            self._next, self.state = 0, None
        while (
            self._next < len(self.events)
            and self.events[self._next].at_ms - self._start <= position_ms
        ):
            self.state = fold([self.events[self._next]], self.state)
            self._next += 1
        return self.state

    def room_time(self, position_ms: int) -> int:
        """The replayed room's clock at ``position_ms`` (to read its timer then)."""
        return self._start + position_ms

"""The database facade: open (and migrate) the SQLite file, read and write jams.

Everything returned is a plain frozen value, never an ORM object, so callers on another thread
(the app runs all of this off the UI thread) hold nothing tied to a session. Methods are
synchronous and safe to call from one worker thread at a time.
"""

from __future__ import annotations

import errno
import functools
import logging
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, func, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from jamdesk.core.events import Event
from jamdesk.core.room import fold
from jamdesk.store.models import (
    PersonalTaskRow,
    Profile,
    SessionEventRow,
    SessionRow,
    SessionStatsRow,
)
from jamdesk.store.paths import DB_NAME

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
"""Alembic's script folder: env.py, script.py.mako and versions/*.py, read as files."""
_event_decoder = msgspec.json.Decoder(Event)
_spans_decoder: msgspec.json.Decoder[list[tuple[int, int]]] = msgspec.json.Decoder(
    list[tuple[int, int]]
)
_ends_decoder: msgspec.json.Decoder[list[int]] = msgspec.json.Decoder(list[int])
_encoder = msgspec.json.Encoder()


class StoreError(RuntimeError):
    """The database cannot be opened or used; the message is fit to show a student.

    ``kind`` says what to offer: :data:`DAMAGED` (keep the file aside with
    :func:`set_aside` and start an empty one), :data:`FULL` (free space; writes wait in
    memory, :class:`~jamdesk.app.storage.AsyncDatabase`), :data:`UNUSABLE` (the folder
    cannot be written, or the file is a newer Jamdesk's)."""

    def __init__(self, message: str, kind: str = "unusable") -> None:
        super().__init__(message)
        self.kind = kind


DAMAGED = "damaged"
FULL = "full"
UNUSABLE = "unusable"

_DAMAGED_WORDS = ("not a database", "malformed", "corrupt", "disk image")
_FULL_WORDS = ("disk is full", "database or disk is full", "no space left")


def store_error(exc: BaseException, path: Path, *, opening: bool = False) -> StoreError:
    """The :class:`StoreError`, in a student's words, for what SQLite (through SQLAlchemy
    or Alembic) raised on ``path`` (``opening``: while opening it, before any jam); sorted
    by SQLite's own messages (SQLITE_FULL's "database or disk is full", SQLITE_NOTADB's
    "file is not a database", SQLITE_CORRUPT's "database disk image is malformed"). Any
    failure while the disk holding ``path`` has no space left is told as a full disk:
    opening a WAL database on a full disk fails as "disk I/O error" (its -shm file cannot
    grow), and "check that the folder is writable" would be the wrong advice."""
    if isinstance(exc, StoreError):
        return exc
    detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    lowered = detail.lower()
    if (
        any(w in lowered for w in _FULL_WORDS)
        or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC)
        or _no_space_left(path)
    ):
        then = (
            "then start Jamdesk again."
            if opening
            else "the jam goes on, and what happens is saved once there is room."
        )
        return StoreError(
            f"Jamdesk cannot save: the disk is full (no space left for {path.parent}). "
            f"Free some space; {then}",
            FULL,
        )
    if any(w in lowered for w in _DAMAGED_WORDS):
        return StoreError(
            f"Jamdesk's history file {path} is damaged ({detail}). Jamdesk can keep it "
            "aside, untouched, and start with an empty history: run 'jamdesk repair' "
            "(or choose Keep aside in the window).",
            DAMAGED,
        )
    return StoreError(
        f"Jamdesk could not open its data file {path}: {detail}. Check that the "
        f"folder is writable, or start with --data-dir to use another folder."
    )


_SPACE_NEEDED = 1 << 20
"""Free bytes under which a failure is taken for a full disk."""


def _no_space_left(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < _SPACE_NEEDED
    except OSError:
        return False


def set_aside(directory: Path, now: datetime | None = None) -> Path:
    """Move the history file in ``directory`` (with its WAL and shared-memory files) to
    ``jamdesk.sqlite3.damaged-YYYYMMDD-HHMMSS`` beside it, so the next open starts empty; nothing
    is ever deleted. Returns the new path. Raises ``OSError`` (``FileNotFoundError`` when
    there is no history file)."""
    path = directory / DB_NAME
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    log.info("kept the damaged history file aside as %s", target)
    return target


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(method: F) -> F:
    """Turn what SQLite raises inside ``method`` into :class:`StoreError` (see
    :func:`store_error`), so no caller meets a raw ``OperationalError``."""

    @functools.wraps(method)
    def wrapper(self: Database, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise store_error(exc, self.path) from exc

    return cast("F", wrapper)


@dataclass(frozen=True)
class ProfileData:
    """The local profile: who this computer's user is in rooms."""

    participant_id: str
    display_name: str
    avatar_color: str = "#4F5BD5"


DEFAULT_AVATAR = "#4F5BD5"


@dataclass(frozen=True)
class SessionStats:
    """A session's cached progress: EXP, completed blocks and focus spans (room-clock ms),
    when each credited block ended (ms), and why the log was set aside ("" if it was not: a
    set-aside session's ``exp`` is 0; :class:`jamdesk.core.progress.Ledger`)."""

    session_id: int
    exp: int
    blocks: int
    spans: list[tuple[int, int]]
    head_seq: int
    block_ends: list[int] = field(default_factory=list)
    set_aside: str = ""


@dataclass(frozen=True)
class PersonalTask:
    """One personal task. Times in ms since the Unix epoch."""

    id: int
    title: str
    done: bool
    created_at_ms: int
    done_at_ms: int | None


class NoSuchTaskError(LookupError):
    """A personal task id that does not exist (any more)."""


@dataclass(frozen=True)
class SessionInfo:
    """One stored jam. Times in ms since the Unix epoch on the room clock."""

    id: int
    room_code: str
    title: str
    session_type: str
    role: str
    participant_id: str
    started_at_ms: int
    ended_at_ms: int | None
    outcome: str
    event_count: int
    imported: bool = False
    replay_of: int | None = None
    time_zone: str = ""
    """The IANA time zone the jam was held in ("Europe/Paris"); "" when not recorded."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """A migrated Jamdesk database in ``directory``.

    Raises :class:`StoreError` if the file cannot be opened or migrated (for example a read-only
    folder, or a database written by a newer Jamdesk).
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / DB_NAME
        self._engine: Engine = create_engine(f"sqlite:///{self.path}")
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        try:
            if self.path.exists() and self.path.stat().st_size == 0:
                # SQLite would take it for a new database and the history would be gone
                # without a word: a file we wrote is never empty.
                raise StoreError(
                    f"Jamdesk's history file {self.path} is empty (0 bytes): it was cut "
                    "short, and its jams are not in it. Jamdesk can keep it aside and start "
                    "with an empty history: run 'jamdesk repair' (or choose Keep aside in "
                    "the window).",
                    DAMAGED,
                )
            directory.mkdir(parents=True, exist_ok=True)
            self._migrate()
            self._check()
        except Exception as exc:
            self._engine.dispose()
            raise store_error(exc, self.path, opening=True) from exc

    def _check(self) -> None:
        """SQLite's ``PRAGMA quick_check`` (pages and records, not indexes' contents; about
        10 ms per MB): a damaged file is found at start, not in the middle of a jam."""
        with self._engine.connect() as connection:
            rows = [r[0] for r in connection.exec_driver_sql("PRAGMA quick_check").fetchall()]
        if rows != ["ok"]:
            raise StoreError(
                f"Jamdesk's history file {self.path} is damaged ({'; '.join(rows)[:200]}). "
                "Jamdesk can keep it aside, untouched, and start with an empty history: "
                "run 'jamdesk repair' (or choose Keep aside in the window).",
                DAMAGED,
            )

    def _migrate(self) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self._engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")

    def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and truncate it (SQLite's
        ``PRAGMA wal_checkpoint(TRUNCATE)``): after the disk was full, the log holds frames
        of failed writes, and this gives their space back. Returns whether it completed;
        never raises (it is only worth trying)."""
        try:
            with self._engine.connect() as connection:
                row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except (SQLAlchemyError, sqlite3.Error) as exc:
            log.debug("checkpoint failed: %s", exc)
            return False
        return row is not None and row[0] == 0

    def close(self) -> None:
        """Release the connection pool."""
        self._engine.dispose()

    # -- profile ----------------------------------------------------------------------------

    @_guarded
    def profile(self, new_participant_id: str, default_name: str, now_ms: int) -> ProfileData:
        """The profile, created with ``default_name`` and ``new_participant_id`` on first use."""
        with self._sessions.begin() as s:
            row = s.scalars(select(Profile)).first()
            if row is None:
                row = Profile(
                    participant_id=new_participant_id,
                    display_name=default_name,
                    created_at_ms=now_ms,
                    avatar_color=DEFAULT_AVATAR,
                )
                s.add(row)
            return ProfileData(row.participant_id, row.display_name, row.avatar_color)

    @_guarded
    def set_participant_id(self, participant_id: str) -> None:
        """Make the profile's id ``participant_id`` (its identity key's, issue 16); the
        stored jams keep the id each was recorded with."""
        with self._sessions.begin() as s:
            s.execute(update(Profile).values(participant_id=participant_id))

    @_guarded
    def set_display_name(self, name: str) -> None:
        """Change the profile's display name (the profile must exist)."""
        with self._sessions.begin() as s:
            s.execute(update(Profile).values(display_name=name))

    @_guarded
    def set_avatar_color(self, color: str) -> None:
        """Change the profile's avatar colour (``#RRGGBB``)."""
        with self._sessions.begin() as s:
            s.execute(update(Profile).values(avatar_color=color))

    # -- progress cache -----------------------------------------------------------------------

    @_guarded
    def save_session_stats(self, stats: SessionStats) -> None:
        """Store (or replace) a session's derived progress."""
        row = {
            "session_id": stats.session_id,
            "exp": stats.exp,
            "blocks": stats.blocks,
            "spans": _encoder.encode(stats.spans).decode(),
            "head_seq": stats.head_seq,
            "block_ends": _encoder.encode(stats.block_ends).decode(),
            "set_aside": stats.set_aside,
        }
        with self._sessions.begin() as s:
            s.execute(
                insert(SessionStatsRow)
                .values(row)
                .on_conflict_do_update(
                    index_elements=["session_id"],
                    set_={k: v for k, v in row.items() if k != "session_id"},
                )
            )

    @_guarded
    def all_session_stats(self) -> list[SessionStats]:
        """Every session's cached progress."""
        with self._sessions() as s:
            rows = s.scalars(select(SessionStatsRow)).all()
            return [
                SessionStats(
                    r.session_id,
                    r.exp,
                    r.blocks,
                    [(a, b) for a, b in _spans_decoder.decode(r.spans)],
                    r.head_seq,
                    _ends_decoder.decode(r.block_ends),
                    r.set_aside,
                )
                for r in rows
            ]

    # -- all of it ------------------------------------------------------------------------------

    @_guarded
    def export_all(self) -> dict[str, Any]:
        """Everything stored, as plain JSON-ready data."""
        with self._sessions() as s:
            profile = s.scalars(select(Profile)).first()
            tasks = s.scalars(select(PersonalTaskRow).order_by(PersonalTaskRow.id)).all()
        sessions = []
        for info in self.sessions():
            sessions.append(
                {**info.__dict__, "events": [msgspec.to_builtins(e) for e in self.events(info.id)]}
            )
        return {
            "format": "jamdesk-export",
            "version": 1,
            "profile": None
            if profile is None
            else {
                "participant_id": profile.participant_id,
                "display_name": profile.display_name,
                "avatar_color": profile.avatar_color,
                "created_at_ms": profile.created_at_ms,
            },
            "personal_tasks": [_task(t).__dict__ for t in tasks],
            "sessions": sessions,
        }

    def remove_files(self) -> None:
        """After :meth:`close`: delete the database file and its write-ahead log, so nothing of
        the profile stays on disk (the next start makes a fresh one). Raises ``OSError``."""
        for suffix in ("", "-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)

    @_guarded
    def delete_all(self) -> None:
        """Delete every row of every table, then VACUUM so no trace stays in the file."""
        with self._sessions.begin() as s:
            for table in (SessionStatsRow, SessionEventRow, SessionRow, PersonalTaskRow, Profile):
                s.execute(delete(table))
        with self._engine.connect() as connection:
            connection.exec_driver_sql("VACUUM")
            # Old pages may still sit in the write-ahead log: fold it in and empty it.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- personal tasks -----------------------------------------------------------------------

    @_guarded
    def personal_tasks(self) -> list[PersonalTask]:
        """All personal tasks: open ones first, then done, each oldest first."""
        with self._sessions() as s:
            rows = s.scalars(
                select(PersonalTaskRow).order_by(PersonalTaskRow.done, PersonalTaskRow.id)
            ).all()
            return [_task(r) for r in rows]

    @_guarded
    def add_personal_task(self, title: str, now_ms: int) -> PersonalTask:
        """Add a task (the caller checks the title)."""
        with self._sessions.begin() as s:
            row = PersonalTaskRow(title=title, done=False, created_at_ms=now_ms)
            s.add(row)
            s.flush()
            return _task(row)

    @_guarded
    def update_personal_task(
        self, task_id: int, *, title: str | None = None, done: bool | None = None, now_ms: int = 0
    ) -> PersonalTask:
        """Rename and/or mark a task. Raises :class:`NoSuchTaskError`."""
        with self._sessions.begin() as s:
            row = _task_row(s, task_id)
            if title is not None:
                row.title = title
            if done is not None and done != row.done:
                row.done, row.done_at_ms = done, (now_ms if done else None)
            return _task(row)

    @_guarded
    def delete_personal_task(self, task_id: int) -> None:
        """Delete a task. Raises :class:`NoSuchTaskError`."""
        with self._sessions.begin() as s:
            s.delete(_task_row(s, task_id))

    # -- sessions ---------------------------------------------------------------------------

    @_guarded
    def start_session(
        self,
        *,
        room_code: str,
        title: str,
        session_type: str,
        role: str,
        participant_id: str,
        started_at_ms: int,
        replay_of: int | None = None,
        time_zone: str = "",
        owner: str = "",
    ) -> int:
        """Record a jam being hosted or joined (or a solo run beside ``replay_of``) in
        ``time_zone`` (IANA name; its streak days are counted there) by the process
        ``owner`` (:func:`jamdesk.store.owner.this_process`); returns its id."""
        with self._sessions.begin() as s:
            row = SessionRow(
                room_code=room_code,
                title=title,
                session_type=session_type,
                role=role,
                participant_id=participant_id,
                started_at_ms=started_at_ms,
                outcome="live",
                imported=False,
                replay_of=replay_of,
                time_zone=time_zone,
                owner=owner,
            )
            s.add(row)
            s.flush()
            return row.id

    @_guarded
    def import_session(self, events: list[Event]) -> int:
        """Store a whole room log read from a replay file as one new, imported session (the
        caller has checked it); returns its id. All or nothing."""
        state = fold(events)
        assert state is not None
        with self._sessions.begin() as s:
            row = SessionRow(
                room_code=state.code,
                title=state.title,
                session_type=state.session_type.value,
                role="imported",
                participant_id="",
                started_at_ms=events[0].at_ms,
                ended_at_ms=events[-1].at_ms,
                outcome="ended" if state.lifecycle.value == "ended" else "interrupted",
                imported=True,
            )
            s.add(row)
            s.flush()
            s.execute(insert(SessionEventRow), [_event_row(row.id, e) for e in events])
            return row.id

    @_guarded
    def append_events(self, session_id: int, events: Sequence[Event]) -> None:
        """Store ``events`` of a session; an event already stored (same seq) is skipped, so a
        resumed or repeated delivery is stored once."""
        if not events:
            return
        rows = [_event_row(session_id, e) for e in events]
        with self._sessions.begin() as s:
            s.execute(insert(SessionEventRow).on_conflict_do_nothing(), rows)

    @_guarded
    def drop_events_after(self, session_id: int, seq: int) -> int:
        """Forget a session's events after ``seq`` (a new host's log replaced them)."""
        with self._sessions.begin() as s:
            result = s.execute(
                delete(SessionEventRow).where(
                    SessionEventRow.session_id == session_id, SessionEventRow.seq > seq
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    @_guarded
    def finish_session(self, session_id: int, outcome: str, ended_at_ms: int) -> None:
        """Close a session with ``outcome`` (``ended``, ``left`` or ``interrupted``)."""
        with self._sessions.begin() as s:
            s.execute(
                update(SessionRow)
                .where(SessionRow.id == session_id)
                .values(outcome=outcome, ended_at_ms=ended_at_ms)
            )

    @_guarded
    def mark_interrupted(self, alive: Callable[[str], bool] = lambda _owner: False) -> int:
        """Sessions still ``live`` whose recording process is gone (``alive(owner)`` is
        false: a crash or kill) become ``interrupted``; those another running Jamdesk
        records stay live. Returns how many changed; their logs are kept."""
        with self._sessions.begin() as s:
            rows = s.execute(
                select(SessionRow.id, SessionRow.owner).where(SessionRow.outcome == "live")
            ).all()
            dead = [sid for sid, owner in rows if not alive(owner)]
            if dead:
                s.execute(
                    update(SessionRow).where(SessionRow.id.in_(dead)).values(outcome="interrupted")
                )
            return len(dead)

    @_guarded
    def events(self, session_id: int) -> list[Event]:
        """A session's stored log in sequence order."""
        with self._sessions() as s:
            data = s.scalars(
                select(SessionEventRow.data)
                .where(SessionEventRow.session_id == session_id)
                .order_by(SessionEventRow.seq)
            ).all()
        return [_event_decoder.decode(d) for d in data]

    @_guarded
    def events_page(self, session_id: int, after_seq: int, limit: int) -> list[Event]:
        """Up to ``limit`` events of a session after ``after_seq``, in order (to read a long
        log in chunks)."""
        with self._sessions() as s:
            data = s.scalars(
                select(SessionEventRow.data)
                .where(SessionEventRow.session_id == session_id, SessionEventRow.seq > after_seq)
                .order_by(SessionEventRow.seq)
                .limit(limit)
            ).all()
        return [_event_decoder.decode(d) for d in data]

    @_guarded
    def roster(self, session_id: int) -> list[Event]:
        """Only the events that bring people into a session (opening, joins, ghosts), read
        through the ``(session_id, kind)`` index: names without reading the whole log."""
        kinds = ("room_opened", "member_joined", "ghost_added")
        with self._sessions() as s:
            data = s.scalars(
                select(SessionEventRow.data)
                .where(SessionEventRow.session_id == session_id, SessionEventRow.kind.in_(kinds))
                .order_by(SessionEventRow.seq)
            ).all()
        return [_event_decoder.decode(d) for d in data]

    @_guarded
    def last_event_at(self, session_id: int) -> int | None:
        """The room-clock time of a session's last event."""
        with self._sessions() as s:
            return s.scalar(
                select(func.max(SessionEventRow.at_ms)).where(
                    SessionEventRow.session_id == session_id
                )
            )

    @_guarded
    def sessions(self) -> list[SessionInfo]:
        """Every stored session, newest first."""
        counts = (
            select(SessionEventRow.session_id, func.count().label("n"))
            .group_by(SessionEventRow.session_id)
            .subquery()
        )
        stmt = (
            select(SessionRow, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.session_id == SessionRow.id)
            .order_by(SessionRow.started_at_ms.desc(), SessionRow.id.desc())
        )
        with self._sessions() as s:
            return [_info(row, n) for row, n in s.execute(stmt).all()]

    @_guarded
    def session(self, session_id: int) -> SessionInfo | None:
        """One stored session, or ``None``."""
        return next((i for i in self.sessions() if i.id == session_id), None)


def _info(row: SessionRow, n: int) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        room_code=row.room_code,
        title=row.title,
        session_type=row.session_type,
        role=row.role,
        participant_id=row.participant_id,
        started_at_ms=row.started_at_ms,
        ended_at_ms=row.ended_at_ms,
        outcome=row.outcome,
        event_count=int(n),
        imported=row.imported,
        replay_of=row.replay_of,
        time_zone=row.time_zone,
    )


def _task_row(session: Session, task_id: int) -> PersonalTaskRow:
    row = session.get(PersonalTaskRow, task_id)
    if row is None:
        raise NoSuchTaskError(task_id)
    return row


def _task(row: PersonalTaskRow) -> PersonalTask:
    return PersonalTask(
        id=row.id,
        title=row.title,
        done=row.done,
        created_at_ms=row.created_at_ms,
        done_at_ms=row.done_at_ms,
    )


def _event_row(session_id: int, event: Event) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "seq": event.seq,
        "at_ms": event.at_ms,
        "kind": event.kind,
        "data": _encoder.encode(event).decode(),
    }

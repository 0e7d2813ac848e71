"""The session recorder: every jam this computer takes part in, kept in SQLite as it happens
(docs/ARCHITECTURE.md, "Storage"). Writes go to the database worker
(:class:`~jamdesk.app.storage.AsyncDatabase`), in order, and never block the caller; EXP is
credited from the stored log whenever a block may have completed."""

from __future__ import annotations

from jamdesk.app.progress import credit_events, local_zone_name, refresh_session
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core.events import Event
from jamdesk.core.kinds import Role
from jamdesk.core.room import RoomState
from jamdesk.store.owner import this_process


class SessionRecorder:
    """One jam's row and event log in the database; does nothing when ``db`` is ``None``.
    Appends before :meth:`start` are dropped (there is no row to add them to yet)."""

    def __init__(self, db: AsyncDatabase | None) -> None:
        self._db = db
        self.session_id: int | None = None  # set on the database worker
        self.recording = False  # set when the row is queued; appends follow it

    def start(
        self,
        state: RoomState,
        held: list[Event],
        *,
        me: str,
        role: Role,
        started_at_ms: int,
        replay_of: int | None = None,
    ) -> None:
        """Queue the session's row (room, title, type, our role and id) and the events held
        so far; ``replay_of`` marks a solo run beside the ghosts of that stored jam."""
        db = self._db
        if db is None:
            return
        self.recording = True
        held = list(held)
        time_zone = local_zone_name()

        def start() -> None:  # run again whole if the disk was full: one row, still
            if self.session_id is not None:
                db.db.append_events(self.session_id, held)
                return
            self.session_id = db.db.start_session(
                room_code=state.code,
                title=state.title,
                session_type=state.session_type.value,
                role=role.value,
                participant_id=me,
                started_at_ms=started_at_ms,
                replay_of=replay_of,
                time_zone=time_zone,
                owner=this_process(),
            )
            db.db.append_events(self.session_id, held)

        db.submit(start)

    def append(self, events: list[Event]) -> None:
        """Queue new log entries (and an EXP refresh when a block may have completed)."""
        db = self._db
        if db is None or not events or not self.recording:
            return
        db.submit(lambda: db.db.append_events(self._sid(), events))
        if credit_events(events):
            db.submit(lambda: refresh_session(db.db, self._sid()))

    def drop_after(self, seq: int) -> None:
        """Forget stored events after ``seq`` (the host replaced them on a resume)."""
        db = self._db
        if db is not None and self.recording:
            db.submit(lambda: db.db.drop_events_after(self._sid(), seq))

    def finish(self, outcome: str, ended_at_ms: int) -> None:
        """Close the row: ``ended``, ``left`` or ``interrupted``, and credit EXP."""
        db = self._db
        if db is None or not self.recording:
            return
        db.submit(lambda: db.db.finish_session(self._sid(), outcome, ended_at_ms))
        db.submit(lambda: refresh_session(db.db, self._sid()))

    def _sid(self) -> int:
        if self.session_id is None:
            raise RuntimeError("the session row is not created yet")
        return self.session_id

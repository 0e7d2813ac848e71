"""The database on real SQLite files: migrations, logs kept once, interrupted sessions."""

import os
import sqlite3
from pathlib import Path

import pytest

from jamdesk.core import timer
from jamdesk.core.events import MemberJoined, TimerStarted
from jamdesk.core.room import RoomLog
from jamdesk.store.db import Database, NoSuchTaskError, StoreError
from jamdesk.store.paths import ENV_VAR, data_dir
from tests.factories import room_log


def sample_log() -> RoomLog:
    log = room_log(timer.countdown(60_000), at_ms=1_000, host_id="h")
    log.append("p", [MemberJoined(participant_id="p", name="Bo")], 1_100)
    log.append("h", [TimerStarted()], 1_200)
    return log


def test_migrates_a_new_file_with_wal_and_alembic_version(tmp_path: Path) -> None:
    db = Database(tmp_path)
    db.close()
    con = sqlite3.connect(tmp_path / "jamdesk.sqlite3")
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert {"profile", "sessions", "session_events", "personal_tasks", "alembic_version"} <= tables
    assert con.execute("select version_num from alembic_version").fetchone() == ("0006",)
    assert con.execute("pragma journal_mode").fetchone() == ("wal",)
    con.close()
    Database(tmp_path).close()  # opening again is a no-op migration


def test_profile_is_created_once(tmp_path: Path) -> None:
    db = Database(tmp_path)
    first = db.profile("id1", "Ana", 0)
    assert db.profile("id2", "Other", 1) == first
    db.set_display_name("Ana B")
    assert db.profile("id3", "x", 2).display_name == "Ana B"


def test_event_log_round_trips_and_duplicates_are_stored_once(tmp_path: Path) -> None:
    db = Database(tmp_path)
    log = sample_log()
    sid = db.start_session(
        room_code="ALGO7X",
        title="Algo",
        session_type="STUDY",
        role="participant",
        participant_id="p",
        started_at_ms=1_000,
    )
    db.append_events(sid, log.events[:2])
    assert len(db.events(sid)) == 2
    db.append_events(sid, log.events)  # a resume re-delivers seq 1-2
    assert len(db.events(sid)) == 3
    assert db.events(sid) == log.events
    info = db.session(sid)
    assert info is not None
    assert (info.outcome, info.event_count) == ("live", 3)


def test_killed_session_shows_as_interrupted_with_its_log(tmp_path: Path) -> None:
    db = Database(tmp_path)
    sid = db.start_session(
        room_code="ALGO7X",
        title="Algo",
        session_type="STUDY",
        role="host",
        participant_id="h",
        started_at_ms=1_000,
    )
    db.append_events(sid, sample_log().events)
    db.close()  # the app dies here without finishing the session
    again = Database(tmp_path)
    assert again.mark_interrupted() == 1
    info = again.session(sid)
    assert info is not None
    assert info.outcome == "interrupted"
    assert len(again.events(sid)) == 3


def test_a_live_session_of_a_killed_process_is_closed_and_one_still_recording_is_not(
    tmp_path: Path,
) -> None:
    """Issue 13: a SIGKILLed host's jam stayed ``live`` until that computer opened another;
    marking every live row at start-up also closed the jam another window was recording."""
    import subprocess
    import sys

    from jamdesk.store import owner

    child = subprocess.Popen([sys.executable, "-c", "import os; print(os.getpid(), flush=True)"],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout is not None
    dead_pid = int(child.stdout.readline())
    child.wait()
    db = Database(tmp_path)
    rows = {}
    for name, token in (
        ("killed", f"{dead_pid}:{owner._start_ticks(os.getpid())}"),
        ("running", owner.this_process()),
        ("older", ""),
    ):
        rows[name] = db.start_session(
            room_code="ALGO7X", title=name, session_type="STUDY", role="host",
            participant_id="h", started_at_ms=1_000, owner=token,
        )  # fmt: skip
    assert owner.alive(owner.this_process())
    assert not owner.alive(f"{os.getpid()}:1")  # the same pid, another start: not us
    assert not owner.alive("garbage")
    assert db.mark_interrupted(owner.alive) == 2
    outcomes = {name: db.session(sid).outcome for name, sid in rows.items()}  # type: ignore[union-attr]
    assert outcomes == {"killed": "interrupted", "running": "live", "older": "interrupted"}
    db.close()


def test_unwritable_folder_gives_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        bad = tmp_path / "file-not-folder"
        bad.write_text("x")
        target = bad  # a file where a folder should be fails even for root
    else:
        target = tmp_path / "ro"
        target.mkdir(mode=0o500)
    with pytest.raises(StoreError, match="could not open its data file"):
        Database(target)


def test_data_dir_override_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert (tmp_path / "flag").is_dir()


def test_a_version_1_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    import jamdesk.store.db as dbmod

    engine = create_engine(f"sqlite:///{tmp_path / 'jamdesk.sqlite3'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(dbmod.MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
        connection.exec_driver_sql(
            "insert into profile (participant_id, display_name, "
            "created_at_ms) values ('p', 'Ana', 1)"
        )
    engine.dispose()
    db = Database(tmp_path)  # opens at 0001, upgrades to head
    assert db.profile("x", "Other", 2).display_name == "Ana"
    assert db.personal_tasks() == []


def test_personal_tasks_persist_and_order_open_first(tmp_path: Path) -> None:
    db = Database(tmp_path)
    read = db.add_personal_task("Read chapter 3", 10)
    essay = db.add_personal_task("Essay outline", 20)
    db.update_personal_task(read.id, done=True, now_ms=30)
    db.update_personal_task(essay.id, title="Essay outline v2")
    db.close()
    again = Database(tmp_path)
    tasks = again.personal_tasks()
    assert [(t.title, t.done, t.done_at_ms) for t in tasks] == [
        ("Essay outline v2", False, None),
        ("Read chapter 3", True, 30),
    ]
    again.delete_personal_task(essay.id)
    with pytest.raises(NoSuchTaskError):
        again.delete_personal_task(essay.id)
    with pytest.raises(NoSuchTaskError):
        again.update_personal_task(9999, done=True)

"""Replay files: a round trip, and every kind of bad file refused with the database untouched."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import msgspec
import pytest

from jamdesk.store.db import Database
from jamdesk.store.replay_file import ReplayFileError, read_replay, write_replay
from tests.factories import stored_day


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, list]:  # type: ignore[type-arg]
    db = Database(tmp_path)
    sid = stored_day(db, date(2026, 3, 1), 2)
    events = db.events(sid)
    write_replay(tmp_path / "jam.jamreplay", "Study", events)
    db.close()
    return tmp_path / "jam.jamreplay", events


def test_round_trip_and_import(exported: tuple[Path, list], tmp_path: Path) -> None:  # type: ignore[type-arg]
    path, events = exported
    payload = read_replay(path)
    assert payload.events == events
    target = Database(tmp_path / "friend")
    sid = target.import_session(payload.events)
    info = target.session(sid)
    assert info is not None
    assert (info.imported, info.outcome, info.event_count) == (True, "ended", len(events))
    assert target.events(sid) == events


def rewrite(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda b: b[: len(b) - 40], "incomplete"),
        (lambda b: b.replace(b'"Study"', b'"Stud!"'), "damaged"),
        (lambda b: b"PK\x03\x04 a zip file", "not a Jamdesk replay"),
        (lambda b: b"", "not a Jamdesk replay"),
        (lambda b: b.replace(b'"version":1', b'"version":7', 1), "newer Jamdesk"),
    ],
)
def test_bad_files_are_refused_in_words(
    exported: tuple[Path, list],
    tmp_path: Path,  # type: ignore[type-arg]
    damage: object,
    words: str,
) -> None:
    path, _ = exported
    bad = rewrite(tmp_path / "bad.jamreplay", damage(path.read_bytes()))  # type: ignore[operator]
    with pytest.raises(ReplayFileError, match=words):
        read_replay(bad)


def test_a_checksummed_file_whose_log_does_not_fold_is_refused(tmp_path: Path) -> None:
    payload = msgspec.json.encode(
        {
            "title": "x",
            "events": [{"seq": 2, "at_ms": 0, "actor": "a", "body": {"kind": "timer_started"}}],
        }
    )
    header = msgspec.json.encode(
        {
            "format": "jamdesk-replay",
            "version": 1,
            "bytes": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
        }
    )
    path = rewrite(tmp_path / "forged.jamreplay", header + b"\n" + payload)
    with pytest.raises(ReplayFileError, match="damaged"):
        read_replay(path)

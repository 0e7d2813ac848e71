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


def _chat(events: list, text: str) -> list:  # type: ignore[type-arg]
    from jamdesk.core.events import ChatPosted, Event

    last = events[-1]
    body = ChatPosted(participant_id=events[0].body.host_id, text=text)
    return [*events[:-1], Event(seq=last.seq, at_ms=last.at_ms, actor=last.actor, body=body)]


@pytest.mark.parametrize(
    ("craft", "words"),
    [
        (lambda ev: ("T" * 5_000_000, ev), "a title of 5,000,000 characters"),
        (lambda ev: ("Study", _chat(ev, "x" * 1_000_000)), "chat_posted text of 1,000,000"),
    ],
    ids=["5 MB title", "1 MB chat"],
)
def test_a_crafted_replay_with_texts_no_room_allows_is_refused(
    exported: tuple[Path, list],  # type: ignore[type-arg]
    tmp_path: Path,
    craft: object,
    words: str,
) -> None:
    """Issue 16, item 9: a 5 MB title and a 1 MB chat imported as they were."""
    _path, events = exported
    title, crafted = craft(events)  # type: ignore[operator]
    bad = tmp_path / "crafted.jamreplay"
    write_replay(bad, title, crafted)
    with pytest.raises(ReplayFileError, match=words):
        read_replay(bad)


def test_a_replay_with_more_events_than_a_room_makes_is_refused(tmp_path: Path) -> None:
    from jamdesk.core.commands import SetProgress
    from jamdesk.store.replay_file import MAX_REPLAY_EVENTS
    from tests.factories import room_log, run

    log = room_log()
    for i in range(MAX_REPLAY_EVENTS):
        run(log, "host", SetProgress(percent=i % 100), i)
    path = tmp_path / "huge.jamreplay"
    write_replay(path, "Huge", log.events)
    with pytest.raises(ReplayFileError, match="Jamdesk opens at most 50,000"):
        read_replay(path)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    from jamdesk.store.replay_file import MAX_FILE_BYTES

    path = tmp_path / "big.jamreplay"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk, and never read
    with pytest.raises(ReplayFileError, match="far too large"):
        read_replay(path)

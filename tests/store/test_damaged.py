"""A damaged history file (issue 16, item 8) is said to be damaged, at start, in words, with
an offer to keep it aside; nothing raises a raw SQLite error, and nothing is ever deleted.
Real SQLite files, damaged the ways the issue found: a bad header, flipped pages, 0 bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jamdesk.store.db import DAMAGED, Database, StoreError, set_aside
from jamdesk.store.paths import DB_NAME
from tests.factories import jamdesk_cli, stored_day


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A data folder whose history holds 40 jams (many pages), closed cleanly."""
    db = Database(tmp_path)
    for day in range(1, 29):
        stored_day(db, date(2026, 2, day), 3)
    db.close()
    return tmp_path


def damage_header(path: Path) -> None:
    with path.open("r+b") as f:
        f.write(b"this is not SQLite")


def flip_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    for offset in range(3 * page, 6 * page, 7):  # pages 4 to 6, well inside the tables
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [damage_header, flip_pages, empty], ids=lambda f: f.__name__)
def test_a_damaged_file_is_refused_at_start_with_an_offer(history: Path, damage: object) -> None:
    path = history / DB_NAME
    damage(path)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(StoreError) as refused:
        Database(history)
    assert refused.value.kind == DAMAGED
    words = str(refused.value)
    assert "jamdesk repair" in words
    assert "writable" not in words  # the wrong advice the issue found
    assert path.read_bytes() == before  # untouched


def test_set_aside_keeps_the_file_and_the_next_start_is_empty(history: Path) -> None:
    path = history / DB_NAME
    flip_pages(path)
    damaged = path.read_bytes()
    kept = set_aside(history)
    assert kept.read_bytes() == damaged
    assert kept.name.startswith(f"{DB_NAME}.damaged-")
    db = Database(history)
    assert db.sessions() == []
    db.close()


def test_every_command_says_damaged_in_words_and_repair_keeps_it_aside(history: Path) -> None:
    path = history / DB_NAME
    flip_pages(path)
    for command in (["history"], ["stats"], ["export", "1", str(history / "x.jamreplay")]):
        done = jamdesk_cli(*command, "--data-dir", str(history))
        assert done.returncode == 4, done
        assert "damaged" in done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    repaired = jamdesk_cli("repair", "--data-dir", str(history))
    assert repaired.returncode == 0, repaired
    assert "nothing was deleted" in repaired.stdout
    (kept,) = history.glob(f"{DB_NAME}.damaged-*")
    assert kept.stat().st_size > 0
    stats = jamdesk_cli("stats", "--json", "--data-dir", str(history))
    assert stats.returncode == 0, stats
    again = jamdesk_cli("repair", "--data-dir", str(history))
    assert "fine; nothing to repair" in again.stdout

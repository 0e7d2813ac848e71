"""History listing and replays read in chunks."""

from __future__ import annotations

from pathlib import Path

from jamdesk.app.history import HistoryService, ReplayView, roster_names
from jamdesk.app.storage import AsyncDatabase
from tests.app.test_ghosts import past_jam


async def test_a_replay_read_in_chunks_plays_every_cue_once(tmp_path: Path) -> None:
    db = await AsyncDatabase.open(tmp_path)
    sid = past_jam(db)
    history = HistoryService(db)
    stream = await history.open_replay(sid, first_chunk=2)  # just the opening and one join
    assert not stream.complete
    head = stream.playhead
    head.play(0)
    assert head.due(10**9) == []  # nothing read yet beyond the joins
    assert head.finished  # ...caught up for now
    await stream.fill()
    assert not head.finished  # the list it holds grew
    assert [c.text for c in head.due(10**9)] == [
        "Ana started the timer",
        "Bo is taking a pause",
        "Bo: back in a minute",
    ]
    assert stream.script().ghosts[1].name == "Bo"
    view = ReplayView(stream.events)
    assert view.length_ms == 700
    assert view.move_to(350).participant("b").status.value == "paused"  # type: ignore[union-attr]
    assert view.move_to(0).participant("b").status.value == "active"  # type: ignore[union-attr]
    await db.close()


async def test_history_lists_names_from_the_joins(tmp_path: Path) -> None:
    db = await AsyncDatabase.open(tmp_path)
    sid = past_jam(db)
    (entry,) = await HistoryService(db).entries()
    assert (entry.session_id, entry.participants, entry.duration_ms) == (sid, ["Ana", "Bo"], 700)
    assert roster_names(db.db.roster(sid)) == ["Ana", "Bo"]
    await db.close()

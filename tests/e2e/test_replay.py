"""Record a real jam between two processes, then replay it headless at 4x and share it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from jamdesk.core.replay import script
from jamdesk.store.db import Database
from tests.e2e.conftest import JamProcess
from tests.factories import jamdesk_cli


def test_record_then_replay_at_4x_matches_the_log(
    jamdesk: Callable[..., JamProcess], tmp_path: Path
) -> None:
    host = jamdesk(
        "host",
        "--headless",
        "--name",
        "Ana",
        "--title",
        "Calculus",
        "--timer",
        "countdown:30m",
        data="host",
    )
    code = host.event("hosting")["code"]
    bo = jamdesk("join", code, "--headless", "--name", "Bo", data="bo")
    bo.event("joined")
    host.send({"cmd": "timer.start"})
    bo.event("room_event", kind="timer_started")
    bo.send({"cmd": "goal", "text": "Integrals 1-10"})
    bo.event("room_event", kind="goal_set")
    bo.send({"cmd": "chat", "text": "starting now"})
    bo.event("room_event", kind="chat_posted")
    bo.send({"cmd": "status", "value": "done"})
    host.event("room_event", kind="status_changed")
    host.send({"cmd": "end"})
    assert host.finish() == 0
    assert bo.finish() == 0

    data = str(tmp_path / "host")
    listed = json.loads(jamdesk_cli("history", "--json", "--data-dir", data).stdout)
    (entry,) = listed
    assert (entry["title"], entry["participants"]) == ("Calculus", ["Ana", "Bo"])
    sid = str(entry["session_id"])

    run = jamdesk_cli(
        "replay", sid, "--participant", "Bo", "--speed", "4", "--headless", "--data-dir", data
    )
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert lines[0]["event"] == "replay_started"
    assert lines[0]["ghosts"] == ["Bo"]
    assert lines[-1] == {"event": "replay_done"}
    replayed = [line for line in lines if line["event"] == "replay"]
    db = Database(tmp_path / "host")
    expected = script(
        db.events(int(sid)),
        [p for p in {e.actor for e in db.events(int(sid))} if p != db.events(int(sid))[0].actor],
    )
    assert [(r["seq"], r["offset_ms"]) for r in replayed] == [
        (c.seq, c.offset_ms) for c in expected.cues
    ]
    assert [r["kind"] for r in replayed] == [
        "timer_started",
        "goal_set",
        "chat_posted",
        "status_changed",
        "timer_paused",
    ][: len(replayed)]
    assert replayed[2]["text"] == "Bo: starting now"
    for r in replayed:  # at 4x, each moment comes at a quarter of its offset
        assert r["offset_ms"] / 4 - 5 <= r["played_at_ms"] <= r["offset_ms"] / 4 + 250

    shared = tmp_path / "calculus.jamreplay"
    assert jamdesk_cli("export", sid, str(shared), "--data-dir", data).returncode == 0
    friend = str(tmp_path / "friend")
    imported = jamdesk_cli("import", str(shared), "--data-dir", friend)
    assert imported.returncode == 0, imported.stderr
    assert "Imported as jam" in imported.stdout
    damaged = tmp_path / "damaged.jamreplay"
    damaged.write_bytes(shared.read_bytes()[:-30])
    refused = jamdesk_cli("import", str(damaged), "--data-dir", friend)
    assert refused.returncode == 2
    assert "incomplete" in refused.stderr
    friend_db = Database(tmp_path / "friend")
    assert len(friend_db.sessions()) == 1  # the damaged file added nothing


def test_a_killed_hosts_jam_reads_as_interrupted_at_once(
    jamdesk: Callable[..., JamProcess], tmp_path: Path
) -> None:
    """Issue 13: a SIGKILLed host's record stayed ``live`` until that computer next opened a
    jam; ``jamdesk history`` and ``stats`` now close it, as nobody records it any more."""
    import json

    host = jamdesk("host", "--headless", "--name", "Ana", "--title", "Killed", data="host")
    host.event("hosting")
    host.send({"cmd": "timer.start"})
    host.event("room_event", kind="timer_started")
    host.kill()  # SIGKILL: nothing is finished
    data = str(tmp_path / "host")
    listed = jamdesk_cli("history", "--json", "--data-dir", data)
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)
    assert (entry["title"], entry["outcome"]) == ("Killed", "interrupted")


def test_rejoining_from_the_same_computer_continues_the_same_person(
    jamdesk: Callable[..., JamProcess], tmp_path: Path
) -> None:
    """Issue 13: rejoining made a new person (history listed "Bo" twice, focus split). The
    data folder's key makes Bo the same participant on every join."""
    import json

    host = jamdesk("host", "--headless", "--name", "Ana", "--title", "Twice", data="host")
    code = host.event("hosting")["code"]
    first = jamdesk("join", code, "--headless", "--name", "Bo", data="bo")
    bo_id = first.event("joined")["participant_id"]
    first.send({"cmd": "leave"})
    assert first.finish() == 0
    host.event("room_event", kind="member_left")
    again = jamdesk("join", code, "--headless", "--name", "Bo", data="bo")
    assert again.event("joined")["participant_id"] == bo_id
    host.send({"cmd": "end"})
    again.event("room_event", kind="room_ended")
    assert host.finish() == 0
    assert again.finish() == 0
    listed = jamdesk_cli("history", "--json", "--data-dir", str(tmp_path / "host"))
    (entry,) = json.loads(listed.stdout)
    assert entry["participants"] == ["Ana", "Bo"]  # one Bo

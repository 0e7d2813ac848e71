"""Two real processes: host and join by code on the LAN, one timer, one log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from jamdesk.store.db import Database
from tests.e2e.conftest import JamProcess, Network


def end_instant(tick: dict) -> int:  # type: ignore[type-arg]
    """The room-clock instant the countdown reaches zero, as this process sees it."""
    return int(tick["room_now_ms"] + tick["remaining_ms"])


def test_host_and_member_share_one_timer_and_one_log(
    jamdesk: Callable[..., JamProcess], tmp_path: Path
) -> None:
    host = jamdesk(
        "host",
        "--headless",
        "--name",
        "Ana",
        "--title",
        "Algorithms",
        "--type",
        "STUDY",
        "--timer",
        "countdown:10m",
        data="host",
    )
    hosting = host.event("hosting")
    code = hosting["code"]
    # The member's clock is two minutes slow; it must still show the host's timer.
    member = jamdesk(
        "join",
        code.lower(),
        "--headless",
        "--name",
        "Bo",
        "--clock-skew-ms",
        "-120000",
        data="member",
    )
    joined = member.event("joined", code=code)
    assert abs(joined["offset_ms"] - 120_000) < 50
    host.event("room_event", kind="member_joined")

    host.send({"cmd": "timer.start"})
    host.event("room_event", kind="timer_started")
    member.event("room_event", kind="timer_started")
    host_tick = host.wait_for(lambda line: line.get("event") == "tick" and line["running"])
    member_tick = member.wait_for(lambda line: line.get("event") == "tick" and line["running"])
    assert member_tick["lifecycle"] == host_tick["lifecycle"] == "active"
    assert abs(end_instant(member_tick) - end_instant(host_tick)) < 50

    # A participant cannot run the timer: a clear refusal, nothing changes.
    member.send({"cmd": "timer.pause"})
    refusal = member.event("error", code="forbidden")
    assert "host" in refusal["reason"]
    member.send({"cmd": "status", "value": "paused"})
    changed = host.event("room_event", kind="status_changed")
    assert changed["body"]["status"] == "paused"

    host.send({"cmd": "end"})
    member.event("room_event", kind="room_ended")
    member.event("closed")
    host.event("closed")
    assert host.finish() == 0
    assert member.finish() == 0
    assert not any(line.get("kind") == "timer_paused" for line in host.lines)

    host_db, member_db = Database(tmp_path / "host"), Database(tmp_path / "member")
    (host_session,), (member_session,) = host_db.sessions(), member_db.sessions()
    assert (host_session.outcome, member_session.outcome) == ("ended", "ended")
    assert host_db.events(host_session.id) == member_db.events(member_session.id)
    kinds = [e.kind for e in host_db.events(host_session.id)]
    assert kinds == [
        "room_opened",
        "member_joined",
        "timer_started",
        "status_changed",
        "room_ended",
    ]


def test_unknown_code_and_bad_settings_fail_clearly(jamdesk: Callable[..., JamProcess]) -> None:
    lost = jamdesk("join", "ZZZZZZ", "--headless", "--name", "Bo", data="m")
    error = lost.event("error", code="join_failed")
    assert "No jam with code ZZZZZZ" in error["reason"]
    assert lost.finish() == 3
    bad = jamdesk("host", "--headless", "--timer", "countdown:forever", data="h")
    assert "write it like 25m" in bad.event("error", code="bad_setting")["reason"]
    assert bad.finish() == 2


def test_personal_tasks_are_kept_across_sessions(jamdesk: Callable[..., JamProcess]) -> None:
    first = jamdesk("host", "--headless", "--no-advertise", data="me")
    first.event("hosting")
    first.send({"cmd": "mytask.add", "title": "Revise limits"})
    added = first.event("mytasks")
    (task,) = added["tasks"]
    first.send({"cmd": "mytask.toggle", "task_id": task["id"]})
    assert first.event("mytasks")["tasks"][0]["done"] is True
    first.send({"cmd": "mytask.delete", "task_id": 999})
    assert "does not exist" in first.event("error", code="bad_task")["reason"]
    first.send({"cmd": "leave"})
    assert first.finish() == 0
    second = jamdesk("host", "--headless", "--no-advertise", data="me")
    second.event("hosting")
    second.send({"cmd": "mytask.list"})
    assert [(t["title"], t["done"]) for t in second.event("mytasks")["tasks"]] == [
        ("Revise limits", True)
    ]
    second.send({"cmd": "end"})
    assert second.finish() == 0


@pytest.mark.parametrize("stdin", ["devnull", "file", "closed"])
def test_a_headless_host_without_a_command_pipe_runs_quietly(
    stdin: str, tmp_path: Path, network: Network
) -> None:
    """As under systemd or nohup: stdin at /dev/null, a file, or closed. The jam runs; no
    command is read, and nothing is logged above INFO about it."""
    commands = tmp_path / "commands.jsonl"
    commands.write_text('{"cmd": "timer.start"}\n')
    source: int | IO[str] = {
        "devnull": subprocess.DEVNULL,
        "file": commands.open(),
        "closed": subprocess.DEVNULL,
    }[stdin]
    args = [sys.executable, "-m", "jamdesk", "host", "--headless", "--no-advertise", "--no-sound"]
    args += ["--bind", "127.0.0.1", "--data-dir", str(tmp_path / "d"), "--log-level", "INFO"]
    proc = subprocess.Popen(
        [*network.prefix, *args],
        stdin=source,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=network.env,
        # "closed": the child starts with descriptor 0 closed
        preexec_fn=(lambda: os.close(0)) if stdin == "closed" else None,  # noqa: PLW1509
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    first = json.loads(proc.stdout.readline())
    assert first["event"] == "hosting"
    said = [proc.stderr.readline()]
    while said[-1] and "not reading commands" not in said[-1]:  # it keeps running, quietly
        said.append(proc.stderr.readline())
    assert "stdin is not a pipe" in said[-1]
    assert proc.poll() is None
    proc.terminate()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "Traceback" not in err + "".join(said)
    assert " ERROR " not in err + "".join(said)

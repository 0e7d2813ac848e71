"""Ghosts in a live room over real data channels, and a solo run beside them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from jamdesk.app.clock import LocalClock
from jamdesk.app.context import AppContext
from jamdesk.app.history import GhostRunner, HistoryService
from jamdesk.app.jam_state import HostSettings
from jamdesk.app.opening import host_jam, join_jam
from jamdesk.app.storage import AsyncDatabase
from jamdesk.core import succession
from jamdesk.core.commands import Chat, EndRoom, Join, Promote, SetStatus, StartTimer
from jamdesk.core.defaults import default_timer
from jamdesk.core.kinds import SessionType, Status
from jamdesk.net.addresses import NetworkMode, install
from tests.factories import room_log, run, store_log

install(NetworkMode.LOOPBACK)


def past_jam(db: AsyncDatabase) -> int:
    """A short past jam: Bo pauses at 0.3 s, chats at 0.6 s; the timer starts at 0.1 s."""
    log = room_log(host_id="a", at_ms=5_000)
    run(log, "b", Join(name="Bo"), 5_000)
    run(log, "a", StartTimer(), 5_100)
    run(log, "b", SetStatus(value=Status.PAUSED), 5_300)
    run(log, "b", Chat(text="back in a minute"), 5_600)
    run(log, "a", EndRoom(), 5_700)
    return store_log(db.db, log)


async def until(predicate: object, timeout_s: float = 10.0) -> None:
    async def check() -> None:
        while not predicate():  # type: ignore[operator]  # noqa: ASYNC110 - state has no event
            await asyncio.sleep(0.01)

    await asyncio.wait_for(check(), timeout_s)


async def test_a_ghost_in_a_live_room_acts_for_everyone(tmp_path: Path) -> None:
    db = await AsyncDatabase.open(tmp_path)
    sid = past_jam(db)
    script = await HistoryService(db).script(sid, ["Bo"])
    host = await host_jam(
        HostSettings(
            "Ana",
            "Live",
            SessionType.STUDY,
            default_timer(SessionType.STUDY),
            bind_host="127.0.0.1",
            advertise=False,
        ),
        clock=LocalClock(),
        db=None,
        mode=NetworkMode.LOOPBACK,
    )
    member = await join_jam(
        "Cy",
        address=("127.0.0.1", host.port),
        clock=LocalClock(),
        db=None,
        mode=NetworkMode.LOOPBACK,
    )
    try:
        runner = GhostRunner(host, script, follow_timer=False)
        started = host.room_now_ms()
        await runner.start()
        await until(lambda: runner.done and any(e.kind == "chat_posted" for e in member.events))
        ghost = next(p for p in member.state.participants if p.ghost)
        assert ghost.name == "👻 Bo"
        assert ghost.status is Status.PAUSED
        chat = next(e for e in member.events if e.kind == "chat_posted")
        assert chat.actor == ghost.participant_id
        assert 600 - 20 <= chat.at_ms - started <= 600 + 150  # at its offset, room clock
        assert host.state.lifecycle.value == "ready"  # a live room keeps its own timer
        await host.send(Promote(participant_id=ghost.participant_id))
        assert host.state.participant(ghost.participant_id).role.value == "participant"  # type: ignore[union-attr]
        assert succession.successor(host.state, exclude=host.me) == member.me  # never a ghost
    finally:
        await member.close()
        await host.close()
        await db.close()


async def test_solo_run_beside_the_ghosts_is_recorded_and_follows_the_timer(
    tmp_path: Path,
) -> None:
    app = await AppContext.open(str(tmp_path), default_name="Dee")
    sid = past_jam(app.db)
    jam, runner = await app.replay_beside(sid, ["Bo"])
    try:
        await until(lambda: runner.done)
        assert jam.state.lifecycle.value == "active"  # the past timer start was followed
        assert jam.state.title == "Beside: Algorithms"
        assert any(p.ghost and p.status is Status.PAUSED for p in jam.state.participants)
    finally:
        await jam.close()
    entries = await app.history.entries()
    solo = next(e for e in entries if e.replay_of == sid)
    assert solo.title == "Beside: Algorithms"
    await app.close()

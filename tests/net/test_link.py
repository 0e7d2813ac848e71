"""Host and members over real aiortc data channels on loopback."""

from __future__ import annotations

import asyncio

import pytest

from jamdesk.core import timer
from jamdesk.core.commands import SetStatus, StartTimer
from jamdesk.core.kinds import Lifecycle, Status
from jamdesk.net.member_client import LinkState, _ChannelPipe
from tests.net.conftest import Room, wall_ms


async def test_member_joins_and_holds_the_same_state_and_log(room: Room) -> None:
    client, _ = room.member("Bo")
    await client.join()
    assert client.engine.state == room.service.engine.state
    assert client.engine.log == room.service.engine.log.events
    assert [p.name for p in client.engine.state.participants] == ["Ana", "Bo"]
    await client.close()


async def test_host_timer_start_reaches_member_and_readings_agree(room: Room) -> None:
    skew = -97_000  # the member's clock is 97 s slow

    def skewed() -> int:
        return wall_ms() + skew

    client, rec = room.member("Bo", clock=skewed)
    await client.join()
    assert await room.service.command(StartTimer()) is None
    await rec.wait_for(lambda: client.engine.state.lifecycle is Lifecycle.ACTIVE)
    member_view = timer.read(client.engine.state.timer, client.engine.room_now(skewed()))
    host_view = timer.read(room.service.engine.state.timer, wall_ms())
    assert abs(member_view.remaining_ms - host_view.remaining_ms) < 30  # type: ignore[operator]
    await client.close()


async def test_member_status_reaches_everyone(room: Room) -> None:
    a, rec_a = room.member("Bo")
    b, rec_b = room.member("Cy")
    await a.join()
    await b.join()
    a.send(SetStatus(value=Status.DONE))
    await rec_b.wait_for(
        lambda: b.engine.state.participant(a.engine.participant_id).status is Status.DONE
    )
    await rec_a.wait_for(lambda: a.engine.last_seq == b.engine.last_seq)
    assert a.engine.log == b.engine.log == room.service.engine.log.events
    await a.close()
    await b.close()


async def test_refused_command_comes_back_and_changes_nothing(room: Room) -> None:
    client, rec = room.member("Bo")
    await client.join()
    before = room.service.engine.state
    ref = client.send(StartTimer())
    await rec.wait_for(lambda: any(o.refused for o in rec.outcomes))
    refusal = next(r for o in rec.outcomes for r in o.refused)
    assert refusal[0] == ref
    assert refusal[1].code == "forbidden"
    assert room.service.engine.state == before
    await client.close()


async def test_leave_is_recorded_as_left(room: Room) -> None:
    client, _ = room.member("Bo")
    await client.join()
    pid = client.engine.participant_id
    await client.leave()
    await room.host.wait_for(lambda: room.events[-1].kind == "member_left")
    assert room.events[-1].body.reason == "left"  # type: ignore[union-attr]
    assert room.service.engine.state.participant(pid).present is False  # type: ignore[union-attr]


async def test_candidates_stay_on_loopback(room: Room) -> None:
    client, _ = room.member("Bo")
    await client.join()
    assert client._pc is not None
    sdp = client._pc.localDescription.sdp + client._pc.remoteDescription.sdp
    candidates = [line for line in sdp.splitlines() if line.startswith("a=candidate")]
    assert candidates
    assert all(" 127.0.0.1 " in line for line in candidates), candidates
    await client.close()


async def test_dropped_member_resumes_and_misses_nothing(room: Room) -> None:
    gate = asyncio.Event()
    gate.set()
    client, rec = room.member("Bo", gate=gate)
    await client.join()
    pid = client.engine.participant_id
    gate.clear()  # while away, the member cannot find the host
    assert client._pc is not None
    await client._pc.close()  # the link drops (Wi-Fi blip): no goodbye
    await rec.wait_for(lambda: LinkState.RECONNECTING in rec.links)
    await room.host.wait_for(lambda: room.events[-1].kind == "member_left")
    assert await room.service.command(StartTimer()) is None  # happens while the member is away
    gate.set()
    await rec.wait_for(lambda: rec.links[-1] is LinkState.CONNECTED)
    await rec.wait_for(lambda: client.engine.last_seq == room.service.engine.state.head_seq)
    assert client.engine.participant_id == pid
    assert client.engine.log == room.service.engine.log.events
    assert [e.seq for e in client.engine.log] == list(range(1, len(client.engine.log) + 1))
    assert client.engine.state == room.service.engine.state
    assert [e.kind for e in room.events[-3:]] == ["member_left", "timer_started", "member_joined"]
    await client.close()


@pytest.mark.allow_warnings
async def test_garbage_from_one_member_does_not_disturb_the_room(room: Room) -> None:
    bad, bad_rec = room.member("Mallory")
    good, good_rec = room.member("Bo")
    await bad.join()
    await good.join()
    before = room.service.engine.state
    assert isinstance(bad._channel, _ChannelPipe)  # a LAN join: a plain data channel
    raw = bad._channel.channel
    raw.send("{ this is not json")
    raw.send(b"\x00\x01 binary junk")
    raw.send("x" * 70_000)
    await bad_rec.wait_for(lambda: sum(o.error is not None for o in bad_rec.outcomes) >= 3)
    codes = [o.error.code for o in bad_rec.outcomes if o.error is not None]
    assert codes == ["malformed", "malformed", "too_large"]
    assert room.service.engine.state == before
    good.send(SetStatus(value=Status.PAUSED))
    await good_rec.wait_for(lambda: good.engine.state.head_seq > before.head_seq)
    assert good.engine.state.participant(good.engine.participant_id).status is Status.PAUSED
    await bad.close()
    await good.close()


async def test_a_slow_reconnect_makes_one_link_not_two(room: Room) -> None:
    """The ping loop must not judge a half-open link silent and start a second reconnect
    (that reconnect tore down the first, admitted link: a spurious leave and re-join)."""
    gate = asyncio.Event()
    gate.set()
    skew = [0]
    client, rec = room.member("Bo", clock=lambda: wall_ms() + skew[0], gate=gate)
    await client.join()
    signalling = room.service._signalling
    answer = signalling._on_offer

    async def slow_answer(offer, remote):  # type: ignore[no-untyped-def]
        await asyncio.sleep(1.5)  # a slow host: longer than the member's 1 s ping interval
        return await answer(offer, remote)

    signalling._on_offer = slow_answer
    gate.clear()
    assert client._pc is not None
    await client._pc.close()  # the link drops
    await room.host.wait_for(lambda: room.events[-1].kind == "member_left")
    skew[0] = 10_000  # the host has been silent for longer than the link timeout
    gate.set()
    await rec.wait_for(lambda: rec.links[-1] is LinkState.CONNECTED)
    client.send(SetStatus(value=Status.DONE))
    await room.host.wait_for(lambda: room.events[-1].kind == "status_changed")
    kinds = [e.kind for e in room.events]
    assert kinds[kinds.index("member_left") :] == ["member_left", "member_joined", "status_changed"]
    assert rec.links.count(LinkState.CONNECTED) == 2
    assert len(room.service.engine.linked_participants()) == 1
    await client.close()


async def test_a_room_with_the_most_tasks_is_joined_over_a_real_channel(room: Room) -> None:
    """Issue 16, item 3: 200 long tasks made a 174 kB Welcome that the host could not send
    (the joiner waited 11 s for "The host did not answer in time")."""
    from jamdesk.core.commands import AddTask
    from jamdesk.core.rules import MAX_ROOM_TASKS, MAX_TASK_CHARS

    for i in range(MAX_ROOM_TASKS):
        title = f"{i:03d} " + "ü" * (MAX_TASK_CHARS - 4)
        assert await room.service.command(AddTask(title=title)) is None
    seqs_before = [e.seq for e in room.events]
    client, _rec = room.member("Bo")
    await client.join()
    assert client.engine.state == room.service.engine.state
    assert len(client.engine.state.tasks) == MAX_ROOM_TASKS
    seqs = [e.seq for e in room.events]
    assert seqs == list(range(1, len(seqs) + 1))  # nothing skipped in the host's log
    assert len(seqs) == len(seqs_before) + 1
    assert client.engine.log == room.service.engine.log.events
    await client.close()

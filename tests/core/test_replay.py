"""Replay timing with an injected clock: exact, in order, none twice, none dropped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamdesk.core.commands import Chat, EndRoom, Join, SetStatus, StartTimer
from jamdesk.core.events import ChatPosted, StatusChanged
from jamdesk.core.kinds import Status
from jamdesk.core.replay import Cue, Playhead, ReplayError, script
from jamdesk.core.room import RoomLog
from tests.factories import room_log, run


def past_session() -> RoomLog:
    log = room_log(at_ms=1_000_000, host_id="a")
    run(log, "b", Join(name="Bo"), 1_000_000)
    run(log, "a", StartTimer(), 1_001_000)
    run(log, "b", SetStatus(value=Status.PAUSED), 1_060_000)
    run(log, "a", Chat(text="halfway!"), 1_090_000)
    run(log, "b", Chat(text="same"), 1_095_000)
    run(log, "b", SetStatus(value=Status.DONE), 1_300_000)
    run(log, "a", EndRoom(), 1_310_000)
    return log


def test_script_keeps_the_chosen_peoples_actions_and_the_timer() -> None:
    s = script(past_session().events, ["b"])
    assert [(c.offset_ms, c.who_name, type(c.body).__name__) for c in s.cues] == [
        (1_000, "", "TimerStarted"),
        (60_000, "Bo", "StatusChanged"),
        (95_000, "Bo", "ChatPosted"),
        (300_000, "Bo", "StatusChanged"),
    ]
    assert s.length_ms == 310_000
    assert [g.name for g in s.ghosts] == ["Bo"]


def test_script_refuses_what_cannot_be_replayed() -> None:
    with pytest.raises(ReplayError, match="no events"):
        script([])
    with pytest.raises(ReplayError, match="Nobody"):
        script(past_session().events, ["zed"])


def test_an_interrupted_or_quiet_session_still_replays() -> None:
    log = room_log(host_id="a")
    s = script(log.events, ended=False)
    assert s.cues == []
    assert s.interrupted
    head = Playhead(s.cues)
    head.play(0)
    assert head.due(10**9) == []
    assert head.finished


def drive(head: Playhead, start: int, pauses: list[tuple[int, int]]) -> list[tuple[int, Cue]]:
    """Run ``head`` with an exact clock: wake at each due time; pause/resume at given times."""
    fired: list[tuple[int, Cue]] = []
    now = start
    head.play(now)
    events = sorted(pauses)
    while not head.finished:
        wake = head.next_due_at(now)
        if events and (wake is None or events[0][0] <= wake):
            at, length = events.pop(0)
            fired += [(at, c) for c in head.due(at)]
            head.pause(at)
            now = at + length
            head.play(now)
            continue
        assert wake is not None
        now = wake
        fired += [(now, c) for c in head.due(now)]
    return fired


@given(
    offsets=st.lists(st.integers(0, 3_600_000), min_size=1, max_size=60),
    speed=st.sampled_from([1.0, 2.0, 4.0]),
    pauses=st.lists(st.tuples(st.integers(1, 900_000), st.integers(1, 600_000)), max_size=4),
)
def test_every_cue_fires_once_in_order_at_offset_over_speed(
    offsets: list[int], speed: float, pauses: list[tuple[int, int]]
) -> None:
    cues = [
        Cue(o, i, "b", "Bo", StatusChanged(participant_id="b", status=Status.DONE))
        for i, o in enumerate(sorted(offsets))
    ]
    start = 10_000
    fired = drive(Playhead(cues, speed), start, [(start + t, d) for t, d in pauses])
    assert [c for _, c in fired] == cues  # none twice, none dropped, in order
    paused_total = sum(d for _, d in pauses)
    for at, cue in fired:
        expected = start + cue.offset_ms / speed
        assert expected - 1 <= at <= expected + paused_total + 1  # never early; late by pauses only


def test_exact_times_without_pauses() -> None:
    cues = [
        Cue(o, i, "b", "Bo", ChatPosted(participant_id="b", text=str(o)))
        for i, o in enumerate([0, 1_000, 2_500, 10_000])
    ]
    fired = drive(Playhead(cues, 4.0), 0, [])
    assert [at for at, _ in fired] == [0, 250, 625, 2_500]


def test_pause_shifts_everything_after_it_by_the_pause() -> None:
    cues = [
        Cue(o, i, "b", "Bo", ChatPosted(participant_id="b", text="x"))
        for i, o in enumerate([1_000, 5_000])
    ]
    fired = drive(Playhead(cues, 1.0), 0, [(2_000, 10_000)])
    assert [at for at, _ in fired] == [1_000, 15_000]


def test_scrubbing_back_rearms_and_forward_skips() -> None:
    cues = [
        Cue(o, i, "b", "Bo", ChatPosted(participant_id="b", text="x"))
        for i, o in enumerate([1_000, 2_000, 3_000])
    ]
    head = Playhead(cues)
    head.play(0)
    assert len(head.due(2_500)) == 2
    head.seek(500, 2_500)
    assert [c.seq for c in head.due(2_600)] == []
    assert [c.seq for c in head.due(3_600)] == [0]  # position 500 + 1,100
    assert [c.seq for c in head.due(4_600)] == [1]
    head.seek(10_000, 3_600)
    assert head.due(3_700) == []
    assert head.finished
    head.set_speed(2.0, 3_700)
    assert head.speed == 2.0

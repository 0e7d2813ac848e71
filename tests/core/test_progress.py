"""EXP, levels, focus by local day and streaks, as tables."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import msgspec
import pytest

from jamdesk.core import timer
from jamdesk.core.commands import (
    AdvancePhase,
    CompleteTimer,
    Join,
    PauseTimer,
    ResetTimer,
    SetStatus,
    SkipPhase,
    StartTimer,
)
from jamdesk.core.events import RoomOpened
from jamdesk.core.kinds import Status
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.core.progress import (
    exp_for_level,
    ledger,
    level_for,
    minutes_by_day,
    streaks,
)
from jamdesk.core.summary import summarize
from tests.factories import RoomLog, room_log, run


@pytest.mark.parametrize(
    ("level", "total"), [(0, 0), (1, 100), (2, 350), (3, 850), (5, 3_850), (10, 127_850)]
)
def test_the_level_curve(level: int, total: int) -> None:
    assert exp_for_level(level) == total


@pytest.mark.parametrize(
    ("exp", "level", "into", "to_next"),
    [
        (0, 0, 0, 100),
        (99, 0, 99, 1),
        (100, 1, 0, 250),
        (3_849, 4, 1_999, 1),
        (3_850, 5, 0, 4_000),
        (127_850, 10, 0, 128_000),
        (-5, 0, 0, 100),
    ],
)
def test_level_for(exp: int, level: int, into: int, to_next: int) -> None:
    info = level_for(exp)
    assert (info.level, info.into_level, info.to_next) == (level, into, to_next)
    assert 0 <= info.fraction < 1


def test_each_level_takes_about_twice_the_one_before() -> None:
    steps = [exp_for_level(n + 1) - exp_for_level(n) for n in range(1, 12)]
    assert all(1.9 < b / a <= 2.2 for a, b in itertools.pairwise(steps))


def _pomodoro_with(*members: str) -> RoomLog:
    log = room_log(timer.pomodoro_timer(), host_id="a")  # 25/5/15 x4
    for pid in members:
        run(log, pid, Join(name=pid.upper()), 0)
    return log


def test_a_block_earns_the_minutes_each_member_was_there_and_active() -> None:
    """Issue 13: a late joiner earns what it was there for; paused time earns nothing; the
    credit comes when the block completes, never from the configured length alone."""
    log = _pomodoro_with("b", "c", "d")
    run(log, "a", StartTimer(), 0)
    run(log, "d", SetStatus(value=Status.PAUSED), 0)  # Dee paused for 24 of 25 minutes
    run(log, "f", Join(name="Fay"), 20 * MINUTE_MS)  # five minutes before the end
    run(log, "d", SetStatus(value=Status.ACTIVE), 24 * MINUTE_MS)
    run(log, "c", SetStatus(value=Status.PAUSED), 24 * MINUTE_MS + 30_000)  # Cy at 24.5 min
    run(log, "e", Join(name="Eve"), 25 * MINUTE_MS - 1_000)  # one second before the end
    run(log, "a", AdvancePhase(), 25 * MINUTE_MS)  # block 1 completes
    book = ledger(log.events)
    assert book.problem == ""
    earned = {pid: [a.exp for a in book.credit(pid).awards] for pid in "abcdef"}
    assert earned == {"a": [25], "b": [25], "c": [24], "d": [1], "e": [], "f": [5]}
    assert book.credit("d").focus_ms == MINUTE_MS
    assert book.credit("e").blocks == 0


def test_a_skipped_reset_or_unfinished_block_earns_nothing() -> None:
    log = _pomodoro_with("b")
    run(log, "a", StartTimer(), 0)
    run(log, "a", AdvancePhase(), 25 * MINUTE_MS)  # block 1 done: 25
    run(log, "a", AdvancePhase(), 30 * MINUTE_MS)  # block 2 starts
    run(log, "a", SkipPhase(), 40 * MINUTE_MS)  # skipped: nothing
    run(log, "a", SkipPhase(), 41 * MINUTE_MS)  # the break skipped: block 3 from 41 min
    run(log, "a", ResetTimer(), 60 * MINUTE_MS)  # reset 19 minutes in: nothing
    run(log, "a", StartTimer(), 60 * MINUTE_MS)
    book = ledger(log.events, until_ms=80 * MINUTE_MS)  # 20 minutes into a block: not yet
    assert [a.exp for a in book.credit("b").awards] == [25]
    assert book.credit("b").focus_ms == (25 + 10 + 19 + 20) * MINUTE_MS


def test_a_countdown_earns_the_minutes_run_not_its_length() -> None:
    log = room_log(timer.countdown(50 * MINUTE_MS), host_id="a")
    run(log, "a", StartTimer(), 0)
    run(log, "a", PauseTimer(), 10 * MINUTE_MS)
    run(log, "a", StartTimer(), 30 * MINUTE_MS)  # 20 paused minutes are not focus
    run(log, "a", CompleteTimer(), 70 * MINUTE_MS)
    book = ledger(log.events)
    assert [a.exp for a in book.credit("a").awards] == [50]
    assert book.credit("a").spans == [(0, 10 * MINUTE_MS), (30 * MINUTE_MS, 70 * MINUTE_MS)]


def test_an_edited_log_whose_times_do_not_add_up_is_set_aside() -> None:
    """Issue 13: one edit of the first event's countdown (1 min -> 24 h) took EXP from 1 to
    1,440. Now the completion comes before the edited countdown could end: set aside."""
    log = room_log(timer.countdown(MINUTE_MS), host_id="a")
    run(log, "a", StartTimer(), 0)
    run(log, "a", CompleteTimer(), MINUTE_MS)
    assert ledger(log.events).counted_exp("a") == 1
    opened = log.events[0]
    assert isinstance(opened.body, RoomOpened)
    edited = msgspec.structs.replace(
        opened, body=msgspec.structs.replace(opened.body, timer=timer.countdown(86_400_000))
    )
    book = ledger([edited, *log.events[1:]])
    assert book.problem == "event 3 completes a countdown before its time"
    assert book.counted_exp("a") == 0
    assert book.credit("a").exp == 1  # what really ran: one minute, never 1,440
    moved = [*log.events[:-1], msgspec.structs.replace(log.events[-1], at_ms=-5)]
    assert ledger(moved).problem == "event 3 is dated before the event before it"


def test_focus_spans_leave_out_breaks_and_paused_time() -> None:
    log = room_log(timer.pomodoro_timer(), host_id="a")
    run(log, "a", StartTimer(), 0)
    run(log, "a", SetStatus(value=Status.PAUSED), 10 * MINUTE_MS)
    run(log, "a", SetStatus(value=Status.ACTIVE), 15 * MINUTE_MS)
    spans = ledger(log.events, until_ms=60 * MINUTE_MS).credit("a").spans
    assert spans == [
        (0, 10 * MINUTE_MS),
        (15 * MINUTE_MS, 25 * MINUTE_MS),
        (30 * MINUTE_MS, 55 * MINUTE_MS),
    ]


def test_the_summary_and_the_profile_count_the_same_blocks_and_focus() -> None:
    """Issue 13: a member paused for the whole block had 1 block in the summary, 0 in the
    profile, and its paused time counted as focus."""
    log = _pomodoro_with("b")
    run(log, "b", SetStatus(value=Status.PAUSED), 0)
    run(log, "a", StartTimer(), 0)
    run(log, "a", AdvancePhase(), 25 * MINUTE_MS)
    book = ledger(log.events)
    people = {p.participant_id: p for p in summarize(log.events).participants}
    for pid in ("a", "b"):
        assert (people[pid].focus_blocks, people[pid].focus_ms) == (
            book.credit(pid).blocks,
            book.credit(pid).focus_ms,
        )
    assert (people["b"].focus_blocks, people["b"].focus_ms) == (0, 0)
    assert (people["a"].focus_blocks, people["a"].focus_ms) == (1, 25 * MINUTE_MS)


LONDON = ZoneInfo("Europe/London")


def ms(y: int, mo: int, d: int, h: int, mi: int = 0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=LONDON).timestamp() * 1000)


def test_a_session_across_midnight_is_split_between_days() -> None:
    days = minutes_by_day([(ms(2026, 1, 31, 23, 30), ms(2026, 2, 1, 0, 45))], LONDON)
    assert days == {date(2026, 1, 31): 30.0, date(2026, 2, 1): 45.0}


def test_daylight_saving_days_have_their_real_length() -> None:
    # 29 March 2026: clocks go from 01:00 to 02:00 in London; that day has 23 hours.
    spring = minutes_by_day([(ms(2026, 3, 29, 0, 0), ms(2026, 3, 30, 0, 0))], LONDON)
    assert spring == {date(2026, 3, 29): 23 * 60.0}
    autumn = minutes_by_day([(ms(2026, 10, 25, 0, 0), ms(2026, 10, 26, 0, 0))], LONDON)
    assert autumn == {date(2026, 10, 25): 25 * 60.0}


def test_days_follow_the_time_zone_given() -> None:
    span = [(ms(2026, 5, 1, 23, 0), ms(2026, 5, 1, 23, 30))]  # 23:00 in London
    assert minutes_by_day(span, LONDON) == {date(2026, 5, 1): 30.0}
    assert minutes_by_day(span, ZoneInfo("Asia/Tokyo")) == {date(2026, 5, 2): 30.0}


@pytest.mark.parametrize(
    ("days", "today", "current", "longest"),
    [
        ([], date(2026, 3, 1), 0, 0),
        ([date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1)], date(2026, 3, 1), 3, 3),
        ([date(2026, 2, 27), date(2026, 2, 28)], date(2026, 3, 1), 2, 2),  # today not yet
        ([date(2026, 2, 26), date(2026, 2, 28)], date(2026, 3, 1), 1, 1),  # an empty day
        (
            [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 5)],
            date(2026, 1, 9),
            0,
            3,
        ),
        ([date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1)], date(2024, 3, 1), 3, 3),
    ],
)
def test_streaks(days: list[date], today: date, current: int, longest: int) -> None:
    assert streaks(days, today) == (current, longest) or (
        streaks(days, today).current,
        streaks(days, today).longest,
    ) == (current, longest)

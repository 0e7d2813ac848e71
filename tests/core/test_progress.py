"""EXP, levels, focus by local day and streaks, as tables."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from jamdesk.core import timer
from jamdesk.core.commands import (
    AdvancePhase,
    CompleteTimer,
    Join,
    SetStatus,
    SkipPhase,
    StartTimer,
)
from jamdesk.core.kinds import Status
from jamdesk.core.pomodoro import MINUTE_MS
from jamdesk.core.progress import (
    awards,
    exp_for_level,
    focus_spans,
    level_for,
    minutes_by_day,
    streaks,
)
from tests.factories import room_log, run


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


def test_awards_for_completed_blocks_only() -> None:
    log = room_log(timer.pomodoro_timer(), host_id="a")  # 25/5/15
    run(log, "b", Join(name="Bo"), 0)
    run(log, "c", Join(name="Cy"), 0)
    run(log, "a", StartTimer(), 0)
    run(log, "c", SetStatus(value=Status.PAUSED), 10 * MINUTE_MS)  # Cy paused away
    run(log, "a", AdvancePhase(), 25 * MINUTE_MS)  # block 1 done
    run(log, "a", AdvancePhase(), 30 * MINUTE_MS)  # block 2 starts
    run(log, "a", SkipPhase(), 40 * MINUTE_MS)  # block 2 skipped: nothing
    assert [(a.exp, a.block_ms) for a in awards(log.events, "b")] == [(25, 25 * MINUTE_MS)]
    assert awards(log.events, "c") == []
    assert len(awards(log.events, "a")) == 1


def test_countdown_completion_earns_its_length() -> None:
    log = room_log(timer.countdown(50 * MINUTE_MS), host_id="a")
    run(log, "a", StartTimer(), 0)
    run(log, "a", CompleteTimer(), 50 * MINUTE_MS)
    assert [a.exp for a in awards(log.events, "a")] == [50]


def test_focus_spans_leave_out_breaks() -> None:
    log = room_log(timer.pomodoro_timer(), host_id="a")
    run(log, "a", StartTimer(), 0)
    spans = focus_spans(log.events, "a", until_ms=60 * MINUTE_MS)
    assert spans == [(0, 25 * MINUTE_MS), (30 * MINUTE_MS, 55 * MINUTE_MS)]


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

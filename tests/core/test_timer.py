"""Timer anchors: readings at any instant, start/pause/reset, no ticking state."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jamdesk.core import timer
from jamdesk.core.timer import TimerError


def test_countdown_reads_remaining_from_anchor() -> None:
    a = timer.start(timer.countdown(25 * 60_000), now_ms=1_000)
    r = timer.read(a, 1_000 + 60_000)
    assert (r.elapsed_ms, r.remaining_ms, r.running, r.finished) == (
        60_000,
        24 * 60_000,
        True,
        False,
    )


def test_pause_banks_elapsed_and_resume_continues() -> None:
    a = timer.start(timer.countdown(10_000), 0)
    a = timer.pause(a, 4_000)
    assert timer.read(a, 999_999).remaining_ms == 6_000  # paused: time does not pass
    a = timer.start(a, 100_000)
    assert timer.read(a, 101_000).remaining_ms == 5_000
    assert timer.completes_at(a) == 106_000


def test_countdown_finishes_at_zero_and_cannot_restart() -> None:
    a = timer.start(timer.countdown(1_000), 0)
    r = timer.read(a, 5_000)
    assert (r.remaining_ms, r.elapsed_ms, r.finished) == (0, 1_000, True)
    done = timer.complete(a)
    with pytest.raises(TimerError):
        timer.start(done, 6_000)
    assert timer.read(timer.reset(done), 7_000).remaining_ms == 1_000


def test_stopwatch_counts_up_without_remaining() -> None:
    a = timer.start(timer.stopwatch(), 500)
    r = timer.read(a, 2_500)
    assert (r.elapsed_ms, r.remaining_ms, r.finished) == (2_000, None, False)
    with pytest.raises(TimerError):
        timer.complete(a)


def test_reading_before_start_instant_never_goes_negative() -> None:
    a = timer.start(timer.countdown(10_000), 5_000)
    assert timer.read(a, 4_990).elapsed_ms == 0


@pytest.mark.parametrize("bad", [0, -1, 999, 24 * 3_600_000 + 1])
def test_countdown_length_out_of_range_is_refused(bad: int) -> None:
    with pytest.raises(TimerError, match=r"^A countdown lasts from 1 second to 24 hours\.$"):
        timer.countdown(bad)


def test_double_start_and_pause_of_stopped_are_errors() -> None:
    a = timer.start(timer.stopwatch(), 0)
    with pytest.raises(TimerError):
        timer.start(a, 1)
    with pytest.raises(TimerError):
        timer.pause(timer.stopwatch(), 1)


@given(st.lists(st.integers(min_value=1, max_value=600_000), min_size=1, max_size=30))
def test_elapsed_equals_sum_of_running_spans(spans: list[int]) -> None:
    """Alternating run/pause spans: elapsed is exactly the sum of running spans."""
    a = timer.stopwatch()
    now, expected = 0, 0
    for i, span in enumerate(spans):
        if i % 2 == 0:
            a = timer.start(a, now)
            expected += span
            now += span
            a = timer.pause(a, now)
        else:
            now += span
    assert timer.read(a, now + 12_345).elapsed_ms == expected

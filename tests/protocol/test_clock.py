"""NTP-style offset estimation survives skewed member clocks and jittery paths."""

import random

from jamdesk.protocol.clock import ClockEstimator, ClockSample


def exchange(skew_ms: int, send_at: int, up: int, down: int, hold: int = 0) -> ClockSample:
    """A ping sent at room instant ``send_at`` by a member whose clock is room + skew."""
    t0 = send_at + skew_ms
    t1 = send_at + up
    t2 = t1 + hold
    t3 = t2 + down + skew_ms
    return ClockSample(t0=t0, t1=t1, t2=t2, t3=t3)


def test_symmetric_path_gives_exact_offset() -> None:
    s = exchange(skew_ms=-93_000, send_at=1_000, up=3, down=3, hold=1)
    assert s.offset_ms == 93_000
    assert s.delay_ms == 6


def test_lowest_delay_sample_wins_under_jitter() -> None:
    rng = random.Random(1)
    est = ClockEstimator()
    skew = 4 * 60_000 + 321  # the member's clock is four minutes fast
    for i in range(8):
        up, down = rng.randint(1, 40), rng.randint(1, 40)
        est.add(exchange(skew, 10_000 + i * 1_000, up, down))
    est.add(exchange(skew, 20_000, up=1, down=1))
    assert est.offset_ms == -skew
    assert est.rtt_ms == 2
    assert est.room_now(50_000 + skew) == 50_000


def test_error_is_bounded_by_half_the_best_delay() -> None:
    rng = random.Random(5)
    est = ClockEstimator()
    for i in range(20):
        est.add(exchange(-7_777, i * 1_000, rng.randint(0, 30), rng.randint(0, 30)))
    assert est.rtt_ms is not None
    assert abs(est.offset_ms - 7_777) <= est.rtt_ms / 2 + 1


def test_negative_delay_samples_are_ignored_and_unsynced_is_zero() -> None:
    est = ClockEstimator()
    assert not est.synced
    assert est.offset_ms == 0
    est.add(ClockSample(t0=100, t1=0, t2=0, t3=50))  # local clock stepped back mid-exchange
    est.add(ClockSample(t0=100, t1=0, t2=10, t3=105))  # 5 ms round trip, 10 ms held: impossible
    assert not est.synced
    est.add(ClockSample(t0=100, t1=0, t2=0, t3=104))
    assert est.synced
    assert est.offset_ms == -102

"""The fuzz harness on every run (issue 16): a few thousand generated and mutated frames
through the decoder, both engines and ``decide``/``apply`` crash nothing and change nothing
when refused; and the harness does see a crash when there is one (``benchmarks/fuzz.py``
runs 10^6 frames)."""

from __future__ import annotations

import pytest

from jamdesk.core import rules
from jamdesk.core.commands import Chat
from jamdesk.protocol import engine
from tests.protocol.fuzzing import run_fuzz


def test_generated_and_mutated_frames_crash_nothing_and_refusals_change_nothing() -> None:
    report = run_fuzz(30_000, seed=7, pool_size=1_500)
    assert report.samples == []
    assert (report.crashes, report.refused_changed) == (0, 0)
    assert report.accepted > 1_000  # valid frames do get through: the room is exercised
    assert report.refused > 10_000
    assert set(report.by_source) == {"hypothesis", "valid", "mutated", "bytes"}


@pytest.mark.allow_warnings
def test_the_harness_counts_a_planted_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    real = rules.decide

    def broken(state, actor, cmd, now_ms):  # type: ignore[no-untyped-def]
        if isinstance(cmd, Chat):
            raise KeyError("planted")
        return real(state, actor, cmd, now_ms)

    monkeypatch.setattr(engine, "decide", broken)
    report = run_fuzz(3_000, seed=7, pool_size=300)
    assert report.crashes > 0
    assert any("planted" in s or "traceback" in s for s in report.samples)

"""Stats and heatmap for 5 years of daily sessions (1,826 jams, 1-6 blocks each).

Times the profile's figures from the progress cache (``overview`` + the 52-week heatmap) and, for
information, the full tamper check that recomputes every session from its log. Prints JSON.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jamdesk.app.progress import ProgressService, heatmap_days
from jamdesk.app.storage import AsyncDatabase
from tests.factories import PARIS, stored_day

DAYS = 5 * 365 + 1


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await AsyncDatabase.open(Path(tmp))
        rng = random.Random(1)
        today = date(2026, 11, 21)
        build = time.perf_counter()
        for back in range(DAYS):
            stored_day(db.db, today - timedelta(days=back), rng.randint(1, 6), PARIS)
        build_s = time.perf_counter() - build
        service = ProgressService(db, PARIS)
        runs = []
        for _ in range(7):
            start = time.perf_counter()
            view = await service.overview(today=today)
            heatmap_days(view)
            runs.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        repaired = await service.verify()
        verify_ms = (time.perf_counter() - start) * 1000
        await db.close()
    print(
        json.dumps(
            {
                "benchmark": "progress_5y",
                "sessions": DAYS,
                "goal_ms": 100,
                "overview_and_heatmap_ms": {
                    "median": round(statistics.median(runs), 1),
                    "max": round(max(runs), 1),
                },
                "tamper_check_all_logs_ms": round(verify_ms),
                "repaired": len(repaired),
                "level": view.level.level,
                "exp": view.level.exp,
                "build_s": round(build_s, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())

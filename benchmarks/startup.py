"""Start-up: from process start to the first window shown (offscreen), median of 7 runs.

Starts ``python -m jamdesk --log-level INFO`` and waits for the GUI's ``first window shown`` log
line on stderr. Prints JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 7


def once() -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as data:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "jamdesk", "--log-level", "INFO", "--data-dir", data],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stderr is not None
        try:
            for line in proc.stderr:
                if "first window shown" in line:
                    return (time.perf_counter() - start) * 1000
            raise RuntimeError("the window never showed")
        finally:
            proc.kill()
            proc.wait()


def main() -> None:
    once()  # warm the OS file cache, as a second launch would be
    times = [once() for _ in range(RUNS)]
    print(
        json.dumps(
            {
                "benchmark": "startup",
                "unit": "ms",
                "goal": "< 1500",
                "median": round(statistics.median(times), 1),
                "max": round(max(times), 1),
                "runs": RUNS,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

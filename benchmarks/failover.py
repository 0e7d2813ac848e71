"""Host failover: from the host vanishing to every remaining member showing the new host.

Three headless processes on loopback (host, then two members joined by code). ``SIGKILL``
closes the host's sockets, which loopback reports at once; ``SIGSTOP`` freezes the host with
its sockets open (a laptop lid closed, Wi-Fi gone), so members must notice through the 3 s
heartbeat. Median of 10 and 5 runs. Prints JSON.
"""

from __future__ import annotations

import json
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _procs import Proc


def once(sig: signal.Signals) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        procs: list[Proc] = []
        try:
            host = Proc("host", "--headless", "--type", "POMODORO", data=f"{tmp}/a")
            procs.append(host)
            code = host.wait(lambda line: line["event"] == "hosting")[1]["code"]
            first = Proc("join", code, "--headless", "--name", "Bo", data=f"{tmp}/b")
            procs.append(first)
            bo_id = first.wait(lambda line: line["event"] == "joined")[1]["participant_id"]
            second = Proc("join", code, "--headless", "--name", "Cy", data=f"{tmp}/c")
            procs.append(second)
            second.wait(lambda line: line["event"] == "joined")
            host.send({"cmd": "timer.start"})
            second.wait(lambda line: line.get("kind") == "timer_started")
            start = time.monotonic()
            host.proc.send_signal(sig)
            seen = [
                p.wait(lambda line: line["event"] == "host" and line["host_id"] == bo_id)[0]
                for p in (first, second)
            ]
            return max(seen) - start
        finally:
            if sig is signal.SIGSTOP:
                procs[0].proc.send_signal(signal.SIGCONT)
            for p in procs:
                p.kill()


def main() -> None:
    kill = [once(signal.SIGKILL) for _ in range(10)]
    stop = [once(signal.SIGSTOP) for _ in range(5)]
    print(
        json.dumps(
            {
                "benchmark": "failover",
                "unit": "s",
                "goal": "median < 4 with a 3 s heartbeat",
                "sigkill": {
                    "n": len(kill),
                    "median": round(statistics.median(kill), 3),
                    "max": round(max(kill), 3),
                },
                "sigstop": {
                    "n": len(stop),
                    "median": round(statistics.median(stop), 3),
                    "max": round(max(stop), 3),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

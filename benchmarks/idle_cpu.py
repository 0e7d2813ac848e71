"""Idle CPU of the real window (offscreen): the start screen, and a quiet room (hosted,
READY, nobody else: the room's and the tray's timers sleep until something changes).

Starts ``python -m jamdesk`` (and ``jamdesk host``) with an empty home and its own data
folder, waits for its log line (``first window shown`` / ``entered room``), lets it settle
for 3 s, then reads the process's CPU time (user + system, ``/proc/PID/stat``) over
``WINDOW_S`` seconds of wall time. Goal (issue 17): under 0.3 % of one core when quiet.
Prints JSON.

    python benchmarks/idle_cpu.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WINDOW_S = 20.0
SETTLE_S = 3.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(args: list[str], ready: str) -> float:
    """Percent of one core the window uses while idle after logging ``ready``."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            SDL_AUDIODRIVER="dummy",
            JAMDESK_NETWORK="loopback",
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
        )
        command = [sys.executable, "-m", "jamdesk", *args, "--log-level", "INFO"]
        command += ["--data-dir", str(Path(tmp) / "data")]
        proc = subprocess.Popen(
            command, stderr=subprocess.PIPE, stdin=subprocess.PIPE, text=True, env=env
        )
        assert proc.stderr is not None
        try:
            for line in proc.stderr:
                if ready in line:
                    break
            else:
                raise RuntimeError(f"never logged {ready!r}")
            # Keep reading stderr in the background so the pipe never fills.
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            time.sleep(SETTLE_S)  # the window's first work (sound, adverts) is not idle
            before, t0 = cpu_s(proc.pid), time.monotonic()
            time.sleep(WINDOW_S)  # measuring idle: nothing to wait on but time itself
            used, wall = cpu_s(proc.pid) - before, time.monotonic() - t0
            return 100 * used / wall
        finally:
            proc.terminate()  # SIGTERM: the window quits at once (and keeps its jam)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()  # never leave a window behind
                proc.wait()


def main() -> None:
    start = measure([], "first window shown")
    room = measure(["host", "--name", "Ana", "--title", "Quiet"], "entered room")
    print(
        json.dumps(
            {
                "benchmark": "idle_cpu",
                "unit": "% of one core",
                "goal": "< 0.3",
                "window_s": WINDOW_S,
                "start_screen": round(start, 3),
                "quiet_room": round(room, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

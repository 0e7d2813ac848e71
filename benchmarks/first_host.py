"""The first Host: from the click to the room on screen, in a fresh window (offscreen), with
the jam's modules preloaded after the first paint (as ``jamdesk`` does) and without.

Each run is a new process (imports are the point), with a new data folder (its database is
made and migrated on that first Host, as on a student's first day). The window waits 3 s
before the click, as a student reading the start screen would. Median of 5 runs each.
Goal (issue 17): under 1.5 s. Prints JSON.

    python benchmarks/first_host.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 5


def child(preload: bool) -> None:
    """One window, one click on Host; prints the milliseconds to the room."""
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from jamdesk.net import addresses
    from jamdesk.ui import main as ui_main
    from jamdesk.ui.window import MainWindow

    addresses.install(addresses.NetworkMode.LOOPBACK)

    async def go() -> None:
        data = tempfile.mkdtemp()
        args = argparse.Namespace(name="Ana", data_dir=data, clock_skew_ms=0)
        w = MainWindow(args, "Ana", tray=False)
        w.show()
        if preload:
            ui_main.preload_later()
        await asyncio.sleep(3)  # the student reads the start screen
        entered: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        w.room_entered.connect(lambda: entered.done() or entered.set_result(time.perf_counter()))
        clicked = time.perf_counter()
        w.start.host_button.click()
        print(round((await entered - clicked) * 1000))
        await w.shutdown()

    with loop:
        loop.run_until_complete(go())


def once(preload: bool) -> int:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        SDL_AUDIODRIVER="dummy",
        JAMDESK_NETWORK="loopback",
        XDG_CONFIG_HOME=tempfile.mkdtemp(),
    )
    flag = ["--preload"] if preload else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", *flag],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if "--child" in sys.argv:
        child("--preload" in sys.argv)
        return
    cold = [once(False) for _ in range(RUNS)]
    warm = [once(True) for _ in range(RUNS)]
    print(
        json.dumps(
            {
                "benchmark": "first_host",
                "unit": "ms",
                "goal": "< 1500",
                "preloaded_median": statistics.median(warm),
                "preloaded_max": max(warm),
                "not_preloaded_median": statistics.median(cold),
                "runs": RUNS,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

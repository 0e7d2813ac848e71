"""Issue 16's fuzz run: 10^6 generated and mutated frames through the decoder, the host's and
a member's engines and the room's ``decide``/``apply`` (``tests/protocol/fuzzing.py`` says
what is generated and counted). Goals: 0 crashes, 0 state changes from refused frames.

    .venv/bin/python benchmarks/fuzz.py [--frames N] [--seed S]

Prints one JSON object; exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import emit

from tests.protocol.fuzzing import run_fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    report = run_fuzz(args.frames, seed=args.seed, pool_size=5_000)
    emit({"benchmark": "fuzz", "seed": args.seed, **report.as_json()})
    return 0 if report.crashes == 0 and report.refused_changed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""The PyInstaller bundle's size, unpacked, and what takes it (issue 18: under 150 MB).

Groups the bundle's files by what brought them: a package folder under ``_internal``
(``PySide6/Qt/lib`` and ``PySide6/Qt/plugins`` apart, as the Qt libraries dominate), or a
shared library on its own. Prints JSON: the total, the budget and the largest parts in MB
(10^6 bytes, as ``du --si``). With ``--budget-mb N`` it exits 1 when the total is over.

    python benchmarks/bundle_size.py [dist/jamdesk] [--budget-mb 150] [--top 15]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

_SPLIT = ("PySide6/Qt/lib", "PySide6/Qt/plugins")


def part_of(relative: str) -> str:
    """The part of the bundle ``relative`` (a path inside ``_internal``) counts towards."""
    for prefix in _SPLIT:
        if relative.startswith(prefix + "/"):
            rest = relative[len(prefix) + 1 :]
            return f"{prefix}/{rest.split('/')[0]}" if prefix.endswith("lib") else prefix
    return relative.split("/", maxsplit=1)[0]


def measure(bundle: Path) -> tuple[int, Counter[str]]:
    """The bundle's total size in bytes and the size of each part (symbolic links not
    counted: they take no space of their own)."""
    parts: Counter[str] = Counter()
    internal = bundle / "_internal"
    total = 0
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        if path.is_relative_to(internal):
            parts[part_of(path.relative_to(internal).as_posix())] += size
        else:
            parts[f"{path.name} (executable and module archive)"] += size
    return total, parts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default="dist/jamdesk", type=Path)
    parser.add_argument("--budget-mb", type=float, default=150.0)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if not (args.bundle / "_internal").is_dir():
        parser.error(f"{args.bundle} is not a bundle: build it with bash packaging/build.sh")
    total, parts = measure(args.bundle)
    report = {
        "bundle": str(args.bundle),
        "total_mb": round(total / 1e6, 1),
        "budget_mb": args.budget_mb,
        "under_budget": total / 1e6 < args.budget_mb,
        "largest_mb": {name: round(size / 1e6, 1) for name, size in parts.most_common(args.top)},
    }
    print(json.dumps(report, indent=2))
    return 0 if report["under_budget"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

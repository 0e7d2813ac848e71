"""The house's rules (docs/ARCHITECTURE.md, "Layers"), checked on the code itself: imports
point down only, core/ and protocol/ stay pure, and no module imports itself round a
circle, imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "jamdesk"

BANNED = {
    "core": ("PySide6", "qasync", "asyncio", "aiortc", "aioice", "aiohttp", "zeroconf",
             "sqlalchemy", "alembic", "pygame", "jamdesk.protocol", "jamdesk.net",
             "jamdesk.store", "jamdesk.audio", "jamdesk.app", "jamdesk.ui", "jamdesk.cli"),
    "protocol": ("PySide6", "qasync", "asyncio", "aiortc", "aioice", "aiohttp", "zeroconf",
                 "sqlalchemy", "pygame", "jamdesk.net", "jamdesk.store", "jamdesk.audio",
                 "jamdesk.app", "jamdesk.ui", "jamdesk.cli"),
    "net": ("PySide6", "qasync", "jamdesk.ui", "jamdesk.app", "jamdesk.cli"),
    "store": ("PySide6", "qasync", "jamdesk.ui", "jamdesk.app", "jamdesk.net", "jamdesk.cli"),
    "audio": ("PySide6", "qasync", "jamdesk.ui", "jamdesk.app", "jamdesk.net", "jamdesk.cli"),
    "app": ("PySide6", "qasync", "jamdesk.ui", "jamdesk.cli"),
    "ui": ("jamdesk.cli",),
    "signal_server": ("PySide6", "qasync", "jamdesk.ui", "jamdesk.app", "jamdesk.net",
                      "jamdesk.cli", "jamdesk.store", "jamdesk.audio"),
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, at any depth, as (line, absolute name)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # "from jamdesk.core import codes" imports the module jamdesk.core.codes too
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_imports_point_down_only() -> None:
    crossing = []
    for name, path in modules().items():
        layer = name.split(".")[1] if name.count(".") else ""
        for line, target in imports(path):
            if any(target == b or target.startswith(b + ".") for b in BANNED.get(layer, ())):
                crossing.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert crossing == []


def test_no_module_imports_itself_round_a_circle() -> None:
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for _, imported in imports(path):
            target = imported
            while target and target not in known:  # "jamdesk.core.room.Event" -> module
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                targets.add(target)
        graph[name] = targets - {"jamdesk"}
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert circles == []

"""What Jamdesk loads from files at run time, listed from the code that loads it, and where a
built artefact (the wheel, an installed copy, the bundle) must carry it."""

from __future__ import annotations

from pathlib import Path

from jamdesk.app.audio import shipped_sound_files
from jamdesk.store.db import MIGRATIONS_DIR
from jamdesk.ui.theme import STYLE_SHEET
from jamdesk.ui.tray import icon_files

REPO = Path(__file__).resolve().parents[2]


def runtime_files() -> list[str]:
    """Every file the code reads at run time, as a path inside an installed ``jamdesk``
    package (``jamdesk/resources/style.qss``): the style sheet, the icons, the sounds, and
    Alembic's migration scripts (read as files, so a bundle must carry their sources)."""
    files = [f"jamdesk/resources/{STYLE_SHEET}"]
    files += [f"jamdesk/resources/{name}" for name in icon_files()]
    files += [f"jamdesk/resources/sounds/{name}" for name in shipped_sound_files()]
    files += [
        "jamdesk/store/migrations/" + path.relative_to(MIGRATIONS_DIR).as_posix()
        for path in sorted(MIGRATIONS_DIR.rglob("*"))
        if path.suffix in (".py", ".mako") and "__pycache__" not in path.parts
    ]
    return files


def source_path(installed: str) -> Path:
    """Where the file installed as ``installed`` lives in this checkout (``jamdesk/resources``
    is the ``resources/`` folder: pyproject.toml's package-dir)."""
    if installed.startswith("jamdesk/resources/"):
        return REPO / "resources" / installed.removeprefix("jamdesk/resources/")
    return REPO / installed


def missing_under(root: Path) -> list[str]:
    """The runtime files not found under ``root`` (a site-packages folder, or a bundle's
    ``_internal``)."""
    return [name for name in runtime_files() if not (root / name).is_file()]

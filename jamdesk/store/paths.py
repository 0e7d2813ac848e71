"""Where Jamdesk keeps its data: the platform's user data directory (platformdirs), unless
``--data-dir`` or the ``JAMDESK_DATA_DIR`` environment variable names another, so that several
instances can run side by side (docs/ARCHITECTURE.md, "Storage")."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "JAMDESK_DATA_DIR"
DB_NAME = "jamdesk.sqlite3"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory, created if missing: ``override``, else ``$JAMDESK_DATA_DIR``, else
    ``platformdirs.user_data_dir("jamdesk")``. Raises ``OSError`` if it cannot be created."""
    chosen = override or os.environ.get(ENV_VAR) or platformdirs.user_data_dir("jamdesk", False)
    path = Path(chosen).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path

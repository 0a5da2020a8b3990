"""Start-up policy: what the app and the command line do when the database file is missing (build the
demonstration data there). Kept apart from alliance.db so the data layer never depends on the demo generator."""
from __future__ import annotations

import fcntl
from pathlib import Path

from alliance.paths import database_path


def ensure_database(path: Path | str | None = None) -> Path:
    """Build the demonstration database when the file is missing. A lock file keeps two processes
    (say, two Streamlit workers starting together) from building it at the same time."""
    path = Path(path) if path else database_path()
    if path.exists():
        return path
    from alliance.demo import build_demo

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".build-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            build_demo(path)
    return path

"""Start-up policy: what the app and the command line do when the database file is missing (build the
demonstration data there). Kept apart from alliance.db so the data layer never depends on the demo generator."""
from __future__ import annotations

import ctypes
import ctypes.util
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


# glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, kept fixed
ARENAS = 2


def lean_allocators() -> dict[str, bool]:
    """Make the serving process hand freed memory back instead of keeping it for later (issue 14's peak memory).

    - Arrow (pandas' text columns) allocates from the C library instead of its own mimalloc pool, which kept
      what a page view's frames had used.
    - glibc serves every block of 128 KB or more with its own mapping, given back on free. By default it
      raises that threshold to the size of the largest block freed so far, after which a view's large frames
      and pickled cache entries come from the heap, where a few live blocks keep freed ones from going back.
    - At most two malloc arenas instead of eight a core: the server's many threads (one per page view) each
      kept one.

    Figures in the README's Speed section. Returns what took effect; without glibc its defaults stay."""
    import pyarrow

    applied = {"arrow_system_pool": False, "mmap_threshold": False, "arena_max": False}
    try:
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
        applied["arrow_system_pool"] = True
    except (NotImplementedError, pyarrow.ArrowException):
        pass
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is not None and hasattr(libc, "mallopt"):
        applied["mmap_threshold"] = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
        applied["arena_max"] = libc.mallopt(M_ARENA_MAX, ARENAS) == 1
    return applied

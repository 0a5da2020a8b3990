"""alliance.startup.lean_allocators: freed memory goes back to the system (issue 14's peak memory).

Each case runs in a process of its own, since the settings are process-wide."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Frees 100 MB of 256 KB blocks except the last one allocated, and prints how much RSS that gave back.
FREED_BACK = """
import ctypes, sys
from alliance import startup
applied = startup.lean_allocators() if sys.argv[1] == "lean" else {}
import pyarrow
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024

libc.free(libc.malloc(4 << 20))  # a large block freed: glibc's default raises its mapping threshold above it
size = 256 * 1024
blocks = [libc.malloc(size) for _ in range(400)]
for block in blocks:
    ctypes.memset(block, 1, size)
full = rss_mb()
for block in blocks[:-1]:  # the last stays alive, as a cache entry made after a page view's frames would
    libc.free(block)
print(round(full - rss_mb()), pyarrow.default_memory_pool().backend_name, sorted(k for k, v in applied.items() if v))
"""


def freed_back(mode: str) -> tuple[int, str, str]:
    out = subprocess.run([sys.executable, "-c", FREED_BACK, mode], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split(maxsplit=2)
    return int(out[0]), out[1], out[2].strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_lean_allocators_give_freed_blocks_back_and_arrow_uses_the_c_library():
    default_freed, default_pool, _ = freed_back("default")
    lean_freed, lean_pool, applied = freed_back("lean")
    assert default_freed < 20, f"glibc's default kept the freed blocks in its heap, yet gave back {default_freed} MB"
    assert lean_freed > 90, f"only {lean_freed} MB of the ~100 MB freed went back"
    assert default_pool != "system" and lean_pool == "system"
    assert applied == "['arena_max', 'arrow_system_pool', 'mmap_threshold']"

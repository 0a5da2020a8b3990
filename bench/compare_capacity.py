"""Viewer capacity of two (or more) checkouts in one run: N Streamlit sessions open a page at the same moment,
timed from the request to script finished, on a server of each checkout over the demo database that
checkout builds.
Beside the wall-clock times, the server process's CPU time per view (`cpu_ms_per_view`, from /proc): on a
shared machine the wall clock follows the other processes' load, the CPU a view costs much less.

    git worktree add --detach /tmp/before <rev> && ln -s "$PWD/.venv" /tmp/before/.venv
    .venv/bin/python bench/compare_capacity.py before=/tmp/before after=.

Loopback only, every burst bounded (300 s). A page that draws an error box counts as an error, not a view.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from alliance.app import load  # noqa: E402
from alliance.serve import checkout_demo, checkout_served, checkouts  # noqa: E402

# the two targets (map, benchmark), then the pages whose per-view work changed on 2026-11-26 night
CASES = [("map", "", 20), ("map", "", 50), ("benchmark", "city=aarhus-dk", 20), ("practices", "q=youth", 20),
         ("exchange", "", 20)]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def burst(url: str, page: str, query: str, n: int, pid: int | None = None) -> dict:
    sessions = [load.StreamlitSession(url) for _ in range(n)]
    await asyncio.gather(*(s.open() for s in sessions))
    cpu_before = cpu_seconds(pid) if pid else None
    times: list[float] = []
    errors = 0

    async def one(session):
        nonlocal errors
        started = time.perf_counter()
        try:
            elements = await session.run(page, query)
            times.append(time.perf_counter() - started)
            errors += any(e.WhichOneof("type") == "exception" for e in elements)
        except Exception:  # noqa: BLE001 - counted, the run goes on
            errors += 1

    await asyncio.wait_for(asyncio.gather(*(one(s) for s in sessions)), 300)
    cpu = cpu_seconds(pid) - cpu_before if pid else None
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return {"p50_s": round(load.percentile(times, 50), 2), "p95_s": round(load.percentile(times, 95), 2),
            "all_done_s": round(max(times), 2), "errors": errors,
            "cpu_ms_per_view": round(cpu * 1000 / n, 1) if cpu is not None else None}


async def measure(url: str, pid: int | None = None) -> dict:
    keeper = load.StreamlitSession(url)  # one session stays: Streamlit drops compiled scripts when none is left
    await keeper.open()
    for page, query, _ in CASES:
        await keeper.run("")
        await keeper.run(page, query)
    out = {f"/{page}{'?' + query if query else ''} x{n}": await burst(url, page, query, n, pid)
           for page, query, n in CASES}
    await keeper.close()
    return out


def main(argv: list[str]) -> None:
    trees = checkouts(argv, __doc__)
    work = Path(tempfile.mkdtemp(prefix="capacity-"))
    results = {}
    for label, tree in trees.items():
        source = checkout_demo(tree, work, label)
        with checkout_served(tree, source, work, label) as (proc, url, _):  # the start-up is not a visitor's cost
            results[label] = asyncio.run(measure(url, proc.pid))
    print(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])

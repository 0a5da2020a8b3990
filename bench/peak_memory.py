"""The server's peak memory (VmHWM) while 10 Chromium sessions open every page of `alliance.bench.PAGES`, on the
scale dataset (10,000 cities, 250,000 activities), for one or more checkouts (issue 14's target: under 450 MB).
The same measurement as `python -m alliance bench`'s browser part, without its hour of other timings.

    .venv/bin/python bench/peak_memory.py after=.                      # this checkout
    .venv/bin/python bench/peak_memory.py before=/tmp/before after=.   # two checkouts, one after the other

The server starts with its start-up warm-up (as in production) and is measured once `/readyz` says ready; the
dataset is built once into ALLIANCE_BENCH_DIR (default bench/data) when missing.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from alliance import bench  # noqa: E402
from alliance.serve import CHROMIUM, CHROMIUM_ARGS, start_streamlit, stop, wait_ready  # noqa: E402


def status_mb(pid: int) -> dict[str, float]:
    with open(f"/proc/{pid}/status") as f:
        return {line.split(":")[0]: round(int(line.split()[1]) / 1024, 1) for line in f
                if line.startswith(("VmHWM", "VmRSS"))}


def measure(tree: Path, dataset: Path, work: Path) -> dict:
    from playwright.sync_api import sync_playwright

    db = work / f"{tree.name or 'tree'}.duckdb"
    shutil.copyfile(dataset, db)
    started = time.perf_counter()
    proc, url = start_streamlit(tree / "app.py", db, work / "app.log")
    try:
        wait_ready(url, 600)
        out = {"ready_after_s": round(time.perf_counter() - started, 1), "at_ready": status_mb(proc.pid)}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            out["peak_mb_10_sessions"] = bench._peak_memory(browser, proc, url, [page[0] for page in bench.PAGES])
            browser.close()
        return out
    finally:
        stop(proc)


def main(argv: list[str]) -> None:
    trees = {label: Path(path).resolve() for label, path in (a.split("=", 1) for a in argv)}
    dataset, _ = bench.ensure_dataset("scale")
    work = Path(tempfile.mkdtemp(prefix="peak-memory-"))
    results = {}
    for label, tree in trees.items():
        results[label] = measure(tree, dataset, work)
        print(label, results[label], file=sys.stderr)
    print(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) < 2 or any("=" not in a for a in sys.argv[1:]):
        sys.exit(__doc__)
    main(sys.argv[1:])

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
from alliance.serve import CHROMIUM, CHROMIUM_ARGS, checkout_served, checkouts  # noqa: E402


def status_mb(pid: int) -> dict[str, float]:
    with open(f"/proc/{pid}/status") as f:
        return {line.split(":")[0]: round(int(line.split()[1]) / 1024, 1) for line in f
                if line.startswith(("VmHWM", "VmRSS"))}


def measure(tree: Path, dataset: Path, work: Path, name: str) -> dict:
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with checkout_served(tree, dataset, work, name, ready_timeout_s=600) as (proc, url, _):
        out = {"ready_after_s": round(time.perf_counter() - started, 1), "at_ready": status_mb(proc.pid)}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = [page[0] for page in bench.bench_pages(bench.sample_city(dataset))]  # real cities, not {city}
            out["peak_mb_10_sessions"], out["error_boxes"] = bench._peak_memory(browser, proc, url, pages)
            browser.close()
        return out


def main(argv: list[str]) -> None:
    trees = checkouts(argv, __doc__)
    dataset, _ = bench.ensure_dataset("scale")
    work = Path(tempfile.mkdtemp(prefix="peak-memory-"))
    results = {}
    for label, tree in trees.items():
        results[label] = measure(tree, dataset, work, label)
        print(label, results[label], file=sys.stderr)
    print(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""The first visit after a server start against a warm visit (issue 14's target: at most 1.5x), per page.

    .venv/bin/python bench/first_visit.py after=.                       # this checkout
    .venv/bin/python bench/first_visit.py before=/tmp/before after=.    # two checkouts in one run
    BENCH_PAGES=practices .venv/bin/python bench/first_visit.py after=.  # only the pages named (comma-separated)

For each page a fresh server is started on a copy of the demo database; as soon as it says it is ready
(`/readyz`, after its start-up warm-up; the time that took is reported), one new session opens the page (the first visit, timed from the request to script finished). Then five more new
sessions open it one after the other (warm visits: a new visitor on a warm server), median reported. Loopback
only; a page that draws an error box is reported as an error.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from alliance.app import load  # noqa: E402
from alliance.serve import checkout_demo, checkout_served, checkouts  # noqa: E402

# Liège, not Aarhus: the start-up visits one city's views (the first by id, aarhus-dk) and one search, and the
# figure wanted is a city's and a search's first visitor, not the warmed one's.
PAGES = [("", ""), ("map", ""), ("benchmark", "city=liege-be"), ("city", "city=liege-be"),
         ("practices", "q=youth"), ("exchange", ""), ("events", "")]
WARM_VISITS = 5
# a search's first visit is measured for more than one new term (on the same server, one after the other): one
# visit is a noisy figure, and each new term is a first visit of its own
MORE_SEARCHES = ["q=school", "q=families"]


async def visit(url: str, page: str, query: str) -> tuple[float, bool]:
    session = load.StreamlitSession(url)
    await session.open()
    started = time.perf_counter()
    try:
        elements = await asyncio.wait_for(session.run(page, query), 120)
    finally:
        await session.close()
    return time.perf_counter() - started, any(e.WhichOneof("type") == "exception" for e in elements)


async def measure(url: str, page: str, query: str, ready_s: float) -> dict:
    first, first_error = await visit(url, page, query)
    warm = [await visit(url, page, query) for _ in range(WARM_VISITS)]
    warm_s = statistics.median(t for t, _ in warm)
    return {"ready_after_s": round(ready_s, 2), "first_s": round(first, 3), "warm_s": round(warm_s, 3), "ratio": round(first / warm_s, 2),
            "errors": int(first_error) + sum(e for _, e in warm)}


def main(argv: list[str]) -> None:
    trees = checkouts(argv, __doc__)
    wanted = [p for p in os.environ.get("BENCH_PAGES", "").split(",") if p]
    work = Path(tempfile.mkdtemp(prefix="first-visit-"))
    results: dict = {}
    for label, tree in trees.items():
        results[label] = {}
        source = checkout_demo(tree, work, label)
        for page, query in PAGES:
            if wanted and page not in wanted:
                continue
            with checkout_served(tree, source, work, f"{label}-{page or 'home'}") as (_, url, ready_s):
                for q in [query] + (MORE_SEARCHES if page == "practices" else []):
                    name = f"/{page}{'?' + q if q else ''}"
                    results[label][name] = asyncio.run(measure(url, page, q, ready_s))
                    print(label, name, results[label][name], file=sys.stderr)
    print(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])

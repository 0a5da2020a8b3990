"""Warm rerun time per page on the scale dataset (issue 14's target: 250 ms), for one or more checkouts in one
run: one Streamlit session reruns each page of `alliance.bench.PAGES` that a visitor sees, 5 times after 2
warm-up runs (median, in ms); two rounds, the checkouts taking turns. Minutes, against the hour of
`python -m alliance bench`.

    .venv/bin/python bench/warm_reruns.py before=/tmp/before after=.
"""
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from alliance import bench
from alliance.app import load
from alliance.serve import checkout_served, checkouts


async def warm_rerun_ms(url: str, city: str) -> dict[str, int]:
    session = load.StreamlitSession(url)
    await session.open()
    out = {}
    for label, name, _params, _map in bench.bench_pages(city):
        if name in bench.SIGNED_IN:  # a visitor's session: those pages would show their sign-in form
            continue
        page, _, query = label.lstrip("/").partition("?")
        for _ in range(2):
            await session.run(page, query)
        seconds = []
        for _ in range(5):
            started = time.perf_counter()
            await session.run(page, query)
            seconds.append(time.perf_counter() - started)
        out[label] = round(statistics.median(seconds) * 1000)
    await session.close()
    return out


def main(argv: list[str]) -> None:
    trees = checkouts(argv, __doc__)
    dataset, _ = bench.ensure_dataset("scale")
    city = bench.sample_city(dataset)
    work = Path(tempfile.mkdtemp(prefix="warm-reruns-"))
    results: dict[str, list] = {}
    for _ in range(2):
        for label, tree in trees.items():
            with checkout_served(tree, dataset, work, label, ready_timeout_s=600) as (_proc, url, _ready):
                results.setdefault(label, []).append(asyncio.run(warm_rerun_ms(url, city)))
            print(label, results[label][-1], file=sys.stderr, flush=True)
    print(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])

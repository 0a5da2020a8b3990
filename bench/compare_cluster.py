"""Cluster mode's capacity, one command: 50 viewers open /map at the same moment through the proxy, with 1 app
process and with 2, in the same run, over the same PostgreSQL (a private one, started here) and demo data.

    .venv/bin/python bench/compare_cluster.py            # 4 rounds of (1 process, 2 processes), one burst each
    .venv/bin/python bench/compare_cluster.py --viewers 50 --rounds 4 --bursts 1 --out bench/cluster.json

Each configuration is started by scripts/run-cluster.sh N (PostgreSQL, N processes, HAProxy), every process is
warmed directly (each keeps one session open, as a visitor would), then the viewers open /map through the proxy
at once, `--bursts` times; timed from the request to script finished (as bench/compare_capacity.py does), and
the process that served each viewer is counted (the proxy's X-Alliance-Node header). The figure is the time
until the last viewer's page finished, median over the bursts; the ratio is 2 processes against 1 (the issue's
target: <= 0.6). The order of the two configurations alternates from round to round. One burst per start by
default: each burst leaves 50 disconnected sessions that Streamlit keeps for a while, and later bursts on the
same process are slower (seen in both modes: 2.7, 5.3, 6.1, 8.0 s for four bursts on one plain process).
The machine's load average is recorded before each burst: other work on the machine changes the figures.
Loopback only, every burst bounded (300 s).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from alliance import serve  # noqa: E402
from alliance.app import load  # noqa: E402
from alliance.demo import build_demo  # noqa: E402


async def burst(url: str, viewers: int) -> dict:
    """`viewers` sessions open /map at the same moment through the proxy."""
    sessions = [load.StreamlitSession(url) for _ in range(viewers)]
    await asyncio.gather(*(s.open() for s in sessions))
    nodes: dict[str, int] = {}
    for s in sessions:
        node = s.ws.response.headers.get("X-Alliance-Node", "?")
        nodes[node] = nodes.get(node, 0) + 1
    times: list[float] = []
    errors = 0

    async def one(session):
        nonlocal errors
        started = time.perf_counter()
        try:
            elements = await session.run("map")
            times.append(time.perf_counter() - started)
            errors += any(e.WhichOneof("type") == "exception" for e in elements)
        except Exception:  # noqa: BLE001 - counted, the run goes on
            errors += 1

    await asyncio.wait_for(asyncio.gather(*(one(s) for s in sessions)), 300)
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return {"p50_s": round(load.percentile(times, 50), 2), "all_done_s": round(max(times), 2), "errors": errors,
            "served_by": dict(sorted(nodes.items()))}


async def warm(url: str) -> load.StreamlitSession:
    """A fresh process's first visits import the libraries and fill its caches: run the pages once, keep the
    session open (Streamlit drops compiled page scripts when no session is left)."""
    keeper = load.StreamlitSession(url)
    await keeper.open()
    for page in ("", "map", "", "map"):
        await keeper.run(page)
    return keeper


async def measure(cluster: serve.Cluster, processes: int, viewers: int, bursts: int) -> list[dict]:
    keepers = [await warm(cluster.app_url(n)) for n in range(1, processes + 1)]
    try:
        results = []
        for _ in range(bursts):
            await asyncio.sleep(2)  # the last burst's garbage collection settles
            load_before = os.getloadavg()[0]
            result = await burst(cluster.url, viewers)
            result.update(processes=processes, viewers=viewers, load_1min_before=round(load_before, 2))
            print(json.dumps(result), flush=True)
            results.append(result)
        return results
    finally:
        await asyncio.gather(*(k.close() for k in keepers), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4, help="rounds of (1 process, 2 processes)")
    parser.add_argument("--bursts", type=int, default=1, help="bursts of viewers per configuration and round")
    parser.add_argument("--out", default="bench/cluster.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="compare-cluster-"))
    source = work / "demo.duckdb"
    build_demo(source)
    runs = []
    with serve.private_postgres() as server:
        for round_number in range(1, args.rounds + 1):
            for processes in ((1, 2) if round_number % 2 else (2, 1)):
                with serve.running_cluster(server.url, source, processes=processes) as cluster:
                    for result in asyncio.run(measure(cluster, processes, args.viewers, args.bursts)):
                        runs.append(result | {"round": round_number})
    median = {n: statistics.median(r["all_done_s"] for r in runs if r["processes"] == n) for n in (1, 2)}
    report = {"when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "cpus": os.cpu_count(),
              "viewers": args.viewers, "page": "/map", "runs": runs,
              "median_all_done_s": median, "ratio_2_to_1": round(median[2] / median[1], 2)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1))
    print(f"\n{args.viewers} viewers opening /map at once through HAProxy: the last finished after "
          f"{median[1]:.2f} s with 1 process, {median[2]:.2f} s with 2 (medians of {args.rounds * args.bursts} "
          f"burst(s) each): "
          f"{report['ratio_2_to_1']}x. Load average (1 min) before the bursts: "
          f"{', '.join(str(r['load_1min_before']) for r in runs)}. Written to {args.out}")


if __name__ == "__main__":
    main()

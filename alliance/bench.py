"""`python -m alliance bench`: how fast the dashboard is, page by page, on demonstration and scale data.

Measures, per dataset:
- each page's script time, cold (caches cleared) and warm (median of reruns), with AppTest in a child
  process; on /explore each timed run also runs the default named query, as pressing its Run button does;
- each page's browser settle time next to a one-line Streamlit page (and, for map pages, next to a page that
  holds one bare pydeck map of the same points), and the bytes the server sent to the browser;
- each named query's DuckDB time;
- the build time of the scale dataset, and the server's peak memory while 10 browser sessions browse;
- the open-data API over HTTP (`api_times`): each URL's first (cold) answer, then p50/p95 of warm repeats
  and of ETag revalidations (304).
Prints a table and writes a JSON file. Nothing here asserts a target: the figures are for people to read.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alliance.paths import REPO_ROOT

BENCH_DIR = Path(os.environ.get("ALLIANCE_BENCH_DIR", Path(tempfile.gettempdir()) / "alliance-bench"))
SCALE = dict(cities=10_000, activities=250_000, rounds=10)

# (label, page file, query parameters, is a map page). `{city}` is replaced by a member id of the dataset.
# Every page app.py registers is here (tests/test_bench.py checks); those in SIGNED_IN run as the
# demonstration administrator, the others as a visitor.
PAGES = [
    ("/", "overview", {}, False),
    ("/map", "map", {}, True),
    ("/practices?q=youth&approach=family_support", "practices", {"q": "youth", "approach": "family_support"}, False),
    ("/benchmark?city={city}", "benchmark", {"city": "{city}"}, False),
    ("/city?city={city}", "city", {"city": "{city}"}, True),
    ("/explore", "explore", {}, False),
    ("/events", "events", {}, False),
    ("/exchange", "exchange", {}, False),
    ("/inbox", "inbox", {}, False),
    ("/present?slides=figures", "present", {"slides": "figures"}, False),
    ("/poll", "poll", {}, False),
    ("/assess?city={city}", "assess", {"city": "{city}"}, False),
    ("/round-review", "round_review", {}, False),
    ("/plan?city={city}", "plan", {"city": "{city}"}, False),
    ("/submit?city={city}", "submit", {"city": "{city}"}, False),
    ("/review", "review", {}, False),
    ("/admin", "admin", {}, False),
]
SIGNED_IN = {"assess", "round_review", "plan", "submit", "review", "inbox", "admin"}
MISSING = "page file missing"


def dataset_path(name: str) -> Path:
    return BENCH_DIR / f"{name}.duckdb"


def ensure_dataset(name: str) -> tuple[Path, float | None]:
    """The dataset's file, built when missing; returns the build time when it was built now."""
    from alliance.demo import build_demo

    path = dataset_path(name)
    if path.exists():
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    build_demo(path, **(SCALE if name == "scale" else {}))
    return path, time.perf_counter() - started


def sample_city(path: Path) -> str:
    from alliance import db

    con = db.connect(path, read_only=True)
    try:
        return con.execute("SELECT member_id FROM assessments GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
                           ).fetchone()[0]
    finally:
        con.close()


def bench_pages(city: str) -> list[tuple[str, str, dict, bool]]:
    """Every benchmarked page with the dataset's city filled in. A page whose file is missing stays in the
    list: the bench reports it as an error instead of leaving it out of the table."""
    return [(label.replace("{city}", city), name, {k: v.replace("{city}", city) for k, v in params.items()}, is_map)
            for label, name, params, is_map in PAGES]


def missing_pages(pages: list) -> list[str]:
    return [label for label, name, *_ in pages if not (REPO_ROOT / "pages" / f"{name}.py").exists()]


def time_named_queries(path: Path, city: str, runs: int) -> dict[str, float]:
    """Median DuckDB time of every named query, with sample values for parameters without a default."""
    from alliance import db

    samples = {"city": city, "member_id": city, "city_id": city, "id": None, "q": "youth", "round_year": 2025}
    con = db.connect(path, read_only=True)
    out = {}
    try:
        for query in db.list_queries():
            params = {}
            for p in query.params:
                if p.default is None:
                    params[p.name] = samples.get(p.name)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                try:
                    db.run_query(con, query.name, **params)
                except Exception:  # noqa: BLE001 - a query needing values we cannot guess is skipped
                    times = []
                    break
                times.append(time.perf_counter() - started)
            if times:
                out[query.name] = statistics.median(times) * 1000
    finally:
        con.close()
    return out


def script_times(path: Path, pages: list, runs: int, user: str = "admin") -> dict[str, dict]:
    """Cold and warm script time per page, with AppTest in a child process bound to this dataset; a page
    whose file is missing gets an error, not a time. The pages in SIGNED_IN run as `user` (an editor sees
    only their own cities, the administrator all of them)."""
    missing = missing_pages(pages)
    out = {label: {"cold_ms": None, "warm_ms": None, "errors": [MISSING]} for label in missing}
    present = [p for p in pages if p[0] not in missing]
    if not present:
        return out
    code = f"""
import json, os, statistics, sys, time
sys.path.insert(0, {str(REPO_ROOT)!r})
os.environ["ALLIANCE_DB"] = {str(path)!r}
import streamlit as st
from streamlit.testing.v1 import AppTest
from alliance.app.apptest import run_pages_through_app_py
from alliance.app.data import clear_caches
run_pages_through_app_py()
pages = json.loads(sys.argv[1]); runs = int(sys.argv[2]); out = {{}}
signed_in = set(json.loads(sys.argv[3]))
for label, name, params, _ in pages:
    at = AppTest.from_file({str(REPO_ROOT / "app.py")!r}, default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    if name in signed_in:
        from alliance.app.session import SESSION_KEY
        at.session_state[SESSION_KEY] = sys.argv[4]
    at.run()
    if name != "overview":
        at.switch_page(f"pages/{{name}}.py")
    def press():  # /explore: each timed run runs its default named query, as an analyst's click does
        for button in at.button:
            if (button.key or "").startswith("FormSubmitter:named_query"):
                button.click()
    clear_caches()
    press(); t = time.perf_counter(); at.run(); cold = time.perf_counter() - t
    warm = []
    for _ in range(runs):
        press(); t = time.perf_counter(); at.run(); warm.append(time.perf_counter() - t)
    out[label] = {{"cold_ms": round(cold * 1000, 1), "warm_ms": round(statistics.median(warm) * 1000, 1),
                   "errors": [str(e.value)[:200] for e in at.exception]}}
print(json.dumps(out))
"""
    result = subprocess.run([sys.executable, "-c", code, json.dumps(present), str(runs), json.dumps(sorted(SIGNED_IN)),
                             user],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return {**json.loads(result.stdout.strip().splitlines()[-1]), **out}


BARE_MAP_PAGE = """
import duckdb, os, pydeck as pdk, streamlit as st
con = duckdb.connect(os.environ["ALLIANCE_DB"], read_only=True)
points = con.execute("SELECT longitude AS lon, latitude AS lat FROM members").df()
layer = pdk.Layer("ScatterplotLayer", points, id="points", get_position=["lon", "lat"], get_radius=6000,
                  get_fill_color=[31, 78, 137])
st.pydeck_chart(pdk.Deck(layers=[layer], map_provider=None,
                         initial_view_state=pdk.ViewState(latitude=52, longitude=12, zoom=3.2)))
"""


def browser_times(path: Path, pages: list, runs: int) -> dict:
    """Settle time and bytes per page, with a one-line page and a bare map page measured in the same run."""
    from playwright.sync_api import sync_playwright

    from alliance.serve import CHROMIUM, CHROMIUM_ARGS, start_app, start_streamlit, stop

    work = Path(tempfile.mkdtemp(prefix="alliance-bench-"))
    db_copy = work / "alliance.duckdb"
    shutil.copyfile(path, db_copy)
    (work / "hello.py").write_text("import streamlit as st\nst.title('hello')\nst.write('baseline')\n")
    (work / "bare_map.py").write_text(BARE_MAP_PAGE)
    servers = []
    try:
        app, app_url = start_app(db_copy, work / "app.log")
        servers.append(app)
        hello, hello_url = start_streamlit(work / "hello.py", db_copy, work / "hello.log")
        servers.append(hello)
        bare_copy = work / "bare.duckdb"  # its own file: the app's process holds the lock on db_copy
        shutil.copyfile(path, bare_copy)
        bare, bare_url = start_streamlit(work / "bare_map.py", bare_copy, work / "bare.log")
        servers.append(bare)
        out: dict = {"pages": {}}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            out["baseline_s"] = _median_settle(browser, hello_url + "/", runs)[0]
            out["bare_map_s"] = _median_settle(browser, bare_url + "/", runs, canvas=True)[0]
            for label, _name, _params, is_map in pages:
                settle, sent = _median_settle(browser, app_url + label, runs, canvas=is_map)
                reference = out["bare_map_s"] if is_map else out["baseline_s"]
                out["pages"][label] = {"settle_s": settle, "ratio": round(settle / reference, 2) if reference else None,
                                       "compared_with": "bare map page" if is_map else "one-line page",
                                       "bytes_sent": sent}
            out["peak_memory_mb_10_sessions"], out["peak_memory_error_boxes"] = _peak_memory(
                browser, app, app_url, [p[0] for p in pages])
            browser.close()
        return out
    finally:
        for s in servers:
            stop(s)


def _median_settle(browser, url: str, runs: int, canvas: bool = False) -> tuple[float, int]:
    settles, sizes = [], []
    for _ in range(runs + 1):  # the first visit warms the server's caches and is not counted
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        sent = [0]

        def on_ws(ws):
            ws.on("framereceived", lambda payload: sent.__setitem__(0, sent[0] + len(payload)))

        def on_response(response):
            # large messages and media travel over HTTP beside the websocket
            if "/_stcore/message" in response.url or "/media/" in response.url:
                sent[0] += int(response.headers.get("content-length") or 0)

        page.on("websocket", on_ws)
        page.on("response", on_response)
        started = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)
        if canvas:
            page.wait_for_selector("canvas", timeout=120_000)
        _hold_still(page)
        settles.append(time.perf_counter() - started - 0.5)
        sizes.append(sent[0])
        context.close()
    return round(statistics.median(settles[1:]), 3), int(statistics.median(sizes[1:]))


def _hold_still(page, quiet_s: float = 0.5, limit_s: float = 60) -> None:
    """Wait until no spinner shows and the DOM stops growing for `quiet_s` (as look.py does)."""
    last, since, start = -1, time.time(), time.time()
    while time.time() - start < limit_s:
        n = page.evaluate("() => document.querySelectorAll('*').length")
        busy = page.locator("[data-testid='stSpinner'], [data-testid='stSkeleton']").count()
        if n != last or busy:
            last, since = n, time.time()
        elif time.time() - since >= quiet_s:
            return
        time.sleep(0.05)


def _peak_memory(browser, server, url: str, labels: list[str], sessions: int = 10) -> tuple[float, int]:
    """Peak resident memory (VmHWM) of the server after `sessions` browser sessions visit every page, and the
    number of error boxes they saw (a memory cap that made a page fail would not count as a saving)."""
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(sessions)]
    pages = [c.new_page() for c in contexts]
    errors = 0
    for label in labels:
        for page in pages:  # start all sessions' navigations before waiting for any
            page.goto(url + label, wait_until="commit", timeout=120_000)
        for page in pages:
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=180_000)
            errors += page.locator("[data-testid='stException']").count()
    for c in contexts:
        c.close()
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1), errors
    return float("nan"), errors


# the API URLs timed; the first is the target (p95 under 50 ms warm at the scale dataset)
API_URLS = ("/api/v1/practices?q=youth", "/api/v1/practices?q=youth&approach=family_support&_format=csv",
            "/api/v1/members?limit=1000", "/api/v1/distributions", "/api/v1/framework")
API_TARGET_P95_MS = 50.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered))) - 1))]


def api_times(path: Path, requests: int = 200) -> dict:
    """Per API URL, over HTTP on one kept-alive connection to a real app server: the cold first answer, then
    `requests` warm repeats (p50, p95, max) and as many revalidations with If-None-Match (304)."""
    import http.client
    from urllib.parse import urlsplit

    from alliance.serve import start_app, stop

    work = Path(tempfile.mkdtemp(prefix="alliance-bench-api-"))
    db_copy = work / "alliance.duckdb"
    shutil.copyfile(path, db_copy)
    saved = os.environ.get("ALLIANCE_API_RATE")
    os.environ["ALLIANCE_API_RATE"] = str(100 * requests)  # the bench is one client: keep it under the limit
    try:
        server, url = start_app(db_copy, work / "app.log")
    finally:
        if saved is None:
            os.environ.pop("ALLIANCE_API_RATE", None)
        else:
            os.environ["ALLIANCE_API_RATE"] = saved
    out: dict = {}
    try:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=120)

        def fetch(target: str, headers: dict | None = None) -> tuple[float, int, str]:
            started = time.perf_counter()
            connection.request("GET", target, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return (time.perf_counter() - started) * 1000, response.status, response.getheader("ETag") or ""

        for target in API_URLS:
            cold_ms, status, etag = fetch(target)
            warm = [fetch(target)[0] for _ in range(requests)]
            revalidate = [fetch(target, {"If-None-Match": etag}) for _ in range(requests)]
            out[target] = {"status": status, "cold_ms": round(cold_ms, 1),
                           "warm_p50_ms": round(statistics.median(warm), 2),
                           "warm_p95_ms": round(_percentile(warm, 0.95), 2), "warm_max_ms": round(max(warm), 2),
                           "revalidate_p95_ms": round(_percentile([r[0] for r in revalidate], 0.95), 2),
                           "revalidate_status": sorted({r[1] for r in revalidate}), "requests": requests}
        connection.close()
    finally:
        stop(server)
        shutil.rmtree(work, ignore_errors=True)
    return out


def run_api(datasets: list[str], out: Path, requests: int = 200) -> dict:
    """`bench --api`: only the API phase, for each dataset."""
    report: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "machine": {
        "cpus": os.cpu_count(), "platform": platform.platform()}, "target_p95_ms": API_TARGET_P95_MS, "datasets": {}}
    for name in datasets:
        path, built_s = ensure_dataset(name)
        print(f"[{name}] API…", file=sys.stderr)
        report["datasets"][name] = {"path": str(path), "api": api_times(path, requests)}
        if built_s is not None:
            report["datasets"][name]["build_s"] = round(built_s, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(format_api_table(report))
    print(f"\nWritten to {out}")
    return report


def format_api_table(report: dict) -> str:
    lines = []
    for name, entry in report["datasets"].items():
        lines.append(f"\n== {name}: API over HTTP ({next(iter(entry['api'].values()))['requests']} warm requests each)")
        lines.append(f"{'URL':66} {'cold ms':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'304 p95':>8}")
        for target, s in entry["api"].items():
            lines.append(f"{target[:66]:66} {s['cold_ms']:>8} {s['warm_p50_ms']:>7} {s['warm_p95_ms']:>7} "
                         f"{s['warm_max_ms']:>7} {s['revalidate_p95_ms']:>8}" + ("" if s["status"] == 200 else
                                                                                  f"  HTTP {s['status']}"))
    return "\n".join(lines)


def run(datasets: list[str], runs: int, browser: bool, out: Path) -> dict:
    report: dict = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                "python": platform.python_version()},
                    "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "datasets": {}}
    for name in datasets:
        path, built_s = ensure_dataset(name)
        city = sample_city(path)
        pages = bench_pages(city)
        entry: dict = {"path": str(path), "sample_city": city}
        if built_s is not None:
            entry["build_s"] = round(built_s, 1)
        print(f"[{name}] named queries…", file=sys.stderr)
        entry["queries_ms"] = {k: round(v, 1) for k, v in time_named_queries(path, city, runs).items()}
        print(f"[{name}] script times…", file=sys.stderr)
        entry["script"] = script_times(path, pages, runs)
        print(f"[{name}] API…", file=sys.stderr)
        entry["api"] = api_times(path)
        if browser:
            print(f"[{name}] browser…", file=sys.stderr)
            # in the browser, the pages a visitor opens (the signed-in ones would show the sign-in form)
            public = [p for p in pages if p[1] not in SIGNED_IN and p[0] not in missing_pages(pages)]
            entry["browser"] = browser_times(path, public, max(1, min(runs, 3)))
        report["datasets"][name] = entry
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(format_table(report))
    print(f"\nWritten to {out}")
    return report


def format_table(report: dict) -> str:
    lines = []
    for name, entry in report["datasets"].items():
        lines.append(f"\n== {name} ({entry['path']})" + (f", built in {entry['build_s']} s" if "build_s" in entry else ""))
        lines.append(f"{'page':46} {'cold ms':>9} {'warm ms':>9} {'settle s':>9} {'ratio':>6} {'kB sent':>9}")
        browser = entry.get("browser", {}).get("pages", {})
        for label, s in entry["script"].items():
            b = browser.get(label, {})
            lines.append(f"{label[:46]:46} {s['cold_ms'] or '-':>9} {s['warm_ms'] or '-':>9} {b.get('settle_s', '-'):>9} "
                         f"{b.get('ratio', '-'):>6} {round(b['bytes_sent'] / 1024, 1) if b else '-':>9}"
                         + (f"  ERROR {s['errors'][0]}" if s["errors"] else ""))
        if "browser" in entry:
            bw = entry["browser"]
            lines.append(f"one-line page {bw['baseline_s']} s, bare map page {bw['bare_map_s']} s, "
                         f"server peak memory with 10 sessions {bw['peak_memory_mb_10_sessions']} MB")
        slow = sorted(entry["queries_ms"].items(), key=lambda kv: -kv[1])[:8]
        lines.append("slowest named queries (ms): " + ", ".join(f"{k} {v}" for k, v in slow))
        if "api" in entry:
            lines.append(format_api_table({"datasets": {name: entry}}).lstrip("\n"))
    return "\n".join(lines)

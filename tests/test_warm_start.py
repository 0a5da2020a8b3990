"""A fresh server warms itself before it says it is ready: /readyz answers 503 while it visits its own main
pages once (alliance.app.load.visit_own_pages), then 200; no visit fails. The other test servers skip the
visit but for their entry page (ALLIANCE_WARM_VISITS=entry in conftest); with 0, a server is ready as soon as
its caches are warm."""
from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.request

from alliance.serve import start_app, stop


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def _statuses_until_ready(url: str, timeout_s: float = 120) -> list[int]:
    seen = []
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        seen.append(_status(url))
        if seen[-1] == 200:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"/readyz never answered 200: {seen[-5:]}")


def _serve_until_ready(demo_db, tmp_path) -> tuple[list[int], str]:
    """Start a server on a copy of the demonstration data, wait until /readyz says 200 and stop it: the statuses
    seen on the way and the server's log."""
    db = tmp_path / "alliance.duckdb"
    shutil.copyfile(demo_db, db)
    log = tmp_path / "streamlit.log"
    proc, url = start_app(db, log)
    try:
        seen = _statuses_until_ready(url)
    finally:
        stop(proc)
    return seen, log.read_text()


def test_a_fresh_server_visits_its_pages_before_it_is_ready(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_WARM_VISITS", "1")
    monkeypatch.setenv("ALLIANCE_WARM_CITIES", "2")  # fewer than the scored cities: none of their views, in seconds
    seen, log = _serve_until_ready(demo_db, tmp_path)
    assert seen[0] == 503 and set(seen) == {503, 200}, seen
    from alliance.app.load import WARM_PAGES

    pages = len(WARM_PAGES) + 1  # and one search
    assert f"alliance: warmed {pages} of {pages} pages" in log
    assert "warm-up visit" not in log  # no page failed
    assert "warming the caches failed" not in log


def test_without_the_visit_the_server_is_ready_once_its_caches_are_warm(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_WARM_VISITS", "0")
    seen, log = _serve_until_ready(demo_db, tmp_path)
    assert seen[-1] == 200
    assert "alliance: warmed" not in log


def test_the_warm_up_visits_every_scored_citys_views_unless_there_are_too_many(app_env, writable_db):
    import duckdb

    from alliance.app.load import WARM_PAGES, warm_pages

    con = duckdb.connect(str(writable_db))  # the same data as the app's copy, which the app's caches hold open
    try:
        scored = sorted(r[0] for r in con.execute(
            "SELECT DISTINCT a.member_id FROM assessments a JOIN members m ON m.id = a.member_id "
            "WHERE a.round_year = (SELECT max(round_year) FROM assessments) "
            "AND a.status IN ('submitted', 'validated') AND m.status <> 'former'").fetchall())
    finally:
        con.close()
    assert len(scored) > 3
    pages = warm_pages(len(scored))
    assert pages[:len(WARM_PAGES)] == WARM_PAGES and ("practices", "q=prevention") in pages
    assert [q for p, q in pages if p == "benchmark" and q] == [f"city={c}" for c in scored]
    assert [q for p, q in pages if p == "city" and q] == [f"city={c}" for c in scored]
    assert not [q for p, q in warm_pages(len(scored) - 1) if q.startswith("city=")]


def test_the_entry_visit_runs_only_the_overview_before_the_server_is_ready(demo_db, tmp_path, monkeypatch):
    """ALLIANCE_WARM_VISITS=entry (the test servers): one run of app.py, so that a first visit straight to a
    sub-page already runs inside the app's shell."""
    monkeypatch.setenv("ALLIANCE_WARM_VISITS", "entry")
    seen, log = _serve_until_ready(demo_db, tmp_path)
    assert seen[-1] == 200
    assert "alliance: warmed 1 of 1 pages" in log
    assert "warm-up visit" not in log

"""Cluster mode end to end (alliance.store, scripts/run-cluster.sh, deploy/haproxy.cfg): a real PostgreSQL, two
app processes and HAProxy, started by the README's command. Two browser contexts are pinned to the two processes
by the proxy's affinity cookie; a round submitted through one shows on /benchmark in the other within 2 s. Then
one process is killed while phones answer a poll: its visitors go on on the other, and no answer is lost."""
from __future__ import annotations

import asyncio
import html
import os
import signal
import time

import duckdb
import pytest

from alliance import scoring
from alliance.i18n import fmt_number
from conftest import run_coroutine
from cluster_helpers import get, private_postgres, running_cluster, wait_for
from e2e.helpers import LAPTOP, error_boxes, open_page, run_after, sign_in, wait_idle

pytestmark = pytest.mark.browser

LEVEL = 4


@pytest.fixture(scope="module")
def cluster(demo_db):
    with private_postgres() as server, running_cluster(server.url, demo_db, processes=2) as running:
        yield running


def pinned(browser, cluster, node: str):
    """A browser context whose every request the proxy sends to app process `node` (app1, app2)."""
    context = browser.new_context(**LAPTOP)
    context.add_cookies([{"name": "ALLIANCE_NODE", "value": node, "url": cluster.url}])
    return context


def served_by(cluster, node: str) -> str | None:
    try:
        _, headers, _ = get(cluster.url + "/_stcore/health", cookie=f"ALLIANCE_NODE={node}")
    except OSError:  # urllib's HTTPError (a 502 or 503 while the proxy learns a process is gone) included
        return None
    return headers.get("X-Alliance-Node")


def overall_index(page) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Overall index").first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_the_proxy_keeps_a_browser_on_its_process(cluster):
    assert served_by(cluster, "app1") == "app1" and served_by(cluster, "app2") == "app2"
    status, headers, _ = get(cluster.url + "/")
    assert status == 200 and "ALLIANCE_NODE=" in headers.get("Set-Cookie", "")


def test_a_round_submitted_through_one_process_shows_on_the_other_within_2_s(browser, cluster, demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    invented = dict(con.execute(
        "SELECT s.dimension_id, s.level FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id "
        "WHERE a.member_id = 'aarhus-dk' AND a.round_year = 2025").fetchall())
    con.close()
    expected = fmt_number(scoring.index_of_levels({d: LEVEL for d in range(1, 15)}))
    assert expected != fmt_number(scoring.index_of_levels(invented))

    writer_context, reader_context = pinned(browser, cluster, "app1"), pinned(browser, cluster, "app2")
    try:
        reader = reader_context.new_page()
        benchmark = cluster.url + "/benchmark?city=aarhus-dk&round=2025"
        open_page(reader, benchmark)
        reader.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
        before = overall_index(reader)
        assert before != expected

        writer = writer_context.new_page()
        open_page(writer, cluster.url + "/assess?city=aarhus-dk&round=2025")
        sign_in(writer, "editor-aarhus", "demo-editor-2015", "[data-testid='stRadio']")
        radios = writer.locator("[data-testid='stRadio']")
        assert radios.count() == 14
        for i in range(14):  # each choice reruns the page: a click during that rerun could be lost
            run_after(writer, radios.nth(i).locator("[data-testid='stRadioOption']").nth(LEVEL).click,
                      shows=f"text={i + 1} of 14 answered")
        writer.get_by_role("button", name="Submit the round").click()
        writer.wait_for_selector("text=is submitted", timeout=60_000)
        saved_at = time.monotonic()
        assert error_boxes(writer) == []

        # the other process shows it: a page opened 2 s after the save reads the new scores
        time.sleep(max(0.0, saved_at + 2.0 - time.monotonic()))
        open_page(reader, benchmark)
        reader.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
        assert overall_index(reader) == expected, (before, expected)
        assert error_boxes(reader) == []
        assert served_by(cluster, "app2") == "app2"
    finally:
        writer_context.close()
        reader_context.close()


RADIO = r'<input[^>]*type="radio"[^>]*name="(q\d+)"[^>]*value="([^"]*)"'
HIDDEN = r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"'


def test_killing_one_process_loses_no_answer_and_its_visitors_go_on(browser, cluster):
    import re

    import psycopg

    from alliance import db, poll, store, vote
    from alliance.app.load import HttpClient

    shared = store.Store(cluster.database_url)
    db.set_writer(shared.write)
    try:
        code = poll.open_poll(shared.reads, [1, 2], "test")
    finally:
        db.set_writer(None)

    async def phone(number: int, results: list) -> None:
        client = HttpClient(cluster.url)
        client.cookies["ALLIANCE_NODE"] = "app1" if number % 2 else "app2"
        for _ in range(20):  # a phone whose page failed loads it again, as a person would
            try:
                status, _, body = await client.request("GET", f"/vote/{code}")
                if status != 200:
                    raise OSError(f"HTTP {status}")
                page = body.decode()
                form = {k: html.unescape(v) for k, v in re.findall(HIDDEN, page)}
                form.update({name: value for name, value in re.findall(RADIO, page)[::6]})
                status, headers, _ = await client.request("POST", f"/vote/{code}", form=form)
                if status == 303:
                    results.append(client.cookies[vote.COOKIE])
                    return
            except (OSError, IndexError, ValueError):  # refused, or cut by the killed process: send again
                pass
            await asyncio.sleep(0.3)

    async def room(count: int, kill_after: int) -> list:
        results: list = []
        tasks = []
        for number in range(count):
            if number == kill_after:
                os.kill(cluster.app_pid(1), signal.SIGKILL)
                # the proxy sees it down within 2 s and sends app1's browsers to app2
                await asyncio.get_running_loop().run_in_executor(
                    None, wait_for, lambda: served_by(cluster, "app1") == "app2", 10)
            tasks.append(asyncio.create_task(phone(number, results)))
            await asyncio.sleep(0.05)
        await asyncio.gather(*tasks)
        return results

    context = pinned(browser, cluster, "app1")
    try:
        visitor = context.new_page()
        open_page(visitor, cluster.url + "/")
        confirmed = run_coroutine(room(40, kill_after=15))
        assert len(confirmed) == 40  # every phone got its answer confirmed, on one process or the other

        with psycopg.connect(cluster.database_url) as conn:
            stored = {r[0]: r[1] for r in conn.execute(
                "SELECT participant, count(*) FROM poll_answers WHERE poll_code = %s GROUP BY 1", [code])}
        assert all(stored.get(token) == 2 for token in confirmed), (len(stored), len(confirmed))

        # the visitor of the killed process goes on (on app2, or on app1 started again by run-cluster.sh)
        open_page(visitor, cluster.url + "/map")
        assert error_boxes(visitor) == []
        wait_idle(visitor)
        wait_for(lambda: served_by(cluster, "app1") == "app1", 90, every_s=1)  # and app1 is back
    finally:
        context.close()

"""Issue 16's seven steps in order, in a real browser, on one server: Aarhus's editor (1) creates two actions from
the benchmark's next steps, (2) updates one to "at risk" then "done", (3) sees the plan on /city, /benchmark and in
the PDF; an admin assigns Aarhus's submitted round to the peer reviewer of Liège, who (4) proposes a different
level with a reason; (5) the city answers; (6) the admin validates; (7) the benchmark limited to validated rounds
then shows the round, at the agreed level.

Steps 1-3 reuse the plan test's helpers (tests/e2e/test_plan_browser.py, which also checks the phone table).
One server on its own database copy for the module: this test writes. Set ROUND_REVIEW_SHOTS to a folder to
keep screenshots of each step (for looking at the pages, not asserted)."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from alliance import scoring
from alliance.i18n import fmt_number
from e2e.helpers import error_boxes, open_page, served_copy, sign_in, soft_navigate, wait_idle
from e2e.test_exchange_browser import new_page
from e2e.test_plan_browser import FIRST, SECOND, add_from_next_step, save_status

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("ROUND_REVIEW_SHOTS")
ROUND, LEVEL, PROPOSED = 2025, 3, 2
REASON = "The *strategy* is adopted <b>but</b> not yet funded."


def submit_aarhus(con) -> None:
    """Before the server starts: Aarhus's editor submits the 2025 round (every dimension at level 3)."""
    from alliance import assessments
    from alliance.auth import User

    editor = User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
    answers = {d: assessments.Answer(LEVEL, evidence=f"Council minutes {d}") for d in range(1, 15)}
    assessments.save(con, editor, "aarhus-dk", ROUND, answers, submit=True)


@pytest.fixture(scope="module")
def review_app(demo_db, tmp_path_factory):
    with served_copy(demo_db, tmp_path_factory.mktemp("round-review-server"), change=submit_aarhus) as (url, path):
        yield url


def shot(pg, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def open_signed_in(pg, url: str, path: str, username: str, then: str) -> None:
    open_page(pg, url + path)
    sign_in(pg, username, "demo-admin-2015" if username == "admin" else "demo-editor-2015", then)


def choose(pg, label: str, option: str, within=None) -> None:
    box = (within or pg).locator("[data-testid='stSelectbox']").filter(has_text=label)
    box.evaluate("e => e.scrollIntoView({block: 'center'})")  # room below it for the list of options
    box.click()
    pg.get_by_role("option", name=option).click()
    wait_idle(pg)


def overall(pg) -> str:
    metric = pg.locator("[data-testid='stMetric']").filter(has_text="Overall index").first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def plan_steps(pg, url: str) -> None:
    """Steps 1-3, as tests/e2e/test_plan_browser.py walks them, signed in as Aarhus's editor."""
    open_page(pg, url + "/plan")
    sign_in(pg, "editor-aarhus", "demo-editor-2015", "text=Add the action")
    add_from_next_step(pg, url, 0, FIRST, "Mayor's office")  # 1. two actions from the next steps
    add_from_next_step(pg, url, 1, SECOND, "Policy and research unit")
    save_status(pg, "⚠ At risk", 2)  # 2. at risk, then done
    save_status(pg, "✔ Done", 3)
    soft_navigate(pg, f"{url}/city?city=aarhus-dk")  # 3. on /city, /benchmark and in the PDF
    plan = pg.locator(".st-key-city_plan")
    plan.wait_for(timeout=60_000)
    shown = plan.inner_text().replace("\u00a0", " ")  # the status words are kept on one line
    assert FIRST in shown and "✔ Done" in shown
    soft_navigate(pg, f"{url}/benchmark?city=aarhus-dk")
    pg.get_by_text(SECOND, exact=False).first.wait_for(timeout=60_000)
    with pg.expect_download(timeout=60_000) as info:
        pg.get_by_role("button", name="Download the city report (PDF)").click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(open(info.value.path(), "rb").read())).pages)
    assert "Actionplan" in "".join(text.split()) and "".join(SECOND.split()) in "".join(text.split())
    assert error_boxes(pg) == []


def test_the_seven_steps_of_issue_16(browser, review_app):
    url = review_app
    outside: list[str] = []
    admin, reviewer, city = (new_page(browser, outside) for _ in range(3))
    try:
        plan_steps(city, url)

        # the benchmark limited to validated rounds: Aarhus's 2025 round is only submitted, an older one is shown
        open_page(city, url + "/benchmark?city=aarhus-dk&rounds=validated")
        before = city.inner_text("[data-testid='stMain']")
        assert "Aarhus: scores in round" in before and "Aarhus: scores in round 2025" not in before

        # 0. the admin assigns the submitted round to the peer reviewer of Liège
        open_signed_in(admin, url, "/round-review", "admin", "text=Assign a submitted round")
        choose(admin, "Reviewer", "editor-liege · peer reviewer, Liège (BE)")
        shot(admin, "1-assign")
        admin.get_by_role("button", name="Assign").click()
        admin.wait_for_selector("text=is assigned for review", timeout=60_000)
        wait_idle(admin)

        # 4. the reviewer proposes a different level with a reason on the first dimension, agrees elsewhere
        open_signed_in(reviewer, url, "/round-review", "editor-liege", "text=Send the review to the city")
        first = reviewer.locator(".st-key-review_dimension_1")
        first.get_by_text("Propose another level").click()
        wait_idle(reviewer)
        choose(reviewer, "Level you propose", f"{PROPOSED} · ", within=first)
        first.get_by_role("textbox", name="Reason").fill(REASON)
        first.get_by_role("textbox", name="Reason").blur()  # Streamlit sends a text area's value when it loses focus
        wait_idle(reviewer)
        shot(reviewer, "2-review")
        reviewer.get_by_role("button", name="Send the review to the city").click()
        reviewer.wait_for_selector("text=The review is sent", timeout=60_000)
        wait_idle(reviewer)

        # 5. the city accepts the proposal; the reason shows as written, not as markup
        open_page(city, url + "/round-review")
        city.wait_for_selector("text=Send our answer", timeout=60_000)
        assert REASON in city.inner_text("[data-testid='stMain']")
        assert city.locator("[data-testid='stMain'] b").filter(has_text="but").count() == 0
        city.get_by_text("Accept the proposed level").click()
        wait_idle(city)
        shot(city, "3-answer")
        city.get_by_role("button", name="Send our answer").click()
        city.wait_for_selector("text=Your answer is sent", timeout=60_000)
        wait_idle(city)

        # 6. the admin validates with the agreed levels (the proposal the city accepted is preselected)
        open_page(admin, url + "/round-review")
        admin.wait_for_selector("text=Validate the round with these levels", timeout=60_000)
        shot(admin, "4-validate")
        admin.get_by_role("button", name="Validate the round with these levels").click()
        admin.wait_for_selector("text=is validated", timeout=60_000)
        # the flash can show before the rerun that draws the validated review: wait for the table's heading
        admin.get_by_text("City's answers and agreed levels").wait_for(timeout=60_000)
        wait_idle(admin)
        shot(admin, "5-validated")

        # 7. the benchmark limited to validated rounds now shows 2025, at the agreed level
        open_page(city, url + "/benchmark?city=aarhus-dk&rounds=validated")
        assert "Aarhus: scores in round 2025" in city.inner_text("[data-testid='stMain']")
        expected = scoring.index_of_levels({d: LEVEL for d in range(2, 15)} | {1: PROPOSED})
        assert round(expected) != round(scoring.index_of_levels({d: LEVEL for d in range(1, 15)}))
        assert overall(city) == fmt_number(expected)
        shot(city, "6-benchmark-validated")
        for pg in (admin, reviewer, city):
            assert error_boxes(pg) == []
        assert outside == []
    finally:
        for pg in (admin, reviewer, city):
            pg.context.close()

"""Review of a round in a real browser (issue 16): an admin assigns Aarhus's submitted round to the peer reviewer
of Liège; the reviewer proposes a different level with a reason; the city answers; the admin validates; the
benchmark limited to validated rounds then shows the round, with the agreed level.

One server on its own database copy for the module: this test writes. Set ROUND_REVIEW_SHOTS to a folder to
keep screenshots of each step (for looking at the pages, not asserted)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from alliance import scoring
from alliance.i18n import fmt_number
from e2e.helpers import error_boxes, open_page, served_copy, sign_in, wait_idle
from e2e.test_exchange_browser import new_page

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
    open_page(pg, url + "/")  # a cold server runs app.py once first, as a visitor arriving at the dashboard
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


def test_review_answer_validate_and_the_validated_benchmark_changes(browser, review_app):
    url = review_app
    outside: list[str] = []
    admin, reviewer, city = (new_page(browser, outside) for _ in range(3))
    try:
        # the benchmark limited to validated rounds: Aarhus's 2025 round is only submitted, an older one is shown
        open_page(city, url + "/")
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
        open_signed_in(city, url, "/round-review", "editor-aarhus", "text=Send our answer")
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
        wait_idle(admin)
        assert "City's answers and agreed levels" in admin.inner_text("body")
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

"""Sign in → fill in and submit a round on /assess → see the submitted scores on /benchmark, in a real browser.

The app gets its own server and database copy: this test writes, and the shared server's data must stay as built.
"""
from __future__ import annotations

import duckdb
import pytest

from alliance import scoring
from alliance.i18n import fmt_number
from e2e.helpers import (
    choose_language,
    error_boxes,
    open_page,
    run_after,
    served_copy,
    wait_idle,
)
from e2e.helpers import sign_in as sign_in_here

pytestmark = pytest.mark.browser

LEVEL = 4  # every dimension at "Advanced" except the first, "not applicable"


@pytest.fixture(scope="module")
def assess_app(demo_db, tmp_path_factory):
    con = duckdb.connect(str(demo_db), read_only=True)
    invented = dict(con.execute(
        "SELECT s.dimension_id, s.level FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id "
        "WHERE a.member_id = 'aarhus-dk' AND a.round_year = 2025").fetchall())
    con.close()
    with served_copy(demo_db, tmp_path_factory.mktemp("assess-server")) as (url, path):
        yield url, path, invented


def open_assess(page, url: str, query: str = "") -> None:
    open_page(page, url + "/assess" + query)


def sign_in(page, url: str, username: str, password: str, then: str, refused: bool = False) -> None:
    """Open /assess and sign in, then wait for the selector `then` to appear and the run to finish."""
    open_assess(page, url)
    sign_in_here(page, username, password, then, refused)


def test_sign_in_submit_and_see_it_on_the_benchmark(page, assess_app):
    url, _, invented = assess_app
    sign_in(page, url, "editor-aarhus", "wrong password!", "[data-testid='stAlertContentError']", refused=True)
    assert "The user name or the password is wrong" in page.inner_text("body")
    assert page.locator("[data-testid='stRadio']").count() == 0
    sign_in(page, url, "editor-aarhus", "demo-editor-2015", "[data-testid='stRadio']")
    radios = page.locator("[data-testid='stRadio']")
    assert radios.count() == 14
    assert "0 of 14 answered" in page.inner_text("body")

    for i in range(14):  # each choice reruns the page: a click during that rerun could be lost (seen under load)
        options = radios.nth(i).locator("[data-testid='stRadioOption']")
        assert options.count() == 7  # six level statements and "not applicable"
        run_after(page, options.nth(6 if i == 0 else LEVEL).click, shows=f"text={i + 1} of 14 answered")
    assert "14 of 14 answered" in page.inner_text("body")
    page.locator("textarea").first.fill("Council decision 2025/14, https://aarhus.dk/prevention")
    page.get_by_role("button", name="Submit the round").click()
    wait_idle(page)
    page.wait_for_selector("text=is submitted", timeout=60_000)
    wait_idle(page)  # the save reruns the page once more: let that run finish too
    assert error_boxes(page) == []
    assert "14 of 14 answered" in page.inner_text("body")

    # what the benchmark must now show: the submitted answers, not the invented ones
    expected = scoring.index_of_levels({d: LEVEL for d in range(2, 15)} | {1: None})
    before = scoring.index_of_levels(invented)
    assert round(expected) != round(before)
    page.get_by_text("See it on the benchmark").click()
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    wait_idle(page)
    overall = page.locator("[data-testid='stMetric']").filter(has_text="Overall index").first
    assert overall.locator("[data-testid='stMetricValue']").inner_text().strip() == fmt_number(expected)
    assert "aarhus" in page.url and error_boxes(page) == []
    assert page.outside_requests == [], page.outside_requests


def test_sign_in_form_shows_the_demo_accounts_in_french(page, assess_app):
    url, _, _ = assess_app
    open_assess(page, url)
    choose_language(page, "Français")
    page.wait_for_selector("text=Connexion", timeout=60_000)
    body = page.inner_text("body")
    assert "Connexion" in body and "editor-aarhus" in body and "demo-editor-2015" in body
    assert error_boxes(page) == []


def test_pasted_evidence_and_answers_survive_leaving_the_page(browser, assess_app):
    """A 7,400-character paste used to leave the box empty ("0/4000"); answers vanished on leaving the page, and
    a reload signed the editor out."""
    url, _, _ = assess_app
    context = browser.new_context(viewport={"width": 1440, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        pasted = ("Minutes of the prevention board, item 4. " * 200)[:7400]
        open_assess(page, url, "?city=liege-be")
        sign_in_here(page, "admin", "demo-admin-2015", "[data-testid='stRadio']")
        radios = page.locator("[data-testid='stRadio']")
        # the choice reruns the page: paste after that rerun, or it redraws the box under the paste
        assert "0 of 14 answered" in page.inner_text("body")
        run_after(page, radios.nth(1).locator("[data-testid='stRadioOption']").nth(3).click,
                  shows="text=1 of 14 answered")
        page.evaluate("text => navigator.clipboard.writeText(text)", pasted)
        page.locator("textarea").nth(1).click()
        page.keyboard.press("Control+V")  # pasted as a user would
        assert len(page.locator("textarea").nth(1).input_value()) == 7400
        page.keyboard.press("Tab")  # on to the next field: Streamlit sends a text area's value when it loses focus
        wait_idle(page)
        # to another page, without saving, and back
        page.locator("[data-testid='stSidebarNav'] a", has_text="Map").click()
        page.wait_for_url("**/map**", wait_until="commit", timeout=60_000)
        wait_idle(page)
        page.locator("[data-testid='stSidebarNav'] a", has_text="Self-assessment").click()
        # the map has radio buttons too: wait for the form's second text area, not for any radio (under load the
        # map was still on screen and the wait for the text area ran out)
        page.wait_for_url("**/assess**", wait_until="commit", timeout=60_000)
        page.locator("textarea").nth(1).wait_for(timeout=60_000)
        wait_idle(page)
        assert page.locator("textarea").nth(1).input_value() == pasted
        assert radios.nth(1).locator("input:checked").count() == 1
        body = page.inner_text("body")
        assert "This text has 7,400 characters; the limit is 4,000" in body and "changed, not saved yet" in body
        assert error_boxes(page) == []
        # a reload is a new session: still signed in (the sign-in cookie), the unsaved work still there
        open_page(page, f"{url}/assess?city=liege-be")
        page.reload()
        page.wait_for_selector("[data-testid='stRadio']", timeout=60_000)
        wait_idle(page)
        assert "Signed in as admin" in page.inner_text("[data-testid='stSidebar']")
        assert page.locator("textarea").nth(1).input_value() == pasted
        assert radios.nth(1).locator("input:checked").count() == 1
        # signed out, a reload shows the sign-in form
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_selector("text=User name", timeout=60_000)
        wait_idle(page)
        page.reload()
        page.wait_for_selector("text=User name", timeout=60_000)
        wait_idle(page)
        assert page.locator("[data-testid='stRadio']").count() == 0
        assert "has ended" not in page.inner_text("body")  # the cookie went at sign-out
    finally:
        context.close()

"""Action plans in a real browser (issue 16): an editor creates two actions from /benchmark's next steps, updates
one to "at risk" and then to "done"; the plan shows on /city, beside its dimension on /benchmark and in the
report PDF (read back with pypdf); on a phone, /city's plan table keeps its words inside the screen. Then issue
16's seven steps in order: the plan above is steps 1-3; an admin assigns Aarhus's submitted round to the peer
reviewer of Liège, who (4) proposes a different level with a reason; (5) the city answers; (6) the admin
validates; (7) the benchmark limited to validated rounds then shows the round, at the agreed level.

One server on its own database copy for the module (these tests write; the shared server's data must stay as
built), on which Aarhus's editor has submitted the 2025 round. The seven steps go on from the plan the first test
made (a walk of its own cost 12 s); alone, that test makes it first. Set E2E_SHOTS to a folder to keep
screenshots of each step (for looking at the pages, not asserted).
"""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from alliance import scoring
from alliance.i18n import fmt_number
from e2e.helpers import LAPTOP, PHONE, error_boxes, keep_shot, open_page, served_copy, sign_in, soft_navigate, wait_idle
from e2e.test_exchange_browser import new_page

pytestmark = pytest.mark.browser

FIRST = "Mayor to sign a <b>prevention</b> mandate *this year*"
SECOND = "Agree outcome indicators with every funded project"
ROUND, LEVEL, PROPOSED = 2025, 3, 2
REASON = "The *strategy* is adopted <b>but</b> not yet funded."
PLANNED: set[str] = set()  # servers on which the first test made and checked Aarhus's plan (steps 1-3)


def submit_aarhus(con) -> None:
    """Before the server starts: Aarhus's editor submits the 2025 round (every dimension at level 3)."""
    from alliance import assessments
    from alliance.auth import User

    editor = User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
    answers = {d: assessments.Answer(LEVEL, evidence=f"Council minutes {d}") for d in range(1, 15)}
    assessments.save(con, editor, "aarhus-dk", ROUND, answers, submit=True)


@pytest.fixture(scope="module")
def plan_app(demo_db, tmp_path_factory):
    with served_copy(demo_db, tmp_path_factory.mktemp("plan-server"), change=submit_aarhus) as (url, path):
        yield url, path


def choose(pg, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`, as a user would: open it, type, pick."""
    box = pg.get_by_role("combobox", name=label)
    box.click()
    if box.get_attribute("aria-expanded") != "true":  # focused by a click that came during a rerun
        box.press("ArrowDown")
    pg.get_by_role("option", name=option, exact=True).click()


def add_from_next_step(pg, url: str, index: int, description: str, role: str) -> None:
    soft_navigate(pg, f"{url}/benchmark?city=aarhus-dk")  # within the signed-in session, as its links go
    links = pg.locator("[data-testid='stPageLink']", has_text="Plan an action")
    links.nth(index).wait_for(timeout=60_000)
    links.nth(index).click()
    pg.get_by_text("From the next step on").wait_for(timeout=60_000)
    wait_idle(pg)
    pg.get_by_role("textbox", name="What will be done").fill(description)
    pg.get_by_role("textbox", name="Responsible service or role").fill(role)
    pg.get_by_role("button", name="Add the action").click()
    pg.get_by_text("The action was added to the plan.").wait_for(timeout=60_000)
    wait_idle(pg)


def save_status(pg, option: str, version: int) -> None:
    choose(pg, "Status", option)
    pg.get_by_role("button", name="Save the changes").click()
    pg.get_by_text(f"Saved: version {version}.").wait_for(timeout=60_000)
    wait_idle(pg)


def test_an_editor_plans_updates_and_sees_the_plan_everywhere(browser, plan_app):
    url, _ = plan_app
    context = browser.new_context(**LAPTOP)
    pg = context.new_page()
    open_page(pg, url + "/plan")
    sign_in(pg, "editor-aarhus", "demo-editor-2015", "text=Add the action")

    # 1. two actions from the benchmark's next steps
    add_from_next_step(pg, url, 0, FIRST, "Mayor's office")
    add_from_next_step(pg, url, 1, SECOND, "Policy and research unit")

    # 2. the second one goes "at risk", then "done": each save a new version with its history
    save_status(pg, "⚠ At risk", 2)
    save_status(pg, "✔ Done", 3)
    pg.get_by_text("History: 3 versions").click()
    wait_idle(pg)
    assert not error_boxes(pg)

    # 3. the plan on /city: words and symbols, the text as written
    soft_navigate(pg, f"{url}/city?city=aarhus-dk")
    plan = pg.locator(".st-key-city_plan-table")
    plan.wait_for(timeout=60_000)
    assert not pg.locator(".st-key-city_plan-cards").is_visible()  # the cards are for phones
    shown = plan.inner_text().replace("\u00a0", " ")
    assert FIRST in shown and SECOND in shown  # "<b>" and "*" shown literally, not as markup
    assert "✔ Done" in shown and "○ Not started" in shown
    assert plan.locator("b").count() == 0
    assert "→ next round" in shown

    # ... beside its dimension on /benchmark, and in the report PDF
    soft_navigate(pg, f"{url}/benchmark?city=aarhus-dk")
    pg.get_by_text(SECOND, exact=False).first.wait_for(timeout=60_000)
    body = pg.inner_text("[data-testid='stMain']")
    assert FIRST in body and SECOND in body and "Done" in body
    button = pg.get_by_role("button", name="Download the city report (PDF)")
    with pg.expect_download(timeout=60_000) as info:
        button.click()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(open(info.value.path(), "rb").read())).pages)
    flat = "".join(text.split())
    assert "Actionplan" in flat
    assert "".join(FIRST.split()) in flat and "".join(SECOND.split()) in flat
    assert "Done" in text and "Notstarted" in flat and "Mayor'soffice" in flat
    assert not error_boxes(pg)
    context.close()
    PLANNED.add(url)


def test_a_phone_gets_the_plan_as_cards_inside_the_screen(browser, plan_app):
    url, _ = plan_app
    context = browser.new_context(**PHONE)
    pg = context.new_page()
    open_page(pg, f"{url}/city?city=aarhus-dk&lang=fr")
    cards = pg.locator(".st-key-city_plan-cards")
    cards.wait_for(timeout=60_000)
    cards.scroll_into_view_if_needed()
    assert not pg.locator(".st-key-city_plan-table").is_visible()
    text = cards.inner_text().replace("\u00a0", " ")
    assert "Terminée" in text and "Niveau avant → après" in text
    box = cards.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 391
    assert pg.evaluate("document.documentElement.scrollWidth") <= 391
    context.close()


def open_signed_in(pg, url: str, path: str, username: str, then: str) -> None:
    open_page(pg, url + path)
    sign_in(pg, username, "demo-admin-2015" if username == "admin" else "demo-editor-2015", then)


def choose_from_list(pg, label: str, option: str, within=None) -> None:
    box = (within or pg).locator("[data-testid='stSelectbox']").filter(has_text=label)
    box.evaluate("e => e.scrollIntoView({block: 'center'})")  # room below it for the list of options
    box.click()
    pg.get_by_role("option", name=option).click()
    wait_idle(pg)


def send(pg, shot_name: str, button: str, done: str) -> None:
    """Keep a screenshot (with E2E_SHOTS), press `button`, wait for the message `done` and the run."""
    keep_shot(pg, shot_name)
    pg.get_by_role("button", name=button).click()
    pg.wait_for_selector(f"text={done}", timeout=60_000)
    wait_idle(pg)


def overall(pg) -> str:
    metric = pg.locator("[data-testid='stMetric']").filter(has_text="Overall index").first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def plan_steps(pg, url: str) -> None:
    """Steps 1-3 as the first test walks them, signed in as Aarhus's editor: for the seven steps run alone."""
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


def test_the_seven_steps_of_issue_16(browser, plan_app):
    url, _ = plan_app
    outside: list[str] = []
    admin, reviewer, city = (new_page(browser, outside) for _ in range(3))
    try:
        if url in PLANNED:  # steps 1-3 done and checked by the first test: Aarhus's editor signs in
            open_signed_in(city, url, "/plan", "editor-aarhus", "text=Add the action")
        else:
            plan_steps(city, url)

        # the benchmark limited to validated rounds: Aarhus's 2025 round is only submitted, an older one is shown
        open_page(city, url + "/benchmark?city=aarhus-dk&rounds=validated")
        before = city.inner_text("[data-testid='stMain']")
        assert "Aarhus: scores in round" in before and "Aarhus: scores in round 2025" not in before

        # 0. the admin assigns the submitted round to the peer reviewer of Liège
        open_signed_in(admin, url, "/round-review", "admin", "text=Assign a submitted round")
        choose_from_list(admin, "Reviewer", "editor-liege · peer reviewer, Liège (BE)")
        send(admin, "1-assign", "Assign", "is assigned for review")

        # 4. the reviewer proposes a different level with a reason on the first dimension, agrees elsewhere
        open_signed_in(reviewer, url, "/round-review", "editor-liege", "text=Send the review to the city")
        first = reviewer.locator(".st-key-review_dimension_1")
        first.get_by_text("Propose another level").click()
        wait_idle(reviewer)
        choose_from_list(reviewer, "Level you propose", f"{PROPOSED} · ", within=first)
        first.get_by_role("textbox", name="Reason").fill(REASON)
        first.get_by_role("textbox", name="Reason").blur()  # Streamlit sends a text area's value when it loses focus
        wait_idle(reviewer)
        send(reviewer, "2-review", "Send the review to the city", "The review is sent")

        # 5. the city accepts the proposal; the reason shows as written, not as markup (its links' way there)
        soft_navigate(city, url + "/round-review")
        city.wait_for_selector("text=Send our answer", timeout=60_000)
        assert REASON in city.inner_text("[data-testid='stMain']")
        assert city.locator("[data-testid='stMain'] b").filter(has_text="but").count() == 0
        city.get_by_text("Accept the proposed level").click()
        wait_idle(city)
        send(city, "3-answer", "Send our answer", "Your answer is sent")

        # 6. the admin validates with the agreed levels (the proposal the city accepted is preselected)
        open_page(admin, url + "/round-review")
        admin.wait_for_selector("text=Validate the round with these levels", timeout=60_000)
        keep_shot(admin, "4-validate")
        admin.get_by_role("button", name="Validate the round with these levels").click()
        admin.wait_for_selector("text=is validated", timeout=60_000)
        # the flash can show before the rerun that draws the validated review: wait for the table's heading
        admin.get_by_text("City's answers and agreed levels").wait_for(timeout=60_000)
        wait_idle(admin)
        keep_shot(admin, "5-validated")

        # 7. the benchmark limited to validated rounds now shows 2025, at the agreed level
        soft_navigate(city, url + "/benchmark?city=aarhus-dk&rounds=validated")
        assert "Aarhus: scores in round 2025" in city.inner_text("[data-testid='stMain']")
        expected = scoring.index_of_levels({d: LEVEL for d in range(2, 15)} | {1: PROPOSED})
        assert round(expected) != round(scoring.index_of_levels({d: LEVEL for d in range(1, 15)}))
        assert overall(city) == fmt_number(expected)
        keep_shot(city, "6-benchmark-validated")
        for pg in (admin, reviewer, city):
            assert error_boxes(pg) == []
        assert outside == []
    finally:
        for pg in (admin, reviewer, city):
            pg.context.close()

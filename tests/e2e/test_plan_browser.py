"""Action plans in a real browser (issue 16): an editor creates two actions from /benchmark's next steps, updates
one to "at risk" and then to "done"; the plan shows on /city, beside its dimension on /benchmark and in the
report PDF (read back with pypdf); on a phone, /city's plan table keeps its words inside the screen.

The app gets its own server and database copy: this test writes, and the shared server's data must stay as built.
"""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from e2e.helpers import LAPTOP, PHONE, error_boxes, open_page, served_copy, sign_in, soft_navigate, wait_idle

pytestmark = pytest.mark.browser

FIRST = "Mayor to sign a <b>prevention</b> mandate *this year*"
SECOND = "Agree outcome indicators with every funded project"


@pytest.fixture(scope="module")
def plan_app(demo_db, tmp_path_factory):
    with served_copy(demo_db, tmp_path_factory.mktemp("plan-server")) as (url, path):
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

"""Peer exchange in a real browser (issue 15): an editor submits a practice, an admin returns it with a comment,
the editor fixes it, the admin publishes it, and the catalogue search finds it. Offers and needs: a need proposed
from Aarhus's lowest self-assessment dimension is matched to an offer and to a strong peer; Aarhus's editor
expresses interest, and the offering city's editor accepts the request in its inbox.

One server on its own database copy for the module: these tests write. Set E2E_SHOTS to a folder to keep
screenshots of each step (for looking at the pages, not asserted)."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from e2e.conftest import LOCAL_HOSTS
from e2e.helpers import error_boxes, keep_shot, open_page, served_copy, sign_in, wait_idle

pytestmark = pytest.mark.browser


OFFERING_PASSWORD = "a-test-editor-password-7"
OFFERING: dict = {}  # the offer matched first for Aarhus's need, and its city's test account (set by the fixture)


def add_offering_editor(con) -> None:
    """An editor account, in the test's own copy, for the city whose offer is matched first with the need Aarhus
    will post (the demonstration data's offers are invented from the latest round's strongest cities)."""
    from alliance import auth, db, exchange

    proposal = exchange.propose_need(con, "aarhus-dk")
    offers = db.run_query(con, "exchange_offers")
    first = exchange.matching_offers(offers, [d for d, _ in proposal.dimensions], "aarhus-dk").iloc[0]
    labels = dict(con.execute("SELECT id, label_en FROM dimensions").fetchall())
    OFFERING.update(offer_id=first["id"], title=first["title"], city=first["member_id"],
                    username=f"test-editor-{first['member_id']}", weakest=labels[proposal.dimensions[0][0]],
                    level=proposal.dimensions[0][1])
    auth.add_user(con, OFFERING["username"], OFFERING_PASSWORD, "editor", members=[first["member_id"]])


@pytest.fixture(scope="module")
def exchange_app(demo_db, tmp_path_factory):
    with served_copy(demo_db, tmp_path_factory.mktemp("exchange-server"), change=add_offering_editor) as (url, path):
        yield url, path


def open_signed_in(pg, url: str, path: str, username: str, password: str, then: str) -> None:
    open_page(pg, url + path)
    sign_in(pg, username, password, then)


def navigate(pg, name: str, attempts: int = 3) -> None:
    """Open a page from the sidebar. On a busy machine a click that lands during the current page's rerun can
    be lost (CI, two workers): click again, at most `attempts` times, until the address changes."""
    link = pg.locator("[data-testid='stSidebarNav'] a", has_text=name)
    target = link.get_attribute("href").split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    for attempt in range(attempts):
        link.click()
        try:
            pg.wait_for_url(lambda address: address.split("?")[0].rstrip("/").endswith("/" + target),
                            timeout=15_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's timeout: try again, fail after the last attempt
            if attempt == attempts - 1:
                raise
    wait_idle(pg)


def pick(pg, label: str, option: str) -> None:
    """Choose an option of a multiselect by typing it, as a user would."""
    box = pg.locator("[data-testid='stMultiSelect']").filter(has_text=label)
    box.locator("input").click()
    box.locator("input").fill(option)
    pg.get_by_role("option", name=option, exact=True).click()
    pg.keyboard.press("Escape")
    box.locator("input").blur()


def new_page(browser, outside: list, width: int = 1440, height: int = 900):
    """A page in its own browser context (its own session: one signed-in user each), noting outside requests."""
    pg = browser.new_context(viewport={"width": width, "height": height}).new_page()
    pg.on("request", lambda req: outside.append(req.url) if urlparse(req.url).hostname not in LOCAL_HOSTS
          and req.url.startswith(("http", "ws")) else None)
    return pg


def test_submit_return_fix_publish_and_find_it_in_the_catalogue(browser, exchange_app):
    url, _ = exchange_app
    outside: list[str] = []
    editor, admin = new_page(browser, outside), new_page(browser, outside)
    try:
        # 1. the editor submits a new practice
        open_signed_in(editor, url, "/submit", "editor-aarhus", "demo-editor-2015", "text=Save and submit for review")
        # with the exchange pages there are 13: the navigation still lists them all (no "View 3 more")
        assert editor.locator("[data-testid='stSidebarNav'] a", has_text="Live poll").is_visible()
        editor.get_by_label("Title", exact=True).fill("Street mediators for youth clubs")
        editor.get_by_label("Summary", exact=True).fill("Mediators visit *youth clubs* weekly; <b>not</b> HTML.")
        editor.get_by_role("spinbutton", name="Start year").fill("2023")
        editor.get_by_label("Link to a public page", exact=True).fill("https://aarhus.dk/mediators")
        pick(editor, "Approaches", "Community dialogue")
        pick(editor, "Target groups", "Young people")
        keep_shot(editor, "submit-form-en")
        editor.get_by_role("button", name="Save and submit for review").click()
        editor.wait_for_selector("text=Submitted for review. An administrator", timeout=60_000)
        wait_idle(editor)
        assert error_boxes(editor) == []

        # 2. the admin returns it with a comment
        open_signed_in(admin, url, "/review", "admin", "demo-admin-2015", "text=Return with the comment")
        assert "Waiting for review (1)" in admin.inner_text("body")
        assert "Street mediators for youth clubs" in admin.inner_text("body")
        keep_shot(admin, "review-queue-en")
        admin.get_by_label("Comment for the editor", exact=True).fill("Please add the city's evaluation report link.")
        admin.get_by_role("button", name="Return with the comment").click()
        admin.wait_for_selector("text=Returned to Aarhus", timeout=60_000)
        wait_idle(admin)

        # 3. the editor sees the comment and fixes the entry
        navigate(editor, "Share a practice")  # within the app: a new page load would be a new, signed-out session
        # the page reopens on the entry this editor last worked on
        editor.wait_for_selector("text=Please add the city's evaluation report link.", timeout=60_000)
        assert "Returned by admin" in editor.inner_text("body")
        editor.get_by_role("spinbutton", name="End year").fill("2025")
        keep_shot(editor, "submit-returned-en")
        editor.get_by_role("button", name="Save and submit for review").click()
        editor.wait_for_selector("text=Submitted for review. An administrator", timeout=60_000)
        wait_idle(editor)

        # 4. the admin publishes it with the label the admin sets
        navigate(admin, "Review practices")
        admin.wait_for_selector("text=Waiting for review (1)", timeout=60_000)
        admin.get_by_role("button", name="Publish").click()
        admin.wait_for_selector("text=is now in the catalogue", timeout=60_000)
        wait_idle(admin)
        assert "Waiting for review (0)" in admin.inner_text("body")

        # 5. anyone finds it in the catalogue search, its summary shown as text
        viewer = new_page(browser, outside)
        open_page(viewer, url + "/practices?q=street+mediators")
        viewer.wait_for_selector("text=Street mediators for youth clubs", timeout=60_000)
        assert error_boxes(viewer) == [] and error_boxes(editor) == [] and error_boxes(admin) == []
        assert outside == []
        viewer.context.close()
    finally:
        editor.context.close()
        admin.context.close()


def test_a_need_from_the_self_assessment_is_matched_and_the_request_accepted_in_the_other_inbox(browser, exchange_app):
    url, _ = exchange_app
    outside: list[str] = []
    aarhus, offering = new_page(browser, outside), new_page(browser, outside)
    try:
        # Aarhus's editor opens the offers and needs: the need form proposes its lowest dimension
        open_signed_in(aarhus, url, "/inbox", "editor-aarhus", "demo-editor-2015", "text=Exchange inbox")
        navigate(aarhus, "Offers and needs")
        aarhus.wait_for_selector("text=Proposed from your self-assessment of", timeout=60_000)
        body = aarhus.inner_text("body")
        assert f"{OFFERING['weakest']} (level {OFFERING['level']} of 5)" in body
        need_dims = aarhus.locator("[data-testid='stMultiSelect']").filter(has_text="Dimensions").first
        assert OFFERING["weakest"] in need_dims.inner_text()
        keep_shot(aarhus, "exchange-need-form-en")
        aarhus.get_by_role("button", name="Post the need").click()
        aarhus.wait_for_selector("text=Your need is posted", timeout=60_000)
        wait_idle(aarhus)

        # its matches: the offer covering it and a strong peer (level 4 or more, with practices on it)
        matches = aarhus.locator("[data-testid='stExpander']").filter(has_text="Offers that cover this need").first
        assert OFFERING["title"] in matches.inner_text()
        assert re.search(r"level [45], \d+ practices?", matches.inner_text())
        keep_shot(aarhus, "exchange-matches-en")
        card = matches.locator("[data-testid='stVerticalBlock']").filter(has_text=OFFERING["title"]).filter(
            has=aarhus.get_by_role("button", name="Express interest")).last  # the innermost: the offer's card
        card.get_by_role("button", name="Express interest").click()
        wait_idle(aarhus)
        aarhus.get_by_label("Message (optional)").fill("Could two of our officers visit in March?")
        aarhus.get_by_role("button", name="Send the request").click()
        aarhus.wait_for_selector("text=Request sent to", timeout=60_000)
        wait_idle(aarhus)

        # the offering city's editor accepts it in its inbox
        open_signed_in(offering, url, "/inbox", OFFERING["username"], OFFERING_PASSWORD, "text=Exchange inbox")
        offering.wait_for_selector("text=Could two of our officers visit in March?", timeout=60_000)
        request = offering.locator("[data-testid='stVerticalBlock']").filter(
            has_text="Could two of our officers visit in March?").filter(
            has=offering.get_by_role("button", name="Accept")).last
        assert "Aarhus" in request.inner_text() and "Proposed" in request.inner_text()
        keep_shot(offering, "inbox-proposed-en")
        request.get_by_role("button", name="Accept").click()
        offering.wait_for_selector("text=Accepted. Both cities see it", timeout=60_000)
        wait_idle(offering)

        # Aarhus sees it accepted, with the date and who accepted it
        navigate(aarhus, "Exchange inbox")
        aarhus.wait_for_selector(f"text=by {OFFERING['username']}", timeout=60_000)
        assert "Accepted on" in aarhus.inner_text("body")
        keep_shot(aarhus, "inbox-accepted-en")
        assert error_boxes(aarhus) == [] and error_boxes(offering) == []
        assert outside == []
    finally:
        aarhus.context.close()
        offering.context.close()

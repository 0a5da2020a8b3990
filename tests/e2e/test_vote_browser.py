"""The light participant page /vote/CODE served by app.py's st.App beside the Streamlit pages: a phone at
390x844 with JavaScript off answers, in French from its browser's language; the routes' HTTP behaviour
(cookie, redirect, refusals) over real HTTP against the served app."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from alliance.app.load import HttpClient
from alliance import db, poll
from e2e.helpers import LAPTOP, PHONE, keep_shot, open_page, served_copy, sign_in, wait_idle
from e2e.test_present_browser import TITLES, level_counts, wait_title

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    """The app on its own copy with two polls opened before it starts: the framework one (`code`) and one
    with every own question kind (`mixed`)."""
    codes = {}

    def open_polls(con):
        db.apply_schema(con)
        codes["code"] = poll.open_poll(con, [1], "organiser")
        codes["mixed"] = poll.open_poll(con, [], "organiser", [
            poll.Item("choice", "Which partner first?", ("Schools", "Police", "Families")),
            poll.Item("scale", "How ready is your city?"), poll.Item("text", "One word for prevention")], qa=True)

    with served_copy(demo_db, tmp_path_factory.mktemp("vote-server"), open_polls) as (url, _):
        yield url, codes


@pytest.fixture(scope="module")
def app_url(served):
    return served[0]


@pytest.fixture(scope="module")
def code(served):
    return served[1]["code"]


@pytest.fixture(scope="module")
def mixed(served):
    return served[1]["mixed"]


def http(app_url, method, path, form=None, client=None, headers=None):
    """One request in a thread of its own (Playwright's sync API holds this thread's event loop)."""
    client = client or HttpClient(app_url)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, client.request(method, path, form=form, headers=headers)).result()


def test_a_phone_without_javascript_answers_in_french(app_url, browser, code):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  java_script_enabled=False, locale="fr-FR")
    try:
        pg = context.new_page()
        sizes = []
        pg.on("response", lambda r: sizes.append(len(r.body())) if "/vote/" in r.url and r.status == 200 else None)
        pg.goto(f"{app_url}/vote/{code}")
        assert pg.locator("html").get_attribute("lang") == "fr"
        assert "Sondage en direct" in pg.locator("h1").inner_text()
        assert sizes and max(sizes) < 30_000, sizes
        width = pg.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide: it scrolls sideways"
        heights = pg.locator("label.choice").evaluate_all("ls => ls.map(l => l.getBoundingClientRect().height)")
        assert heights and min(heights) >= 44, heights  # tap targets
        keep_shot(pg, "vote-phone-fr", full_page=True)
        pg.locator("label.choice", has_text=re.compile(r"^\s*3 · ")).first.click()
        pg.get_by_role("button", name="Envoyer mes réponses").click()
        pg.wait_for_selector("[data-sent]")
        assert "vos réponses sont comptées" in pg.locator("[data-sent]").inner_text()
        assert pg.locator("input[type=radio][value='3']").first.is_checked()  # the stored answer is chosen
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["alliance_participant"]["httpOnly"]
    finally:
        context.close()


def test_the_screen_shows_the_phones_answer(app_url, browser, code):
    screen = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        pg = screen.new_page()
        open_page(pg, f"{app_url}/present?slides=poll&poll={code}&every=600")
        wait_title(pg, TITLES["poll"])
        before = level_counts(pg)
        phone = browser.new_context(**PHONE)
        vp = phone.new_page()
        vp.goto(f"{app_url}/vote/{code}")
        vp.locator("label.choice", has_text=re.compile(r"^\s*5 · ")).first.click()
        vp.get_by_role("button", name="Send my answers").click()
        vp.wait_for_selector("[data-sent]")
        phone.close()
        # within 3 s of the answer (2 s refresh, 1 s cache), with a margin for a busy machine
        pg.wait_for_function("n => { const rows = document.querySelectorAll('.st-key-present-alt-poll-1 tbody tr');"
                             " return rows.length === 6 && Number(rows[5].lastElementChild.textContent.trim()) === n; }",
                             arg=before[5] + 1, timeout=8_000, polling=100)
    finally:
        screen.close()


def test_routes_refuse_bad_posts_and_store_nothing(app_url, code):
    client = HttpClient(app_url)
    status, headers, body = http(app_url, "GET", f"/vote/{code}", client=client)
    assert status == 200 and "alliance_participant" in client.cookies
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=lax" in headers["set-cookie"]
    assert "default-src 'none'" in headers["content-security-policy"]
    nonce = re.search(r'name="nonce" value="([^"]+)"', body.decode()).group(1)
    first_question = re.search(r'name="(q\d+)"', body.decode()).group(1)
    form = {"nonce": nonce, "lang": "en", first_question: "2"}

    # no cookie: refused
    status, _, body = http(app_url, "POST", f"/vote/{code}", form=form)
    assert status == 403 and b"cookie" in body
    # a sent form is stored once; the same POST again is a replay
    status, headers, _ = http(app_url, "POST", f"/vote/{code}", form=form, client=client)
    assert status == 303 and headers["location"].startswith(f"{code}?")
    status, _, body = http(app_url, "POST", f"/vote/{code}", form=form, client=client)
    assert status == 409 and b"already sent" in body
    # a body too big to be a form
    status, _, body = http(app_url, "POST", f"/vote/{code}", form={"nonce": "x" * 20_000}, client=client)
    assert status == 400 and b"could not be read" in body
    # an unknown code, in the browser's language
    status, _, body = http(app_url, "GET", "/vote/ZZZZZZ", headers={"Accept-Language": "fr"})
    assert status == 404 and "Aucun sondage" in body.decode()
    status, _, body = http(app_url, "GET", "/healthz")
    assert status == 200 and body == b"ok"


def test_a_phone_answers_every_kind_and_the_moderated_cloud_reaches_the_screen(app_url, browser, mixed):
    phone = browser.new_context(**PHONE)
    words = ["Trust schools families", "trust and youth work", "<b>Trust</b> the families"]
    try:
        for text in words:  # three phones
            pg = phone.new_page()
            pg.context.clear_cookies()
            pg.goto(f"{app_url}/vote/{mixed}")
            pg.locator("label.choice", has_text="Families").click()
            pg.locator(".scale-row label.choice", has_text="4").click()
            pg.locator("#i3").fill(text)
            if text == words[0]:
                keep_shot(pg, "vote-every-kind", full_page=True)
                width = pg.evaluate("() => document.documentElement.scrollWidth")
                assert width <= 390, f"the page is {width} px wide"
            pg.get_by_role("button", name="Send my answers").click()
            pg.wait_for_selector("[data-sent]")
            assert pg.locator("#i3").input_value() == text  # kept for a change
            pg.close()
    finally:
        phone.close()

    screen = browser.new_context(viewport={"width": 1920, "height": 1080})
    organiser = browser.new_context(**LAPTOP)
    try:
        sp = screen.new_page()
        open_page(sp, f"{app_url}/present?slides=poll&poll={mixed}&every=600")
        wait_title(sp, TITLES["poll"])
        main = sp.locator("[data-testid='stMain']")
        assert "Answers received: 3 · shown: 0" in main.inner_text()  # nothing typed shows before moderation
        assert "trust" not in main.inner_text().lower()
        op = organiser.new_page()
        _moderator(op, app_url, mixed)
        op.get_by_role("button", name="Show them on the screen").click()
        wait_idle(op)
        sp.wait_for_selector(".st-key-present-cloud-3 span:text-is('trust')", timeout=10_000)
        cloud = sp.locator(".st-key-present-cloud-3")
        assert "Answers received: 3 · shown: 3" in cloud.inner_text()
        assert "<b>" not in cloud.inner_text()
        sizes = cloud.locator("span[title]").evaluate_all("s => s.map(e => [e.textContent, parseFloat(getComputedStyle(e).fontSize)])")
        assert dict(sizes)["trust"] == max(size for _, size in sizes) and min(size for _, size in sizes) >= 28
        keep_shot(sp, "present-every-kind")
    finally:
        screen.close()
        organiser.close()


def _moderator(op, app_url, code) -> None:
    open_page(op, f"{app_url}/poll")
    # the helper waits for the signed-in page and its run: a wait for "not running" alone could end before the
    # sign-in's run began, and that run then closed the list opened below (a CI run, 2026-11-27)
    sign_in(op, "admin", "demo-admin-2015", ".st-key-poll-manage")
    op.locator(".st-key-poll-manage").click()
    op.get_by_role("option", name=code).click()
    wait_idle(op)


def test_a_phone_asks_the_moderator_approves_another_votes_and_the_screen_shows_it(app_url, browser, mixed):
    asker = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR")
    voter = browser.new_context(**PHONE)
    organiser = browser.new_context(**LAPTOP)
    screen = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        ap = asker.new_page()
        ap.goto(f"{app_url}/vote/{mixed}")
        ap.locator("#ask").fill("Qui finance la <b>prévention</b> ?")
        ap.get_by_role("button", name="Envoyer ma question").click()
        ap.wait_for_selector("[data-sent]")
        assert "votre question a été envoyée" in ap.locator("[data-sent]").inner_text()
        keep_shot(ap, "qa-phone-fr", full_page=True)

        sp = screen.new_page()
        open_page(sp, f"{app_url}/present?slides=qa&poll={mixed}&every=600")
        wait_title(sp, "Your questions")
        assert "Questions received: 1 · shown: 0" in sp.locator("[data-testid='stMain']").inner_text()
        assert "finance" not in sp.locator("[data-testid='stMain']").inner_text()  # not before approval

        op = organiser.new_page()
        _moderator(op, app_url, mixed)
        op.get_by_role("button", name="Approve").first.click()
        wait_idle(op)

        vp = voter.new_page()
        vp.goto(f"{app_url}/vote/{mixed}")
        assert "Qui finance la <b>prévention</b> ?" in vp.locator(".qa-list").inner_text()  # literal text
        vp.get_by_role("button", name="Vote for this question (0)").click()
        vp.wait_for_selector("text=You voted for this question. Votes: 1.")

        sp.wait_for_selector(".st-key-present-qa >> text=Qui finance la <b>prévention</b> ?", timeout=10_000)
        main = sp.locator("[data-testid='stMain']").inner_text()
        assert "Questions received: 1 · shown: 1" in main
        sp.wait_for_function("() => document.querySelector('.st-key-present-qa').innerText.includes('1')", polling=100)
        keep_shot(sp, "present-qa")
        assert not sp.locator("[data-testid='stException']").count()
    finally:
        for context in (asker, voter, organiser, screen):
            context.close()

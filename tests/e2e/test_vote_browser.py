"""The light participant page /vote/CODE served by app.py's st.App beside the Streamlit pages: a phone at
390x844 with JavaScript off answers, in French from its browser's language; the routes' HTTP behaviour
(cookie, redirect, refusals) over real HTTP against the served app."""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from alliance.load import HttpClient
from e2e.helpers import open_page
from e2e.test_present_browser import TITLES, _sign_in_and_open_poll, level_counts, wait_title

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def code(app_url, browser):
    organiser = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        return _sign_in_and_open_poll(organiser.new_page(), app_url)
    finally:
        organiser.close()


def http(app_url, method, path, form=None, client=None, headers=None):
    """One request in a thread of its own (Playwright's sync API holds this thread's event loop)."""
    client = client or HttpClient(app_url)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, client.request(method, path, form=form, headers=headers)).result()


def test_a_phone_without_javascript_answers_in_french(app_url, browser, code, tmp_path):
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
        pg.screenshot(path=str(tmp_path / "vote-phone-fr.png"), full_page=True)
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
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        vp = phone.new_page()
        vp.goto(f"{app_url}/vote/{code}")
        vp.locator("label.choice", has_text=re.compile(r"^\s*5 · ")).first.click()
        vp.get_by_role("button", name="Send my answers").click()
        vp.wait_for_selector("[data-sent]")
        phone.close()
        # within 3 s of the answer (2 s refresh, 1 s cache), with a margin for a busy machine
        pg.wait_for_function("n => { const rows = document.querySelectorAll('.st-key-present-alt-poll-1 tbody tr');"
                             " return rows.length === 6 && Number(rows[5].lastElementChild.textContent.trim()) === n; }",
                             arg=before[5] + 1, timeout=8_000)
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

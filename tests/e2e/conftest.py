"""Browser fixtures: the app served by `streamlit run` on a loopback port, driven by Debian's Chromium.

`page` and `phone` are new tabs in one laptop context and one phone context per worker, cleared after each
test (cookies, storage, extra tabs). A new context costs about 1.5 s of CPU more than a new tab: its renderer
process starts cold and compiles the app's scripts again. A test that needs a browser of its own (two users
signed in at once, another screen size) makes its own context."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from alliance.serve import TEST_CHROMIUM, TEST_CHROMIUM_ARGS
from e2e.helpers import served_copy

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.fixture(scope="session")
def app_url(demo_db, tmp_path_factory):
    """The app served on its own copy of the database: the server process holds the file's lock."""
    with served_copy(demo_db, tmp_path_factory.mktemp("server")) as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(TEST_CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {TEST_CHROMIUM}: install Debian's chromium-headless-shell package "
                    "(scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=TEST_CHROMIUM, args=TEST_CHROMIUM_ARGS)
        yield b
        b.close()


class OutsideRequests(list):
    """Every request a page made to a host other than this machine."""


def _watch_outside_requests(pg) -> OutsideRequests:
    outside = OutsideRequests()

    def on_request(req):
        host = urlparse(req.url).hostname or ""
        if req.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in LOCAL_HOSTS:
            outside.append(req.url)

    pg.on("request", on_request)
    return outside


def _clear(context) -> None:
    """Leave the shared context as a new one: no tab, no cookie, no stored value of any origin it visited."""
    for pg in list(context.pages):
        if urlparse(pg.url).scheme in ("http", "https"):
            try:  # in the tab that holds the origin: no second page load to reach its storage
                pg.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            except Exception:  # the test's server is gone with its module: nothing of it is left to clear
                pass
        pg.close()
    context.clear_cookies()
    context.clear_permissions()


@pytest.fixture(scope="session")
def _laptop_context(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture(scope="session")
def _phone_context(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    yield context
    context.close()


@pytest.fixture
def page(_laptop_context):
    pg = _laptop_context.new_page()
    pg.outside_requests = _watch_outside_requests(pg)
    yield pg
    _clear(_laptop_context)


@pytest.fixture
def phone(_phone_context):
    """A 390x844 touch screen, as a phone shows the app."""
    pg = _phone_context.new_page()
    yield pg
    _clear(_phone_context)

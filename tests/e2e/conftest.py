"""Browser fixtures: the app served by `streamlit run` on a loopback port, driven by Debian's Chromium."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from alliance.serve import CHROMIUM, CHROMIUM_ARGS
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
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class OutsideRequests(list):
    """Every request a page made to a host other than this machine."""


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    outside = OutsideRequests()

    def on_request(req):
        host = urlparse(req.url).hostname or ""
        if req.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in LOCAL_HOSTS:
            outside.append(req.url)

    pg.on("request", on_request)
    pg.outside_requests = outside
    yield pg
    context.close()


@pytest.fixture
def phone(browser):
    """A 390x844 touch screen, as a phone shows the app."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()

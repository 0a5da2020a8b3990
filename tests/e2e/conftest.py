"""Browser fixtures: the app served by `streamlit run` on a loopback port, driven by Debian's Chromium.

Every browser context is one of Playwright's persistent contexts (a profile on disk), kept for the worker's
session and cleared between uses (cookies, storage, tabs): Chromium keeps the compiled scripts of a page (V8's
code cache) only in a profile on disk. In a throwaway context every page load parsed and compiled the app's
scripts again: /benchmark cost 2.9 CPU-s a load there, 1.6-1.7 from the third load in a kept profile. Tests ask
for one as before, `browser.new_context(**options)`; `context.close()` hands it back.

`page` and `phone` are new tabs in one laptop context and one phone context per worker."""
from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import pytest

from alliance.serve import TEST_CHROMIUM, TEST_CHROMIUM_ARGS
from e2e.helpers import LAPTOP, PHONE, served_copy

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.fixture(scope="session")
def app_url(demo_db, tmp_path_factory):
    """The app served on its own copy of the database: the server process holds the file's lock."""
    with served_copy(demo_db, tmp_path_factory.mktemp("server")) as (url, _):
        yield url


class ContextPool:
    """Hands out persistent contexts by their options; each is its own Chromium process with its own profile.
    At most `keep` cleared contexts of each kind wait for the next test; more (eight phones at once) close."""

    def __init__(self, playwright, folder: Path, keep: int = 2):
        self._playwright, self._folder, self._keep = playwright, folder, keep
        self._idle: dict[str, list] = defaultdict(list)
        self._open: list = []
        self._profiles = itertools.count(1)  # a new folder for every context ever made

    def new_context(self, **options) -> PooledContext:
        kind = json.dumps(options, sort_keys=True, default=str)
        if self._idle[kind]:
            return PooledContext(self, kind, self._idle[kind].pop())
        context = self._playwright.chromium.launch_persistent_context(
            str(self._folder / f"profile-{next(self._profiles)}"), executable_path=TEST_CHROMIUM,
            args=TEST_CHROMIUM_ARGS, **options)
        for tab in list(context.pages):  # the empty tab a profile opens with
            tab.close()
        self._open.append(context)
        return PooledContext(self, kind, context)

    def give_back(self, kind: str, context) -> None:
        if len(self._idle[kind]) < self._keep:
            self._idle[kind].append(context)
        else:
            self._open.remove(context)
            context.close()

    def close(self) -> None:
        for context in self._open:
            context.close()


class PooledContext:
    """A pooled context as a test sees a context of its own: `close()` clears it and hands it back."""

    def __init__(self, pool: ContextPool, kind: str, context):
        self._pool, self._kind, self._context = pool, kind, context
        self._closed = False
        self._origins: set[str] = set()
        context.on("page", self._watch)

    def _watch(self, tab) -> None:
        def navigated(frame):
            parts = urlparse(frame.url)
            if parts.scheme in ("http", "https"):
                self._origins.add(f"{parts.scheme}://{parts.netloc}")
        tab.on("framenavigated", navigated)

    def __getattr__(self, name):
        return getattr(self._context, name)

    def clear(self) -> None:
        """Leave the context as a new one: no tab, no cookie, nothing stored by any origin it visited. Servers
        of later modules reuse the same ports, so what one test stored would otherwise meet the next."""
        context = self._context
        for tab in list(context.pages):
            tab.close()
        if self._origins:
            tab = context.new_page()
            cdp = context.new_cdp_session(tab)
            for origin in self._origins:
                cdp.send("Storage.clearDataForOrigin",
                         {"origin": origin, "storageTypes": "local_storage,indexeddb,service_workers,cache_storage"})
            cdp.detach()
            tab.close()
            self._origins.clear()
        context.clear_cookies()
        context.clear_permissions()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            context = self._context
            context.remove_listener("page", self._watch)
            self.clear()
            self._pool.give_back(self._kind, context)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not Path(TEST_CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {TEST_CHROMIUM}: install Debian's chromium-headless-shell package "
                    "(scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        pool = ContextPool(p, tmp_path_factory.mktemp("chromium-profiles"))
        yield pool
        pool.close()


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


@pytest.fixture(scope="session")
def _laptop_context(browser):
    context = browser.new_context(**LAPTOP)
    yield context
    context.close()


@pytest.fixture(scope="session")
def _phone_context(browser):
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def page(_laptop_context):
    pg = _laptop_context.new_page()
    pg.outside_requests = _watch_outside_requests(pg)
    yield pg
    _laptop_context.clear()


@pytest.fixture(scope="module")
def module_tab(browser):
    """A laptop tab (as `page`) kept for the whole module: for tests that read one loaded page in turn, so that
    each does not load and draw it again. The module's own fixture opens what they share."""
    context = browser.new_context(**LAPTOP)
    pg = context.new_page()
    pg.outside_requests = _watch_outside_requests(pg)
    yield pg
    context.close()


@pytest.fixture
def phone(_phone_context):
    """A 390x844 touch screen, as a phone shows the app."""
    pg = _phone_context.new_page()
    yield pg
    _phone_context.clear()

"""Helpers for browser tests: a server on a private database copy, waiting for the app to settle, reading
error boxes, signing in."""
from __future__ import annotations

import os
import re
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# The two kinds of browser most tests ask for. Each kind of context is a Chromium of its own with a kept profile
# (tests/e2e/conftest.py): a test asking for these finds one warm, where a kind of its own starts a cold one.
LAPTOP = {"viewport": {"width": 1440, "height": 900}, "accept_downloads": True}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@contextmanager
def served_copy(source: Path, folder: Path, change=None):
    """Serve the app on a copy of `source` in `folder`; yields (url, database path). `change(con)`, when given,
    runs on a read-write connection to the copy before the server takes the file's lock."""
    import duckdb

    from alliance.serve import start_app, stop, wait_ready

    path = Path(folder) / "alliance.duckdb"
    shutil.copyfile(source, path)
    if change is not None:
        con = duckdb.connect(str(path))
        try:
            change(con)
        finally:
            con.close()
    proc, url = start_app(path, Path(folder) / "streamlit.log")
    try:
        wait_ready(url)  # its start-up visit of / is done (ALLIANCE_WARM_VISITS in tests/conftest.py)
        yield url, path
    finally:
        stop(proc)


# Screenshots for a person to look at, never asserted: taken only when E2E_SHOTS names a folder, as each costs
# Chromium a capture (a full page or a 1920x1080 screen) in every run.
SHOTS = os.environ.get("E2E_SHOTS")


def keep_shot(pg, name: str, **options) -> None:
    """Save `pg` as E2E_SHOTS/<name>.png when E2E_SHOTS is set; `options` go to Playwright's screenshot."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(SHOTS) / f"{name}.png"), **options)


# Something of the page drawn in the main area: before its first run the app also reads "not running".
MAIN_ELEMENT = "[data-testid='stMain'] [data-testid='stElementContainer']"
MAIN_DRAWN_JS = f"() => document.querySelector(\"{MAIN_ELEMENT}\")"


def open_page(pg, url: str, timeout_ms: int = 60_000) -> None:
    """Navigate and wait until the script has finished running and no spinner is left. Before its first run
    the app also reads "not running", so wait for the page to hold something drawn as well (on a loaded
    machine the bare state came first and tests counted 0 cards on a page that showed 12)."""
    pg.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    pg.wait_for_function(MAIN_DRAWN_JS, timeout=timeout_ms, polling=100)
    wait_idle(pg, timeout_ms)


# Sets a flag at the first sign of a run: the script state was "notRunning", so any change of it is a run
# starting; with `alsoMain`, any change inside the main area too (a page's run can start and end between two
# frames, both messages handled in one render under load, and the script state then never visibly changes; a
# click's own redraw would set it too early, so only a navigation watches the main area). A wait for the flag
# cannot end on what was drawn before, as a wait for "notRunning" alone can when the run has not begun yet.
WATCH_RUN_JS = """(alsoMain) => {
  window.__runStarted = false;
  const flag = (changes, observer) => { window.__runStarted = true; observer.disconnect(); };
  new MutationObserver(flag).observe(document.querySelector("[data-testid='stApp']"),
                                     {attributes: true, attributeFilter: ['data-test-script-state']});
  if (alsoMain) new MutationObserver(flag).observe(document.querySelector("[data-testid='stMain']"),
                                                   {subtree: true, childList: true, characterData: true, attributes: true});
}"""
# undefined: a new document was loaded since; or what only the run draws is there already
RUN_STARTED_JS = "(drawn) => window.__runStarted !== false || (drawn !== null && !!document.querySelector(drawn))"

# Move to another URL of the open app as its own links do: the history changes, the app runs the new page.
SOFT_NAVIGATE_JS = """(target) => {
  history.pushState({}, '', target);
  window.dispatchEvent(new PopStateEvent('popstate', {state: {}}));
}"""
# The new page drawn: something in the main area, and nothing left of the page before (Streamlit marks what the
# running script has not drawn again as stale, and drops it when the run ends).
SOFT_DRAWN_JS = f"""() => document.querySelector("{MAIN_ELEMENT}")
                         && !document.querySelector("[data-testid='stMain'] [data-stale='true']")"""
SOFT_START_TIMEOUT_MS = 8_000
RUN_SHOWS_TIMEOUT_MS = 10_000


def run_shows_after(pg, action, timeout_ms: int, watch_main: bool = False, drawn: str | None = None) -> bool:
    """Do `action` and wait at most `timeout_ms` for the first sign of a run (WATCH_RUN_JS), or for the selector
    `drawn` (what the run draws) to be there; whether one came."""
    pg.evaluate(WATCH_RUN_JS, watch_main)
    action()
    try:
        pg.wait_for_function(RUN_STARTED_JS, arg=drawn, timeout=timeout_ms, polling=100)
        return True
    except PlaywrightTimeoutError:
        return False


def run_after(pg, action, timeout_ms: int = 60_000, shows: str | None = None) -> None:
    """Do `action` (a click that reruns the script) and wait until that rerun has finished. A rerun whose start
    and end reach the page together (a busy machine) never shows as running: after 10 s without a sign the run is
    taken as done (a warning in pytest's summary says so). `shows`, a selector that only the rerun can draw, is
    that sign at once (a CI run waited the 10 s for a rerun that had been drawn)."""
    if shows is not None:
        action()
        pg.wait_for_selector(shows, timeout=timeout_ms)
    elif not run_shows_after(pg, action, RUN_SHOWS_TIMEOUT_MS):
        warnings.warn(f"run_after: no run showed within {RUN_SHOWS_TIMEOUT_MS} ms on {pg.url}", stacklevel=2)
    wait_idle(pg, timeout_ms)


def soft_navigate(pg, url: str, timeout_ms: int = 60_000) -> None:
    """Open `url` in the app already open in `pg` without reloading it: the script runs for the new page in the
    same session, as after a click on a link in the sidebar. Chromium then skips loading and starting the app's
    scripts again, about half the CPU of `open_page` (0.45 against 0.85-1.2 CPU-s a view here). The session keeps
    what it holds, such as its language: a `?lang=` in `url` is not read, use `open_page` for that. The app does
    not rerun for a new query string on the page it shows: that case is loaded in full."""
    assert "lang=" not in url, "the session keeps its language: open_page reads ?lang="
    if urlparse(url).path == urlparse(pg.url).path:
        open_page(pg, url, timeout_ms)
        return
    if not run_shows_after(pg, lambda: pg.evaluate(SOFT_NAVIGATE_JS, url), SOFT_START_TIMEOUT_MS, watch_main=True):
        # nothing changed at all: load it in full, and say so in pytest's summary
        warnings.warn(f"soft_navigate: no change within {SOFT_START_TIMEOUT_MS} ms, {url} loaded in full", stacklevel=2)
        open_page(pg, url, timeout_ms)
        return
    pg.wait_for_function(SOFT_DRAWN_JS, timeout=timeout_ms, polling=100)
    wait_idle(pg, timeout_ms)


def wait_idle(pg, timeout_ms: int = 60_000) -> None:
    """The script has finished, nothing is loading, and the page is connected: while Streamlit reconnects its
    widgets are disabled, and a click on the map (or any widget) does nothing."""
    pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']"
                         "[data-test-connection-state='CONNECTED']", timeout=timeout_ms)
    # polled every 100 ms: Playwright's default polls on every animation frame, which keeps Chromium drawing
    # frames for as long as the wait lasts (0.1 CPU-s a second against 0.01 here)
    pg.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stSpinner'], [data-testid='stSkeleton']\")",
        timeout=timeout_ms, polling=100)


def error_boxes(pg) -> list[str]:
    return [e.inner_text() for e in pg.locator("[data-testid='stException']").all()]


def sign_in(pg, username: str, password: str, then: str, refused: bool = False) -> None:
    """Fill in the sign-in form on the open page, then wait for the selector `then`, the run to finish and, unless
    the sign-in is expected to be `refused`, the sign-in cookie: a few lines of JavaScript write it after the run,
    and a test that went to another page before they ran arrived there signed out (a loaded machine, twice in a
    day)."""
    from alliance.app.session import COOKIE_NAME

    pg.get_by_label("User name").fill(username)
    pg.get_by_label("Password", exact=True).fill(password)
    pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_selector(then, timeout=60_000)
    wait_idle(pg)
    if not refused:
        pg.wait_for_function(f"() => document.cookie.split('; ').some(c => c.startsWith('{COOKIE_NAME}='))",
                             timeout=60_000, polling=100)


def choose_language(pg, option: str, attempts: int = 3) -> None:
    """Pick a language in the sidebar's selector. On a busy machine the first click can land while a rerun
    redraws the selector and the list never opens, so open it again (at most `attempts` times)."""
    selector = pg.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text=re.compile("Language|Langue|Sprache"))
    for attempt in range(attempts):
        selector.click()
        try:
            pg.get_by_role("option", name=option).click(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise
    wait_idle(pg)

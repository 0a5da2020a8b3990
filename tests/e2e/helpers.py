"""Helpers for browser tests: a server on a private database copy, waiting for the app to settle, reading
error boxes, signing in."""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def served_copy(source: Path, folder: Path, change=None):
    """Serve the app on a copy of `source` in `folder`; yields (url, database path). `change(con)`, when given,
    runs on a read-write connection to the copy before the server takes the file's lock."""
    import duckdb

    from alliance.serve import start_app, stop

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
        yield url, path
    finally:
        stop(proc)


def open_page(pg, url: str, timeout_ms: int = 60_000) -> None:
    """Navigate and wait until the script has finished running and no spinner is left. Before its first run
    the app also reads "not running", so wait for the page to hold something drawn as well (on a loaded
    machine the bare state came first and tests counted 0 cards on a page that showed 12)."""
    pg.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    pg.wait_for_function(
        "() => document.querySelector(\"[data-testid='stMain'] [data-testid='stElementContainer']\")",
        timeout=timeout_ms)
    wait_idle(pg, timeout_ms)


def wait_idle(pg, timeout_ms: int = 60_000) -> None:
    pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)
    pg.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stSpinner'], [data-testid='stSkeleton']\")",
        timeout=timeout_ms)


def error_boxes(pg) -> list[str]:
    return [e.inner_text() for e in pg.locator("[data-testid='stException']").all()]


def sign_in(pg, username: str, password: str, then: str) -> None:
    """Fill in the sign-in form on the open page, then wait for the selector `then` and the run to finish."""
    pg.get_by_label("User name").fill(username)
    pg.get_by_label("Password", exact=True).fill(password)
    pg.get_by_role("button", name="Sign in").click()
    pg.wait_for_selector(then, timeout=60_000)
    wait_idle(pg)

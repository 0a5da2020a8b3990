"""Shared fixtures: one demonstration database built once per test run, in a temporary folder."""
from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest
from streamlit import config as _streamlit_config
from streamlit.components.v2 import manifest_scanner as _manifest_scanner
from streamlit.testing.v1 import local_script_runner as _local_script_runner

from alliance.app.apptest import run_pages_through_app_py
from alliance.demo import build_demo

# Tests see an unforeseen error whole (type, text, traceback); visitors of the served app see a generic message
# (.streamlit/config.toml, client.showErrorDetails; tests/test_app_config.py checks that setting): the test
# servers by `streamlit run`'s environment variable, AppTests in this process by the option itself (read first,
# so that reading the config file later cannot undo it).
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
_streamlit_config.get_option("client.showErrorDetails")
_streamlit_config.set_option("client.showErrorDetails", os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"])

# The servers tests start visit only their entry page at start-up (the whole visit costs seconds of CPU each,
# dozens of servers): that first run of app.py is what Streamlit needs before a first visit straight to a
# sub-page runs inside the app's shell, so no test opens / in Chromium just for it. tests/test_warm_start.py runs
# the whole visit.
os.environ.setdefault("ALLIANCE_WARM_VISITS", "entry")
# Accounts hashed with argon2's cheapest parameters (alliance/auth.py): the suite signs in hundreds of times;
# tests/test_auth.py checks the real parameters in a process of its own.
os.environ.setdefault("ALLIANCE_CHEAP_PASSWORD_HASHING", "1")

# Each worker's servers take the lowest free port of the worker's own range (alliance.serve.server_ports): one
# origin for the servers a worker starts one after another, so the browser's compiled scripts serve them all.
# A worker sets its own range whatever it inherited: the controlling process imports this file first, and its
# environment is what the workers start with (with setdefault both workers had gw0's range, and raced for it).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_FIRST_PORT = 21000 + 50 * (int(_WORKER[2:]) if _WORKER[2:].isdigit() else 0)
if _WORKER:
    os.environ["ALLIANCE_SERVER_PORTS"] = f"{_FIRST_PORT}-{_FIRST_PORT + 49}"
else:
    os.environ.setdefault("ALLIANCE_SERVER_PORTS", f"{_FIRST_PORT}-{_FIRST_PORT + 49}")

# Each AppTest reads every installed package's metadata, looking for Streamlit components, before its first run:
# a tenth of the AppTests' time. The packages installed do not change during a run: read them once per process.
_manifest_scanner.scan_component_manifests = functools.cache(_manifest_scanner.scan_component_manifests)


def _wait_for_the_run(runner, timeout: float = 3) -> None:
    """AppTest's wait for a run, without its poll every millisecond (5 % of the AppTests' CPU, and the GIL taken
    from the script's thread as often): the script's thread ends right after the run, so wait for it to end."""
    runner._script_thread.join(timeout)
    if runner._script_thread.is_alive():
        runner.request_stop()
        runner.join()
        raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")


_local_script_runner.require_widgets_deltas = _wait_for_the_run

APP_TIMEOUT = 60  # AppTest's 3 s default is too short for a cold import of plotly and pydeck


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demonstration database, read-only by convention: tests that write take `writable_db`."""
    path = tmp_path_factory.mktemp("demo") / "alliance.duckdb"
    build_demo(path)
    return path


@pytest.fixture
def writable_db(demo_db, tmp_path) -> Path:
    path = tmp_path / "alliance.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture
def con(writable_db):
    """A read-write connection to a private copy: for tests of the writers (poll, Q&A, assessments, accounts,
    submissions). The copy has the newest schema, as build_demo ran it (applying it again per test cost 60 ms
    of DDL, over 170 tests). A module that needs another kind of connection defines its own `con`."""
    from alliance import db

    connection = db.connect(writable_db)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def app_db(demo_db, tmp_path_factory) -> Path:
    """A copy for the app run in-process by AppTest: its read-write connection must not meet the tests'
    read-only ones on the same file (DuckDB refuses two configurations of one file in a process)."""
    path = tmp_path_factory.mktemp("app") / "alliance.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture
def app_env(app_db, monkeypatch):
    """Point the app (run in-process by AppTest) at its copy of the demonstration database."""
    monkeypatch.setenv("ALLIANCE_DB", str(app_db))
    return app_db


run_pages_through_app_py()  # see alliance/app/apptest.py


@pytest.fixture
def own_db(writable_db, monkeypatch):
    """For pages that write: the app gets a private copy (the shared AppTest copy stays as built), and the test
    a connection to it with the app's configuration (DuckDB then shares one instance in the process)."""
    from alliance import db

    monkeypatch.setenv("ALLIANCE_DB", str(writable_db))
    con = db.connect(writable_db)
    yield con
    con.close()


def app_test(page: str, query: dict | None = None):
    """An AppTest of app.py opened on `page` (a file of pages/ without .py, e.g. 'map'), with query parameters."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PY), default_timeout=APP_TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page and page_url_paths().get(page) == page:
        # Before its first run AppTest finds a page by its file name, here also its URL path: the first run is the
        # page's own (a run of the overview first cost 0.03-0.1 CPU-s more a test)
        at.switch_page(f"pages/{page}.py")
    elif page:  # a URL path of its own (round-review): found among the pages st.navigation registered
        at.run()
        at.switch_page(f"pages/{page}.py")
    return at


APP_PY = Path(__file__).resolve().parent.parent / "app.py"


def page_url_paths() -> dict[str, str]:
    """app.py's PAGE_SPECS as {page file name: URL path} (imported as tests/test_french.py does)."""
    import app

    return {name: url_path for name, url_path, *_ in app.PAGE_SPECS}


def pytest_collection_modifyitems(config, items):
    """Mark every test by the kind of run it needs, so `-m "not browser and not apptest and not postgres and not
    slow"` is the fast subset (under a minute): browser for tests/e2e (a served app and Chromium), apptest for modules
    that run pages through AppTest, postgres for the cluster mode's, slow for a file of 10 s or more."""
    for item in items:
        if "e2e" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.browser)
        elif item.module is not None and ("app_test" in vars(item.module) or "AppTest" in vars(item.module)):
            item.add_marker(pytest.mark.apptest)
        if {"server", "cluster"} & set(getattr(item, "fixturenames", ())):  # tests/cluster_helpers.py's PostgreSQL
            item.add_marker(pytest.mark.postgres)
    seconds = recorded_seconds()
    root = Path(__file__).resolve().parent.parent
    for item in items:  # the fast subset leaves out the files that took 10 s or more in the last recorded run
        if seconds.get(Path(str(item.fspath)).resolve().relative_to(root).as_posix(), 0) >= SLOW_FILE_S:
            item.add_marker(pytest.mark.slow)
    items[:] = longest_files_first(items)


DURATIONS = Path(__file__).with_name("file_durations.json")


SLOW_FILE_S = 10.0


def recorded_seconds() -> dict[str, float]:
    import json

    return json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}


def longest_files_first(items: list) -> list:
    """The test files in the order of their last recorded time, longest first (scripts/record_test_durations.py),
    each file's tests in their own order. pytest-xdist hands whole files to the workers in this order; in name
    order a 40 s file came last and one core idled for the last minute. A file not recorded counts 10 s."""
    seconds = recorded_seconds()
    root = Path(__file__).resolve().parent.parent
    by_file: dict[str, list] = {}
    for item in items:
        by_file.setdefault(Path(str(item.fspath)).resolve().relative_to(root).as_posix(), []).append(item)
    order = sorted(by_file, key=lambda path: -seconds.get(path, 10.0))  # stable: ties keep the name order
    return [item for path in order for item in by_file[path]]


def run_coroutine(coro):
    """asyncio.run in a thread of its own: in a worker that ran browser tests, Playwright's event loop is still
    running in this thread, and asyncio.run refuses to start inside it."""
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()

"""/admin in a real browser: export the demonstration data as CSV from one server, upload every file to
another server whose database holds nothing but an admin account, import, and get equal tables."""
from __future__ import annotations

import re
import zipfile

import pytest

from alliance import auth, db
from alliance.serve import start_app, stop
from e2e.helpers import error_boxes, open_page, sign_in, wait_idle
from test_cli_import_export import tables_of

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "round-trip-admin-2026"


@pytest.fixture
def empty_app(tmp_path):
    """A server on a database with the schema and one admin account, and no data at all."""
    path = tmp_path / "empty.duckdb"
    con = db.connect(path)
    db.apply_schema(con)
    auth.add_user(con, "admin", ADMIN_PASSWORD, "admin", [], None)
    con.close()
    proc, url = start_app(path, tmp_path / "streamlit.log")
    yield url, path, proc
    stop(proc)


def open_admin(pg, url: str, password: str) -> None:
    open_page(pg, url + "/")  # a visitor arrives at the dashboard first
    open_page(pg, url + "/admin")
    sign_in(pg, "admin", password, "role=tab[name='Import log']")


def test_export_on_one_server_imports_on_another_into_equal_tables(page, app_url, demo_db, empty_app, tmp_path):
    open_admin(page, app_url, "demo-admin-2015")
    page.get_by_role("tab", name="Export").click()
    page.get_by_role("button", name="Prepare the export").click()
    wait_idle(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=re.compile("Download alliance-csv.zip")).click()
    archive = tmp_path / "alliance-csv.zip"
    download.value.save_as(archive)
    folder = tmp_path / "export"
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    files = sorted(folder.rglob("*.csv"))
    assert len(files) > 10

    url, empty_path, proc = empty_app
    open_admin(page, url, ADMIN_PASSWORD)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files([str(f) for f in files])
    page.wait_for_selector("text=/The files are valid/", timeout=120_000)
    wait_idle(page)
    page.get_by_role("button", name="Import now").click()
    page.wait_for_selector("text=/Imported \\(import number 1\\)/", timeout=120_000)
    assert not error_boxes(page)
    assert not page.outside_requests

    stop(proc)  # it holds the file's lock
    imported, original = tables_of(empty_path), tables_of(demo_db)
    assert imported.keys() == original.keys()
    for name in original:
        assert imported[name].equals(original[name]), name

"""/admin in a real browser: export the demonstration data as CSV from one server, upload every file to
another server whose database holds nothing but an admin account, import, and get equal tables."""
from __future__ import annotations

import re
import zipfile

import pytest

from alliance import auth, db
from alliance.serve import start_app, stop, wait_ready
from e2e.helpers import error_boxes, keep_shot, open_page, sign_in, wait_idle
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
    wait_ready(url)
    yield url, path, proc
    stop(proc)


def open_admin(pg, url: str, password: str) -> None:
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


def test_an_unclear_encoding_is_refused_then_read_as_chosen_with_old_and_new_values(page, app_url, tmp_path):
    """A Czech file saved by Excel in Windows-1250: refused with advice, then read as the admin picks; the dry
    run lists each changed field, old and new, before anything is written."""
    path = tmp_path / "members.csv"
    path.write_bytes(("id;name;country_code;latitude;longitude;joined_on;population\r\n"
                      "plzen-cz;Plzeň;CZ;49,74747;13,37759;2024-01-01;\r\n"
                      "aarhus-dk;Aarhus;DK;56,15674;10,21076;2016-12-01;290000\r\n").encode("cp1250"))
    open_admin(page, app_url, "demo-admin-2015")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    refusal = page.get_by_text(re.compile("has an unclear encoding"))
    refusal.wait_for(timeout=60_000)
    assert "Windows-1250" in refusal.inner_text() and "CSV UTF-8" in refusal.inner_text()
    page.get_by_role("combobox", name="Encoding of CSV files").click()
    page.get_by_role("option", name="Windows-1250 (Central European)").click()
    page.wait_for_selector("text=/The files are valid/", timeout=60_000)
    wait_idle(page)
    assert page.get_by_text("members.csv was read as Windows-1250 (Central European).").is_visible()
    assert page.get_by_text("Changes to existing rows").is_visible()
    keep_shot(page, "admin-changes", full_page=True)
    # the grid draws its cells a moment after the run ends: wait for them before reading
    table = page.locator("[data-testid='stDataFrame']").last
    page.wait_for_function("(grid) => grid.querySelectorAll('td').length >= 5", arg=table.element_handle(),
                           timeout=30_000, polling=100)
    cells = table.locator("td").all_text_contents()
    assert cells == ["members", "aarhus-dk", "population", "285273", "290000"]
    assert not error_boxes(page)
    assert not page.outside_requests


# What the upload zone shows: each text element's own text when drawn, else its ::after text (Streamlit's
# English originals are kept, at size 0, and our words drawn after them).
SHOWN_UPLOADER_TEXT_JS = """
(zone) => [...zone.querySelectorAll('button p, [data-testid="stFileUploaderDropzoneInstructions"] span')].map(el => {
  const own = getComputedStyle(el), after = getComputedStyle(el, '::after');
  const drawn = parseFloat(own.fontSize) > 0 ? el.textContent.trim() : '';
  const added = after.content && after.content !== 'none' ? JSON.parse(after.content) : '';
  return (drawn + ' ' + added).trim();
})
"""


def test_the_upload_zone_speaks_french_on_a_french_page(page, app_url):
    """Streamlit writes its uploader's "Upload" button and "200MB per file" line in English on every page."""
    open_admin(page, app_url, "demo-admin-2015")
    open_page(page, app_url + "/admin?lang=fr")
    zone = page.locator("[data-testid='stFileUploaderDropzone']")
    zone.wait_for(timeout=60_000)
    shown = zone.evaluate(SHOWN_UPLOADER_TEXT_JS)
    assert shown == ["Choisir des fichiers", "Jusqu'à 200 Mo par fichier · CSV, XLSX"], shown
    assert zone.bounding_box()["height"] > 40  # still a zone one can see and drop on
    assert not error_boxes(page)

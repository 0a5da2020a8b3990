"""The data behind a chart, through a real click: the overview's 'Members per country' download in French
holds exactly the bars drawn, with French column names, as UTF-8 with a byte order mark."""
from __future__ import annotations

import csv
import io

import pytest

from alliance import db
from e2e.helpers import open_page

pytestmark = pytest.mark.browser


def test_the_chart_download_holds_the_numbers_drawn_in_the_readers_language(page, app_url, demo_db):
    open_page(page, f"{app_url}/?lang=fr")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Données (CSV)").first.click()
    download = info.value
    assert download.suggested_filename == "membres-par-pays.csv"
    raw = open(download.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    con = db.connect(demo_db, read_only=True)
    try:
        expected = db.run_query(con, "members_per_country")
    finally:
        con.close()
    assert rows[0] == ["Pays", "Membres"]
    assert [(r[0], int(r[1])) for r in rows[1:]] == list(zip(expected["name_fr"], expected["members"].astype(int)))

"""The shell (language selector, navigation) is there even when a fresh server's first visit is a sub-page."""
import shutil

import pytest

from alliance.serve import start_app, stop
from e2e.helpers import error_boxes, open_page

pytestmark = pytest.mark.browser


def test_first_visit_to_a_sub_page_runs_inside_the_app_shell(browser, demo_db, tmp_path):
    shutil.copyfile(demo_db, tmp_path / "alliance.duckdb")
    proc, url = start_app(tmp_path / "alliance.duckdb", tmp_path / "streamlit.log")
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        open_page(page, url + "/benchmark?city=aarhus-dk&lang=fr")
        page.wait_for_selector("[data-testid='stSidebarNav']")
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert "Langue" in sidebar  # app.py's language selector, in French as the link asked
        assert "Vue d'ensemble" in sidebar  # navigation titles from app.py, not file names
        assert "benchmark" not in sidebar.lower().split()
        assert "city=aarhus-dk" in page.url
        assert error_boxes(page) == []
        context.close()
    finally:
        stop(proc)

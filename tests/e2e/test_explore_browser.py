"""/explore in a real browser: ad-hoc SQL runs and shows a table; a refused query shows a plain message."""
import pytest

from e2e.helpers import error_boxes, open_page, wait_idle

pytestmark = pytest.mark.browser


def run_sql(page, sql: str) -> None:
    page.get_by_role("tab", name="Your own SQL").click()
    box = page.get_by_label("SQL (one SELECT or WITH query)")
    box.fill(sql)
    page.get_by_role("button", name="Run").last.click()
    page.wait_for_timeout(500)
    wait_idle(page)


def test_adhoc_sql_and_a_refused_query(page, app_url):
    open_page(page, app_url + "/explore")
    run_sql(page, "SELECT country_code, count(*) AS members FROM members GROUP BY ALL ORDER BY members DESC")
    page.get_by_text("rows in").wait_for(timeout=30_000)
    panel = page.locator("[role='tabpanel']:visible")
    assert panel.locator("[data-testid='stDataFrame']").count() == 1
    run_sql(page, "DROP TABLE members")
    page.wait_for_selector("[data-testid='stAlertContentError']", timeout=30_000)
    body = page.inner_text("body")
    assert "not allowed" in body and "Only SELECT" in body and "Traceback" not in body
    assert error_boxes(page) == []
    assert page.outside_requests == [], page.outside_requests


def run_ready_made(page) -> None:
    page.locator("[data-testid='stForm']").first.get_by_role("button", name="Run").click()
    page.wait_for_timeout(500)
    wait_idle(page)


def test_city_activities_runs_downloads_and_helps_with_a_typed_name(page, app_url):
    """Issue 19, items 1 and 17: the run that showed a traceback (list columns in the XLSX) shows the table
    and downloads; a city's name typed for its id is understood, a wrong one gets a hint."""
    open_page(page, app_url + "/explore?query=city_activities")
    member = page.locator("[data-testid='stForm'] [data-testid='stSelectbox']").first
    member.click()
    page.keyboard.type("Aarhus")  # a name where an id is wanted, as the user did
    page.keyboard.press("Enter")
    run_ready_made(page)
    page.get_by_text("rows in").wait_for(timeout=30_000)
    assert error_boxes(page) == [] and "Traceback" not in page.inner_text("body")
    assert "aarhus-dk" in page.inner_text("body")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Excel").click()
    assert download.value.suggested_filename == "city_activities.xlsx"
    assert error_boxes(page) == []

    member.click()
    page.keyboard.type("Arhus")
    page.keyboard.press("Enter")
    run_ready_made(page)
    page.get_by_text("No member has the id").wait_for(timeout=30_000)
    assert "Did you mean Aarhus (Denmark): aarhus-dk?" in page.inner_text("body")
    assert page.outside_requests == [], page.outside_requests

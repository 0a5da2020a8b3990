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

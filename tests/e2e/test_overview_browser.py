"""The overview in a real browser: it renders its figures and charts, no error box, nothing fetched outside."""
import pytest

from e2e.helpers import error_boxes, open_page

pytestmark = pytest.mark.browser


def test_overview_renders_offline(page, app_url):
    open_page(page, app_url + "/")
    page.wait_for_selector("[data-testid='stMetric']")
    assert error_boxes(page) == []
    labels = [m.inner_text().strip()
              for m in page.locator("[data-testid='stMetric'] [data-testid='stMetricLabel']").all()]
    # five alliance figures, then the peer exchange's three counts
    assert labels == ["Members", "Countries", "Activities", "Evaluated practices", "Latest assessment",
                      "Offers", "Open needs", "Exchanges"], labels
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == 2
    assert "Demonstration data" in page.inner_text("body")
    assert page.outside_requests == [], page.outside_requests

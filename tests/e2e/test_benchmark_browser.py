"""/benchmark in a real browser: the radar renders with no error box and nothing fetched outside, the peer
group choice goes into the URL, and the city report downloads as a PDF naming the city."""
import io

import pytest
from pypdf import PdfReader

from e2e.helpers import error_boxes, open_page, wait_idle

pytestmark = pytest.mark.browser

CITY = "aarhus-dk"


def test_benchmark_renders_radar_offline(page, app_url):
    open_page(page, f"{app_url}/benchmark?city={CITY}")
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .polarlayer path", state="attached", timeout=60_000)
    assert error_boxes(page) == []
    body = page.inner_text("body")
    assert "Aarhus" in body and "invented for demonstration" in body
    assert page.locator("[data-testid='stMetric']").count() == 5
    assert page.outside_requests == [], page.outside_requests


def test_peer_choice_changes_the_url(page, app_url):
    open_page(page, f"{app_url}/benchmark?city={CITY}")
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    page.get_by_role("combobox", name="Compare with").click()
    page.get_by_role("option", name="Same European region").click()
    page.wait_for_url("**peers=region**", timeout=30_000)
    wait_idle(page)
    assert f"city={CITY}" in page.url
    assert "Same European region" in page.inner_text("body")
    assert error_boxes(page) == []


def test_city_report_downloads(page, app_url):
    open_page(page, f"{app_url}/benchmark?city={CITY}")
    button = page.get_by_role("button", name="Download the city report (PDF)")
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    pdf = open(info.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Aarhus" in text and "Next steps" in text

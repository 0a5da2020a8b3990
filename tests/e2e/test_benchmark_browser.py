"""/benchmark in a real browser: the radar renders with no error box and nothing fetched outside, the peer
group choice goes into the URL, and the city report downloads as a PDF naming the city. The tests that only read
the page or download from it share one load of it (`benchmark_tab`), in file order."""
import io

import pytest
from pypdf import PdfReader

from e2e.helpers import error_boxes, open_page, wait_idle

pytestmark = pytest.mark.browser

CITY = "aarhus-dk"


@pytest.fixture(scope="module")
def benchmark_tab(module_tab, app_url):
    """The city's benchmark for the tests that only read it or download from it (a load of this page costs
    Chromium about 4 CPU-s): the radar, the buttons' layout, the report."""
    open_page(module_tab, f"{app_url}/benchmark?city={CITY}")
    return module_tab


def test_benchmark_renders_radar_offline(benchmark_tab):
    page = benchmark_tab
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


def test_pdf_button_with_the_choices_in_the_first_screen(benchmark_tab):
    page = benchmark_tab
    city = page.get_by_role("combobox", name="City").bounding_box()
    rounds = page.get_by_role("combobox", name="Rounds counted").bounding_box()
    button = page.get_by_role("button", name="Report (PDF)", exact=True).bounding_box()
    # in the choices' second row, beside "Rounds counted" (in the first row it was cut short at 1024 px)
    assert abs(button["y"] + button["height"] - rounds["y"] - rounds["height"]) < 10
    assert button["x"] > rounds["x"] + rounds["width"] and button["y"] > city["y"] + city["height"]
    assert button["y"] + button["height"] < 900  # in the first screen


def test_city_report_downloads(benchmark_tab):
    page = benchmark_tab
    button = page.get_by_role("button", name="Download the city report (PDF)")
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    pdf = open(info.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Aarhus" in text and "Next steps" in text


def test_weights_panel_stays_open_and_the_weights_go_into_the_link(page, app_url):
    open_page(page, f"{app_url}/benchmark?city={CITY}")
    panel = page.locator("[data-testid='stExpander']", has_text="Dimension weights")
    panel.locator("summary").click()
    wait_idle(page)
    weight = page.get_by_label("Political leadership and commitment")
    weight.fill("3")
    weight.press("Enter")
    page.wait_for_url("**w=leadership%3A3**", timeout=30_000)
    wait_idle(page)
    assert panel.locator("details").get_attribute("open") is not None  # it used to close after every change
    assert "Custom weights in use" in page.inner_text("body")
    assert error_boxes(page) == []

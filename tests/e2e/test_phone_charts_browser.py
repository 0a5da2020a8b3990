"""Charts on a 390 px phone (issue 19, item 6): every label of the radar and of the gap chart lies inside its
chart (on /city and /benchmark they were cut: "xit programmes", "Frontline trainin"), and no printed value
covers a name. French, whose labels are the longest."""
from __future__ import annotations

import pytest

from e2e.helpers import error_boxes, open_page

pytestmark = pytest.mark.browser

# For each plotly chart: labels (angular and category ticks, title) whose box leaves the chart's box, and
# printed bar values whose box overlaps a category label.
PROBLEMS = """() => {
  const out = [];
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  for (const chart of document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")) {
    const box = chart.getBoundingClientRect();
    const labels = [...chart.querySelectorAll(".angularaxistick text, .ytick text, .gtitle, .xtitle")];
    for (const label of labels) {
      const r = label.getBoundingClientRect();
      if (r.width && !inside(r, box)) out.push(`cut: ${label.textContent}`);
    }
    const names = [...chart.querySelectorAll(".ytick text")].map(e => e.getBoundingClientRect());
    for (const value of chart.querySelectorAll(".bartext")) {
      const r = value.getBoundingClientRect();
      if (names.some(n => meets(r, n))) out.push(`value over a name: ${value.textContent}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("path, charts", [("/city?city=aarhus-dk&lang=fr", 2), ("/benchmark?city=aarhus-dk&lang=fr", 4),
                                          ("/?lang=fr", 2)])
def test_phone_charts_keep_their_labels_inside(phone, app_url, path, charts):
    open_page(phone, app_url + path)
    phone.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                            timeout=60_000, polling=100)
    if path.startswith(("/city", "/benchmark")):  # their radar
        phone.wait_for_selector(".angularaxistick text", state="attached", timeout=60_000)
    assert error_boxes(phone) == []
    assert phone.evaluate(PROBLEMS) == []


def test_overview_bar_names_stay_inside_on_a_1024_px_laptop(page, app_url):
    # each chart has half of the main area there: "Youth resilience and education" was cut to "outh resilience..."
    page.set_viewport_size({"width": 1024, "height": 768})  # a tab of the warm laptop browser, at this size
    open_page(page, app_url + "/")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .ytick text').length >= 10", timeout=60_000,
                           polling=100)
    assert page.evaluate("() => window.innerWidth") == 1024
    assert page.evaluate(PROBLEMS) == []

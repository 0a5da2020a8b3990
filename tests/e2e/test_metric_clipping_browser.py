"""Key figures are never cut short: on a 1024-pixel screen with the sidebar open, the city profile showed its
population as "2…", the benchmark "Principles and cooper…" and its report button "Rep…" (Streamlit ends what does
not fit in "…")."""
from __future__ import annotations

import pytest

from e2e.helpers import open_page

pytestmark = pytest.mark.browser

# every metric label and value, and every download button's text, wider than the box that shows it
CLIPPED_JS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stMetricLabel"] *, [data-testid="stMain"] [data-testid="stMetricValue"] *,'
    + '[data-testid="stMain"] [data-testid="stDownloadButton"] button *')]
  .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1).map(el => el.innerText)"""


@pytest.mark.parametrize("width", [1024, 1440])
def test_no_figure_or_label_is_cut_short(module_tab, app_url, width):
    # the module's laptop tab at this size: a context of its own size started a browser of its own, cold
    tab = module_tab
    tab.set_viewport_size({"width": width, "height": 768})
    for path in ("/", "/city?city=aarhus-dk&lang=fr", "/benchmark?city=aarhus-dk&lang=de"):
        open_page(tab, app_url + path)
        tab.wait_for_selector("[data-testid='stMetricValue']", timeout=60_000)
        assert tab.locator("[data-testid='stMetricValue']").count() >= 3, path  # the check has figures to look at
        assert tab.evaluate("() => window.innerWidth") == width
        assert tab.evaluate(CLIPPED_JS) == [], (width, path)

"""WCAG 2.1 AA check of every page in the browser with axe-core (tests/e2e/vendor/axe.min.js, injected by
Playwright, so it runs offline). Fails on serious or critical violations caused by our own content.

Findings inside Streamlit's own interface, which the app cannot change, are left out and listed here:
- the sidebar navigation (`stSidebarNav`): `list`/`listitem`, its <ul> holds section <div>s;
- the sparkline of `st.metric(chart_data=...)` (`stMetricChart`): `svg-img-alt`, Vega draws marks with an
  image role and no text; the metric's own value and delta carry the same figures as text.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import page_url_paths

from e2e.helpers import LAPTOP, PHONE, open_page, soft_navigate

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"
STREAMLIT_OWN = ("[data-testid='stSidebarNav']", "[data-testid='stHeader']", "[data-testid='stToolbar']",
                 "[data-testid='stSidebarHeader']", "[data-testid='stSidebarCollapseButton']",
                 "[data-testid='stMainMenu']", "[data-testid='stStatusWidget']", "[data-testid='stMetricChart']")
# Every page at the URL the app gives it (app.PAGE_SPECS: a file's name is not always its URL), plus deeper
# states and every slide of the presentation.
VIEWS = [f"/{url_path}" for name, url_path in sorted(page_url_paths().items())
         if name != "present" and (PAGES_DIR / f"{name}.py").is_file()]
VIEWS += ["/benchmark?city=aarhus-dk", "/city?city=aarhus-dk", "/?lang=fr"]
VIEWS += [f"/present?slides={s}&every=600" for s in ("map", "figures", "practices", "assessment", "poll")]

# every plotly chart has its SVG and every map its canvas (a fixed second's wait cost 24 s of the file's time)
CHARTS_DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].every(c => c.querySelector('.main-svg'))
                  && [...document.querySelectorAll("[data-testid='stDeckGlJsonChart']")].every(
                         d => d.querySelector('canvas'))"""

RUN_AXE = """
async (own) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                          resultTypes: ['violations']});
  const findings = [];
  for (const v of result.violations) {
    if (!['serious', 'critical'].includes(v.impact)) continue;
    for (const node of v.nodes) {
      let el = null;
      try { el = document.querySelector(node.target[0]); } catch (e) { el = null; }
      const streamlit = !!(el && own.some(sel => el.closest(sel)));
      findings.push({rule: v.id, impact: v.impact, target: node.target.join(' '), html: node.html.slice(0, 200),
                     streamlit, why: node.failureSummary.slice(0, 300)});
    }
  }
  return {findings, passes: result.passes ? result.passes.length : null};
}
"""


def axe_findings(pg) -> list[dict]:
    if not pg.evaluate("() => typeof axe !== 'undefined'"):  # a view reached by the app's links keeps it
        pg.add_script_tag(path=str(AXE))
    assert pg.evaluate("() => typeof axe !== 'undefined' && typeof axe.run === 'function'")
    return pg.evaluate(RUN_AXE, list(STREAMLIT_OWN))["findings"]


def test_axe_finds_a_planted_violation(app_url, page):
    """The check itself: an image without alt text, added to the page, is reported as ours."""
    open_page(page, f"{app_url}/")
    page.evaluate("() => { const img = document.createElement('img'); img.src = 'data:,'; "
                  "document.querySelector('[data-testid=\"stMain\"]').appendChild(img); }")
    ours = [f for f in axe_findings(page) if not f["streamlit"]]
    assert any(f["rule"] == "image-alt" for f in ours), ours


class Tour:
    """One tab that goes from view to view inside the app (soft_navigate), as a reader following its links does:
    each view costs Chromium about half a full page load. A view with ?lang= is loaded in full (the session
    keeps its language), and so is the view after it, in a new session back in English."""

    def __init__(self, pg, base_url: str):
        self.pg, self.base_url, self.in_english_session = pg, base_url, False

    def visit(self, path: str) -> None:
        if self.in_english_session and "lang=" not in path:
            soft_navigate(self.pg, f"{self.base_url}{path}")
        else:
            open_page(self.pg, f"{self.base_url}{path}")
            self.in_english_session = "lang=" not in path


@pytest.fixture(scope="module")
def tour(module_tab, app_url):
    return Tour(module_tab, app_url)


@pytest.mark.parametrize("path", VIEWS)
def test_no_serious_violation_of_our_own(tour, path):
    tour.visit(path)
    page = tour.pg
    assert page.url.endswith(path), page.url
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000, polling=100)  # charts and the map draw after the run
    findings = axe_findings(page)
    ours = [f for f in findings if not f["streamlit"]]
    assert not ours, "\n".join(f"{f['rule']} ({f['impact']}) at {f['target']}: {f['html']} -- {f['why']}"
                               for f in ours)


def test_poll_phone_page_has_no_serious_violation(app_url, browser):
    from e2e.test_present_browser import _sign_in_and_open_poll

    organiser = browser.new_context(**LAPTOP)
    phone = browser.new_context(**PHONE)
    try:
        pg = organiser.new_page()
        code = _sign_in_and_open_poll(pg, app_url)
        organiser_findings = [f for f in axe_findings(pg) if not f["streamlit"]]
        pg = phone.new_page()
        open_page(pg, f"{app_url}/poll?code={code}")
        phone_findings = [f for f in axe_findings(pg) if not f["streamlit"]]
    finally:
        organiser.close()
        phone.close()
    assert not organiser_findings, organiser_findings
    assert not phone_findings, phone_findings

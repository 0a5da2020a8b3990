"""A small browser-side helper for /map (st.components.v2, no iframe, nothing fetched), for what the server
cannot know or do:

- it reports the map's real width (rounded to 10 px), so that the initial view is fitted to it: a phone's
  map is half as wide as a laptop's, and a view fitted for the laptop leaves the outlying members outside;
- when a member is selected and its details panel lies outside the viewport (below the map on a phone), it
  scrolls the panel into view;
- it keeps deck.gl's tooltip inside the map: deck.gl puts the tooltip's corner at the pointer, so near the
  right or bottom edge the text was cut; the tooltip is moved to the other side of the pointer instead.

The JavaScript is trusted code of ours; no data value is put into it (ids travel as `data`).
"""
from __future__ import annotations

import streamlit as st

WIDTH_STEP = 10
DETAILS_SELECTOR = ".st-key-map_details"
CHART_SELECTOR = "[data-testid='stDeckGlJsonChart']"

_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const s = window.__allianceMapAssist || (window.__allianceMapAssist = { revealed: null });
  s.setStateValue = setStateValue;
  s.width = data.width;

  const chart = () => document.querySelector(CHART);
  const report = () => {
    const el = chart();
    if (!el) return false;
    const width = Math.floor(el.getBoundingClientRect().width / STEP) * STEP;
    if (width > 0 && width !== s.width) { s.width = width; s.setStateValue("width", width); }
    if (!s.observed || !s.observed.isConnected) {
      s.observed = el;
      if (s.resize) s.resize.disconnect();
      s.resize = new ResizeObserver(() => report());
      s.resize.observe(el);
    }
    return true;
  };
  const retry = (fn, tries) => { if (!fn() && tries > 0) setTimeout(() => retry(fn, tries - 1), 200); };
  retry(report, 50);

  // Bring the details panel into view when a new member is selected and the panel is off-screen.
  if (data.reveal && data.reveal !== s.revealed) {
    s.revealed = data.reveal;
    retry(() => {
      const panel = document.querySelector(DETAILS);
      if (!panel) return false;
      const box = panel.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) panel.scrollIntoView({ block: "nearest" });
      return true;
    }, 50);
  } else if (!data.reveal) {
    s.revealed = null;
  }

  // Keep the tooltip inside the map: deck.gl sets its corner at the pointer with a CSS translate.
  if (!s.tooltips) {
    const GAP = 12, EDGE = 4;
    const place = (tip) => {
      const m = /translate\\(([-\\d.]+)px,\\s*([-\\d.]+)px\\)/.exec(tip.style.transform || "");
      if (!m || tip.style.display === "none" || tip.dataset.placed === tip.style.transform) return;
      const area = tip.offsetParent;
      if (!area) return;
      const x = parseFloat(m[1]), y = parseFloat(m[2]);
      const w = tip.offsetWidth, h = tip.offsetHeight, W = area.clientWidth, H = area.clientHeight;
      let nx = x + GAP, ny = y + GAP;
      if (nx + w > W - EDGE) nx = x - GAP - w;
      if (nx < EDGE) nx = Math.max(EDGE, W - EDGE - w);
      if (ny + h > H - EDGE) ny = y - GAP - h;
      if (ny < EDGE) ny = EDGE;
      const moved = `translate(${Math.round(nx)}px, ${Math.round(ny)}px)`;
      tip.dataset.placed = moved;
      tip.style.transform = moved;
    };
    s.tooltips = new MutationObserver((records) => {
      for (const r of records) {
        if (r.target.classList && r.target.classList.contains("deck-tooltip")) place(r.target);
      }
    });
    s.tooltips.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["style"] });
  }
}
"""


@st.cache_resource
def _component():
    js = (_JS.replace("CHART", repr(CHART_SELECTOR)).replace("DETAILS", repr(DETAILS_SELECTOR))
          .replace("STEP", str(WIDTH_STEP)))
    return st.components.v2.component("alliance_map_assist", js=js, isolate_styles=False)


def reported_width() -> int | None:
    """The map's width in px as the browser last reported it; None before it has (first run, AppTest)."""
    return st.session_state.get("map_assist_width")


def map_assist(reveal: str | None) -> None:
    """Mount the helper; ``reveal``: the selected member's id (its panel is scrolled into view), or None."""
    _component()(key="map_assist", data={"width": reported_width(), "reveal": reveal or ""},
                 default={"width": None}, on_width_change=_remember_width, height=1)


def _remember_width() -> None:
    """Runs before the rerun the browser's report causes, so that this run fits the view to the width."""
    value = st.session_state.get("map_assist")
    width = getattr(value, "width", None) if value is not None else None
    if isinstance(width, (int, float)) and width > 0:
        st.session_state["map_assist_width"] = int(width)

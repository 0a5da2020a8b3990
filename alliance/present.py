"""The big-screen presentation (/present): which slides, how long each, what comes next, and the projector
charts. Pure functions, no Streamlit, so that the URL handling and the cycle are tested directly.
"""
from __future__ import annotations

import html
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from alliance import charts, scoring
from alliance.i18n import number_separators

SLIDES = ("map", "figures", "practices", "assessment", "plans", "poll", "qa")
DEFAULT_SLIDES = SLIDES[:6]  # the Q&A slide only when asked for (`?slides=poll,qa`)
LIVE_SLIDES = ("poll", "qa")  # refreshed often, held while their poll is open
DEFAULT_EVERY = 20
MIN_EVERY, MAX_EVERY = 5, 600
POLL_REFRESH_S = 2  # with poll.live_results' 1 s cache: results on the screen at most 3 s old
INDEX_BANDS = (0, 20, 40, 60, 80, 100)

# The projector theme: pure black on white survives a washed-out projector best (contrast 21:1), with one
# dark blue accent (contrast 9.6:1 on white). Sizes in px at 1920x1080; nothing under 24 px.
INK = "#000000"
ACCENT = "#1F4E89"
PROJECTOR_FONT = 26
PROJECTOR_TITLE = 34


def parse_slides(value) -> tuple[str, ...]:
    """The slides named in `?slides=map,figures,poll`, in that order, unknown names and repeats dropped;
    all slides when nothing usable is given. Never raises."""
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str):
        return DEFAULT_SLIDES
    chosen = []
    for part in value.split(","):
        name = part.strip().lower()
        if name in SLIDES and name not in chosen:
            chosen.append(name)
    return tuple(chosen) or DEFAULT_SLIDES


def parse_every(value) -> int:
    """Seconds per slide from `?every=20`: a whole number between MIN_EVERY and MAX_EVERY (clamped), the
    default when it is not a number. Never raises."""
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_EVERY
    if not math.isfinite(seconds):
        return DEFAULT_EVERY
    return int(min(max(round(seconds), MIN_EVERY), MAX_EVERY))


def start_index(slides: tuple[str, ...], start) -> int:
    """The position of `?start=NAME` among the slides, 0 when it is not one of them."""
    name = str(start).strip().lower() if start is not None else ""
    return slides.index(name) if name in slides else 0


def step(index: int, count: int, delta: int = 1) -> int:
    """The slide `delta` places after `index`, wrapping round."""
    return (index + delta) % count if count > 0 else 0


def is_due(last_change: float, now: float, every: float, paused: bool) -> bool:
    """Whether the automatic advance is due: not paused and the slide has been up for `every` seconds
    (a small tolerance, because the timer that wakes the page is not exact)."""
    return not paused and now - last_change >= every - 0.75


def holds(slide: str, poll_open: bool) -> bool:
    """Whether the slide stays up instead of advancing: the poll slide while its poll is open, because the
    room is still answering. The organiser's keys and buttons still move on."""
    return slide in LIVE_SLIDES and poll_open


def refresh_seconds(slide: str, every: int) -> int:
    """How often the slide area wakes up: the poll's results must stay fresh, other slides only move on."""
    return min(every, POLL_REFRESH_S) if slide in LIVE_SLIDES else every


# ------------------------------------------------------------------------------------- the charts
def projector_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Projector sizes on top of the shared layout: every text at least 24 px, black on white."""
    charts.base_layout(fig, title, height=height)
    fig.update_layout(font=dict(size=PROJECTOR_FONT, color=INK),
                      title=dict(font=dict(size=PROJECTOR_TITLE, color=INK)),
                      margin=dict(l=10, r=40, t=70, b=10), hoverlabel=dict(font_size=24),
                      separators=number_separators())
    axis_text = dict(size=PROJECTOR_FONT, color=INK)
    fig.update_xaxes(tickfont=axis_text, title_font=axis_text, gridcolor="#B8C0CC")
    fig.update_yaxes(tickfont=axis_text, title_font=axis_text)
    return fig


def bars(labels: Iterable[str], values: Iterable[float], title: str, value_title: str, height: int = 760,
         colour: str = ACCENT, texts: Iterable[str] | None = None) -> go.Figure:
    """Horizontal bars in the given order (first on top), each value printed at its bar's end."""
    labels, values = list(labels), list(values)
    texts = list(texts) if texts is not None else [str(v) for v in values]
    fig = go.Figure(go.Bar(x=values[::-1], y=labels[::-1], orientation="h", marker_color=colour,
                           text=texts[::-1], textposition="outside", cliponaxis=False,
                           textfont=dict(size=PROJECTOR_FONT, color=INK),
                           hovertemplate="%{y}: %{x}<extra></extra>"))
    projector_layout(fig, title, height)
    fig.update_xaxes(title_text=value_title, rangemode="tozero")
    if values and max(values) > 0:
        fig.update_xaxes(range=[0, max(values) * 1.18])
    return fig


# action statuses on the projector: Okabe-Ito colours and a fill pattern each, so that no status is told by
# colour alone (the legend names them too)
PLAN_STATUS_STYLE = {"not_started": ("#999999", ""), "on_track": ("#0072B2", "/"), "at_risk": ("#E69F00", "x"),
                     "late": ("#D55E00", "."), "done": ("#009E73", "+"), "dropped": ("#CC79A7", "-")}


def plan_status_bars(counts: pd.DataFrame, labels: dict[int, str], status_names: dict[str, str], title: str,
                     value_title: str, height: int = 800) -> go.Figure:
    """Actions per dimension, stacked by status (alliance.actions.aggregate's frame: dimension_id, one column
    per status). Dimensions without actions are left out; the first dimension is on top."""
    shown = counts[counts[list(status_names)].sum(axis=1) > 0]
    names = [charts.wrap_label(labels[int(d)], 28) for d in shown["dimension_id"]][::-1]
    fig = go.Figure()
    for status, name in status_names.items():
        colour, pattern = PLAN_STATUS_STYLE[status]
        values = [int(v) for v in shown[status]][::-1]
        fig.add_trace(go.Bar(x=values, y=names, orientation="h", name=name, marker_color=colour,
                             marker_pattern=dict(shape=pattern, bgcolor=colour, fgcolor=INK, size=14,
                                                 solidity=0.15, fillmode="overlay"),
                             marker_line=dict(color=INK, width=1),
                             text=[str(v) if v else "" for v in values], textposition="inside",
                             insidetextfont=dict(size=PROJECTOR_FONT - 2, color=INK),
                             hovertemplate=f"{name} · %{{y}}: %{{x}}<extra></extra>"))
    projector_layout(fig, title, height)
    fig.update_layout(barmode="stack", showlegend=True, legend_traceorder="normal",
                      legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom",
                                  font=dict(size=PROJECTOR_FONT, color=INK)),
                      margin=dict(l=10, r=40, t=120, b=10))
    fig.update_xaxes(title_text=value_title, rangemode="tozero", dtick=whole_number_step(
        max(int(shown[list(status_names)].sum(axis=1).max()), 1) if not shown.empty else 1))
    return fig


def whole_number_step(top: float, max_ticks: int = 6) -> int:
    """The gap between axis ticks for counts up to `top`: 1, 2, 5, 10, 20, 50 ... the smallest that shows at
    most `max_ticks` gaps, so that no tick is a fraction of a person."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if top / step <= max_ticks:
                return step
        magnitude *= 10


def level_bars(labels: Iterable[str], values: Iterable[int], value_title: str, height: int = 560,
               colour: str = ACCENT, texts: Iterable[str] | None = None) -> go.Figure:
    """Counts of answers per level for the poll slide: each label written above its bar (first on top), so
    the bars use the chart's whole width in a narrow column; whole-number ticks on the count axis."""
    labels, values = list(labels), [int(v) for v in values]
    texts = list(texts) if texts is not None else [str(v) for v in values]
    count = len(labels)
    # band i (from the top) spans y in [-(i+1), -i]: its label at the top, its bar in the lower half
    centres = [-i - 0.7 for i in range(count)]
    fig = go.Figure(go.Bar(x=values, y=centres, width=0.5, orientation="h", marker_color=colour, text=texts,
                           textposition="outside", cliponaxis=False,
                           textfont=dict(size=PROJECTOR_FONT, color=INK),
                           customdata=labels, hovertemplate="%{customdata}: %{x}<extra></extra>"))
    projector_layout(fig, "", height)
    for i, text in enumerate(labels):
        fig.add_annotation(x=0, xref="paper", xanchor="left", y=-i - 0.02, yref="y", yanchor="top", text=text,
                           showarrow=False, align="left", font=dict(size=PROJECTOR_FONT, color=INK))
    top = max(values, default=0)
    step = whole_number_step(max(top, 1))
    fig.update_yaxes(range=[-max(count, 1), 0], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_xaxes(title_text=value_title, range=[0, max(top, 1) * 1.15], tick0=0, dtick=step,
                     tickformat=",d")
    fig.update_layout(margin=dict(l=16, r=40, t=8, b=10))  # room for the 0 tick
    return fig


def round_indices(answers: pd.DataFrame, dimensions: pd.DataFrame) -> pd.Series:
    """Each assessed member's overall index in one round (the framework's weights), missing ones dropped.
    `answers`: member_id, dimension_id, level, not_applicable; `dimensions`: dimension_id, weight."""
    weights = {int(i): float(w) for i, w in zip(dimensions["dimension_id"], dimensions["weight"])}
    return scoring.weighted_index(scoring.score_matrix(answers), weights).dropna()


def index_distribution(indices: Iterable[float], band_label: str = "{low}–{high}") -> pd.DataFrame:
    """How many members' index falls in each band of INDEX_BANDS (the last band includes 100): band label
    and count, every band listed. Counts only, never names: the big screen shows no league table."""
    values = np.array([float(v) for v in indices if v is not None and not pd.isna(v)], dtype=float)
    edges = np.array(INDEX_BANDS, dtype=float)
    counts, _ = np.histogram(values, bins=edges)
    labels = [band_label.format(low=INDEX_BANDS[i], high=INDEX_BANDS[i + 1]) for i in range(len(INDEX_BANDS) - 1)]
    return pd.DataFrame({"band": labels, "members": counts.astype(int)})


def distribution_columns(frame: pd.DataFrame, title: str, x_title: str, y_title: str,
                         height: int = 700) -> go.Figure:
    """Vertical bars of a distribution (bands left to right), counts printed above the bars."""
    fig = go.Figure(go.Bar(x=frame["band"], y=frame["members"], marker_color=charts.PALETTE[0],
                           text=frame["members"], textposition="outside", cliponaxis=False,
                           textfont=dict(size=PROJECTOR_FONT, color=INK),
                           hovertemplate="%{x}: %{y}<extra></extra>"))
    projector_layout(fig, title, height)
    fig.update_xaxes(title_text=x_title, type="category")
    top = int(frame["members"].max()) if len(frame) else 0
    fig.update_yaxes(title_text=y_title, rangemode="tozero", range=[0, max(top, 1) * 1.2])
    return fig


_MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$:"


def markdown_text(value) -> str:
    """Text from data made safe to put in st.markdown: every markdown special character is escaped, so a
    city called `**x** [link](http://…)` or `<b>` shows as typed."""
    text = "" if value is None else str(value)
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in text)


def display_url(url: str) -> str:
    """A URL as read aloud and typed: without the scheme."""
    return url.split("://", 1)[-1]


def unbroken_url_html(url: str) -> str:
    """A URL (shown without its scheme) as HTML that a narrow column may wrap only before its path and
    before each further query parameter, never inside the host or the poll code: each piece is a span that
    does not wrap, with a <wbr> between pieces. Every piece is HTML-escaped."""
    host, slash, rest = display_url(url).partition("/")
    pieces = [host]
    if slash:
        path, *params = rest.split("&")
        pieces += ["/" + path] + ["&" + param for param in params]
    return "<wbr>".join(f'<span style="white-space:nowrap">{html.escape(piece)}</span>' for piece in pieces)

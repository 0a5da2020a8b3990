"""Plotly figure builders: data in, figure out. No Streamlit, no database."""
from __future__ import annotations

import html
import re

import pandas as pd
import plotly.graph_objects as go

from alliance.i18n import number_separators

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PRIMARY = "#1F4E89"
FONT = dict(family="Source Sans Pro, Helvetica, Arial, sans-serif", size=15, color="#1B1F24")


TITLE_WIDTH = 34  # characters of a 19 px title that fit a 390 px phone's chart with room for any font's metrics


def base_layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """A long title goes on two lines: on a phone it was cut at the chart's edge by 2 px in one browser and
    not in another (their text metrics differ)."""
    text = wrap_label(title, TITLE_WIDTH)
    extra_lines = text.count("<br>")
    fig.update_layout(title=dict(text=text, x=0, font=dict(size=19)), font=FONT, height=height + 24 * extra_lines,
                      margin=dict(l=10, r=20, t=56 + 24 * extra_lines, b=10), plot_bgcolor="white", paper_bgcolor="white",
                      hoverlabel=dict(font_size=15), showlegend=False,
                      separators=number_separators())  # 0,5 and 1 000 in French
    fig.update_xaxes(gridcolor="#E3E7ED", zerolinecolor="#C9CFD8", automargin=True)
    fig.update_yaxes(gridcolor="#E3E7ED", automargin=True)
    return fig


def wrap_label(text, width: int) -> str:
    """A category label on lines of at most ``width`` characters where the words allow (plotly's <br>), so that
    a long name stays readable on a phone instead of being cut at the chart's edge. A word longer than that
    breaks after a hyphen ("Contre-<br>discours"). Escaped: plotly reads a few HTML tags in labels, and labels
    may come from data."""
    pieces = []  # (text, what joins it to the previous piece on one line)
    for word in str(text).split():
        parts = re.findall(r"[^-]+-*|-+", word) if len(word) > width else [word]
        pieces += [(part, " " if k == 0 else "") for k, part in enumerate(parts)]
    lines: list[str] = []
    for part, joiner in pieces:
        if lines and len(lines[-1]) + len(joiner) + len(part) <= width:
            lines[-1] += joiner + part
        else:
            lines.append(part)
    return "<br>".join(html.escape(line, quote=False) for line in lines)


BAR_LABEL_WIDTH = 20  # characters a line of a bar's name


def horizontal_bars(frame: pd.DataFrame, label_col: str, value_col: str, title: str, value_title: str,
                    max_rows: int | None = None) -> go.Figure:
    """Bars sorted largest on top, value printed at the bar end so no one has to read the axis."""
    data = frame.sort_values(value_col, ascending=False)
    if max_rows:
        data = data.head(max_rows)
    data = data.iloc[::-1]
    # long names on several lines: in half of a 1024 px laptop's page plotly cut them at the chart's edge
    labels = [wrap_label(label, BAR_LABEL_WIDTH) for label in data[label_col]]
    fig = go.Figure(go.Bar(x=data[value_col], y=labels, orientation="h", marker_color=PRIMARY,
                           text=data[value_col], textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x}<extra></extra>"))
    base_layout(fig, title, height=max(300, sum(34 + 20 * label.count("<br>") for label in labels) + 90))
    fig.update_xaxes(title_text=value_title)
    return fig


# ---------------------------------------------------------------------------------- benchmark charts
CITY_COLOUR = PALETTE[1]    # orange: the city
PEER_COLOUR = PALETTE[0]    # blue: the peers' median and spread
BAND_FILL = "rgba(0, 114, 178, 0.16)"


RADAR_LABEL_WIDTH = 11  # characters a line: "Frontline<br>training" fits beside a phone's radar
RADAR_MARGIN = 104  # px each side: room for the widest label ("Désengagement"); a laptop's radar is limited by its
                    # height, so only a phone's radar gets smaller


class FrozenFigure(go.Figure):
    """A finished figure whose plain form is computed once, to be cached and drawn by many views:
    st.plotly_chart reads only `to_dict()` (a deep copy with every array converted, ~3 ms a chart otherwise)
    and serialises that without validation. Made by `freeze`; do not change it after."""

    _frozen: dict

    def to_dict(self) -> dict:
        return self._frozen


def freeze(figure: go.Figure) -> FrozenFigure:
    """The figure itself, frozen: its class is changed in place rather than copied, since a copy validates every
    property again (a third of a city's first benchmark view went there)."""
    frozen = figure.to_dict()
    figure.__class__ = FrozenFigure
    figure._frozen = frozen
    return figure


def score_radar(labels: list[str], city: list[float | None], median: list[float | None], q1: list[float | None],
                q3: list[float | None], *, title: str, city_name: str, median_name: str, band_name: str,
                height: int = 560) -> go.Figure:
    """Radar of dimension scores (0-100): the city against the peer median and interquartile band.

    The band is the q3 polygon filled, with the q1 polygon filled in the background colour on top.
    Missing values (not applicable) leave a gap in the city's line. Labels are wrapped and the margins kept
    narrow, so that on a phone (a 350 px chart) no label is cut; the radial ticks sit between the first two
    spokes, not on the first one.
    """
    closed = lambda values: list(values) + [values[0]] if values else []  # noqa: E731
    theta = closed([wrap_label(label, RADAR_LABEL_WIDTH) for label in labels])
    fig = go.Figure()
    if any(v is not None for v in q3):
        fig.add_trace(go.Scatterpolar(r=closed(q3), theta=theta, name=band_name, fill="toself", fillcolor=BAND_FILL,
                                      line=dict(color="rgba(0,0,0,0)"), hoverinfo="skip"))
        fig.add_trace(go.Scatterpolar(r=closed(q1), theta=theta, name=band_name, fill="toself", fillcolor="white",
                                      line=dict(color="rgba(0,0,0,0)"), hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatterpolar(r=closed(median), theta=theta, name=median_name, mode="lines",
                                      line=dict(color=PEER_COLOUR, width=2, dash="dash"),
                                      hovertemplate="%{theta}: %{r:.0f}<extra>" + median_name + "</extra>"))
    fig.add_trace(go.Scatterpolar(r=closed(city), theta=theta, name=city_name, mode="lines+markers",
                                  line=dict(color=CITY_COLOUR, width=3), marker=dict(size=8),
                                  connectgaps=False,
                                  hovertemplate="%{theta}: %{r:.0f}<extra>" + city_name + "</extra>"))
    base_layout(fig, title, height=height)
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.08, x=0.5, xanchor="center"),
                      polar=dict(bgcolor="white",
                                 radialaxis=dict(range=[0, 100], tickvals=[25, 50, 75, 100], gridcolor="#E3E7ED",
                                                 ticktext=["", "50", "", "100"],  # two numbers: legible on a phone
                                                 angle=radial_tick_angle(len(labels)), tickangle=0,
                                                 tickfont=dict(size=11, color="#5B6573")),
                                 angularaxis=dict(gridcolor="#E3E7ED", direction="clockwise", rotation=90,
                                                  tickfont_size=13)),
                      margin=dict(l=RADAR_MARGIN, r=RADAR_MARGIN, t=70, b=40))
    return fig


def radial_tick_angle(spokes: int) -> float:
    """The direction (degrees, anticlockwise from east) of the radar's 20-100 ticks: halfway between the first
    spoke (at the top) and the second (clockwise), so that the numbers do not sit on the first axis' line."""
    return 90 - 180 / spokes if spokes else 90


def position_strips(frame: pd.DataFrame, *, title: str, city_name: str, median_name: str, band_name: str,
                    range_name: str) -> go.Figure:
    """One row per measure (column ``label``): the peers' range (minimum-maximum), interquartile band and
    median, and the city's value as a diamond. Shows a distribution, never individual peers."""
    data = frame.iloc[::-1]
    peers = data[data["q1"].notna()]
    scored = data[data["value"].notna()]

    def segments(low: str, high: str) -> tuple[list, list]:
        """x and y of one line per row, in a single trace: None breaks the line between rows."""
        xs, ys = [], []
        for a, b, y in zip(peers[low], peers[high], peers["label"]):
            xs += [a, b, None]
            ys += [y, y, None]
        return xs, ys

    # four traces in all, not four per row: each trace costs validation, JSON and drawing time
    fig = go.Figure()
    if not peers.empty:
        x, y = segments("minimum", "maximum")
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color="#AAB4C3", width=2), name=range_name,
                                 hoverinfo="skip"))
        x, y = segments("q1", "q3")
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=BAND_FILL.replace("0.16", "0.45"), width=16),
                                 name=band_name, hovertemplate=f"{band_name}: %{{x:.0f}}<extra></extra>"))
        fig.add_trace(go.Scatter(x=list(peers["median"]), y=list(peers["label"]), mode="markers", name=median_name,
                                 marker=dict(symbol="line-ns", size=22, line=dict(width=3, color=PEER_COLOUR)),
                                 hovertemplate=f"{median_name}: %{{x:.0f}}<extra></extra>"))
    if not scored.empty:
        fig.add_trace(go.Scatter(x=list(scored["value"]), y=list(scored["label"]), mode="markers", name=city_name,
                                 marker=dict(symbol="diamond", size=15, color=CITY_COLOUR,
                                             line=dict(width=1, color="#1B1F24")),
                                 hovertemplate=f"{city_name}: %{{x:.0f}}<extra></extra>"))
    base_layout(fig, title, height=max(260, 58 * len(frame) + 130))
    fig.update_xaxes(range=[-2, 102], tickvals=[0, 25, 50, 75, 100])
    fig.update_yaxes(categoryorder="array", categoryarray=list(data["label"]))  # the frame's order, top down
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.18, x=0, traceorder="normal"))
    return fig


GAP_LABEL_WIDTH = 24
GAP_INSIDE_FROM = 15  # points: bars at least this long carry their value inside


def gap_bars(frame: pd.DataFrame, label_col: str, gap_col: str, *, title: str, value_title: str) -> go.Figure:
    """Diverging bars of the gap to the peer median, in the frame's order from the top (largest shortfall
    first): below the median in vermillion, above in blue."""
    data = frame.iloc[::-1]
    colours = [PALETTE[5] if g < 0 else PALETTE[0] for g in data[gap_col]]
    labels = [wrap_label(label, GAP_LABEL_WIDTH) for label in data[label_col]]
    # the value inside a long bar, beside a short one: outside a long bar it ran into the names on a phone
    positions = ["inside" if abs(g) >= GAP_INSIDE_FROM else "outside" for g in data[gap_col]]
    fig = go.Figure(go.Bar(x=data[gap_col], y=labels, orientation="h", marker_color=colours,
                           text=[f"{g:+.0f}" for g in data[gap_col]], textposition=positions, cliponaxis=False,
                           insidetextanchor="middle", insidetextfont=dict(color="white"),
                           hovertemplate="%{y}: %{x:+.0f}<extra></extra>"))
    rows = sum(20 + 18 * label.count("<br>") for label in labels)
    base_layout(fig, title, height=max(300, rows + 14 * len(labels) + 100))
    fig.update_yaxes(tickfont_size=13)
    low, high = min(0.0, float(data[gap_col].min())), max(0.0, float(data[gap_col].max()))
    pad = max(12.0, (high - low) * 0.15)  # room for the printed values on both sides
    fig.update_xaxes(title_text=wrap_label(value_title, 28), zeroline=True, zerolinewidth=2, zerolinecolor="#5B6573",
                     range=[low - pad, high + pad], nticks=5, tickangle=0)
    return fig


def trend_line(frame: pd.DataFrame, x_col: str, y_col: str, *, title: str, value_title: str,
               name: str, peers: pd.DataFrame | None = None, median_name: str = "",
               band_name: str = "") -> go.Figure:
    """A value over assessment rounds (0-100), each point labelled; optionally the peers' interquartile band
    and median per round (``peers``: columns x_col, q1, median, q3)."""
    fig = go.Figure()
    years = sorted(set(frame[x_col]) | (set(peers[x_col]) if peers is not None else set()))
    if peers is not None and not peers.empty:
        fig.add_trace(go.Scatter(x=list(peers[x_col]) + list(peers[x_col])[::-1],
                                 y=list(peers["q3"]) + list(peers["q1"])[::-1], fill="toself", fillcolor=BAND_FILL,
                                 line=dict(color="rgba(0,0,0,0)"), name=band_name, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=peers[x_col], y=peers["median"], mode="lines", name=median_name,
                                 line=dict(color=PEER_COLOUR, width=2, dash="dash"),
                                 hovertemplate="%{x}: %{y:.0f}<extra>" + median_name + "</extra>"))
    fig.add_trace(go.Scatter(x=frame[x_col], y=frame[y_col], mode="lines+markers+text",
                             line=dict(color=CITY_COLOUR, width=3), marker=dict(size=10), name=name,
                             text=[f"{v:.0f}" for v in frame[y_col]], textposition="top center",
                             hovertemplate="%{x}: %{y:.1f}<extra>" + name + "</extra>"))
    base_layout(fig, title, height=380)
    fig.update_yaxes(range=[0, 105], title_text=value_title)
    fig.update_xaxes(tickvals=years, ticktext=[str(y) for y in years])
    if peers is not None and not peers.empty:
        fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.2, x=0))
    return fig


def count_heatmap(matrix: pd.DataFrame, *, title: str, x_title: str, y_title: str, value_title: str) -> go.Figure:
    """Counts as a heatmap, rows x columns of `matrix` (index and columns are the labels); zero cells stay
    white so that gaps show, and each non-zero count is printed in its cell."""
    z = matrix.to_numpy(dtype=float)
    text = [[("" if v == 0 else f"{int(v)}") for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=[[None if v == 0 else v for v in row] for row in z], x=[str(c) for c in matrix.columns],
        y=[str(i) for i in matrix.index], text=text, texttemplate="%{text}", colorscale="Blues", xgap=2, ygap=2,
        colorbar=dict(title=dict(text=value_title)), hoverongaps=False,
        hovertemplate=f"%{{y}} · %{{x}}<br>{value_title}: %{{z}}<extra></extra>"))
    base_layout(fig, title, height=max(320, 28 * len(matrix.index) + 160))
    fig.update_xaxes(title_text=x_title, tickangle=-40, showgrid=False, side="bottom")
    fig.update_yaxes(title_text=y_title, autorange="reversed", showgrid=False)
    return fig


def stacked_year_bars(frame: pd.DataFrame, year_col: str, series: list[tuple[str, str]], *, title: str,
                      x_title: str, value_title: str) -> go.Figure:
    """Vertical bars per year, one stacked series per (column, legend name), e.g. documented and invented."""
    fig = go.Figure()
    for i, (column, name) in enumerate(series):
        fig.add_trace(go.Bar(x=frame[year_col], y=frame[column], name=name, marker_color=PALETTE[i % len(PALETTE)],
                             hovertemplate=f"%{{x}} · {name}: %{{y}}<extra></extra>"))
    base_layout(fig, title, height=380)
    fig.update_layout(barmode="stack", showlegend=len(series) > 1, legend=dict(orientation="h", y=-0.25))
    fig.update_xaxes(title_text=x_title, dtick=1 if len(frame) <= 25 else None, tickangle=-45)
    fig.update_yaxes(title_text=value_title)
    return fig

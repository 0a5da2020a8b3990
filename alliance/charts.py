"""Plotly figure builders: data in, figure out. No Streamlit, no database."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PRIMARY = "#1F4E89"
FONT = dict(family="Source Sans Pro, Helvetica, Arial, sans-serif", size=15, color="#1B1F24")


def base_layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, font=dict(size=19)), font=FONT, height=height,
                      margin=dict(l=10, r=20, t=56, b=10), plot_bgcolor="white", paper_bgcolor="white",
                      hoverlabel=dict(font_size=15), showlegend=False)
    fig.update_xaxes(gridcolor="#E3E7ED", zerolinecolor="#C9CFD8", automargin=True)
    fig.update_yaxes(gridcolor="#E3E7ED", automargin=True)
    return fig


def horizontal_bars(frame: pd.DataFrame, label_col: str, value_col: str, title: str, value_title: str,
                    max_rows: int | None = None) -> go.Figure:
    """Bars sorted largest on top, value printed at the bar end so no one has to read the axis."""
    data = frame.sort_values(value_col, ascending=False)
    if max_rows:
        data = data.head(max_rows)
    data = data.iloc[::-1]
    fig = go.Figure(go.Bar(x=data[value_col], y=data[label_col], orientation="h", marker_color=PRIMARY,
                           text=data[value_col], textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x}<extra></extra>"))
    base_layout(fig, title, height=max(300, 34 * len(data) + 90))
    fig.update_xaxes(title_text=value_title)
    return fig

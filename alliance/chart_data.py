"""The data behind a chart or map: a CSV download beside it holding exactly the numbers drawn, with the
column names in the reader's language (UTF-8 with a byte order mark, so that Excel reads accents right).
The file is built only when the button is pressed (Streamlit calls the function then), so a page view costs
nothing for it."""
from __future__ import annotations

import re

import pandas as pd


def file_name(title: str) -> str:
    """A plain file name from a chart title: 'Members per country' -> 'members-per-country.csv'."""
    from alliance.practices import fold

    stem = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60] or "data"
    return f"{stem}.csv"


def labelled(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """The columns of `headers` (in that order) renamed to their shown names."""
    return frame[list(headers)].rename(columns=headers).reset_index(drop=True)


def table(columns: dict[str, list]) -> pd.DataFrame:
    """A table from its shown column names and values."""
    return pd.DataFrame(columns)


def trend_frame(trend: pd.DataFrame, peers: pd.DataFrame | None) -> pd.DataFrame:
    """The index trend as charts.trend_line draws it: the city's value per round and, when drawn, the peers'
    median and quartiles of the same rounds."""
    from alliance.i18n import t

    out = trend[["round_year", "value"]].rename(columns={"value": "city"})
    if peers is not None and not peers.empty:
        out = out.merge(peers[["round_year", "median", "q1", "q3"]], on="round_year", how="outer")
    headers = {"round_year": t("chart_data.col_round"), "city": t("chart_data.col_city_index"),
               "median": t("chart_data.col_peer_median"), "q1": t("chart_data.col_peer_q1"),
               "q3": t("chart_data.col_peer_q3")}
    return labelled(out.sort_values("round_year"), {k: v for k, v in headers.items() if k in out.columns})


def matrix_frame(matrix: pd.DataFrame, row_title: str) -> pd.DataFrame:
    """A heatmap's matrix as a table: its rows' labels in a first column named `row_title`."""
    out = matrix.reset_index()
    out.columns = [row_title, *[str(c) for c in matrix.columns]]
    return out


def map_frame(members: pd.DataFrame, scale) -> pd.DataFrame:
    """The members map as drawn: each point's member, place, population (its size) and colour class (the
    legend's label, under the legend's title)."""
    from alliance.i18n import t

    labels = [label for label, _ in scale.classes]
    classes = [labels[c] if c >= 0 else (scale.missing_label or "") for c in scale.codes]
    return table({t("map.col_name"): members["name"].tolist(), t("map.col_country"): members["country"].tolist(),
                  t("chart_data.col_latitude"): members["latitude"].round(4).tolist(),
                  t("chart_data.col_longitude"): members["longitude"].round(4).tolist(),
                  t("map.col_population"): members["population"].tolist(), scale.title: classes})


def city_map_frame(city: pd.Series, others: pd.DataFrame, country_column: str) -> pd.DataFrame:
    """/city's small map as drawn: the city first, then the other members it shows, with their positions."""
    from alliance.i18n import t
    from alliance.maps import near_members

    near = near_members(city, others)
    return table({t("map.col_name"): [city["name"], *near["name"]],
                  t("map.col_country"): [city[country_column], *near[country_column]],
                  t("chart_data.col_latitude"): [round(float(city["latitude"]), 4),
                                                 *near["latitude"].astype(float).round(4)],
                  t("chart_data.col_longitude"): [round(float(city["longitude"]), 4),
                                                  *near["longitude"].astype(float).round(4)]})

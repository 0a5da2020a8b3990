"""City profile helpers: pure functions on frames (no Streamlit), used by pages/city.py and its tests."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from alliance import scoring

SAFE_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def safe_website(url) -> str | None:
    """The website as a link target only when it is a plain http(s) address (never `javascript:` ...)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if SAFE_URL.fullmatch(url) else None


def similar_cities(city_id: str, members: pd.DataFrame, matrix: pd.DataFrame | None,
                   k: int = 5) -> tuple[list[str], str]:
    """The k members most like ``city_id``, nearest first, and how they were found.

    With the city's scores in ``matrix`` (a round's score matrix): scoring.most_similar, i.e. size and
    self-assessment profile ("profile"). Without: nearest in population only ("size"), so a city that has
    not assessed itself (or a former member) still gets neighbours. ``members``: id, population.
    """
    if matrix is not None and city_id in matrix.index and matrix.loc[city_id].notna().any():
        scored = members[members["id"].isin(matrix.index)]
        features = scoring.similarity_features(scored, matrix.loc[matrix.index.isin(scored["id"])])
        found = scoring.most_similar(city_id, features, k)
        if found:
            return found, "profile"
    population = members.set_index("id")["population"].astype(float)
    if city_id not in population.index or pd.isna(population.get(city_id)):
        return [], "size"
    size = np.log10(population.clip(lower=1000))
    distance = (size - size.loc[city_id]).abs().drop(index=city_id).dropna()
    ordered = sorted(distance.items(), key=lambda item: (item[1], str(item[0])))
    return [str(i) for i, _ in ordered[:k]], "size"


def radar_series(dimensions: pd.DataFrame, city_scores: pd.Series, spread: pd.DataFrame | None,
                 label_column: str) -> dict[str, list]:
    """Labels and values, in the framework's order, for charts.score_radar: the city's scores and, when a
    peer spread is given, the peers' median and quartiles (None where missing)."""
    def value(series_or_none, dim):
        if series_or_none is None or dim not in series_or_none.index:
            return None
        v = series_or_none.loc[dim]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    dims = [int(d) for d in dimensions["dimension_id"]]
    columns = {"median": None, "q1": None, "q3": None}
    if spread is not None and not spread.empty:
        columns = {name: spread[name] for name in columns}
    return {
        "labels": list(dimensions[label_column]),
        "city": [value(city_scores, d) for d in dims],
        "median": [value(columns["median"], d) for d in dims],
        "q1": [value(columns["q1"], d) for d in dims],
        "q3": [value(columns["q3"], d) for d in dims],
    }


def year_span(start, end) -> str:
    """'2015–' while running, '2012–2017', '2016' for one year, '–' when unknown."""
    def missing(v):
        return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
    if missing(start):
        return "–"
    if missing(end):
        return f"{int(start)}–"
    return str(int(start)) if int(end) == int(start) else f"{int(start)}–{int(end)}"

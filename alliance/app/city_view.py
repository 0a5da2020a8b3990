"""The Streamlit side of /city: what a profile computes, cached per city and data version and shared by every
viewer (read it, never change it). Kept out of the page script: a cache decorator in a page is rebuilt, and its
source read, on every run."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance import chart_data, city, comparison, maps
from alliance.app import data


@st.cache_resource(show_spinner=False, max_entries=128)
def profile_comparison(city_id: str, round_year: int, version: str) -> comparison.Comparison | None:
    """The city's latest round among cities of similar size (~40 ms to compute; the profile's standing, radar
    and index come from it). None for a former member, whose answers every comparison leaves out."""
    try:
        return comparison.compare(city_id, round_year, members=data.query("bench_members"),
                                  round_answers=pd.DataFrame(),
                                  history=data.query("bench_city_history", member_id=city_id),
                                  framework=data.load_framework(), kind=city.PROFILE_PEERS,
                                  matrix=data.load_round_matrix(round_year))
    except KeyError:
        return None


@st.cache_resource(show_spinner=False, max_entries=128)
def similar_to(city_id: str, round_year: int | None, version: str) -> tuple[list[str], str]:
    """Similar cities (a search over 10,000 members takes ~0.5 s)."""
    everyone = data.query("city_members")
    current = everyone[(everyone["status"] != "former") | (everyone["id"] == city_id)]  # suggest current members
    matrix = data.load_round_matrix(round_year) if round_year is not None else None
    return city.similar_cities(city_id, current, matrix)


def _row_and_others(city_id: str) -> tuple[pd.Series, pd.DataFrame]:
    members = data.query("city_members")
    return members[members["id"] == city_id].iloc[0], members[members["id"] != city_id]


@st.cache_resource(show_spinner=False, max_entries=128)
def small_map(city_id: str, version: str) -> maps.FrozenDeck:
    """The profile's small map, serialised once per city: at 10,000 members thousands are in its view, and
    building their points took ~0.3 s and a copy per viewer (10 viewers at once: 2.2 s and 250 MB more)."""
    return maps.FrozenDeck(maps.city_deck(*_row_and_others(city_id)))


@st.cache_resource(show_spinner=False, max_entries=64)
def small_map_table(city_id: str, country_column: str, lang: str, version: str) -> pd.DataFrame:
    """The small map's points as its CSV download gives them, with headers in `lang` (read it, never change it)."""
    row, others = _row_and_others(city_id)
    return chart_data.city_map_frame(row, others, country_column)

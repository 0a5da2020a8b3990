"""The data behind every chart (alliance.chart_data): what each download holds, in the reader's language."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd

from alliance import chart_data, exporter, maps
from alliance.i18n import set_language


def test_a_file_name_comes_from_the_title():
    assert chart_data.file_name("Members per country") == "members-per-country.csv"
    assert chart_data.file_name("Pratiques par année de début") == "pratiques-par-annee-de-debut.csv"
    assert chart_data.file_name("???") == "data.csv"


def test_a_heatmap_matrix_becomes_a_table_with_its_row_labels():
    matrix = pd.DataFrame({"France": [1, 0], "Belgique": [2, 3]}, index=pd.Index(["Jeunesse", "Familles"],
                                                                                 name="approach"))
    out = chart_data.matrix_frame(matrix, "Approche")
    assert list(out.columns) == ["Approche", "France", "Belgique"]
    assert out.values.tolist() == [["Jeunesse", 1, 2], ["Familles", 0, 3]]


def test_the_trend_holds_the_city_and_the_peers_drawn_in_the_language():
    set_language("fr")
    try:
        trend = pd.DataFrame({"round_year": [2023, 2021], "value": [40.0, 35.5]})
        peers = pd.DataFrame({"round_year": [2021, 2023], "median": [50.0, 52.0], "q1": [40.0, 41.0],
                              "q3": [60.0, 61.0], "n": [9, 9]})
        out = chart_data.trend_frame(trend, peers)
        assert list(out.columns) == ["Campagne", "Indice de la ville", "Médiane des pairs",
                                     "Premier quartile des pairs", "Troisième quartile des pairs"]
        assert out.values.tolist() == [[2021, 35.5, 50.0, 40.0, 60.0], [2023, 40.0, 52.0, 41.0, 61.0]]
        assert list(chart_data.trend_frame(trend, None).columns) == ["Campagne", "Indice de la ville"]
    finally:
        set_language("en")


def test_the_map_table_gives_each_point_its_legend_class():
    set_language("en")
    members = pd.DataFrame({"name": ["A", "B"], "country": ["Denmark", "France"], "latitude": [56.123456, 48.8],
                            "longitude": [10.2, 2.35], "population": [285273, None]})
    scale = maps.ColourScale("Overall index", [("0-25", "#000000"), ("25-50", "#111111")], "Not assessed",
                             np.array([1, -1]))
    out = chart_data.map_frame(members, scale)
    assert list(out.columns) == ["Member", "Country", "Latitude", "Longitude", "Population", "Overall index"]
    assert out["Overall index"].tolist() == ["25-50", "Not assessed"] and out["Latitude"].iloc[0] == 56.1235


def test_the_csv_is_utf8_with_a_byte_order_mark_for_excel():
    data = exporter.csv_bytes(chart_data.table({"Pays": ["Belgique"], "Membres": [3]}))
    assert data.startswith("\ufeff".encode())
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig").to_dict("records") == [{"Pays": "Belgique", "Membres": 3}]


def test_the_city_map_table_holds_the_city_and_the_members_drawn_around_it():
    set_language("en")
    city = pd.Series({"name": "Aarhus", "country_en": "Denmark", "latitude": 56.15674, "longitude": 10.21076})
    others = pd.DataFrame({"name": ["Malmö", "Lisbon"], "country_en": ["Sweden", "Portugal"],
                           "latitude": [55.605, 38.72], "longitude": [13.0, -9.14]})
    out = chart_data.city_map_frame(city, others, "country_en")
    assert out.values.tolist() == [["Aarhus", "Denmark", 56.1567, 10.2108], ["Malmö", "Sweden", 55.605, 13.0]]
    assert len(maps.near_members(city, others)) == 1  # Lisbon is out of the small map's view, as in city_deck

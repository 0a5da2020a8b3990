"""AppTest of /map: the deck spec, filters from the URL, colour choices, the country layer, the empty state,
the table, and a member whose name is markup."""
from __future__ import annotations

import json

import duckdb
import pytest

from alliance import db, maps
from conftest import app_test

XSS_NAME = "<img src=x onerror=alert(1)>"


def open_map(query: dict | None = None):
    at = app_test("map", query)
    at.run()
    assert not at.exception, at.exception
    return at


def deck_of(at) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def layer(spec: dict, layer_id: str) -> dict:
    return next(item for item in spec["layers"] if item["id"] == layer_id)


def points_of(at) -> list[dict]:
    return layer(deck_of(at), maps.MEMBERS_LAYER)["data"]


@pytest.fixture(scope="module")
def expected(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        return db.run_query(con, "map_members").set_index("id")
    finally:
        con.close()


def test_map_shows_every_member_offline(app_env, expected):
    at = open_map()
    spec = deck_of(at)
    assert "mapProvider" not in spec and "carto" not in at.get("deck_gl_json_chart")[0].proto.json.lower()
    assert [item["id"] for item in spec["layers"]] == [maps.COUNTRIES_LAYER, maps.MEMBERS_LAYER]
    points = points_of(at)
    assert {p["id"] for p in points} == set(expected.index)
    # only what the map needs travels to the browser
    assert all(set(p) == {"id", "lon", "lat", "radius", "colour", "tooltip"} for p in points)
    tooltip = json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)
    assert tooltip["text"] == "{tooltip}" and "html" not in tooltip
    aarhus = next(p for p in points if p["id"] == "aarhus-dk")
    assert aarhus["tooltip"].startswith("Aarhus\nDenmark\nPopulation: 285,273\n")
    # every city's scores: the notice speaks of the real cities, not of one
    assert any("invented for demonstration" in i.value and i.value.endswith("the real cities.") for i in at.info)
    current = int((expected["status"] != "former").sum())
    assert at.caption.values.count(f"{len(expected)} of {len(expected)} shown · current members and observers: "
                                   f"{current} · former members: {len(expected) - current}") == 1
    # the legend explains the colours and the sizes
    legend = next(m.value for m in at.markdown if "map-legend" in m.value)
    assert "Overall index (latest round)" in legend and "80–100" in legend and "5,000,000 inhabitants" in legend


def test_colour_follows_the_latest_index(app_env, expected):
    points = {p["id"]: p for p in points_of(open_map())}
    for member_id, row in expected.iterrows():
        scale = maps.index_scale([row["overall_index"]], "", "")
        assert points[member_id]["colour"] == scale.rgba()[0]


def test_filters_come_from_the_url(app_env, expected):
    at = open_map({"country": ["DK", "NO"], "population": "250k_500k"})
    ids = {p["id"] for p in points_of(at)}
    wanted = expected[expected["country_code"].isin(["DK", "NO"])
                      & expected["population"].between(250_000, 499_999)]
    assert ids == set(wanted.index) and ids
    assert at.multiselect(key="url_country").value == ["DK", "NO"]
    assert at.selectbox(key="url_population").value == "250k_500k"
    # the view fits the filtered cities: centred between them, closer than the whole of Europe
    view = deck_of(at)["initialViewState"]
    assert view["zoom"] > deck_of(open_map())["initialViewState"]["zoom"]
    for member_id in ids:
        x, y = maps.project(expected.at[member_id, "longitude"], expected.at[member_id, "latitude"], view, 620, 540)
        assert 0 <= x <= 660 and 0 <= y <= 540


def test_network_and_approach_filters(app_env, expected, demo_db):
    at = open_map({"network": "nsc", "approach": "youth_education", "status": ["member", "observer"]})
    ids = {p["id"] for p in points_of(at)}
    con = db.connect(demo_db, read_only=True)
    try:
        youth = set(db.run_query(con, "map_members", approaches=["youth_education"])["id"])
    finally:
        con.close()
    wanted = expected[expected["networks"].map(lambda n: "nsc" in maps.network_ids(n))
                      & expected.index.isin(youth) & expected["status"].isin(["member", "observer"])]
    assert ids == set(wanted.index) and ids


def test_forged_url_values_are_ignored(app_env, expected):
    at = open_map({"country": ["<script>", "DK"], "colour": "../../etc", "population": "huge", "countries": "x"})
    assert at.multiselect(key="url_country").value == ["DK"]
    assert at.query_params["country"] in ("DK", ["DK"])  # the forged value left the URL
    assert {p["id"] for p in points_of(at)} == set(expected.index[expected["country_code"] == "DK"])
    assert at.selectbox(key="url_colour").value == "index"


def test_empty_state_offers_a_reset(app_env, expected):
    at = open_map({"country": "IS", "population": "gt1m"})
    assert points_of(at) == []
    assert any("No member matches these filters" in w.value for w in at.warning)
    reset = next(b for b in at.button if b.key == "reset_empty")
    reset.click().run()
    assert not at.exception
    assert len(points_of(at)) == len(expected)
    assert "country" not in at.query_params and "population" not in at.query_params
    assert at.multiselect(key="url_country").value == []


@pytest.mark.parametrize("query, first_class", [
    ({"colour": "dimension", "dimension": "3"}, "0 · Absent"),
    ({"colour": "activities"}, "0"),
    ({"colour": "joined"}, None),  # the earliest year joined, read from the data
    ({"colour": "network", "in_network": "nsc"}, "In Nordic Safe Cities"),
])
def test_colour_choices_change_colours_and_legend(app_env, expected, query, first_class):
    first_class = first_class or f"<span>{expected['joined_year'].min()}"
    at = open_map(query)
    legend = next(m.value for m in at.markdown if "map-legend" in m.value)
    assert first_class in legend, legend
    colours = {tuple(p["colour"]) for p in points_of(at)}
    assert len(colours) >= 2


def test_network_colour_marks_exactly_its_members(app_env, expected):
    points = points_of(open_map({"colour": "network", "in_network": "nsc"}))
    marked = {p["id"] for p in points if p["colour"] == maps.hex_to_rgba(maps.IN_GROUP)}
    assert marked == set(expected.index[expected["networks"].map(lambda n: "nsc" in maps.network_ids(n))])


def test_country_layer_by_average_index(app_env, expected):
    spec = deck_of(open_map({"countries": "index"}))
    values = layer(spec, maps.COUNTRY_VALUES_LAYER)
    tips = [f["properties"]["tooltip"] for f in values["data"]["features"]]
    assert any(tip.startswith("France: average index") for tip in tips)
    assert len(values["data"]["features"]) >= expected["country_code"].nunique() - 1  # Malta-size gaps aside


def test_table_alternative_lists_the_shown_members(app_env, expected):
    at = open_map({"country": "FR"})
    at.toggle(key="table").set_value(True).run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert set(table["name"]) == set(expected.loc[expected["country_code"] == "FR", "name"])
    assert table["profile"].str.startswith("city?city=").all()


def test_markup_in_a_member_name_stays_text(writable_db, monkeypatch):
    con = duckdb.connect(str(writable_db))
    con.execute("""INSERT INTO members (id, name, country_code, kind, latitude, longitude, population, joined_on,
                   status) VALUES ('xss-dk', ?, 'DK', 'municipality', 55.4, 10.4, 180000, DATE '2020-01-01',
                   'member')""",
                [XSS_NAME])
    con.close()
    monkeypatch.setenv("ALLIANCE_DB", str(writable_db))
    at = open_map({"table": "true"})
    chart = at.get("deck_gl_json_chart")[0]
    point = next(p for p in points_of(at) if p["id"] == "xss-dk")
    assert point["tooltip"].split("\n")[0] == XSS_NAME  # shown as characters by a text tooltip
    assert json.loads(chart.proto.tooltip).keys() == {"text", "style"}
    # nothing else carries it as markup: the legend and captions are escaped or do not contain it
    for md in at.markdown:
        assert XSS_NAME not in md.value
    assert XSS_NAME in set(at.dataframe[-1].value["name"])


def test_counts_agree_with_the_overview_and_the_profile(app_env, expected):
    """Issue 19, item 12: the overview's "Members" is the map's count of current members and observers, and a
    member's activities on the map are the profile's "Activities" (archived ones left out on both)."""
    caption = next(c for c in open_map().caption.values if " shown · " in c)
    overview = app_test("", None)
    overview.run()
    assert not overview.exception, overview.exception
    members_metric = next(m for m in overview.metric if m.label == "Members")
    assert f"current members and observers: {members_metric.value} ·" in caption
    assert members_metric.value != str(len(expected))  # the demo has former members: the two counts differ
    profile = app_test("city", {"city": "aarhus-dk"})
    profile.run()
    assert not profile.exception, profile.exception
    activities = next(m for m in profile.metric if m.label == "Activities")
    assert activities.value == str(expected.loc["aarhus-dk", "activities"])

"""Unit tests of alliance.maps (deck builders, colours, sizes, tooltips, view fitting) and of the map queries."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from alliance import db, maps, scoring
from alliance.i18n import set_language
from conftest import run_coroutine

XSS_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("en")


def frame(**overrides) -> pd.DataFrame:
    base = {
        "id": ["big-aa", "small-bb", "none-cc"],
        "name": ["Big", "Small", "Unassessed"],
        "country": ["Aland", "Bland", "Bland"],
        "country_code": ["AA", "BB", "BB"],
        "longitude": [10.0, 12.5, 2.0],
        "latitude": [50.0, 45.0, 60.0],
        "population": [3_000_000, 20_000, None],
        "overall_index": [72.4, 15.0, np.nan],
        "latest_round": [2025, 2023, np.nan],
        "activities": [12, 0, 3],
        "joined_year": [2016, 2018, 2024],
        "networks": ["efus;scn", "scn", ""],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def deck_dict(deck) -> dict:
    return json.loads(deck.to_json())


# ------------------------------------------------------------------------------------------ sizes
def test_radius_grows_with_population_between_floor_and_cap():
    radii = maps.point_radius([0, 20_000, 500_000, 5_000_000, 40_000_000, None])
    assert radii[0] == maps.MIN_RADIUS_PX and radii[-1] == maps.MIN_RADIUS_PX  # unknown population: still visible
    assert list(radii[:4]) == sorted(radii[:4]) and radii[1] < radii[2] < radii[3]
    assert radii[3] == radii[4] == maps.MAX_RADIUS_PX  # capitals do not swallow their neighbours
    # area follows population: 100 times the people, about 10 times the radius above the floor
    grow = lambda p: maps.point_radius([p])[0] - maps.MIN_RADIUS_PX
    assert grow(5_000_000) / grow(50_000) == pytest.approx(10, rel=0.05)


# ---------------------------------------------------------------------------------------- colours
def test_index_scale_bins_and_missing():
    scale = maps.index_scale([0, 19.9, 20, 59.5, 80, 100, np.nan], "Index", "Not assessed")
    assert list(scale.codes) == [0, 0, 1, 2, 4, 4, -1]
    rgba = scale.rgba()
    assert rgba[0] == maps.hex_to_rgba(maps.SEQUENTIAL_5[0]) and rgba[-1] == maps.MISSING
    assert scale.legend_entries()[-1] == ("Not assessed", maps.rgba_to_hex(maps.MISSING))
    assert [label for label, _ in scale.legend_entries()[:5]] == ["0–20", "20–40", "40–60", "60–80", "80–100"]


def test_missing_class_only_in_legend_when_used():
    scale = maps.index_scale([10, 90], "Index", "Not assessed")
    assert all(label != "Not assessed" for label, _ in scale.legend_entries())


def test_level_scale_one_colour_per_level():
    scale = maps.level_scale([0, 3, 5, None], {0: "Absent", 5: "Leading"}, "Level", "n/a")
    assert list(scale.codes) == [0, 3, 5, -1]
    assert scale.classes[0][0] == "0 · Absent" and scale.classes[5][0] == "5 · Leading"
    assert len({c for _, c in scale.classes}) == 6


def test_count_scale_covers_every_value_without_overlap():
    values = [0, 0, 1, 2, 3, 5, 8, 13, 30]
    scale = maps.count_scale(values, "Activities")
    assert (scale.codes >= 0).all()
    edges = maps.count_edges(values)
    assert edges[0] == 0 and edges[-1] > 30 and edges == sorted(set(edges))
    assert scale.classes[0][0] == "0"  # no activity is its own class when it is common
    # every value falls in the class whose label range holds it
    for value, code in zip(values, scale.codes):
        label = scale.classes[code][0]
        lo, _, hi = label.partition("–")
        assert int(lo.replace(",", "")) <= value <= int((hi or lo).replace(",", ""))


def test_year_scale_one_class_per_year_when_few():
    scale = maps.year_scale([2016, 2017, 2017, 2020], "Joined")
    assert [label for label, _ in scale.classes] == ["2016", "2017", "2020"]
    assert list(scale.codes) == [0, 1, 1, 2]
    many = maps.year_scale(list(range(2000, 2026)), "Joined")
    assert len(many.classes) <= 6 and (many.codes >= 0).all()


def test_network_ids():
    assert maps.network_ids("efus;scn") == ["efus", "scn"] and maps.network_ids("") == []
    assert maps.network_ids(None) == []


def test_network_membership_scale():
    members = frame()
    scale = maps.measure_scale("network", members, network="efus", network_label="Efus")
    assert list(scale.codes) == [0, -1, -1]
    assert scale.legend_entries()[0] == ("In Efus", maps.IN_GROUP)


def test_dimension_measure_uses_levels_by_member_id():
    members = frame()
    levels = pd.Series({"small-bb": 4, "big-aa": 1})
    scale = maps.measure_scale("dimension", members, levels=levels, level_labels={})
    assert list(scale.codes) == [1, 4, -1]


# --------------------------------------------------------------------------------------- tooltips
def test_points_hold_only_what_the_browser_needs():
    members = frame()
    points = maps.member_points(members, maps.index_scale(members["overall_index"], "t", "m").rgba())
    assert list(points.columns) == ["id", "lon", "lat", "radius", "colour", "tooltip"]
    assert points["id"].iloc[0] == "big-aa"  # biggest drawn first, so small towns stay on top
    assert list(points["radius"]) == sorted(points["radius"], reverse=True)


def test_tooltip_text_has_name_country_population_index_activities():
    texts = maps.tooltip_texts(frame())
    assert texts[0].split("\n") == ["Big", "Aland", "Population: 3,000,000",
                                    "Latest index: 72 / 100 (2025, invented)", "Activities: 12"]
    assert "No self-assessment yet" in texts[2] and "Population: –" in texts[2]
    assert "invented" not in maps.tooltip_texts(frame(), invented_scores=False)[0]


def test_tooltip_in_french():
    set_language("fr")
    text = maps.tooltip_texts(frame())[0]
    assert "Population : 3\u202f000\u202f000" in text and "Dernier indice : 72 / 100 (2025, inventé)" in text


def test_tooltip_is_a_text_template_and_keeps_markup_as_characters():
    """deck.gl puts a text tooltip in with innerText: markup in a name is shown, never parsed."""
    members = frame(name=[XSS_NAME, "Small", "Unassessed"])
    points = maps.member_points(members, [[0, 0, 0, 255]] * 3)
    deck = deck_dict(maps.members_deck(points, {"AA"}, maps.fit_view(points["lon"], points["lat"])))
    assert maps.tooltip()["text"] == "{tooltip}" and "html" not in maps.tooltip()
    members_layer = next(layer for layer in deck["layers"] if layer["id"] == maps.MEMBERS_LAYER)
    assert members_layer["data"][0]["tooltip"].startswith(XSS_NAME + "\n")


# -------------------------------------------------------------------------------------- the decks
def test_members_deck_is_offline_with_outlines_and_points():
    members = frame()
    points = maps.member_points(members, maps.index_scale(members["overall_index"], "t", "m").rgba())
    deck = maps.members_deck(points, {"AA"}, maps.fit_view(points["lon"], points["lat"]))
    spec = deck_dict(deck)
    text = deck.to_json()
    assert "mapProvider" not in spec and "carto" not in text.lower() and "mapbox" not in text.lower()
    assert [layer["id"] for layer in spec["layers"]] == [maps.COUNTRIES_LAYER, maps.MEMBERS_LAYER]
    countries, points_layer = spec["layers"]
    assert countries["@@type"] == "GeoJsonLayer" and not countries["pickable"]
    assert countries["data"] == f"{maps.BASEMAP_ROUTE}?v={maps.basemap_version()}&members=AA"
    assert len(text) < 20_000  # the outlines travel by URL, not inside every map message
    assert points_layer["@@type"] == "ScatterplotLayer" and points_layer["pickable"]
    assert points_layer["radiusUnits"] == "pixels"  # a quoted string, not a '@@=' expression
    assert len(points_layer["data"]) == 3
    assert "\n  " not in text  # compact JSON: pydeck's indentation would make the outlines 6 times larger


def test_member_countries_are_shaded():
    spec = deck_dict(maps.members_deck(maps.member_points(frame(), [[0, 0, 0, 255]] * 3), {"FR", "DK"},
                                       maps.fit_view([], [])))
    url = spec["layers"][0]["data"]
    assert url.endswith("&members=DK,FR")
    members = tuple(url.rsplit("members=", 1)[1].split(","))
    geo = json.loads(maps.basemap_geojson(members))
    fills = {f["properties"].get("iso_a2"): f["properties"]["fill"] for f in geo["features"]}
    assert fills["FR"] == fills["DK"] == maps.MEMBER_LAND and fills["ES"] == maps.LAND


def test_country_layer_by_members_and_by_index():
    members = frame(country_code=["FR", "DK", "DK"], country=["France", "Denmark", "Denmark"])
    by_members = maps.country_shading("members", members)
    assert by_members.values == {"DK": 2.0, "FR": 1.0}
    assert by_members.tooltips["DK"] == "Denmark: 2 members shown"
    by_index = maps.country_shading("index", members)
    assert by_index.values == {"DK": pytest.approx(15.0), "FR": pytest.approx(72.4)}
    assert by_index.tooltips["DK"] == "Denmark: average index 15 / 100 (1 of 2 assessed)"
    assert maps.country_shading("outline", members) is None
    points = maps.member_points(members, [[0, 0, 0, 255]] * 3)
    spec = deck_dict(maps.members_deck(points, {"FR", "DK"}, maps.fit_view([], []), by_index))
    assert [layer["id"] for layer in spec["layers"]] == [maps.COUNTRIES_LAYER, maps.COUNTRY_VALUES_LAYER,
                                                          maps.MEMBERS_LAYER]
    values_layer = spec["layers"][1]
    assert values_layer["pickable"]
    codes_tips = sorted(f["properties"]["tooltip"] for f in values_layer["data"]["features"])
    assert codes_tips == sorted(by_index.tooltips.values())


def test_city_deck_centres_on_the_city():
    city = pd.Series({"longitude": 10.2, "latitude": 56.2, "country_code": "DK"})
    spec = deck_dict(maps.city_deck(city, frame()))
    assert spec["initialViewState"]["longitude"] == pytest.approx(10.2)
    assert [layer["id"] for layer in spec["layers"]] == [maps.COUNTRIES_LAYER, "other-members", maps.HIGHLIGHT_LAYER]
    assert spec["layers"][2]["data"] == [{"lon": 10.2, "lat": 56.2}]
    # only the members near enough to be in view are sent: Big (10, 50) is, Unassessed (2, 60) is, a far one not
    others = frame(longitude=[10.0, 40.0, 2.0], latitude=[50.0, 40.0, 60.0])
    faint = deck_dict(maps.city_deck(city, others))["layers"][1]["data"]
    assert faint == [{"lon": 10.0, "lat": 50.0}, {"lon": 2.0, "lat": 60.0}]


# ------------------------------------------------------------------------------------------- view
def test_fit_view_puts_every_point_inside_the_map():
    lons, lats = [-21.9, 30.7, 2.35, 24.9], [64.1, 36.9, 48.9, 60.2]
    width, height, pad = 700, 540, 40
    view = maps.fit_view(lons, lats, width, height, pad)
    for lon, lat in zip(lons, lats):
        x, y = maps.project(lon, lat, view, width, height)
        assert pad - 1 <= x <= width - pad + 1 and pad - 1 <= y <= height - pad + 1
    # the tightest side touches the margin: the view is fitted, not merely containing
    xs, ys = zip(*(maps.project(lo, la, view, width, height) for lo, la in zip(lons, lats)))
    assert min(min(xs) - pad, width - pad - max(xs), min(ys) - pad, height - pad - max(ys)) < 2


def test_fit_view_without_points_shows_europe_and_single_point_is_capped():
    europe = maps.fit_view([], [], 700, 540)
    west, south, east, north = maps.EUROPE_BOUNDS
    for lon, lat in [(west, south), (east, north)]:
        x, y = maps.project(lon, lat, europe, 700, 540)
        assert -1 <= x <= 701 and -1 <= y <= 541
    one = maps.fit_view([10.2], [56.2])
    assert one.zoom <= maps.MAX_ZOOM and one.longitude == pytest.approx(10.2)


def test_fit_view_keeps_to_the_outlines_unless_all_points_are_outside():
    with_islands = maps.fit_view([-15.4, 2.35, 24.9], [28.1, 48.9, 60.2], 700, 540)
    without = maps.fit_view([2.35, 24.9], [maps.EUROPE_BOUNDS[1], 60.2], 700, 540)
    assert with_islands.zoom == pytest.approx(without.zoom, abs=0.3)
    only_islands = maps.fit_view([-15.4, -13.5], [28.1, 28.9], 700, 540)
    x, y = maps.project(-15.4, 28.1, only_islands, 700, 540)
    assert 0 <= x <= 700 and 0 <= y <= 540


def test_project_centre_is_the_middle():
    view = {"longitude": 10, "latitude": 50, "zoom": 4}
    assert maps.project(10, 50, view, 800, 600) == pytest.approx((400, 300))


# ----------------------------------------------------------------------------------------- legend
def test_legend_escapes_labels():
    legend = maps.legend_html("Colour <b>", [(XSS_NAME, "#123456")], "Size", [("50,000", 5.0)])
    assert XSS_NAME not in legend and "&lt;img src=x onerror=alert(1)&gt;" in legend
    assert "Colour &lt;b&gt;" in legend and "#123456" in legend


def test_size_legend_matches_point_sizes():
    entries = maps.size_legend()
    assert [r for _, r in entries] == list(maps.point_radius(list(maps.SIZE_LEGEND_POPULATIONS)))
    assert entries[0][0] == "50,000 inhabitants"


# ---------------------------------------------------------------------------------------- queries
def test_map_members_index_matches_scoring(demo_db):
    """The SQL index (fast at 10,000 cities) equals alliance.scoring's on each member's latest round, with the
    levels agreed in a review in place of the city's answers once the round is validated (alliance.round_review)."""
    con = db.connect(demo_db, read_only=True)
    try:
        members = db.run_query(con, "map_members").set_index("id")
        answers = con.execute("""
            SELECT a.member_id, a.round_year, a.status, s.dimension_id, s.level, s.not_applicable
            FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id
            WHERE a.status <> 'draft'""").df()
        agreed = con.execute("""
            SELECT a.member_id, a.round_year, i.dimension_id, i.agreed_level, i.agreed_not_applicable
            FROM round_reviews r JOIN round_review_items i ON i.review_id = r.id
            JOIN assessments a ON a.id = r.assessment_id
            WHERE r.state = 'validated' AND a.status = 'validated'""").df()
        dims = con.execute("SELECT id, weight FROM dimensions").df()
    finally:
        con.close()
    answers = answers.merge(agreed, on=["member_id", "round_year", "dimension_id"], how="left")
    reviewed = answers["agreed_not_applicable"].notna()
    assert (answers.loc[reviewed, "agreed_level"] != answers.loc[reviewed, "level"]).any(), \
        "the demo data should hold a review that changed a level, or this test does not check the overlay"
    answers.loc[reviewed, "level"] = answers.loc[reviewed, "agreed_level"]
    answers.loc[reviewed, "not_applicable"] = answers.loc[reviewed, "agreed_not_applicable"].astype(bool)
    latest = answers[answers["round_year"] == answers.groupby("member_id")["round_year"].transform("max")]
    expected = scoring.weighted_index(scoring.score_matrix(latest), scoring.default_weights(dims))
    assert len(expected) > 20
    for member_id, value in expected.items():
        assert members.at[member_id, "overall_index"] == pytest.approx(value)
        assert members.at[member_id, "latest_round"] == latest.loc[latest["member_id"] == member_id,
                                                                   "round_year"].iloc[0]
    unassessed = set(members.index) - set(expected.index)
    assert unassessed and all(math.isnan(members.at[m, "overall_index"]) for m in unassessed)


def test_map_members_filters(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        everyone = db.run_query(con, "map_members")
        assert len(everyone) == con.execute("SELECT count(*) FROM members").fetchone()[0]
        dk = db.run_query(con, "map_members", countries=["DK"])
        assert set(dk["country_code"]) == {"DK"} and len(dk) == (everyone["country_code"] == "DK").sum()
        nsc = db.run_query(con, "map_members", networks=["nsc"])
        assert len(nsc) > 0 and all("nsc" in maps.network_ids(n) for n in nsc["networks"])
        assert len(nsc) == con.execute("SELECT count(*) FROM member_networks WHERE network_id='nsc'").fetchone()[0]
        big = db.run_query(con, "map_members", pop_min=1_000_000)
        assert (big["population"] >= 1_000_000).all() and len(big) == (everyone["population"] >= 1_000_000).sum()
        band = db.run_query(con, "map_members", pop_min=100_000, pop_max=250_000)
        assert band["population"].between(100_000, 249_999).all()
        youth = db.run_query(con, "map_members", approaches=["youth_education"])
        practising = {r[0] for r in con.execute("""
            SELECT m FROM (SELECT lead_member_id AS m, id FROM activities WHERE status <> 'archived'
                           UNION SELECT ap.member_id, ap.activity_id FROM activity_partners ap
                           JOIN activities a ON a.id = ap.activity_id WHERE a.status <> 'archived') i
            JOIN activity_approaches aa ON aa.activity_id = i.id
            WHERE aa.approach_id = 'youth_education'""").fetchall()}
        assert 0 < len(youth) < len(everyone) and set(youth["id"]) == practising
        formers = db.run_query(con, "map_members", statuses=["former"])
        assert set(formers["status"]) == {"former"} and len(formers) == (everyone["status"] == "former").sum()
        western = db.run_query(con, "map_members", regions=["western"])
        assert set(western["region"]) == {"western"} and len(western) == (everyone["region"] == "western").sum()
        nothing = db.run_query(con, "map_members", countries=["ZZ"])
        assert nothing.empty
        assert len(db.run_query(con, "map_members", countries=[], networks=[])) == len(everyone)
    finally:
        con.close()


def test_map_dimension_levels_latest_round(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        levels = db.run_query(con, "map_dimension_levels", dimension_id=3)
        members = db.run_query(con, "map_members").set_index("id")
    finally:
        con.close()
    assert set(levels["member_id"]) == set(members.index[members["latest_round"].notna()])
    assert (levels.set_index("member_id")["round_year"] == members.loc[levels["member_id"], "latest_round"]).all()
    assert levels["level"].dropna().between(0, 5).all()


def test_basemap_geojson_shades_member_countries_and_drops_names():
    geo = json.loads(maps.basemap_geojson(("DK", "NO")))
    fills = {f["properties"].get("iso_a2"): f["properties"]["fill"] for f in geo["features"]}
    assert len(fills) > 40
    assert fills["DK"] == fills["NO"] == maps.MEMBER_LAND and fills["FR"] == maps.LAND
    assert all("name" not in f["properties"] for f in geo["features"])


def _get(handler, path_and_query: str):
    """Call a Starlette route handler as the server would, for one GET."""

    from starlette.requests import Request

    path, _, query = path_and_query.partition("?")
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": [],
             "path_params": {}}
    return run_coroutine(handler(Request(scope)))


def test_basemap_route_answers_cacheable_geojson_and_refuses_bad_codes():
    from alliance.app.routes import ROUTES, basemap

    assert maps.BASEMAP_ROUTE in [route.path for route in ROUTES]
    url = maps.basemap_url({"DK", "NO", "<script>"})
    assert url.endswith("members=DK,NO")
    answer = _get(basemap, url)
    assert answer.status_code == 200 and answer.media_type == "application/geo+json"
    assert "immutable" in answer.headers["cache-control"]
    assert {f["properties"]["fill"] == maps.MEMBER_LAND for f in json.loads(answer.body)["features"]} == {True, False}
    stale = _get(basemap, f"{maps.BASEMAP_ROUTE}?v=old&members=DK")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"
    assert _get(basemap, f"{maps.BASEMAP_ROUTE}?members=DK,x%3Cy").status_code == 400

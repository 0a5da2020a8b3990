"""AppTest of /city: a profile from the URL, its facts, map, activities, radar against similar-size cities,
trend and similar cities; the picker on a missing, unknown or forged id; a former member; markup in data."""
from __future__ import annotations

import json

import duckdb
import pytest

from alliance import city, db, maps, scoring
from alliance.app.ui import md_text
from conftest import app_test

CITY = "aarhus-dk"


def open_city(query: dict | None = None):
    at = app_test("city", query)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def facts(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        members = db.run_query(con, "city_members").set_index("id")
        activities = db.run_query(con, "city_activities", member_id=CITY)
        history = db.run_query(con, "bench_city_history", member_id=CITY)
        latest = int(history["round_year"].max())
        answers = db.run_query(con, "bench_round_scores", round_year=latest)
        dims = db.run_query(con, "bench_dimensions")
    finally:
        con.close()
    matrix = scoring.score_matrix(answers)
    weights = {int(d): float(w) for d, w in zip(dims["dimension_id"], dims["weight"])}
    return {"members": members, "activities": activities, "latest": latest, "matrix": matrix,
            "index": scoring.weighted_index(matrix, weights).loc[CITY]}


def test_profile_shows_facts_map_activities_and_scores(app_env, facts):
    at = open_city({"city": CITY})
    assert at.title[0].value == "Aarhus"
    assert at.caption[0].value == "City in Denmark · Member"
    assert any("invented for demonstration" in i.value and i.value.endswith("the real city.") for i in at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Population"] == "285,273"
    activities = facts["activities"]
    assert metrics["Activities"] == str((activities["status"] != "archived").sum())  # as the map counts them
    assert len(activities) > (activities["status"] != "archived").sum()  # Aarhus has an archived one
    assert metrics["Latest index"] == str(round(facts["index"]))
    body = " ".join(m.value for m in at.markdown)
    assert "Denmark" in body and "1 December 2016" in body and "European Forum for Urban Security" in body
    # the small map: centred on the city, which is marked
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    marked = next(layer for layer in spec["layers"] if layer["id"] == maps.HIGHLIGHT_LAYER)["data"][0]
    assert marked == {"lon": round(facts["members"].at[CITY, "longitude"], 4),
                      "lat": round(facts["members"].at[CITY, "latitude"], 4)}
    # activities, each linked to its practice sheet
    table = next(d.value for d in at.dataframe if "title" in d.value.columns)
    # the title is the link (issue 19, item 16: a last "link" column was off-screen at 1440 px)
    assert "link" not in table.columns
    assert [city.link_title(link) for link in table["title"]] == list(facts["activities"]["title"])
    assert [link.split("#")[0] for link in table["title"]] == [f"practices?id={i}" for i in facts["activities"]["id"]]
    # radar and trend
    assert len(at.get("plotly_chart")) == 2
    links = {p.proto.page: p.proto.query_string for p in at.get("page_link")}
    assert links["map"] == "country=DK"
    # the benchmark opens on the profile's peer group, so that its medians are the radar's (issue 19, item 11)
    assert links["benchmark"] == f"city={CITY}&peers=population"


def test_radar_compares_with_the_median_of_similar_size(app_env, facts):
    at = open_city({"city": CITY})
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    traces = {trace.get("name"): trace for trace in radar["data"]}
    band = scoring.population_band(facts["members"].at[CITY, "population"])
    peers = [m for m in facts["matrix"].index
             if m != CITY and scoring.population_band(facts["members"].at[m, "population"]) == band
             and facts["members"].at[m, "status"] != "former"]
    assert len(peers) >= scoring.MIN_PEER_GROUP
    median_name = next(name for name in traces if name and name.startswith("Median of cities"))
    expected = scoring.dimension_spread(facts["matrix"].loc[peers])["median"]
    got = traces[median_name]["r"][:-1]  # the polygon is closed by repeating the first point
    assert got == pytest.approx(list(expected.reindex(sorted(expected.index))), nan_ok=True)
    city_trace = traces[f"Aarhus ({facts['latest']})"]
    as_nan = [float("nan") if v is None else v for v in city_trace["r"][:-1]]  # not applicable: a gap
    assert as_nan == pytest.approx(list(facts["matrix"].loc[CITY]), nan_ok=True)
    assert any(f"Compared with the {len(peers)} other assessed cities" in c.value for c in at.caption)


def test_similar_cities_link_to_their_profiles(app_env, facts):
    at = open_city({"city": CITY})
    links = [p for p in at.get("page_link") if "inhabitants" in p.proto.label]
    assert len(links) == 5
    members = facts["members"]
    ids = [link.proto.query_string.removeprefix("city=") for link in links]
    assert all(link.proto.page == "city" for link in links)
    assert CITY not in ids and set(ids) <= set(members.index)
    assert [p.proto.label.split(",")[0] for p in links] == [md_text(members.at[i, "name"]) for i in ids]
    # nearest first, by scoring.most_similar on the latest round (profile and size)
    current = members[members["status"] != "former"].reset_index()
    scored = current[current["id"].isin(facts["matrix"].index)]
    features = scoring.similarity_features(scored, facts["matrix"].loc[scored["id"]])
    assert ids == scoring.most_similar(CITY, features, 5)


@pytest.mark.parametrize("query", [{}, {"city": "nowhere-xx"}, {"city": "<script>alert(1)</script>"},
                                   {"city": "../../etc/passwd"}, {"city": ""}])
def test_missing_or_unknown_city_shows_the_picker(app_env, query):
    at = open_city(query)
    assert at.title[0].value == "City profile"
    assert at.selectbox(key="url_city").value is None
    assert any("Choose a city" in i.value for i in at.info)
    unknown = [w.value for w in at.warning]
    if query.get("city"):
        assert unknown and "does not name a member" in unknown[0]
        assert all(query["city"] not in w for w in unknown)  # never echoed
    else:
        assert not unknown
    assert len(at.get("deck_gl_json_chart")) == 0 and len(at.get("plotly_chart")) == 0


@pytest.mark.parametrize("wanted, meant", [("arhus", "aarhus-dk"), ("liege", "liege-be"), ("Gdansk", "gdansk-pl")])
def test_unknown_city_suggests_the_closest_member(app_env, wanted, meant):
    at = open_city({"city": wanted})
    assert at.selectbox(key="url_city").value is None
    links = [p for p in at.get("page_link") if p.proto.page == "city"]
    assert links and links[0].proto.query_string == f"city={meant}"
    assert any("Did you mean" in m.value for m in at.markdown)


def test_unknown_city_far_from_every_name_gets_no_suggestion(app_env):
    at = open_city({"city": "nowhere-xx"})
    assert not [p for p in at.get("page_link") if p.proto.page == "city"]
    assert not any("Did you mean" in m.value for m in at.markdown)


def test_picking_a_city_opens_its_profile_and_puts_it_in_the_url(app_env):
    at = open_city()
    at.selectbox(key="url_city").select("reykjavik-is").run()
    assert not at.exception
    assert at.title[0].value == "Reykjavík"
    assert at.query_params["city"] in ("reykjavik-is", ["reykjavik-is"])


def test_former_member_profile_has_facts_but_no_comparison(app_env, demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    former = con.execute("SELECT id, name FROM members WHERE status = 'former' ORDER BY id LIMIT 1").fetchone()
    con.close()
    at = open_city({"city": former[0]})
    assert at.title[0].value == former[1]
    assert "Former member" in at.caption[0].value
    assert {m.label: m.value for m in at.metric}["Latest index"] == "Not assessed"
    assert len(at.get("plotly_chart")) == 0
    assert len([p for p in at.get("page_link") if "inhabitants" in p.proto.label]) == 5  # nearest in size


def test_markup_in_data_stays_text(writable_db, monkeypatch):
    con = duckdb.connect(str(writable_db))
    con.execute("""INSERT INTO members (id, name, country_code, kind, latitude, longitude, population, joined_on,
                   status, website) VALUES ('xss-dk', '<img src=x onerror=alert(1)>', 'DK', 'municipality', 55.4,
                   10.4, 180000, DATE '2020-01-01', 'member', 'javascript:alert(1)')""")
    con.close()
    monkeypatch.setenv("ALLIANCE_DB", str(writable_db))
    at = open_city({"city": "xss-dk"})
    assert at.title[0].value == md_text("<img src=x onerror=alert(1)>")  # escaped for Markdown: shown as text
    # a javascript: address is not offered as a link (the only link button is the embed box's preview)
    assert [b.proto.url for b in at.get("link_button")] == ["/city?city=xss-dk&embed=true"]
    for md in at.markdown:
        assert "<img" not in md.value


def _radar_median(at) -> list:
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("type") == "scatterpolar" and "median" in (trace.get("name") or "").lower():
                return trace["r"]
    raise AssertionError("no median on a radar")


def test_benchmark_link_opens_the_same_peer_medians(app_env):
    """Issue 19, item 11: the profile's link to /benchmark carried only the city, so the benchmark opened on
    "All members" and showed other medians than the profile's radar."""
    profile = open_city({"city": CITY})
    query = next(p.proto.query_string for p in profile.get("page_link") if p.proto.page == "benchmark")
    params = dict(part.split("=", 1) for part in query.split("&"))
    bench = app_test("benchmark", params)
    bench.run()
    assert not bench.exception, bench.exception
    assert _radar_median(bench) == _radar_median(profile)


def test_profile_says_whether_the_index_is_good_and_why_an_area_is_missing(app_env, facts):
    """Issue 19, item 10: "Latest index 28" with nothing saying whether 28 is good, and a radar with a gap."""
    at = open_city({"city": CITY})
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert f"An index of {round(facts['index'])} out of 100, against a median of" in text
    assert "Below their median in " in text and " of 13 areas" in text and "Strongest compared with them:" in text
    note = next(c.value.replace("\\", "") for c in at.caption if c.value.replace("\\", "").startswith("Not counted:"))
    assert "Training and awareness of frontline workers" in note and "13 of the 14 areas" in note


def test_the_profile_offers_its_iframe_snippet_for_a_members_website(app_env):
    at = open_city({"city": CITY})
    box = [e for e in at.expander if e.label == "Put this on your website"]
    assert len(box) == 1
    code = box[0].code[0].value
    assert code.startswith("<iframe ") and f"/city?city={CITY}&amp;embed=true" in code
    assert 'width="800" height="600"' in code and 'title="Aarhus on the Alliance Dashboard"' in code


def test_activities_show_their_titles_in_the_readers_language(app_env, demo_db):
    """In French, the activities table shows the French title of the Aarhus model, not its English original."""
    con = duckdb.connect(str(demo_db), read_only=True)
    original, french = con.execute("SELECT title, title_fr FROM activities WHERE id = 'aarhus-model'").fetchone()
    con.close()
    assert french and french != original
    at = open_city({"city": CITY, "lang": "fr"})
    table = next(d.value for d in at.dataframe if "title" in d.value.columns)
    shown = {link.split("#")[0]: city.link_title(link) for link in table["title"]}
    assert shown["practices?id=aarhus-model&lang=fr"] == french

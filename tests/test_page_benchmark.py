"""AppTest of /benchmark: figures agree with the database, distributions without names, peer groups and
weights bound to their controls, forged parameters handled kindly, French texts, the PDF offered."""
from __future__ import annotations

import json
import re

import duckdb
import pytest

from alliance.app.ui import md_text
from conftest import app_test

CITY = "aarhus-dk"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def raw_index(demo_db, city: str, round_year: int = 2025) -> float:
    con = duckdb.connect(str(demo_db), read_only=True)
    value = con.execute("""
        SELECT avg(s.level * 20.0) FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id
        WHERE a.member_id = ? AND a.round_year = ? AND a.status <> 'draft' AND NOT s.not_applicable""",
                        [city, round_year]).fetchone()[0]
    con.close()
    return value


def test_benchmark_shows_the_city_among_all_members(app_env, demo_db):
    at = app_test("benchmark", {"city": CITY})
    at.run()
    assert not at.exception, at.exception
    shown = metrics(at)
    assert shown["Overall index"] == str(round(raw_index(demo_db, CITY)))
    assert {"Governance", "Prevention", "Intervention", "Principles and cooperation"} <= set(shown)
    assert any("invented for demonstration" in i.value for i in at.info)
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    radar = next(c for c in charts if any(tr["type"] == "scatterpolar" for tr in c["data"]))
    city_trace = radar["data"][-1]
    assert len(city_trace["theta"]) == 15  # 14 dimensions, closed polygon
    assert any("peer cities" in c.value for c in at.caption)
    assert at.get("download_button")
    links = "\n".join(m.value for m in at.markdown)
    assert "](/city?city=" in links and "](/practices?id=" in links  # learn from: profiles and practices


def test_no_rank_list_names_peers(app_env):
    """Peers appear as a distribution; the only peer names on the page are the strong ones to learn from."""
    at = app_test("benchmark", {"city": CITY})
    at.run()
    for frame in at.dataframe:
        assert "name" not in frame.value.columns and "member_id" not in frame.value.columns
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    strips = next(c for c in charts if "Position" in c["layout"]["title"]["text"])
    names = {tr.get("name") for tr in strips["data"]}
    assert names <= {"Aarhus", "Peer median", "Middle half of peers (interquartile range)",
                     "Lowest to highest peer"}


def test_tiny_peer_group_is_explained_not_shown(app_env):
    at = app_test("benchmark", {"city": CITY, "peers": "country"})
    at.run()
    assert not at.exception
    assert any("not shown" in w.value and "fewer than 5" in w.value for w in at.warning)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert not any("Position" in t or "Gap" in t for t in titles)


def test_choosing_peers_updates_the_url(app_env):
    at = app_test("benchmark", {"city": CITY})
    at.run()
    at.selectbox(key="url_peers").select("region").run()
    assert not at.exception
    assert at.query_params["peers"] == ["region"] or at.query_params["peers"] == "region"
    assert any("Same European region" in c.value for c in at.caption)


@pytest.mark.parametrize("forged", ["no-such-city-xx", "<script>alert(1)</script>", "' OR 1=1 --"])
def test_forged_city_gets_a_picker_not_an_error(app_env, forged):
    at = app_test("benchmark", {"city": forged})
    at.run()
    assert not at.exception
    assert any("not a member" in w.value for w in at.warning)
    assert any("Choose a city" in i.value for i in at.info)
    assert not at.metric


def test_misspelt_city_suggests_the_member_and_keeps_the_peer_group(app_env):
    at = app_test("benchmark", {"city": "Liege", "peers": "population"})
    at.run()
    assert not at.exception and not at.metric
    links = [p for p in at.get("page_link") if p.proto.page == "benchmark"]
    assert links and links[0].proto.label.startswith("Liège")
    assert set(links[0].proto.query_string.split("&")) == {"city=liege-be", "peers=population"}


def test_no_city_asks_for_one(app_env):
    at = app_test("benchmark")
    at.run()
    assert not at.exception and not at.warning
    assert any("Choose a city" in i.value for i in at.info)


def test_custom_weights_are_flagged_and_reset(app_env):
    at = app_test("benchmark", {"city": CITY})
    at.run()
    before = metrics(at)["Overall index"]
    at.number_input(key="weight_12").set_value(10.0).run()  # a strong dimension of this city
    assert any("Custom weights in use" in m.value for m in at.markdown)
    assert metrics(at)["Overall index"] != before
    at.button(key="reset_top").click().run()
    assert not any("Custom weights in use" in m.value for m in at.markdown)
    assert metrics(at)["Overall index"] == before


def test_weights_go_into_the_link_and_come_back_from_it(app_env):
    at = app_test("benchmark", {"city": CITY})
    at.run()
    default_index = metrics(at)["Overall index"]
    assert "w" not in at.query_params
    at.number_input(key="weight_12").set_value(10.0).run()
    link = at.query_params["w"]
    link = link[0] if isinstance(link, list) else link
    weighted_index = metrics(at)["Overall index"]
    assert weighted_index != default_index
    # a shared link opens with the same weights, hence the same index
    shared = app_test("benchmark", {"city": CITY, "w": link})
    shared.run()
    assert not shared.exception and not shared.warning
    assert shared.number_input(key="weight_12").value == 10.0
    assert metrics(shared)["Overall index"] == weighted_index
    assert any("Custom weights in use" in m.value for m in shared.markdown)
    # back to the defaults: the link loses its weights
    shared.button(key="reset_top").click().run()
    assert "w" not in shared.query_params and metrics(shared)["Overall index"] == default_index


@pytest.mark.parametrize("bad", ["nosuch:2", "leadership:lots", "leadership:-3", "<b>x</b>"])
def test_bad_weights_in_the_link_are_named_and_the_defaults_used(app_env, bad):
    plain = app_test("benchmark", {"city": CITY})
    plain.run()
    at = app_test("benchmark", {"city": CITY, "w": bad})
    at.run()
    assert not at.exception
    warning = next(w.value for w in at.warning if "could not be read" in w.value)
    assert "default weights are used" in warning
    assert "<b>" not in warning  # the link's text is shown as text
    assert metrics(at)["Overall index"] == metrics(plain)["Overall index"]
    assert "w" not in at.query_params


def test_pdf_offered_beside_the_city_choice_and_at_the_end(app_env):
    at = app_test("benchmark", {"city": CITY})
    at.run()
    buttons = [b for b in at.get("download_button") if "PDF" in b.proto.label]
    assert [b.proto.label for b in buttons] == ["Report (PDF)", "Download the city report (PDF)"]


def test_every_chart_has_its_data_beside_it(app_env):
    at = app_test("benchmark", {"city": CITY})
    at.run()
    charts = at.get("plotly_chart")
    data_buttons = [b for b in at.get("download_button") if b.proto.label == "Data (CSV)"]
    assert len(charts) == len(data_buttons) == 4


def test_hand_picked_peers_need_five(app_env):
    at = app_test("benchmark", {"city": CITY, "peers": "custom", "pick": "paris-fr,bordeaux-fr,ghost-xx"})
    at.run()
    assert not at.exception
    assert any("fewer than 5" in w.value for w in at.warning)
    assert at.multiselect(key="pick_choice").value == ["paris-fr", "bordeaux-fr"]



def test_city_with_only_drafts_has_nothing_to_compare(writable_db, monkeypatch):
    con = duckdb.connect(str(writable_db))
    con.execute("UPDATE assessments SET status = 'draft' WHERE member_id = ?", [CITY])
    con.close()
    monkeypatch.setenv("ALLIANCE_DB", str(writable_db))
    at = app_test("benchmark", {"city": CITY})
    at.run()
    assert not at.exception
    assert any("no submitted assessment" in i.value for i in at.info)
    assert not at.metric and not at.get("plotly_chart")


@pytest.mark.parametrize("query", [{"peers": "bogus"}, {"round": "abc", "k": "999"},
                                   {"peers": "custom", "pick": ",,<b>x</b>,aarhus-dk"}])
def test_forged_parameters_fall_back_with_a_message(app_env, query):
    at = app_test("benchmark", {"city": CITY, **query})
    at.run()
    assert not at.exception
    assert metrics(at)["Overall index"]  # the city's own scores are always shown
    assert any("not understood" in w.value for w in at.warning)  # and the link's bad part is named
    if query.get("peers") == "bogus":
        assert at.selectbox(key="url_peers").value == "all"


def test_peers_practices_are_listed_in_the_readers_language(app_env, demo_db):
    """In French, "who to learn from" names the peers' practices by their French titles where they have one."""
    at = app_test("benchmark", {"city": CITY, "lang": "fr"})
    at.run()
    assert not at.exception, at.exception
    listed = dict((i, t) for t, i in re.findall(r"\[([^\]]+)\]\(/practices\?id=([^)&]+)&lang=fr\)",
                                                   "\n".join(m.value for m in at.markdown)))
    assert listed
    con = duckdb.connect(str(demo_db), read_only=True)
    rows = con.execute("SELECT id, title, original_language, title_fr, title_en FROM activities "
                       "WHERE id IN (SELECT unnest(?))", [list(listed)]).fetchall()
    con.close()
    # French, else English, else the original (the rule of the catalogue)
    expected = {i: title if lang == "fr" else (fr or en or title) for i, title, lang, fr, en in rows}
    assert any(expected[i] != title for i, title, *_ in rows)  # some are written in another language first
    assert listed == {i: md_text(title) for i, title in expected.items()}


def test_a_view_is_built_once_and_shared_by_every_viewer(app_env, monkeypatch):
    """Twenty viewers opening the same city's page after a talk: the comparison is computed for the first one
    only; the others draw the finished view (alliance/app/benchmark_view.py)."""
    from alliance import comparison

    calls = []
    real = comparison.compare
    monkeypatch.setattr(comparison, "compare", lambda *a, **k: calls.append(a) or real(*a, **k))
    query = {"city": CITY, "w": "leadership:3.5"}  # a view no other test opens, so the first viewer builds it
    first, second = app_test("benchmark", query), app_test("benchmark", query)
    first.run()
    second.run()
    assert not first.exception and not second.exception
    assert len(calls) == 1
    assert metrics(first) == metrics(second) and metrics(first)["Overall index"]
    assert [c.proto.spec for c in first.get("plotly_chart")] == [c.proto.spec for c in second.get("plotly_chart")]


def test_tables_below_the_fold_are_drawn_once_opened(app_env):
    at = app_test("benchmark", {"city": CITY})
    at.run()
    closed = len(at.dataframe)  # the trend table beside the chart is always shown
    assert "evidence" not in {c for frame in at.dataframe for c in frame.value.columns}  # not sent while closed
    at.session_state["answers_table"] = True  # the reader opens "Answers and evidence"
    at.run()
    assert not at.exception
    assert len(at.dataframe) == closed + 1
    answers = at.dataframe[-1].value
    assert len(answers) == 14 and answers["evidence"].notna().all()

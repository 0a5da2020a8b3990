"""AppTest of the action plans (issue 16): /plan creates an action from a next step's link and updates it with
history, refuses another city and a stale save (naming what changed); the plan shows on /city, beside its
dimension on /benchmark and aggregated on /present (never a city); /assess offers the next steps as actions."""
from __future__ import annotations

import re

import duckdb
import pytest

from alliance import actions, auth, city
from alliance.demo import build_demo
from alliance.app.session import SESSION_KEY
from conftest import app_test

EDITOR = auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))


def signed_in(page: str, username: str | None, query: dict | None = None, lang: str | None = None):
    at = app_test("", {**(query or {}), **({"lang": lang} if lang else {})})
    if username:
        at.session_state[SESSION_KEY] = username
    if lang:
        at.session_state["language"] = lang
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def widget(items, suffix: str):
    return next(w for w in items if w.key and w.key.endswith(suffix))


def texts(at) -> str:
    """Every text shown, Markdown escapes removed (text from data is escaped with backslashes)."""
    return " ".join(str(e.value) for kind in (at.markdown, at.caption, at.info, at.success, at.error, at.warning)
                    for e in kind).replace("\\", "")


def submit(at):
    return next(b for b in at.button if b.label in ("Add the action", "Save the changes",
                                                     "Ajouter l'action", "Enregistrer les modifications"))


def test_an_editor_creates_an_action_from_a_next_step_and_updates_it_with_history(own_db):
    before = own_db.execute("SELECT count(*) FROM actions").fetchone()[0]
    at = signed_in("plan", "editor-aarhus", {"city": "aarhus-dk", "action": "new", "dimension": "9", "target": "2",
                                              "round": "2025", "peer": "rotterdam-nl"})
    assert "From the next step on" in texts(at)
    assert widget(at.selectbox, "_dimension").value == 9 and widget(at.selectbox, "_target").value == 2
    assert widget(at.multiselect, "_peers").value == ["rotterdam-nl"]
    widget(at.text_area, "_description").input("Open a <b>community</b> forum *monthly*")
    widget(at.text_input, "_role").input("Citizens' services")
    widget(at.text_input, "_person").input("Karen Kildegaard")
    submit(at).click().run()
    assert not at.exception, at.exception
    assert any("added to the plan" in s.value for s in at.success)
    assert own_db.execute("SELECT count(*) FROM actions").fetchone()[0] == before + 1
    new_id = own_db.execute("SELECT max(id) FROM actions").fetchone()[0]
    assert at.query_params["action"] in (str(new_id), [str(new_id)])
    # the text is kept as written, and shown as a table cell
    assert own_db.execute("SELECT description FROM actions WHERE id = ?", [new_id]).fetchone()[0] == \
        "Open a <b>community</b> forum *monthly*"
    cells = at.table[-1].value.to_csv()
    assert r"Open a \<b\>community\</b\> forum \*monthly\*" in cells  # escaped: st.table reads Markdown

    widget(at.selectbox, "_status").set_value("at_risk")
    submit(at).click().run()
    assert any("version 2" in s.value for s in at.success)
    widget(at.selectbox, "_status").set_value("dropped")
    submit(at).click().run()
    assert any("needs a reason" in m.value for m in at.markdown), "a dropped action needs a reason"
    assert own_db.execute("SELECT status FROM actions WHERE id = ?", [new_id]).fetchone()[0] == "at_risk"
    widget(at.selectbox, "_status").set_value("done")
    submit(at).click().run()
    assert any("version 3" in s.value for s in at.success)
    history = at.dataframe[0].value
    assert list(history.iloc[:, 0]) == [3, 2, 1] and set(history.iloc[:, 2]) == {"editor-aarhus"}
    assert history.iloc[0, 3] == "Status: At risk → Done"


def test_a_stale_save_is_refused_with_what_changed_and_the_form_keeps_its_values(own_db):
    made = actions.create(own_db, EDITOR, "aarhus-dk", actions.new_record(4, 2, 2025) | {
        "description": "Share information monthly", "responsible_role": "Safety unit"})
    at = signed_in("plan", "editor-aarhus", {"city": "aarhus-dk", "action": str(made.id)})
    actions.update(own_db, auth.User("colleague", "admin"), made.id, made.record | {"status": "on_track"}, 1)
    widget(at.text_input, "_role").input("Mayor's office")
    submit(at).click().run()
    assert not at.exception
    assert any("colleague" in e.value and "nothing was overwritten" in e.value for e in at.error)
    assert "Status: now “On track”" in texts(at)
    assert widget(at.text_input, "_role").value == "Mayor's office"
    row = own_db.execute("SELECT status, responsible_role, version FROM actions WHERE id = ?", [made.id]).fetchone()
    assert row == ("on_track", "Safety unit", 2)
    assert any(b.label == "Load the latest version" for b in at.button)


def test_an_editor_gets_only_their_own_cities(own_db):
    at = signed_in("plan", "editor-aarhus", {"city": "liege-be"})
    assert at.selectbox(key="url_city").value == "aarhus-dk"
    assert at.selectbox(key="url_city").options == ["Aarhus (DK)"]
    viewer = signed_in("plan", None)
    assert any(b.label == "Sign in" for b in viewer.button)


def test_city_shows_the_plan_with_status_words_and_levels(app_env):
    at = app_test("city", {"city": "aarhus-dk"})
    at.run()
    assert not at.exception, at.exception
    assert "Action plan" in [s.value for s in at.subheader]
    table = next(d.value for d in at.table if "Level before → after" in list(d.value.columns)).replace("\u00a0", " ", regex=True)
    assert len(table) == 4 and "✔ Done" in set(table["Status"])
    assert any("→" in v and "(2025)" in v for v in table["Level before → after"])  # from 2023, compared with 2025
    assert "invented for the demonstration" in texts(at)
    assert not any(p.label == "Update the plan" for p in at.get("page_link"))  # viewers do not edit


def test_city_in_french_and_a_city_without_plan(app_env):
    at = app_test("city", {"city": "liege-be", "lang": "fr"})
    at.session_state["language"] = "fr"
    at.run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.table if "Niveau avant → après" in list(d.value.columns)).replace("\u00a0", " ", regex=True)
    assert "✖ Abandonnée" in set(table["État"]) and "→ prochaine campagne" in " ".join(table["Niveau avant → après"])
    empty = app_test("city", {"city": "london-gb"})
    empty.run()
    assert "This city has no action plan yet." in [i.value for i in empty.info]


def test_benchmark_shows_actions_beside_their_dimension_and_plan_links_only_for_editors(app_env):
    viewer = app_test("benchmark", {"city": "aarhus-dk"})
    viewer.run()
    assert not viewer.exception, viewer.exception
    shown = texts(viewer)
    assert "Commission an external evaluation" in shown and "Level before → after" in shown
    assert "Plan an action" not in [p.label for p in viewer.get("page_link")]
    editor = signed_in("benchmark", "editor-aarhus", {"city": "aarhus-dk"})
    links = [p for p in editor.get("page_link") if p.label == "Plan an action"]
    assert len(links) == 3  # one per next step
    assert "/plan?" in texts(editor)  # "learn from" peers offer a new action too


def test_benchmark_plan_lines_in_french_keep_the_space_before_the_colon(app_env):
    at = app_test("benchmark", {"city": "aarhus-dk", "lang": "fr"})
    at.run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert re.search(r"\d+ actions? dans le plan :", shown)
    assert not re.search(r"dans le plan:", shown)


def test_assess_offers_the_submitted_rounds_next_steps_as_actions(own_db):
    own_db.execute("UPDATE assessments SET provenance = 'reported', status = 'submitted' "
                   "WHERE member_id = 'aarhus-dk' AND round_year = 2025")
    at = signed_in("assess", "editor-aarhus", {"city": "aarhus-dk", "round": "2025"})
    labels = [p.label for p in at.get("page_link")]
    assert "Open the action plan" in labels
    assert sum(1 for label in labels if ": from level " in label) == 3


def test_present_counts_actions_per_dimension_and_status_never_a_city(app_env, demo_db):
    import duckdb

    at = app_test("present", {"slides": "plans", "every": "600"})
    at.run()
    assert not at.exception, at.exception
    table = at.table[0].value
    with duckdb.connect(str(demo_db), read_only=True) as con:
        total = con.execute("SELECT count(*) FROM actions").fetchone()[0]
        names = {r[0] for r in con.execute("SELECT name FROM members").fetchall()}
        texts_in_plans = {r[0] for r in con.execute("SELECT description FROM actions").fetchall()}
    assert int(table["All"].sum()) == total
    assert any("these plans are invented" in i.value for i in at.info)
    shown = texts(at) + table.to_csv() + "".join(c.proto.spec for c in at.get("plotly_chart"))
    assert not [n for n in names if n in shown], "a city is named on the plans slide"
    assert not [d for d in texts_in_plans if d in shown]


@pytest.fixture(scope="module")
def many_cities_db(tmp_path_factory):
    """150 cities: more than one list holds (plan_view.PICKER_FULL_LIST, actions.FULL_PEER_LIST), as at scale.
    Returns the file and the city ids in name order (read before the app opens the file read-write)."""
    path = tmp_path_factory.mktemp("many") / "alliance.duckdb"
    build_demo(path, cities=150, activities=1000, rounds=3, seed=3)
    with duckdb.connect(str(path), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM members WHERE status <> 'former' ORDER BY name, id").fetchall()]
    return path, ids


@pytest.fixture
def many_cities(many_cities_db, monkeypatch):
    monkeypatch.setenv("ALLIANCE_DB", str(many_cities_db[0]))
    return many_cities_db[1]


def test_with_many_cities_the_administrator_finds_the_city_by_typing_and_the_lists_stay_short(many_cities):
    last = many_cities[-1]  # beyond the first names the picker lists: the link still opens it
    far_peer = many_cities[len(many_cities) // 2]
    at = signed_in("plan", "admin", {"city": last, "peer": far_peer, "dimension": "3"})
    picker = at.selectbox(key="url_city")
    assert picker.value == last and len(picker.options) <= city.MATCH_LIMIT + 1
    peers = widget(at.multiselect, "_peers")
    assert peers.value == [far_peer]  # a peer from a link stays, although it is not among the relevant ones
    assert len(peers.options) <= 2 * actions.PEER_SUGGESTIONS + 1 < len(many_cities) - 1
    assert "The list holds the cities strong in this dimension" in texts(at)

    at.text_input(key="plan_city_search").input("LIÈG").run()  # accents and capitals do not matter
    assert not at.exception, at.exception
    picker = at.selectbox(key="url_city")
    assert "Liège (BE)" in picker.options and len(picker.options) <= 3  # the matches and the city shown
    picker.set_value("liege-be").run()
    assert at.query_params["city"] in ("liege-be", ["liege-be"])
    assert any(s.value == "The plan of Liège" for s in at.subheader)

    at.text_input(key="plan_city_search").input("qqxq").run()
    assert any("No city matches “qqxq”" in w.value for w in at.warning)
    assert at.selectbox(key="url_city").value == "liege-be"  # the plan shown stays Liège's


def test_the_city_search_in_french(many_cities):
    at = app_test("", {"city": "aarhus-dk", "lang": "fr"})
    at.session_state[SESSION_KEY] = "admin"
    at.session_state["language"] = "fr"
    # typed before the page's one run: AppTest's rerun formats the translated selectboxes in English
    at.session_state["plan_city_search"] = "zzzz"
    at.switch_page("pages/plan.py").run()
    assert not at.exception, at.exception
    assert at.text_input(key="plan_city_search").label == "Trouver une ville"
    # the city's name is escaped for Markdown; French quotes hold no-break spaces
    warnings = [w.value.replace("\\", "").replace("\u00a0", " ") for w in at.warning]
    assert any("Aucune ville ne correspond à « zzzz »" in w and "La ville affichée reste Aarhus (DK)" in w
               for w in warnings)


def test_the_demonstration_keeps_one_list_of_all_its_cities(own_db):
    at = signed_in("plan", "admin", {"city": "aarhus-dk"})
    count = own_db.execute("SELECT count(*) FROM members WHERE status <> 'former'").fetchone()[0]
    assert not at.get("text_input") or "plan_city_search" not in [w.key for w in at.text_input]
    assert len(at.selectbox(key="url_city").options) == count
    assert len(widget(at.multiselect, "_peers").options) == count - 1

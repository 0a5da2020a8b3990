"""AppTest of /explore: named queries run from a form, the schema lists meanings, ad-hoc SQL is sandboxed."""
import duckdb

from conftest import app_test


def test_named_query_runs_with_its_parameter(app_env):
    at = app_test("explore", {"query": "newest_activities"})
    at.run()
    assert not at.exception, at.exception
    assert at.number_input[0].value == 8  # the declared default
    at.number_input[0].set_value(3)
    at.button[0].click()  # the form's Run button
    at.run()
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 3
    assert any("3 rows" in c.value for c in at.caption)


def test_schema_lists_every_public_table_with_meanings(app_env):
    at = app_test("explore", {"table": "members"})
    at.run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="url_table")
    assert picker.value == "members"
    assert any(o.startswith("members ·") for o in picker.options)
    assert not any(o.startswith(("import_audit", "import_undo", "users")) for o in picker.options)
    members = at.dataframe[0].value.set_index("column")
    assert members.loc["country_code", "type"] == "VARCHAR"
    assert "ISO 3166-1" in members.loc["country_code", "meaning"]
    picker.set_value("activities").run()
    assert "lead_member_id" in set(at.dataframe[0].value["column"])
    assert at.query_params["table"] == "activities"  # the link keeps the table


def test_adhoc_sql_runs_and_an_attack_is_refused_plainly(app_env, demo_db):
    at = app_test("explore")
    at.run()
    at.text_area(key="sql_text").set_value("SELECT count(*) AS n FROM members")
    at.button[-1].click()
    at.run()
    assert not at.exception, at.exception
    members = duckdb.connect(str(demo_db), read_only=True).execute("SELECT count(*) FROM members").fetchone()[0]
    assert at.dataframe[-1].value["n"][0] == members

    at.text_area(key="sql_text").set_value("COPY members TO '/tmp/explore-stolen.csv'")
    at.button[-1].click()
    at.run()
    assert not at.exception, at.exception
    assert any("not allowed" in e.value for e in at.error)
    assert any("Only SELECT" in c.value for c in at.code)

    at.text_area(key="sql_text").set_value("SELECT * FROM read_csv('/etc/passwd')")
    at.button[-1].click()
    at.run()
    assert any("read_csv" in c.value and "not available here" in c.value for c in at.code)
    assert not at.exception


def test_row_cap_is_announced(app_env):
    at = app_test("explore")
    at.run()
    at.text_area(key="sql_text").set_value("SELECT * FROM range(100000)")
    at.button[-1].click()
    at.run()
    assert any("Results truncated" in w.value for w in at.warning)


# ------------------------------------------------------------------------------------------ issue 19
def _run(at):
    at.button[0].click()  # the ready-made query's Run button
    at.run()
    assert not at.exception, at.exception


def test_city_activities_for_aarhus_runs_with_downloads_and_no_chart_of_lists(app_env):
    """Item 1: the XLSX of a result with list columns used to raise under the table, and a chart plotted
    start_year by approaches_en."""
    at = app_test("explore", {"query": "city_activities"})
    at.run()
    at.selectbox(key="param_city_activities_member_id").set_value("aarhus-dk")
    _run(at)
    frame = at.dataframe[0].value  # the result (the schema tab's table comes after)
    assert len(frame) > 0 and "approaches_en" in frame.columns
    assert not at.get("plotly_chart"), "no quick chart for a year by a list"
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Excel"]
    assert not at.error


def test_french_offers_a_csv_for_excel_and_speaks_french(app_env, monkeypatch):
    import types

    from alliance import i18n

    at = app_test("explore", {"query": "members_per_country"})
    monkeypatch.setattr(i18n, "_state", types.SimpleNamespace(lang="fr"))  # as tests/test_french.py does
    at.session_state["lang"] = at.session_state["language"] = "fr"
    at.run()
    assert any(c.value.startswith("Membres actuels par pays") for c in at.caption)  # item 8: not English
    _run(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[0] == "Télécharger le CSV pour Excel (;)" and "virgules, pour les outils" in labels[1]
    assert at.get("plotly_chart"), "counts per country make a chart"


def test_an_empty_member_is_asked_for_in_plain_words(app_env):
    """Item 17: no 'This query is not allowed here ... needs parameter member_id'."""
    at = app_test("explore", {"query": "city_activities"})
    at.run()
    _run(at)
    assert [w.value for w in at.warning] == ["Fill in “Member” to run this query."]
    assert not at.error


def test_members_are_picked_by_name(app_env):
    """Item 17: the member is chosen by city name and stored as its id (typing a name or a wrong id is a
    browser test: AppTest cannot type a new option)."""
    at = app_test("explore", {"query": "city_activities"})
    at.run()
    picker = at.selectbox(key="param_city_activities_member_id")
    assert picker.proto.placeholder == "Type a city's name"
    assert "Aarhus (Denmark)" in picker.options
    picker.select("aarhus-dk")
    _run(at)
    assert len(at.dataframe[0].value) > 0

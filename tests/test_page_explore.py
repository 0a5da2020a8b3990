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

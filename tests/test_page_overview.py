"""AppTest of the overview page: the figures come from the database, the notice is there, no exception."""
import duckdb

from conftest import app_test


def test_overview_shows_the_database_figures(app_env, demo_db):
    at = app_test("")
    at.run()
    assert not at.exception, at.exception
    con = duckdb.connect(str(demo_db), read_only=True)  # same content as the app's copy
    members = con.execute("SELECT count(*) FROM members WHERE status <> 'former'").fetchone()[0]
    countries = con.execute("SELECT count(DISTINCT country_code) FROM members WHERE status <> 'former'").fetchone()[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Members"] == str(members)
    assert metrics["Countries"] == str(countries)
    assert metrics["Latest assessment"] == "2025"
    assert any("Demonstration data" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2


def test_newest_activities_table_lists_activities(app_env):
    at = app_test("")
    at.run()
    frames = [df.value for df in at.dataframe]
    newest = frames[-1]
    assert len(newest) == 8
    assert newest["title"].str.len().min() > 0


def test_newest_activities_are_titled_in_french_for_a_french_reader(app_env, demo_db, monkeypatch):
    """Issue 19, item 7: the newest activities show their French titles in French (English marked if missing)."""
    import types

    from alliance import i18n
    at = app_test("")
    monkeypatch.setattr(i18n, "_state", types.SimpleNamespace(lang="fr"))
    at.session_state["lang"] = at.session_state["language"] = "fr"
    at.run()
    assert not at.exception, at.exception
    newest = at.dataframe[-1].value
    con = duckdb.connect(str(demo_db), read_only=True)
    french = con.execute("SELECT coalesce(title_fr, title || ' (texte en anglais)') FROM activities "
                         "WHERE status <> 'archived' AND start_year <= year(current_date) "
                         "ORDER BY start_year DESC, last_updated DESC, id LIMIT 8").fetchall()
    con.close()
    assert newest.iloc[:, 0].tolist() == [r[0] for r in french]

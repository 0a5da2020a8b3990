"""The server configuration the pages rely on."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]


def _magic_candidates(path: Path) -> list[str]:
    """Statements Streamlit's magic would have written to the page: a bare value, not a call or a docstring."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(parent, field, None)
            if not isinstance(body, list):
                continue
            for index, node in enumerate(body):
                if not isinstance(node, ast.Expr) or isinstance(node.value, (ast.Call, ast.Await, ast.Yield)):
                    continue
                docstring = (index == 0 and isinstance(node.value, ast.Constant)
                             and isinstance(parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)))
                if not docstring:
                    found.append(f"{path.name}:{node.lineno}")
    return found


def test_magic_is_off_and_no_page_relies_on_it():
    # Magic re-parses every script's AST on compile (~40 ms a page view on this machine): it is off, so a bare
    # expression in a page would silently show nothing.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False
    bare = [where for path in SCRIPTS for where in _magic_candidates(path)]
    assert not bare, f"bare expressions that magic used to show: {bare}"


def test_the_check_sees_a_bare_expression(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('"""doc"""\nimport streamlit as st\nst.title("x")\nvalue = 3\nvalue\n', encoding="utf-8")
    assert _magic_candidates(page) == ["page.py:5"]


def test_warm_up_fills_what_the_first_visitors_need(app_env):
    from alliance import i18n, maps
    from alliance.app import data

    maps.basemap_geojson.cache_clear()
    i18n._load.cache_clear()
    data.warm_up()
    assert maps.basemap_geojson.cache_info().currsize == 1
    assert i18n._load.cache_info().currsize == len(i18n.available_languages())
    # the map page asks for the outlines of exactly these countries, so its first request is a cache hit
    countries = data.query("map_filter_options").query("kind == 'country'")["id"]
    hits = maps.basemap_geojson.cache_info().hits
    maps.basemap_geojson(tuple(sorted(countries)))
    assert maps.basemap_geojson.cache_info().hits == hits + 1


def test_choices_by_kind_match_the_query_and_are_built_once(app_env):
    from alliance.app import data

    frame = data.query("map_filter_options")
    choices = data.choices_by_kind("map_filter_options", "label_fr")
    for kind, group in frame.groupby("kind"):
        assert choices[kind] == dict(zip(group["id"], group["label_fr"]))
    assert data.choices_by_kind("map_filter_options", "label_fr") is choices
    assert data.choices_by_kind("map_filter_options", "label_en") is not choices


def test_member_labels_match_the_query_and_are_built_once_per_data_version(app_env):
    from alliance.app import data

    frame = data.query("city_members")
    labels = data.member_labels("city_members", "country_fr")
    assert labels["ids"] == list(frame["id"])
    assert labels["name"] == dict(zip(frame["id"], frame["name"]))
    first = frame.iloc[0]
    assert labels["display"][first["id"]] == f"{first['name']} ({first['country_fr']})"
    assert data.member_labels("city_members", "country_fr") is labels  # shared, not rebuilt per view
    assert data.member_labels("city_members")["display"][first["id"]].endswith(f"({first['country_code']})")
    data.mark_changed()  # a write: the next view builds them from the new data
    assert data.member_labels("city_members", "country_fr") is not labels


def test_no_more_queries_run_at_once_than_the_server_allows(app_env, monkeypatch):
    """Six viewers asking six different things at once: DuckDB runs QUERIES_AT_ONCE of them at a time, so
    their hash tables never add up beyond that (at scale 8 searches at once peaked 150 MB higher)."""
    import threading
    import time

    from alliance import db
    from alliance.app import data

    running, most = [0], [0]
    lock = threading.Lock()
    real = db.run_query

    def slow_query(con, name, **params):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.1)
        try:
            return real(con, name, **params)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(db, "run_query", slow_query)
    viewers = [threading.Thread(target=data.query, args=("practices_count",), kwargs={"terms": [f"term{i}"]})
               for i in range(6)]
    for viewer in viewers:
        viewer.start()
    for viewer in viewers:
        viewer.join()
    assert most[0] == data.QUERIES_AT_ONCE == 2


def test_an_unforeseen_error_shows_visitors_no_traceback_and_no_error_text():
    """The served app's setting (the tests themselves run with "full"): an error no page caught shows a generic
    message, with neither the traceback nor the error's own text (a path, SQL, data)."""
    from streamlit import config as streamlit_config
    from streamlit.testing.v1 import AppTest

    shipped = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert shipped["client"]["showErrorDetails"] == "none"
    script = "import streamlit as st\nst.title('page')\nraise ValueError('SELECT * FROM accounts -- /srv/alliance.duckdb')\n"
    before = streamlit_config.get_option("client.showErrorDetails")
    try:
        streamlit_config.set_option("client.showErrorDetails", shipped["client"]["showErrorDetails"])
        hidden = AppTest.from_string(script).run().exception
        streamlit_config.set_option("client.showErrorDetails", "full")
        shown = AppTest.from_string(script).run().exception  # the same error with the tests' setting
    finally:
        streamlit_config.set_option("client.showErrorDetails", before)
    assert len(hidden) == 1 and hidden[0].stack_trace == []
    assert "accounts" not in hidden[0].message and "alliance.duckdb" not in hidden[0].message
    assert "accounts" in shown[0].message and shown[0].stack_trace  # so the check above can fail

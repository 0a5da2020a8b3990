"""Cluster mode: a write refused because PostgreSQL is away (alliance.store.StoreUnavailable) is said on the page in
the reader's language, never shown as a traceback (app.py catches it around the page)."""
from __future__ import annotations

from alliance import store
from conftest import app_test


def test_a_refused_write_is_said_on_the_page_not_as_a_traceback(app_env, monkeypatch):
    from alliance.i18n import set_language

    set_language("en")  # whatever an earlier test of this worker left
    at = app_test("events")
    at.run()
    assert not at.exception

    def refused(*_args, **_kwargs):
        raise store.StoreUnavailable("connection refused")

    monkeypatch.setattr("alliance.app.ui.page_header", refused)  # the page's first call, as a write would fail
    at.run()
    assert not at.exception
    assert any("shared database cannot be reached" in e.value for e in at.error), [e.value for e in at.error]


def _file_with_a_stray_wal(folder) -> str:
    """A database file with another file's write-ahead log beside it (as after copying a new file over an old
    one): DuckDB refuses to open it."""
    import shutil

    import duckdb

    other = duckdb.connect(str(folder / "other.duckdb"))
    other.execute("PRAGMA disable_checkpoint_on_shutdown")  # leave its log behind
    other.execute("CREATE TABLE t (x INTEGER)")
    other.execute("INSERT INTO t VALUES (1)")
    other.close()
    path = folder / "alliance.duckdb"
    duckdb.connect(str(path)).close()
    shutil.copyfile(folder / "other.duckdb.wal", folder / "alliance.duckdb.wal")
    return str(path)


def test_a_database_that_cannot_be_opened_is_named_with_the_reason_and_the_fix(tmp_path, monkeypatch):
    from alliance.app import data
    from alliance.i18n import set_language

    set_language("en")
    path = _file_with_a_stray_wal(tmp_path)
    monkeypatch.setenv("ALLIANCE_DB", path)
    data._open.clear()
    at = app_test("map")
    at.run()
    assert not at.exception, [e.value for e in at.exception]  # no traceback
    shown = " ".join(e.value for e in at.error).replace("\\", "")
    assert f"The database file {path} cannot be opened" in shown, shown
    assert "WAL does not match database file" in shown  # DuckDB's reason
    assert f"{path}.wal" in shown and "Move that .wal file out of the folder" in shown  # the way out


def test_the_message_for_an_unopenable_file_is_french_for_a_french_reader(tmp_path, monkeypatch):
    from alliance.app import data

    path = _file_with_a_stray_wal(tmp_path)
    monkeypatch.setenv("ALLIANCE_DB", path)
    data._open.clear()
    at = app_test("", {"lang": "fr"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(e.value for e in at.error).replace("\\", "")
    assert "ne peut pas être ouvert" in shown and "journal d'écriture" in shown, shown

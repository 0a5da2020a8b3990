"""AppTest of /admin: administrators only; the import log, export and templates are there."""
from __future__ import annotations

from pathlib import Path

from alliance import importer
from alliance.app.session import SESSION_KEY
from conftest import app_test

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def open_admin(username: str | None):
    at = app_test("")
    if username:
        at.session_state[SESSION_KEY] = username
    at.switch_page("pages/admin.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_viewer_gets_the_sign_in_form_and_nothing_else(own_db):
    at = open_admin(None)
    assert len(at.tabs) == 0
    assert any(t.label == "Password" for t in at.text_input)


def test_an_editor_is_refused(own_db):
    at = open_admin("editor-aarhus")
    assert any("admin" in e.value.lower() for e in at.error)
    assert len(at.tabs) == 0


def test_an_admin_sees_the_import_log_and_can_prepare_an_export(own_db):
    source = FIXTURES / "members_cp1252_semicolon.csv"
    importer.import_files(own_db, [(source.name, source.read_bytes())], "tester", "cli")
    at = open_admin("admin")
    assert [t.label for t in at.tabs] == ["Import", "Export", "Templates", "Import log"]
    log = at.dataframe[-1].value
    assert log["imported_by"].tolist() == ["tester"] and log["files"][0] == source.name
    assert log["added"][0] == 1 and log["updated"][0] == 2
    next(b for b in at.button if b.label == "Prepare the export").click()
    at.run()
    assert not at.exception, at.exception
    assert at.get("download_button")


def test_an_admin_undoes_the_last_import_after_confirming(own_db):
    source = FIXTURES / "members_cp1252_semicolon.csv"
    all_members = "SELECT * FROM members ORDER BY id"
    before = own_db.execute(all_members).fetchall()
    importer.import_files(own_db, [(source.name, source.read_bytes())], "tester", "cli")
    assert own_db.execute(all_members).fetchall() != before
    at = open_admin("admin")
    button = at.button(key="undo_button")
    assert button.disabled  # not before the confirmation is ticked
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception, at.exception
    assert any("Import number 1 was undone" in s.value for s in at.success)
    assert own_db.execute(all_members).fetchall() == before
    log = at.dataframe[-1].value
    assert log["undone"][0].endswith(" · admin")
    assert not [b for b in at.button if b.key == "undo_button"]  # nothing left to undo


def test_a_refused_undo_lists_its_reasons(own_db):
    source = FIXTURES / "members_cp1252_semicolon.csv"
    importer.import_files(own_db, [(source.name, source.read_bytes())], "tester", "cli")
    own_db.execute("UPDATE members SET population = 1 WHERE id = 'liege-be'")
    at = open_admin("admin")
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert not at.exception, at.exception
    assert any("cannot be undone safely" in e.value for e in at.error)
    assert at.dataframe[-1].value.iloc[0, 0] == "members liege-be was changed after import #1 (population)"

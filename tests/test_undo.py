"""Undoing the last import: every table back as it was, refusals that change nothing, an interrupted undo
finished by running it again, and the CLI's --undo-last."""
from __future__ import annotations

import duckdb
import pytest

from alliance import db, importer, undo
from alliance.cli import main
from test_cli_import_export import FIXTURES, tables_of

MEMBERS = FIXTURES / "members_cp1252_semicolon.csv"
ACTIVITIES = (
    "id,title,summary,lead_member_id,kind,start_year,end_year,status,evaluation,source_url,last_updated,"
    "provenance,partner_member_ids,approaches\n"
    "aarhus-model,A new title,,aarhus-dk,practice,2007,,ongoing,external,,2026-01-05,documented,"
    "saint-etienne-fr,multi_agency;online\n"
    "undo-test-practice,Practice added by the test,,saint-etienne-fr,practice,2024,,ongoing,none,,2026-01-05,"
    "documented,aarhus-dk,online\n"
)


def run_import(path) -> int:
    con = db.connect(path)
    try:
        _, audit_id = importer.import_files(
            con, [(MEMBERS.name, MEMBERS.read_bytes()), ("activities.csv", ACTIVITIES.encode())], "tester", "cli")
        return audit_id
    finally:
        con.close()


def refused_undo(path) -> list[str]:
    """The reasons an undo gives for refusing; and it changed nothing."""
    imported = tables_of(path)
    con = db.connect(path)
    with pytest.raises(undo.UndoRefused) as refused:
        undo.undo_last(con, "tester")
    con.close()
    assert_same_tables(imported, tables_of(path))
    return refused.value.reasons


def assert_same_tables(before, after):
    assert before.keys() == after.keys()
    for name in before:
        assert before[name].equals(after[name]), name


def test_undo_puts_every_table_back_and_marks_the_import(writable_db):
    before = tables_of(writable_db)
    audit_id = run_import(writable_db)
    assert not tables_of(writable_db)["activities"].equals(before["activities"])
    con = db.connect(writable_db)
    result = undo.undo_last(con, "tester")
    assert (result.audit_id, result.deleted) == (audit_id, 2)  # the new member and the new practice
    assert result.restored >= 3 and result.relinked > 0
    assert con.execute("SELECT undone_by FROM import_audit WHERE id = ?", [audit_id]).fetchall() == [("tester",)]
    with pytest.raises(undo.UndoRefused, match="no import to undo"):
        undo.undo_last(con, "tester")
    con.close()
    assert_same_tables(before, tables_of(writable_db))


def test_a_row_changed_since_the_import_refuses_the_undo_and_changes_nothing(writable_db):
    run_import(writable_db)
    con = db.connect(writable_db)
    con.execute("UPDATE activities SET title = 'Edited in the app' WHERE id = 'aarhus-model'")
    con.close()
    assert refused_undo(writable_db) == ["activities aarhus-model was changed after import #1 (title)"]


def test_a_newer_row_pointing_at_an_added_row_refuses_the_undo(writable_db):
    run_import(writable_db)
    con = db.connect(writable_db)
    year = con.execute("SELECT max(year) FROM rounds").fetchall()[0][0]
    con.execute("INSERT INTO assessments VALUES (99999, 'saint-etienne-fr', ?, 'draft', DATE '2026-11-01', "
                "'editor', 'reported')", [year])
    con.close()
    assert any("assessments row (member_id=saint-etienne-fr)" in r for r in refused_undo(writable_db))


def test_an_interrupted_undo_is_finished_by_running_it_again(writable_db, monkeypatch):
    before = tables_of(writable_db)
    run_import(writable_db)
    real_delete = undo._delete

    def crash_on_members(cursor, name, key, rows):
        if name == "members":
            raise KeyboardInterrupt  # as if the process were stopped between two commits
        return real_delete(cursor, name, key, rows)

    monkeypatch.setattr(undo, "_delete", crash_on_members)
    con = db.connect(writable_db)
    with pytest.raises(KeyboardInterrupt):
        undo.undo_last(con, "tester")
    assert con.execute("SELECT count(*) FROM members WHERE id = 'saint-etienne-fr'").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM activities WHERE id = 'undo-test-practice'").fetchall() == [(0,)]
    monkeypatch.setattr(undo, "_delete", real_delete)
    undo.undo_last(con, "tester")
    con.close()
    assert_same_tables(before, tables_of(writable_db))


def test_an_import_without_an_undo_record_is_refused(writable_db):
    con = db.connect(writable_db)
    con.execute("INSERT INTO import_audit (id, imported_at, imported_by, channel, files, added, updated, unchanged) "
                "VALUES (1, now(), 'old', 'cli', 'old.csv', 3, 0, 0)")
    with pytest.raises(undo.UndoRefused, match="cannot be undone"):
        undo.undo_last(con, "tester")
    con.close()


def test_cli_undo_last(writable_db, capsys):
    before = tables_of(writable_db)
    assert main(["import", "--undo-last", "--db", str(writable_db)]) == 1
    assert "no import to undo" in capsys.readouterr().err
    assert main(["import", str(MEMBERS), "--db", str(writable_db)]) == 0
    assert main(["import", "--undo-last", "--db", str(writable_db)]) == 0
    assert "Undid import #1 (members_cp1252_semicolon.csv)" in capsys.readouterr().out
    assert_same_tables(before, tables_of(writable_db))
    assert main(["import", str(MEMBERS), "--undo-last", "--db", str(writable_db)]) == 2


def test_the_audit_columns_are_added_to_a_database_made_before_them(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE import_audit (id INTEGER PRIMARY KEY, imported_at TIMESTAMP NOT NULL, "
                "imported_by VARCHAR NOT NULL, channel VARCHAR NOT NULL, files VARCHAR NOT NULL, "
                "added INTEGER NOT NULL, updated INTEGER NOT NULL, unchanged INTEGER NOT NULL)")
    db.apply_schema(con)
    columns = [r[0] for r in con.execute("DESCRIBE import_audit").fetchall()]
    con.close()
    assert columns[-2:] == ["undone_at", "undone_by"]

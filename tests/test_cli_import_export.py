"""`python -m alliance import/export`: round trip, rejected files, real European CSVs, crashes and locks."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from alliance import dictionary
from alliance.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "import"


def tables_of(path: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').df() for t in dictionary.public_tables()}
    finally:
        con.close()


def counts(path: Path) -> dict[str, int]:
    return {t: len(f) for t, f in tables_of(path).items()}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_equal_tables(demo_db, tmp_path, fmt, capsys):
    out = tmp_path / "export"
    assert main(["export", "--db", str(demo_db), "--out", str(out), "--format", fmt]) == 0
    target = tmp_path / "empty.duckdb"
    assert main(["import", str(out), "--db", str(target)]) == 0
    original, copy = tables_of(demo_db), tables_of(target)
    for table in dictionary.public_tables():
        pd.testing.assert_frame_equal(original[table], copy[table], check_dtype=False, obj=table)
    assert sum(len(f) for f in copy.values()) > 4000
    # a second import changes nothing, and says so
    capsys.readouterr()
    assert main(["import", str(out), "--db", str(target), "--dry-run"]) == 0
    assert "total: 0 added, 0 updated" in capsys.readouterr().out


def test_parquet_export_has_every_table_and_a_dictionary(demo_db, tmp_path):
    assert main(["export", "--db", str(demo_db), "--out", str(tmp_path), "--format", "parquet"]) == 0
    names = {p.stem for p in tmp_path.glob("*.parquet")}
    assert names == set(dictionary.public_tables()) | {"dictionary"}
    meanings = pd.read_parquet(tmp_path / "dictionary.parquet")
    assert list(meanings.columns) == ["table", "column", "type", "meaning"]
    assert (meanings["meaning"].str.len() > 0).all()
    assert meanings.query("table == 'members' and column == 'country_code'")["type"].iloc[0] == "VARCHAR"


@pytest.mark.parametrize("name,expected", [
    ("broken_members.csv", ["row 2, column id", "row 3, column name", "row 3, column kind", "row 3, column joined_on",
                            "row 3, column population", "row 4, column population", "row 4, column country_code",
                            "row 5, column longitude", "row 5, column status", "row 6, column id"]),
    ("broken_activities.csv", ["row 2, column lead_member_id", "row 3, column title", "row 3, column kind",
                               "row 3, column start_year", "row 3, column evaluation", "row 3, column approaches",
                               "row 3, column partner_member_ids", "row 4, column start_year",
                               "row 4, column status"]),
    ("broken_members.xlsx", ["row 3, column latitude", "row 3, column population", "row 3, column joined_on",
                             "row 3, column id"]),
    ("broken_unknown_columns.csv", ["no column matches a table"]),
    ("broken_damaged.xlsx", ["cannot be read"]),
])
def test_a_broken_file_is_rejected_with_every_problem_and_nothing_written(writable_db, name, expected, capsys):
    before = tables_of(writable_db)
    assert main(["import", str(FIXTURES / name), "--db", str(writable_db)]) == 1
    err = capsys.readouterr().err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert name in err and "nothing was written" in err
    after = tables_of(writable_db)
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def test_semicolon_windows_1252_file_with_accents_imports(writable_db, capsys):
    assert main(["import", str(FIXTURES / "members_cp1252_semicolon.csv"), "--db", str(writable_db),
                 "--dry-run"]) == 0
    assert "members: 1 added, 2 updated, 0 unchanged" in capsys.readouterr().out
    assert main(["import", str(FIXTURES / "members_cp1252_semicolon.csv"), "--db", str(writable_db)]) == 0
    con = duckdb.connect(str(writable_db), read_only=True)
    rows = dict(con.execute("SELECT id, name FROM members WHERE id IN ('liege-be', 'saint-etienne-fr', 'malmo-se')")
                .fetchall())
    liege = con.execute("SELECT latitude, population FROM members WHERE id = 'liege-be'").fetchone()
    saint = con.execute("SELECT population, joined_on, status FROM members WHERE id = 'saint-etienne-fr'").fetchone()
    networks = con.execute("SELECT network_id FROM member_networks WHERE member_id = 'malmo-se'").fetchall()
    audit = con.execute("SELECT channel, files, added, updated FROM import_audit").fetchall()
    con.close()
    assert rows["liege-be"] == "Liège"
    assert rows["saint-etienne-fr"] == "Saint-Étienne"
    assert rows["malmo-se"] == "Malmö\r\n(Skåne)"  # a quoted line break stays in the value
    assert liege == (pytest.approx(50.63373), 195278)  # decimal comma, thousands dot
    assert saint[0] == 171057 and str(saint[1]) == "2025-03-02" and saint[2] == "observer"
    assert networks == []  # an empty list clears the member's networks
    assert audit == [("cli", "members_cp1252_semicolon.csv", 1, 2)]


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["import"]) == 2
    assert main(["import", "--template", "members"]) == 2
    with pytest.raises(SystemExit) as stop:
        main(["export", "--out", str(tmp_path), "--format", "docx"])
    assert stop.value.code == 2


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_template_imports_as_is_once_filled(writable_db, tmp_path, suffix):
    path = tmp_path / f"members.{suffix}"
    assert main(["import", "--template", "members", "--out", str(path)]) == 0
    if suffix == "csv":
        header = path.read_text(encoding="utf-8").strip()
        assert header.startswith("id,name,country_code") and header.endswith("networks")
        path.write_text(header + "\nvejle-dk,Vejle,DK,municipality,55.7,9.53,60000,2025-01-01,member,,,efus\n")
        assert main(["import", str(path), "--db", str(writable_db)]) == 0
        assert counts(writable_db)["members"] == 60


def _run_cli(args, **kw):
    return subprocess.Popen([sys.executable, "-m", "alliance", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_kill_9_during_an_import_leaves_the_previous_data(demo_db, writable_db, tmp_path):
    out = tmp_path / "export"
    assert main(["export", "--db", str(demo_db), "--out", str(out)]) == 0
    target = tmp_path / "target.duckdb"
    shutil.copyfile(writable_db, target)
    con = duckdb.connect(str(target))
    con.execute("UPDATE members SET name = 'Before' WHERE id = 'aarhus-dk'")
    con.close()
    before = tables_of(target)
    proc = _run_cli(["import", str(out), "--db", str(target)],
                    env={**os.environ, "ALLIANCE_IMPORT_HOLD_SECONDS": "60"})
    assert proc.stdout.readline().strip() == "holding the open transaction"  # every row written, not committed
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    after = tables_of(target)
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
    con = duckdb.connect(str(target))
    assert con.execute("SELECT count(*) FROM import_audit").fetchone()[0] == 0
    con.close()
    assert main(["import", str(out), "--db", str(target)]) == 0  # and the file is still usable
    assert tables_of(target)["members"].set_index("id").loc["aarhus-dk", "name"] == "Aarhus"


def test_import_while_another_process_holds_the_file_names_it_and_loses_nothing(writable_db, tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import duckdb, sys\n"
            f"con = duckdb.connect({str(writable_db)!r})\n"
            "con.execute(\"UPDATE assessments SET submitted_by = 'during-import' WHERE id = 1\")\n"
            "print('ready', flush=True)\n"
            "sys.stdin.readline()\n"
            "con.close()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        proc = _run_cli(["import", str(FIXTURES / "members_cp1252_semicolon.csv"), "--db", str(writable_db)])
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 1
        assert f"process {holder.pid}" in err and "/admin" in err
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    con = duckdb.connect(str(writable_db), read_only=True)
    assert con.execute("SELECT submitted_by FROM assessments WHERE id = 1").fetchone()[0] == "during-import"
    con.close()
    assert main(["import", str(FIXTURES / "members_cp1252_semicolon.csv"), "--db", str(writable_db)]) == 0

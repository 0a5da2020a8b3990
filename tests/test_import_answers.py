"""The "assessment answers" import form (alliance/answers.py): one row per member x round x dimension turned
into assessments and assessment_scores, through the importer, the command line and the templates."""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from alliance import importer, undo

ROOT = Path(__file__).resolve().parent.parent
FRENCH = ROOT / "tests" / "fixtures" / "assessment_answers_fr.csv"
HEADER = "member_id,round_year,dimension,level,evidence,status,assessed_on,submitted_by\n"
# aarhus-dk has no 2019 assessment in the demonstration data; liege-be has one (invented, validated)
ANSWERS = HEADER + (
    "aarhus-dk,2019,leadership,3,Mayor's pledge,submitted,2019-11-02,secretariat\n"
    "aarhus-dk,2019,strategy,n/a,,submitted,2019-11-02,secretariat\n"
    "aarhus-dk,2019,3,5,\"Audit, 2018\",submitted,2019-11-02,secretariat\n"
    "liege-be,2019,youth,2,,,,\n"
)


@pytest.fixture
def con(writable_db):
    connection = duckdb.connect(str(writable_db))
    yield connection
    connection.close()


def run(con, text: str | bytes, name: str = "answers.csv", dry_run: bool = False):
    raw = text.encode() if isinstance(text, str) else text
    return importer.import_files(con, [(name, raw)], "tester", "cli", dry_run=dry_run)


def stored(con, member: str, year: int) -> tuple[tuple, dict[str, tuple]]:
    """The assessment row (without id) and its answers by dimension code."""
    head = con.execute("SELECT member_id, round_year, status, assessed_on, submitted_by, provenance FROM assessments "
                       "WHERE member_id = ? AND round_year = ?", [member, year]).fetchone()
    scores = con.execute("SELECT d.code, s.level, s.not_applicable, s.evidence FROM assessment_scores s "
                         "JOIN assessments a ON a.id = s.assessment_id JOIN dimensions d ON d.id = s.dimension_id "
                         "WHERE a.member_id = ? AND a.round_year = ?", [member, year]).fetchall()
    return head, {row[0]: tuple(row[1:]) for row in scores}


def counts(con) -> tuple:
    return con.execute("SELECT (SELECT count(*) FROM assessments), (SELECT count(*) FROM assessment_scores), "
                       "(SELECT count(*) FROM import_audit)").fetchone()


def test_round_trip_adds_a_new_assessment_and_updates_an_existing_one_in_place(con):
    liege_id, = con.execute("SELECT id FROM assessments WHERE member_id = 'liege-be' AND round_year = 2019").fetchone()
    liege_before = con.execute("SELECT status, assessed_on, submitted_by FROM assessments WHERE id = ?",
                               [liege_id]).fetchone()
    max_id, = con.execute("SELECT max(id) FROM assessments").fetchone()
    plan, audit = run(con, ANSWERS)
    assert audit is not None
    assert plan.counts["assessments"] == {"added": 1, "updated": 1, "unchanged": 0}  # liege: now 'reported'
    assert plan.counts["assessment_scores"]["added"] + plan.counts["assessment_scores"]["updated"] == 4

    head, answers = stored(con, "aarhus-dk", 2019)
    assert head == ("aarhus-dk", 2019, "submitted", dt.date(2019, 11, 2), "secretariat", "reported")
    assert answers == {"leadership": (3, False, "Mayor's pledge"), "strategy": (None, True, None),
                       "diagnosis": (5, False, "Audit, 2018")}
    assert con.execute("SELECT id FROM assessments WHERE member_id = 'aarhus-dk' AND round_year = 2019"
                       ).fetchone() == (max_id + 1,)
    # the existing one keeps its id, and what the file leaves empty keeps its stored value
    assert con.execute("SELECT id, status, assessed_on, submitted_by, provenance FROM assessments "
                       "WHERE member_id = 'liege-be' AND round_year = 2019").fetchone() == (
        liege_id, *liege_before, "reported")
    assert stored(con, "liege-be", 2019)[1]["youth"][:2] == (2, False)


def test_reimport_is_unchanged_and_one_changed_level_is_one_update(con):
    run(con, ANSWERS)
    before = counts(con)
    plan, audit = run(con, ANSWERS, dry_run=True)
    assert audit is None
    assert plan.counts == {"assessments": {"added": 0, "updated": 0, "unchanged": 2},
                           "assessment_scores": {"added": 0, "updated": 0, "unchanged": 4}}
    plan, _ = run(con, ANSWERS.replace("leadership,3,", "leadership,4,"))
    assert plan.counts["assessments"] == {"added": 0, "updated": 0, "unchanged": 2}
    assert plan.counts["assessment_scores"] == {"added": 0, "updated": 1, "unchanged": 3}
    assert stored(con, "aarhus-dk", 2019)[1]["leadership"][0] == 4
    assert counts(con)[:2] == before[:2]


def test_every_problem_is_listed_with_file_row_and_column_and_nothing_is_written(con):
    before = counts(con)
    text = HEADER + (
        "aarhus-dk,2019,leadership,3,,submitted,,\n"  # row 2: fine
        "nowhere-zz,2019,leadership,3,,,,\n"  # row 3
        "aarhus-dk,2018,leadership,3,,,,\n"  # row 4
        "aarhus-dk,2019,no_such_thing,3,,,,\n"  # row 5
        "aarhus-dk,2019,strategy,6,,,,\n"  # row 6
        "aarhus-dk,2019,diagnosis,high,,,,\n"  # row 7
        "aarhus-dk,2019,Leadership,2,,,,\n"  # row 8: leadership again
        "aarhus-dk,2019,youth,1,,draft,,\n"  # row 9: not the status of row 2
        "aarhus-dk,2019,exit,,,,,\n"  # row 10: unanswered
    )
    with pytest.raises(importer.ImportRejected) as caught:
        run(con, text, name="secretariat answers.csv")
    found = {(p.row, p.column): p for p in caught.value.problems}
    assert all(p.file == "secretariat answers.csv" for p in caught.value.problems)
    expected = {(3, "member_id"): "unknown members", (4, "round_year"): "unknown rounds",
                (5, "dimension"): "unknown dimension", (6, "level"): "between 0 and 5",
                (7, "level"): "whole number", (8, "dimension"): "given twice",
                (9, "status"): "differs within aarhus-dk, round 2019", (10, "level"): "unanswered"}
    assert set(found) == set(expected)
    for where, reason in expected.items():
        assert reason in found[where].reason, found[where]
    assert found[(8, "dimension")].value == "Leadership" and "row 2" in found[(8, "dimension")].reason
    assert found[(9, "status")].value == "draft" and found[(6, "level")].value == "6"
    assert counts(con) == before


def test_the_header_is_checked_like_other_imports(con):
    with pytest.raises(importer.ImportRejected) as caught:
        run(con, "member_id,round_year,dimension,level,city\naarhus-dk,2019,youth,1,Aarhus\n")
    assert [(p.row, p.column, "unknown column" in p.reason) for p in caught.value.problems] == [(1, "city", True)]
    # a file named after the form but lacking a required column
    with pytest.raises(importer.ImportRejected) as caught:
        run(con, "member_id,round_year,level\naarhus-dk,2019,1\n", name="assessment_answers.csv")
    assert [(p.column, p.reason) for p in caught.value.problems] == [("dimension", "required column is missing")]


def test_the_french_excel_file_imports(con):
    plan, _ = run(con, FRENCH.read_bytes(), name=FRENCH.name)
    assert plan.counts["assessments"]["added"] == 2 and plan.counts["assessment_scores"]["added"] == 5
    head, answers = stored(con, "strasbourg-fr", 2023)
    assert head == ("strasbourg-fr", 2023, "submitted", dt.date(2023, 3, 14), "Secrétariat Efus", "reported")
    assert answers["international"] == (None, True, None)  # "sans objet"
    assert answers["strategy"][0] == 2
    assert answers["strategy"][2].startswith("Contrat local de sécurité signé en 2022.\nRéunions trimestrielles")
    head, answers = stored(con, "bagneux-fr", 2023)
    assert head == ("bagneux-fr", 2023, "draft", dt.date(2023, 5, 2), "tester", "reported")  # the importing user
    assert answers["youth"] == (4, False, "Maison des jeunes : ateliers « esprit critique » à l'été")
    assert run(con, FRENCH.read_bytes(), name=FRENCH.name, dry_run=True)[0].totals()["unchanged"] == 7


def test_an_xlsx_sheet_named_after_the_form_imports_with_numbers_and_dates_as_cells(con):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "assessment_answers"
    sheet.append(["Member ID", "Round year", "Dimension", "Level", "Assessed on"])
    sheet.append(["aarhus-dk", 2019, 7, 4, dt.datetime(2019, 12, 1)])
    sheet.append(["aarhus-dk", 2019.0, "families", "NA", dt.datetime(2019, 12, 1)])
    out = io.BytesIO()
    book.save(out)
    plan, _ = run(con, out.getvalue(), name="answers.xlsx")
    assert plan.counts["assessment_scores"]["added"] == 2
    head, answers = stored(con, "aarhus-dk", 2019)
    assert head[2:5] == ("submitted", dt.date(2019, 12, 1), "tester")
    assert answers == {"youth": (4, False, None), "families": (None, True, None)}


def test_an_answers_import_can_be_undone(con):
    tables = ("assessments", "assessment_scores")
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    run(con, ANSWERS)
    undo.undo_last(con, "tester")
    assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in before} == before


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_template_has_the_forms_header_and_imports_as_it(con, tmp_path, suffix):
    assert "assessment_answers" in importer.TEMPLATE_TABLES
    out = importer.write_template("assessment_answers", tmp_path / f"answers.{suffix}")
    if suffix == "csv":
        assert out.read_text(encoding="utf-8") == HEADER
    else:
        book = openpyxl.load_workbook(out)
        assert [c.value for c in book["assessment_answers"][1]] == HEADER.strip().split(",")
        guide = {r[0]: r[1] for r in book["guide"].iter_rows(min_row=2, values_only=True)}
        assert guide == {"member_id": "yes", "round_year": "yes", "dimension": "yes", "level": "yes",
                         "evidence": "no", "status": "no", "assessed_on": "no", "submitted_by": "no"}
    plan, _ = run(con, out.read_bytes(), name=out.name, dry_run=True)  # an empty form changes nothing
    assert plan.totals() == {"added": 0, "updated": 0, "unchanged": 0}


def cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alliance", "import", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "ALLIANCE_DB": str(db)})


def test_command_line_import_of_answers(writable_db, tmp_path):
    good = tmp_path / "answers.csv"
    good.write_text(ANSWERS, encoding="utf-8")
    done = cli(str(good), db=writable_db)
    assert done.returncode == 0, done.stderr
    assert "assessments: 1 added, 1 updated" in done.stdout and f"Imported into {writable_db}" in done.stdout
    again = cli(str(good), "--dry-run", db=writable_db)
    assert "total: 0 added, 0 updated, 6 unchanged" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "aarhus-dk,2019,nope,3,,,,\n", encoding="utf-8")
    refused = cli(str(bad), db=writable_db)
    assert refused.returncode == 1
    assert "bad.csv: row 2, column dimension: value 'nope': unknown dimension" in refused.stderr


def test_command_line_writes_the_template(tmp_path, writable_db):
    out = tmp_path / "x.csv"
    done = cli("--template", "assessment_answers", "--out", str(out), db=writable_db)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == HEADER

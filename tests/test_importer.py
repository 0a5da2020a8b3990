"""Unit tests of alliance.importer: reading European CSVs, parsing values, matching tables, the plan."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from alliance import importer, tables


@pytest.mark.parametrize("raw,expected", [
    ("50,63373", 50.63373), ("50.63373", 50.63373), ("1.234,5", 1234.5), ("1,234.5", 1234.5), (" 7 ", 7.0),
])
def test_decimal_commas_and_points(raw, expected):
    assert tables.parse_value(raw, "DOUBLE") == pytest.approx(expected)


@pytest.mark.parametrize("raw,expected", [("195.278", 195278), ("171 057", 171057), ("12", 12), (12.0, 12),
                                          ("1\u202f000", 1000), ("", None)])
def test_whole_numbers_with_thousands_separators(raw, expected):
    assert tables.parse_value(raw, "INTEGER") == expected


@pytest.mark.parametrize("raw", ["12,5", "abc", 12.5])
def test_a_fraction_is_not_a_whole_number(raw):
    with pytest.raises(ValueError, match="whole number"):
        tables.parse_value(raw, "INTEGER")


def test_dates_in_iso_and_european_forms():
    assert tables.parse_value("2025-03-02", "DATE") == dt.date(2025, 3, 2)
    assert tables.parse_value("02/03/2025", "DATE") == dt.date(2025, 3, 2)
    assert tables.parse_value("02.03.2025", "DATE") == dt.date(2025, 3, 2)
    assert tables.parse_value(dt.datetime(2025, 3, 2, 0, 0), "DATE") == dt.date(2025, 3, 2)
    with pytest.raises(ValueError):
        tables.parse_value("2025-13-01", "DATE")


def test_encodings():
    assert importer.decode("Liège".encode("utf-8")) == "Liège"
    assert importer.decode(b"\xef\xbb\xbf" + "Liège".encode("utf-8")) == "Liège"
    assert importer.decode("Liège".encode("cp1252")) == "Liège"


def test_separator_is_sniffed_from_the_header_and_quoted_line_breaks_survive():
    sheet = importer.read_csv_text('id;name;latitude\r\na-dk;"two\r\nlines";56,1\r\n', "x.csv", "x")
    assert sheet.header == ["id", "name", "latitude"]
    assert sheet.rows == [(2, ["a-dk", "two\r\nlines", "56,1"])]
    comma = importer.read_csv_text('id,name\na-dk,"A; B"\n', "y.csv", "y")
    assert comma.rows[0][1] == ["a-dk", "A; B"]


def test_check_reasons_come_from_the_schema():
    members = importer.catalogue()["members"]
    reasons = {tuple(cols): tables.check_reason(expr) for cols, expr in members.checks}
    assert reasons[("status",)] == "must be one of: member, observer, former"
    assert reasons[("latitude",)] == "must be between 27 and 72 (outside Europe)"


def test_table_is_matched_by_name_then_by_header():
    named = importer.Sheet("members.csv", "members", ["id"], [])
    assert importer.match_table(named) == ("members", None)
    by_header = importer.Sheet("x.csv", "x", ["activity_id", "approach_id"], [])
    assert importer.match_table(by_header) == ("activity_approaches", None)
    unknown = importer.Sheet("x.csv", "x", ["foo", "bar"], [])
    assert importer.match_table(unknown)[0] is None


def test_dry_run_counts_and_writes_nothing(writable_db):
    con = duckdb.connect(str(writable_db))
    rows = "id,name,country_code,latitude,longitude,joined_on\n" \
           "aarhus-dk,Aarhus,DK,56.15674,10.21076,2016-12-01\n" \
           "vejle-dk,Vejle,DK,55.7,9.5,2025-01-01\n"
    before = con.execute("SELECT count(*) FROM members").fetchone()[0]
    plan, audit = importer.import_files(con, [("members.csv", rows.encode())], "t", "cli", dry_run=True)
    assert audit is None
    assert plan.counts["members"] == {"added": 1, "updated": 0, "unchanged": 1}
    assert con.execute("SELECT count(*) FROM members").fetchone()[0] == before
    con.close()


def test_an_update_of_a_referenced_member_and_its_networks_works(writable_db):
    con = duckdb.connect(str(writable_db))
    rows = "id,name,country_code,latitude,longitude,joined_on,networks\n" \
           "aarhus-dk,Århus,DK,56.15674,10.21076,2016-12-01,efus\n"
    plan, audit = importer.import_files(con, [("members.csv", rows.encode())], "t", "cli")
    assert plan.counts["members"]["updated"] == 1 and audit == 1
    assert con.execute("SELECT name FROM members WHERE id = 'aarhus-dk'").fetchone()[0] == "Århus"
    assert con.execute("SELECT list(network_id) FROM member_networks WHERE member_id = 'aarhus-dk'"
                       ).fetchone()[0] == ["efus"]
    con.close()


def test_problems_are_all_listed(writable_db):
    con = duckdb.connect(str(writable_db))
    rows = "id,name,country_code,latitude,longitude,joined_on\n" \
           "x-zz,X,ZZ,10,200,yesterday\n"
    with pytest.raises(importer.ImportRejected) as caught:
        importer.import_files(con, [("members.csv", rows.encode())], "t", "cli")
    columns = sorted(p.column for p in caught.value.problems)
    assert columns == ["country_code", "joined_on", "latitude", "longitude"]
    assert all(p.file == "members.csv" and p.row == 2 for p in caught.value.problems)
    con.close()


# --- practice texts in several languages (issue 19, item 7) -------------------------------------------------

OLD_ACTIVITY_HEADER = "id,title,summary,lead_member_id,kind,start_year,status,evaluation,last_updated\n"


def test_an_older_activities_file_without_language_columns_still_imports(writable_db):
    """A file from before the French columns updates the English text and keeps the French one."""
    con = duckdb.connect(str(writable_db))
    french = con.execute("SELECT title_fr FROM activities WHERE id = 'aarhus-model'").fetchone()[0]
    assert french
    rows = OLD_ACTIVITY_HEADER + \
        "aarhus-model,Aarhus model (renamed),A summary.,aarhus-dk,practice,2007,ongoing,none,2025-06-01\n" \
        "new-one,New practice,Text.,aarhus-dk,project,2024,ongoing,none,2025-06-01\n"
    plan, audit = importer.import_files(con, [("activities.csv", rows.encode())], "t", "cli")
    assert plan.counts["activities"]["added"] == 1 and plan.counts["activities"]["updated"] == 1
    got = dict((r[0], r[1:]) for r in con.execute(
        "SELECT id, title, title_fr, original_language FROM activities WHERE id IN ('aarhus-model', 'new-one')"
    ).fetchall())
    assert got["aarhus-model"] == ("Aarhus model (renamed)", french, "en")
    assert got["new-one"] == ("New practice", None, "en")
    con.close()


def test_language_columns_import_and_a_bad_language_code_is_explained(writable_db):
    con = duckdb.connect(str(writable_db))
    header = "id,title,summary,lead_member_id,kind,status,evaluation,original_language,title_en,title_fr\n"
    good = header + "lyon-parents,Cercles de parents,Des groupes.,aarhus-dk,practice,ongoing,none,fr," \
                    "Parent circles,\n"
    importer.import_files(con, [("activities.csv", good.encode())], "t", "cli")
    assert con.execute("SELECT original_language, title_en FROM activities WHERE id = 'lyon-parents'"
                       ).fetchone() == ("fr", "Parent circles")
    bad = header + "lyon-two,Titre,Texte.,aarhus-dk,practice,ongoing,none,French,,\n"
    with pytest.raises(importer.ImportRejected) as caught:
        importer.import_files(con, [("activities.csv", bad.encode())], "t", "cli")
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "original_language", "French")
    assert "language code" in problem.reason
    con.close()


def test_an_imported_change_of_title_is_searchable_at_once_and_after_undo(writable_db):
    from alliance import db, undo
    from alliance import practices as pr

    con = db.connect(writable_db)
    db.apply_schema(con)

    def found(word):
        params = pr.Filters(q=word, include_archived=True).params()
        return db.run_query(con, "practices_results", **params, limit=500)["id"].tolist()

    assert "aarhus-model" in found("discriminations")
    rows = "id,title,summary,lead_member_id,kind,status,evaluation,title_fr\n" \
           "aarhus-model,Aarhus model,A summary.,aarhus-dk,practice,ongoing,none,Modèle d'Aarhus : écoles ouvertes\n"
    importer.import_files(con, [("activities.csv", rows.encode())], "t", "cli")
    assert found("ecoles ouvertes") == ["aarhus-model"]
    assert "aarhus-model" not in found("discriminations")
    undo.undo_last(con, "t")
    assert "aarhus-model" in found("discriminations") and found("ecoles ouvertes") == []
    con.close()


def test_the_shared_scratch_database_gives_each_check_its_own_rows():
    """check_constraints registers its rows as "incoming" on a cursor of one in-memory DuckDB kept for the
    process: two checks at once (two sessions saving) must each see their own rows."""
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd

    from alliance.tables import scratch_cursor

    def count_own(n: int) -> list[int]:
        cursor = scratch_cursor()
        cursor.register("incoming", pd.DataFrame({"v": [n] * n}))
        seen = [cursor.execute("SELECT count(*), min(v), max(v) FROM incoming").fetchone() for _ in range(50)]
        cursor.close()
        return sorted(set(seen))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(count_own, [3, 5, 7, 11]))
    assert results == [[(n, n, n)] for n in (3, 5, 7, 11)]
    assert scratch_cursor() is not scratch_cursor()

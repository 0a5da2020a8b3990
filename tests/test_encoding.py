"""Encodings never misread (alliance/encoding.py through the importer and the command line). Every file is made
here from text, in the encoding a European Excel writes; names are checked as they land in the database."""
from __future__ import annotations

import codecs
import random

import duckdb
import pytest

from alliance import encoding, importer
from alliance.cli import main

HEADER = "id;name;country_code;latitude;longitude;joined_on\n"
# (label, encoding, rows): new members whose names only read right in the file's own encoding
SETS = [
    ("cp1250", "cp1250", [("gdynia-pl", "Gdańsk Wrzeszcz", "PL"), ("lodz-pl", "Łódź", "PL"),
                          ("plzen-cz", "Plzeň", "CZ"), ("ostrava-cz", "Ostrava-Přívoz", "CZ"), ("gyor-hu", "Győr", "HU"),
                          ("ceske-budejovice-cz", "České Budějovice", "CZ"), ("timisoara-ro", "Timişoara", "RO")]),
    ("cp1253", "cp1253", [("thessaloniki-gr", "Θεσσαλονίκη", "GR"), ("patra-gr", "Πάτρα", "GR")]),
    ("utf-16 with BOM", "utf-16", [("lodz-pl", "Łódź", "PL"), ("thessaloniki-gr", "Θεσσαλονίκη", "GR"),
                                   ("plzen-cz", "Plzeň", "CZ")]),
    ("utf-8 with BOM", "utf-8-sig", [("lodz-pl", "Łódź", "PL"), ("plzen-cz", "Plzeň", "CZ")]),
    ("utf-8 without BOM", "utf-8", [("lodz-pl", "Łódź", "PL"), ("thessaloniki-gr", "Θεσσαλονίκη", "GR")]),
    ("cp1252", "cp1252", [("liege2-be", "Liège", "BE"), ("malmo2-se", "Malmö", "SE"),
                          ("coruna-es", "A Coruña", "ES"), ("besancon-fr", "Besançon", "FR")]),
]


def members_file(rows, codec: str) -> bytes:
    lines = [f"{i};{n};{c};50,{k};10,{k};2024-01-0{k + 1}" for k, (i, n, c) in enumerate(rows)]
    return (HEADER + "\r\n".join(lines) + "\r\n").encode(codec)


@pytest.fixture
def con(writable_db):
    connection = duckdb.connect(str(writable_db))
    yield connection
    connection.close()


@pytest.mark.parametrize("label,codec,rows", SETS, ids=[s[0] for s in SETS])
def test_each_encoding_imports_its_accented_names_unchanged(con, label, codec, rows):
    plan, _ = importer.import_files(con, [("members.csv", members_file(rows, codec))], "t", "cli")
    assert plan.counts["members"]["added"] == len(rows)
    names = dict(con.execute("SELECT id, name FROM members WHERE id IN (SELECT unnest(?))",
                             [[r[0] for r in rows]]).fetchall())
    assert names == {i: n for i, n, _ in rows}


def test_the_detected_encoding_is_said():
    rows = SETS[0][2]
    text, used = encoding.decode(members_file(rows, "cp1250"))
    assert used == "cp1250" and "Łódź" in text
    assert encoding.decode(members_file(SETS[1][2], "cp1253"))[1] == "cp1253"
    assert encoding.decode(members_file(SETS[5][2], "cp1252"))[1] == "cp1252"


def test_the_issue_file_is_no_longer_read_as_windows_1252():
    """The file of the report: Gdańsk, Łódź and Plzeň saved in cp1250 came in as Gdañsk, £ódŸ, Plzeò."""
    raw = members_file([("gdansk-pl", "Gdańsk", "PL"), ("lodz-pl", "Łódź", "PL"), ("plzen-cz", "Plzeň", "CZ")],
                       "cp1250")
    text, used = encoding.decode(raw)
    assert used == "cp1250"
    assert "Gdańsk" in text and "Łódź" in text and "Plzeň" in text
    assert "£ódŸ" not in text


def test_an_ambiguous_file_is_refused_naming_the_encodings(con):
    """"Plzeò" is as plausible a spelling as "Plzeň": nothing else in the file tells them apart."""
    raw = members_file([("plzen-cz", "Plzeň", "CZ")], "cp1250")
    before = con.execute("SELECT count(*) FROM members").fetchone()
    with pytest.raises(importer.ImportRejected) as rejected:
        importer.import_files(con, [("members.csv", raw)], "t", "cli")
    [problem] = rejected.value.problems
    assert problem.file == "members.csv"
    assert "Windows-1250" in problem.reason and "Windows-1252" in problem.reason
    assert "Plzeň" in problem.reason and "Plzeò" in problem.reason
    assert "CSV UTF-8" in problem.reason and "--encoding" in problem.reason
    assert con.execute("SELECT count(*) FROM members").fetchone() == before
    # named explicitly, it imports
    importer.import_files(con, [("members.csv", raw)], "t", "cli", encoding_name="cp1250")
    assert con.execute("SELECT name FROM members WHERE id = 'plzen-cz'").fetchone() == ("Plzeň",)


@pytest.mark.parametrize("text", ["a;LiÃ¨ge;BE", "a;GdaÅ„sk;PL", "a;Å\x81ÃÂ³dÅº;PL"])
def test_utf8_text_that_was_already_misread_is_refused(text):
    with pytest.raises(encoding.UnreadableFile, match="already misread"):
        encoding.decode((HEADER + text + "\n").encode("utf-8"))


@pytest.mark.parametrize("word", ["£ódŸ", "Bia³ystok", "ÈåóóáëïíÝêç", "Θεσσaλονίκη"])
def test_mojibake_is_implausible(word):
    assert encoding.implausible(f"x;{word};y")


@pytest.mark.parametrize("word", ["Gdańsk", "Łódź", "Plzeň", "Θεσσαλονίκη", "Liège", "¿Qué?", "«Cité»",
                                  "Malmö", "Saint-Étienne", "Braşov", "Ørsted", "l’Hôtel", "Straße"])
def test_real_names_are_plausible(word):
    assert encoding.implausible(f"x;{word};y") is None


def test_a_forced_encoding_that_does_not_fit_says_where():
    with pytest.raises(encoding.UnreadableFile, match="not valid UTF-8: byte 0xA3 on line 2"):
        encoding.decode(members_file([("lodz-pl", "Łódź", "PL")], "cp1250"), "utf-8")


@pytest.mark.parametrize("label,raw,expected", [
    ("random bytes", random.Random(13).randbytes(4000), "binary data"),
    ("a PNG renamed", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "a PNG image"),
    ("an unterminated quote", ('id,name\n"' + "x" * 200_000).encode(), "not a readable CSV table"),
    ("UTF-16 damaged", codecs.BOM_UTF16_LE + "id,name\n".encode("utf-16-le") + b"\x00\xd8", "damaged"),
])
def test_a_garbage_file_gets_a_message_in_the_users_terms(con, label, raw, expected):
    with pytest.raises(importer.ImportRejected) as rejected:
        importer.import_files(con, [("members.csv", raw)], "t", "cli")
    [problem] = rejected.value.problems
    assert expected in problem.reason
    assert "new-line character" not in problem.reason and "field limit" not in problem.reason
    assert "XLSX" in problem.reason or "UTF-8" in problem.reason


def test_answers_form_uses_the_same_detection(con):
    """A secretariat's long-form answers file from Poland: its evidence text keeps its letters."""
    text = ("member_id;round_year;dimension;level;evidence\n"
            "aarhus-dk;2019;leadership;3;Uchwała rady miejskiej, Łódź 2019\n")
    importer.import_files(con, [("answers.csv", text.encode("cp1250"))], "t", "cli")
    evidence = con.execute("SELECT s.evidence FROM assessment_scores s JOIN assessments a ON a.id = s.assessment_id "
                           "JOIN dimensions d ON d.id = s.dimension_id WHERE a.member_id = 'aarhus-dk' "
                           "AND a.round_year = 2019 AND d.code = 'leadership'").fetchone()
    assert evidence == ("Uchwała rady miejskiej, Łódź 2019",)
    with pytest.raises(importer.ImportRejected) as rejected:
        importer.import_files(con, [("answers.csv", b"\x89PNG\r\n\x1a\n" + bytes(300))], "t", "cli")
    assert "PNG" in rejected.value.problems[0].reason


def test_cli_dry_run_shows_old_and_new_values_and_takes_an_encoding(writable_db, tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_bytes(("id;name;country_code;latitude;longitude;population;joined_on\n"
                      "gdansk-pl;Gdańsk;PL;54,35227;18,64912;490000;2019-07-31\n").encode("cp1250"))
    # read as Windows-1252 on purpose: the dry run shows the misread name before anything is written
    assert main(["import", str(path), "--db", str(writable_db), "--dry-run", "--encoding", "cp1252"]) == 0
    out = capsys.readouterr().out
    assert "members.csv: read as Windows-1252" in out
    assert "members gdansk-pl, name: 'Gdańsk' -> 'Gdañsk'" in out
    assert "members gdansk-pl, population: '487371' -> '490000'" in out
    assert main(["import", str(path), "--db", str(writable_db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "read as Windows-1250" in out and "name:" not in out and "population: '487371'" in out
    assert main(["import", str(path), "--db", str(writable_db), "--encoding", "klingon"]) == 2
    assert "unknown encoding 'klingon'" in capsys.readouterr().err


def test_cli_refuses_an_ambiguous_file_with_advice(writable_db, tmp_path, capsys):
    path = tmp_path / "members.csv"
    path.write_bytes(members_file([("plzen-cz", "Plzeň", "CZ")], "cp1250"))
    assert main(["import", str(path), "--db", str(writable_db)]) == 1
    err = capsys.readouterr().err
    assert "unclear encoding" in err and "Windows-1250" in err and "Save As" in err
    assert "nothing was written" in err

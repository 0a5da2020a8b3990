"""Unit tests of alliance.exporter: every public table, a dictionary, text stays text in Excel."""
from __future__ import annotations

import io
import zipfile

import duckdb
import numpy as np
import openpyxl
import pandas as pd

from alliance import dictionary, exporter


def test_csv_export_has_every_table_and_iso_dates(demo_db, tmp_path):
    con = duckdb.connect(str(demo_db), read_only=True)
    files = exporter.export(con, tmp_path, "csv")
    con.close()
    assert {p.stem for p in files} == set(dictionary.public_tables()) | {"dictionary"}
    members = pd.read_csv(tmp_path / "members.csv", dtype=str)
    assert members["joined_on"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert members["country_code"].str.fullmatch("[A-Z]{2}").all()
    meanings = pd.read_csv(tmp_path / "dictionary.csv")
    assert set(meanings["table"]) == set(dictionary.public_tables())
    assert meanings["meaning"].notna().all()


def test_xlsx_keeps_formula_like_text_as_text():
    buffer = io.BytesIO()
    exporter.write_xlsx({"t": pd.DataFrame({"title": ["=HYPERLINK(\"http://evil\")", "plain"], "n": [1, 2]})}, buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["A2"].value == "=HYPERLINK(\"http://evil\")"
    assert sheet["A2"].data_type == "s"
    assert sheet["B3"].value == 2


def test_zip_download_holds_the_files(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    blob = exporter.export_zip(con, "csv")
    con.close()
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert "members.csv" in names and "dictionary.csv" in names


# ------------------------------------------------------------------- issue 19: every query, every format
def test_flatten_makes_every_cell_writable():
    import datetime as dt

    frame = pd.DataFrame({
        "list": [np.array(["a", "b"]), np.array([], dtype=object)],
        "nested": [[["x", "y"], ["z"]], None],
        "struct": [{"id": "aarhus-dk", "name": "Aarhus"}, {"id": "x", "name": None}],
        "map": [{"key": ["k"], "value": [1]}, None],
        "blob": [b"\x00\xff", None],
        "when": pd.to_datetime(["2026-11-26 12:00", None]).tz_localize("UTC"),
        "interval": [dt.timedelta(days=1), None],
        "plain": ["text", None],
    })
    flat = exporter.flatten(frame)
    assert flat["list"].tolist() == ["a; b", ""]
    assert flat["nested"].tolist()[0] == "x; y; z"
    assert flat["struct"].tolist()[0] == "id: aarhus-dk; name: Aarhus"
    assert flat["map"].tolist()[0] == "k: 1"
    assert flat["blob"].tolist()[0] == "00ff"
    assert flat["when"].tolist()[0].startswith("2026-11-26 12:00:00+00:00")
    assert flat["plain"].tolist()[0] == "text" and pd.isna(flat["plain"].tolist()[1])
    openpyxl.load_workbook(io.BytesIO(exporter.xlsx_bytes(frame)))  # writes, and reads back


def test_csv_for_a_decimal_comma_language_uses_semicolons():
    frame = pd.DataFrame({"name": ["Liège", "Aarhus"], "index": [42.5, 3.0], "tags": [["a", "b"], []]})
    plain = exporter.csv_bytes(frame)
    assert plain.startswith(b"\xef\xbb\xbf")
    assert plain.decode("utf-8-sig").splitlines()[1] == "Liège,42.5,a; b"
    french = exporter.csv_bytes(frame, spreadsheet_lang="fr").decode("utf-8-sig")
    assert french.splitlines()[0] == "name;index;tags"
    assert french.splitlines()[1] == 'Liège;42,5;"a; b"'
    assert exporter.csv_bytes(frame, spreadsheet_lang="en") == plain  # English Excel reads commas


def _samples(con) -> dict:
    """Sensible values from the demonstration database for every parameter without a default."""
    from alliance import poll

    dims = [r[0] for r in con.execute("SELECT id FROM dimensions ORDER BY sort_order, id").fetchall()]
    code = poll.open_poll(con, dims[:2], "tester")
    poll.record_answer(con, code, dims[0], "participant-0001-abcdefgh", 3)
    activity = con.execute("SELECT id FROM activities WHERE lead_member_id = 'aarhus-dk' LIMIT 1").fetchone()[0]
    round_year = con.execute("SELECT max(round_year) FROM assessments").fetchone()[0]
    return {"member_id": "aarhus-dk", "city": "aarhus-dk", "member_ids": ["aarhus-dk", "liege-be"],
            "round_year": round_year,
            "dimension_id": dims[0], "code": code, "id": activity, "weights": [1.0] * len(dims),
            "ids:member": ["aarhus-dk", "liege-be"], "ids": [activity]}


FORMATS = {
    "csv": lambda frame: pd.read_csv(io.BytesIO(exporter.csv_bytes(frame)), encoding="utf-8-sig"),
    "csv for Excel (;)": lambda frame: pd.read_csv(io.BytesIO(exporter.csv_bytes(frame, spreadsheet_lang="fr")),
                                                   encoding="utf-8-sig", sep=";", decimal=","),
    "xlsx": lambda frame: pd.read_excel(io.BytesIO(exporter.xlsx_bytes(frame, "result"))),
    "parquet": lambda frame: pd.read_parquet(io.BytesIO(frame.to_parquet(index=False))),
}


def test_every_named_query_goes_through_every_export_format(writable_db):
    """What /explore offers for each result (CSV, CSV for Excel, XLSX) and what the CLI export writes for
    tables (Parquet): every query of queries/, run on the demonstration data, writes and reads back."""
    from alliance import db as alliance_db

    con = alliance_db.connect(writable_db)
    samples = _samples(con)
    failures, empty = [], []
    for query in alliance_db.list_queries():
        params = {}
        for p in query.params:  # a sample where there is one (real rows), else the default
            key = f"{p.name}:member" if p.name == "ids" and "member" in query.name else p.name
            if key in samples:
                params[p.name] = samples[key]
            else:
                assert p.default is not None, f"add a sample value for parameter {p.name!r} of {query.name}"
        frame = alliance_db.run_query(con, query.name, **params)
        if frame.empty:
            empty.append(query.name)
        for fmt, write_and_read in FORMATS.items():
            try:
                back = write_and_read(exporter.flatten(frame) if fmt == "parquet" else frame)
                assert len(back) == len(frame) and list(back.columns) == [str(c) for c in frame.columns]
            except Exception as error:  # noqa: BLE001 - collect them all, then fail once
                failures.append(f"{query.name} as {fmt}: {type(error).__name__}: {error}"[:300])
    con.close()
    assert not failures, "\n".join(failures)
    # it ran on real rows: only queries over tables the demonstration leaves empty (logs, queues) come back empty
    assert "city_activities" not in empty and len(empty) <= len(alliance_db.list_queries()) // 8, empty


def test_the_practices_download_uses_the_shared_writer():
    """/practices' CSV: semicolons and decimal commas for a French reader, commas otherwise (item 9)."""
    from alliance import practices

    frame = pd.DataFrame({"title": ["Liège: dialogue"], "score": [0.5], "approaches": [np.array(["a", "b"])]})
    assert practices.csv_bytes(frame, "fr").decode("utf-8-sig").splitlines() == [
        "title;score;approaches", 'Liège: dialogue;0,5;"a; b"']
    assert practices.csv_bytes(frame).decode("utf-8-sig").splitlines()[1] == "Liège: dialogue,0.5,a; b"

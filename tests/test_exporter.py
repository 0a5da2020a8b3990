"""Unit tests of alliance.exporter: every public table, a dictionary, text stays text in Excel."""
from __future__ import annotations

import io
import zipfile

import duckdb
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

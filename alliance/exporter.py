"""Export every public table, with a data dictionary, as CSV, XLSX or Parquet (open-data friendly).

Column names are the database's own (stable), dates ISO 8601, countries ISO 3166-1 alpha-2 codes, CSV in
UTF-8 with a comma separator. The files can be imported back with alliance.importer.

Every download of a table in the app goes through this module's `flatten` (list and other nested values
become text, so no writer meets a value it cannot write) and its `csv_bytes` / `xlsx_bytes`.
"""
from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from alliance import dictionary

FORMATS = ("csv", "xlsx", "parquet")


def table_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    cursor = con.cursor()
    try:
        present = {r[0] for r in cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        frames = {}
        for name in dictionary.public_tables():
            if name in present:
                frame = cursor.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()
                frames[name] = frame
        return frames
    finally:
        cursor.close()


LIST_SEPARATOR = "; "
_SCALARS = (str, bool, int, float, decimal.Decimal, dt.date, dt.datetime)


def flat_value(value):
    """One cell as a spreadsheet can hold it: lists (DuckDB LIST/ARRAY come as numpy arrays) joined with
    '; ', structs and maps as 'key: value', bytes as hex, times and intervals as text; scalars unchanged."""
    if value is None or value is pd.NA or isinstance(value, _SCALARS) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.tzinfo else value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return LIST_SEPARATOR.join("" if flat_value(v) is None else str(flat_value(v)) for v in value)
    if isinstance(value, dict):
        if set(value) == {"key", "value"}:  # a DuckDB MAP arrives as {'key': [...], 'value': [...]}
            value = dict(zip(value["key"], value["value"]))
        return LIST_SEPARATOR.join(f"{k}: {flat_value(v)}" for k, v in value.items())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)  # UUID, time, timedelta, ...


def flatten(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every cell a scalar that CSV, Excel and Parquet writers accept (see flat_value);
    columns of plain scalars are left as they are (fast)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):  # Excel refuses time zones: ISO text with offset
            out[column] = series.map(lambda v: None if pd.isna(v) else v.isoformat(sep=" "))
        elif series.dtype == object or pd.api.types.is_timedelta64_dtype(series):
            if series.dtype == object and series.map(lambda v: v is None or isinstance(v, (str, bool, int, float))).all():
                continue
            out[column] = series.astype(object).map(flat_value)
    return out


def _for_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Nested values flattened; dates as ISO text (with the time when a column has one)."""
    out = flatten(frame)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            values = out[column]
            has_time = bool((values.dropna() != values.dropna().dt.normalize()).any())
            out[column] = values.dt.strftime("%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d")
    return out


def csv_bytes(frame: pd.DataFrame, spreadsheet_lang: str | None = None) -> bytes:
    """A table as CSV in UTF-8 with a byte-order mark (Excel then reads accents right), lists joined with
    '; '. Comma-separated with decimal points, for tools; with `spreadsheet_lang` a language whose numbers
    take a decimal comma (French, German ...), semicolon-separated with decimal commas, as that language's
    Excel opens by a double click."""
    from alliance.i18n import decimal_comma

    excel = spreadsheet_lang is not None and decimal_comma(spreadsheet_lang)
    buffer = io.StringIO()
    _for_text(frame).to_csv(buffer, index=False, sep=";" if excel else ",", decimal="," if excel else ".",
                            quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """A table as an XLSX workbook of one sheet (see write_xlsx)."""
    buffer = io.BytesIO()
    write_xlsx({sheet: frame}, buffer)
    return buffer.getvalue()


def write_xlsx(frames: dict[str, pd.DataFrame], target) -> None:
    """One sheet per table (nested values flattened); text cells stay text (a value starting with '=' is
    never a formula)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    for name, frame in frames.items():
        sheet = book.create_sheet(name[:31])
        sheet.append(list(frame.columns))
        for row in _for_text(frame).astype(object).itertuples(index=False):
            cells = []
            for value in row:
                if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
                    cells.append(None)
                elif isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    book.save(target)


def export(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str = "csv", lang: str = "en") -> list[Path]:
    """Write the tables and dictionary into out_dir; the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = table_frames(con)
    frames["dictionary"] = dictionary.describe(con, lang)
    written = []
    if fmt == "xlsx":
        path = out_dir / "alliance.xlsx"
        write_xlsx(frames, path)
        return [path]
    for name, frame in frames.items():
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            _for_text(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        else:
            frame.to_parquet(path, index=False)
        written.append(path)
    return written


def export_zip(con: duckdb.DuckDBPyConnection, fmt: str = "csv", lang: str = "en") -> bytes:
    """The export as one download: a ZIP of the files (the XLSX workbook alone for xlsx)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        files = export(con, Path(folder), fmt, lang)
        if fmt == "xlsx":
            return files[0].read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.name)
        return buffer.getvalue()

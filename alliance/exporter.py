"""Export every public table, with a data dictionary, as CSV, XLSX or Parquet (open-data friendly).

Column names are the database's own (stable), dates ISO 8601, countries ISO 3166-1 alpha-2 codes, CSV in
UTF-8 with a comma separator. The files can be imported back with alliance.importer.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
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


def _for_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO text, whole-number columns without a decimal point."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return out


def write_xlsx(frames: dict[str, pd.DataFrame], target) -> None:
    """One sheet per table; text cells stay text (a value starting with '=' is never a formula)."""
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

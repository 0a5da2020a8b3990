"""The data dictionary: what every public table and column means, kept as data in data/dictionary.csv.

The export writes it beside the tables, /explore shows it in the schema browser, and it is also the list of
public tables: only these are exported and copied into the analysts' SQL sandbox (accounts, the import audit
and other internal tables never leave the database). Its `access` column marks each table and column public or
private: a private table (exchange requests, contact persons) is described there but never leaves either.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

import duckdb
import pandas as pd

from alliance.i18n import language_name
from alliance.paths import DATA_DIR

DICTIONARY_FILE = DATA_DIR / "dictionary.csv"

# Columns of public tables that name a person (an account): empty in the analysts' SQL sandbox, where the
# column stays so that queries keep their shape. (The admins' export keeps them: it is imported back, and an
# empty cell there would blank the names.)
PRIVATE_COLUMNS = {"assessments": {"submitted_by": "VARCHAR"}}


def public_select(table: str) -> str:
    """The SELECT that reads a public table for the sandbox: private columns emptied."""
    private = PRIVATE_COLUMNS.get(table)
    if not private:
        return f'SELECT * FROM "{table}"'
    emptied = ", ".join(f'NULL::{kind} AS "{column}"' for column, kind in private.items())
    return f'SELECT * REPLACE ({emptied}) FROM "{table}"'


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    with open(DICTIONARY_FILE, newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def _private(row: dict) -> bool:
    return (row.get("access") or "public").strip() == "private"


def public_tables() -> list[str]:
    """Public tables in dependency order (a table comes after the tables it references)."""
    private = set(private_tables())
    seen: list[str] = []
    for row in _rows():
        if row["table"] not in seen and row["table"] not in private:
            seen.append(row["table"])
    return seen


def private_tables() -> list[str]:
    """Tables the dictionary marks private (the row describing the table itself): never exported, never in the
    sandbox or the API."""
    return [row["table"] for row in _rows() if not row["column"] and _private(row)]


def private_columns() -> dict[str, list[str]]:
    """table -> the columns the dictionary marks private (of public and private tables alike)."""
    out: dict[str, list[str]] = {}
    for row in _rows():
        if row["column"] and _private(row):
            out.setdefault(row["table"], []).append(row["column"])
    return out


def meaning(table: str, column: str = "", lang: str = "en") -> str:
    """The meaning of a column (or of the table itself when column is empty); English when lang lacks it.
    A practice text column of a language added later (title_de ...) is described from the English one's."""
    for row in _rows():
        if row["table"] == table and row["column"] == column:
            return row.get(f"meaning_{lang}") or row["meaning_en"]
    if table == "activities" and (m := re.fullmatch(r"(title|summary)_([a-z]{2})", column)):
        text = meaning(table, f"{m[1]}_en", lang)
        return text.replace(language_name("en", lang), language_name(m[2], lang), 1) if text else ""
    return ""


def describe(con: duckdb.DuckDBPyConnection, lang: str = "en") -> pd.DataFrame:
    """table, column, type, meaning for every public table present in the database behind `con`."""
    cursor = con.cursor()
    try:
        columns = cursor.execute(
            "SELECT table_name, column_name, data_type, ordinal_position FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name IN (SELECT unnest($tables)) ORDER BY table_name, ordinal_position",
            {"tables": public_tables()}).fetchall()
    finally:
        cursor.close()
    order = {name: i for i, name in enumerate(public_tables())}
    rows = [(table, column, data_type, meaning(table, column, lang)) for table, column, data_type, _ in columns]
    rows.sort(key=lambda r: order[r[0]])  # stable: keeps each table's column order
    return pd.DataFrame(rows, columns=["table", "column", "type", "meaning"])

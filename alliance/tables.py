"""The table rules and the row writer, shared by everything that writes rows a person typed or uploaded: the
importer (files), undo (its inverse), the long-form answers (alliance/answers.py) and the in-app practice
editor (alliance/submissions.py). No Streamlit here.

The rules come from the schema itself (queries/ddl): column types, NOT NULL, primary keys, foreign keys and the
CHECK constraints, which DuckDB evaluates on the incoming rows. Every problem is collected (file, row, column,
value, reason) instead of stopping at the first.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

from alliance import dictionary
from alliance.db import schema_sql

# list column of a friendly form -> (bridge table, parent column, child column)
LIST_COLUMNS = {
    "members": {"networks": ("member_networks", "member_id", "network_id")},
    "activities": {
        "partner_member_ids": ("activity_partners", "activity_id", "member_id"),
        "approaches": ("activity_approaches", "activity_id", "approach_id"),
        "target_groups": ("activity_target_groups", "activity_id", "target_group_id"),
        "stakeholders": ("activity_stakeholders", "activity_id", "stakeholder_id"),
    },
    "offers": {
        "dimensions": ("offer_dimensions", "offer_id", "dimension_id"),
        "approaches": ("offer_approaches", "offer_id", "approach_id"),
    },
    "needs": {"dimensions": ("need_dimensions", "need_id", "dimension_id")},
}
# values used when an optional column of a NOT NULL field is left out or empty
DEFAULTS = {
    "members": {"kind": "municipality", "status": "member"},
    "activities": {"summary": "", "evaluation": "none", "provenance": "documented", "original_language": "en"},
}


# rules the DDL cannot hold (a column added by ALTER TABLE carries no CHECK): (columns, SQL condition)
EXTRA_CHECKS = {
    "activities": [(["original_language"],
                    "original_language IS NULL OR regexp_full_match(original_language, '[a-z]{2}')")],
}


class ImportRejected(Exception):
    """The import was refused: `problems` lists every reason."""

    def __init__(self, problems: list["Problem"]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # spreadsheet row: 1 is the header, 2 the first record
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file + (f": row {self.row}" if self.row else "") + (f", column {self.column}" if self.column else "")
        value = f" value {self.value!r}:" if self.value not in (None, "") else ""
        return f"{where}:{value} {self.reason}"


@dataclass
class Column:
    name: str
    type: str
    nullable: bool


@dataclass
class Table:
    name: str
    columns: list[Column]
    key: list[str]
    uniques: list[list[str]] = field(default_factory=list)
    foreign: list[tuple[str, str, str]] = field(default_factory=list)  # column, table, column
    checks: list[tuple[list[str], str]] = field(default_factory=list)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Table]:
    """Every public table's rules, read from an in-memory database built from the DDL."""
    con = duckdb.connect()
    con.execute(schema_sql())
    tables = {}
    for name in dictionary.public_tables():
        cols = con.execute("SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
                           "WHERE table_name = ? ORDER BY ordinal_position", [name]).fetchall()
        table = Table(name, [Column(*c) for c in cols], [])
        for kind, columns, expression, ref_table, ref_cols in con.execute(
                "SELECT constraint_type, constraint_column_names, expression, referenced_table, "
                "referenced_column_names FROM duckdb_constraints() WHERE table_name = ?", [name]).fetchall():
            if kind == "PRIMARY KEY":
                table.key = list(columns)
            elif kind == "UNIQUE":
                table.uniques.append(list(columns))
            elif kind == "FOREIGN KEY":
                table.foreign.append((columns[0], ref_table, ref_cols[0]))
            elif kind == "CHECK":
                table.checks.append((sorted(set(columns)), expression))
        table.checks.extend(EXTRA_CHECKS.get(name, []))
        tables[name] = table
    con.close()
    return tables


def check_reason(expression: str) -> str:
    """A CHECK expression said in words where it has a common shape."""
    if m := re.fullmatch(r'\(?"?(\w+)"? IN \((.*)\)\)?', expression):
        return "must be one of: " + ", ".join(v.strip().strip("()'") for v in m[2].split(","))
    if m := re.fullmatch(r'\(?"?(\w+)"? BETWEEN (-?[\d.]+) AND (-?[\d.]+)\)?', expression):
        extra = " (outside Europe)" if m[1] in ("latitude", "longitude") else ""
        return f"must be between {m[2]} and {m[3]}{extra}"
    if "original_language" in expression:
        return "must be a two-letter lower-case language code (ISO 639-1), such as en or fr"
    if "regexp_full_match" in expression:
        return "is not a valid id (lower-case ASCII words joined by '-', ending in '-' and the 2-letter country code)"
    if "length(\"trim\"" in expression:
        return "must not be blank"
    if "end_year >= start_year" in expression:
        return "end_year is before start_year"
    return f"breaks the rule {expression}"


@dataclass
class Sheet:
    """One table-shaped source: a CSV file or an XLSX sheet, as text cells."""
    label: str  # file name, plus [sheet] for XLSX
    hint: str  # file or sheet name, lower case, used to guess the table
    header: list[str]
    rows: list[tuple[int, list]]  # (spreadsheet row number, cells)


def normalise(header: str) -> str:
    return re.sub(r"\W+", "_", str(header).strip().lstrip("\ufeff").lower()).strip("_")


def cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value).strip()
    return text or None


def parse_value(value, type_name: str):
    """A cell as the column's type; raises ValueError with a reason."""
    if type_name.endswith("[]"):  # a list column (events.languages): a list, or text joined with ';'
        items = list(value) if isinstance(value, (list, tuple, np.ndarray)) else (cell_text(value) or "").split(";")
        return [str(v).strip() for v in items if str(v).strip()] or None
    if isinstance(value, bool) and type_name == "BOOLEAN":
        return value
    if isinstance(value, (dt.datetime, dt.date)) and type_name == "DATE":
        return value.date() if isinstance(value, dt.datetime) else value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and type_name in ("INTEGER", "BIGINT"):
        if float(value).is_integer():
            return int(value)
        raise ValueError("must be a whole number")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and type_name == "DOUBLE":
        return float(value)
    text = cell_text(value)
    if text is None:
        return None
    if type_name in ("INTEGER", "BIGINT"):
        compact = re.sub(r"[\s\u00a0\u202f']", "", text)
        if re.fullmatch(r"[+-]?\d{1,3}([.,]\d{3})+", compact):  # 285.273 or 285,273: thousands
            compact = re.sub(r"[.,]", "", compact)
        if re.fullmatch(r"[+-]?\d+([.,]0+)?", compact):
            return int(re.split(r"[.,]", compact)[0])
        raise ValueError("must be a whole number")
    if type_name == "DOUBLE":
        compact = re.sub(r"[\s\u00a0\u202f]", "", text)
        if "," in compact and "." in compact:  # the last one is the decimal mark
            compact = compact.replace(".", "").replace(",", ".") if compact.rfind(",") > compact.rfind(".") \
                else compact.replace(",", "")
        compact = compact.replace(",", ".")
        try:
            return float(compact)
        except ValueError:
            raise ValueError("must be a number") from None
    if type_name == "DATE":
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text, pattern).date()
            except ValueError:
                continue
        raise ValueError("must be a date (YYYY-MM-DD)")
    if type_name == "BOOLEAN":
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "oui", "ja", "vrai"):
            return True
        if lowered in ("false", "0", "no", "non", "nein", "faux"):
            return False
        raise ValueError("must be true or false")
    return text


@dataclass
class Incoming:
    """The valid rows of one table to load, and where each came from (for messages)."""
    table: str
    frame: pd.DataFrame  # typed, with the table's columns present in the source
    origin: list[tuple[str, int]]  # (file label, row) per frame row
    lists: dict[str, list[list[str]]] = field(default_factory=dict)  # list column -> ids per row


def validate_sheet(sheet: Sheet, table_name: str, problems: list[Problem]) -> Incoming | None:
    table = catalogue()[table_name]
    lists = LIST_COLUMNS.get(table_name, {})
    defaults = DEFAULTS.get(table_name, {})
    header = [normalise(h) for h in sheet.header]
    allowed = [c.name for c in table.columns] + list(lists)
    bad_header = False
    for position, name in enumerate(header):
        if not name:
            continue
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(Problem(sheet.label, 1, sheet.header[position], None,
                                    f"unknown column for {table_name}{hint}"))
            bad_header = True
        elif header.count(name) > 1 and header.index(name) == position:
            problems.append(Problem(sheet.label, 1, name, None, "column appears more than once"))
            bad_header = True
    for column in table.columns:
        needed = not column.nullable and column.name not in defaults and not (
            table_name == "activities" and column.name == "last_updated")
        if needed and column.name not in header:
            problems.append(Problem(sheet.label, 1, column.name, None, "required column is missing"))
            bad_header = True
    if bad_header:
        return None

    present = [c.name for c in table.columns if c.name in header or c.name in defaults or
               (table_name == "activities" and c.name == "last_updated")]
    records, origin, list_values, row_ok = [], [], {name: [] for name in lists if name in header}, []
    for row_number, cells in sheet.rows:
        cells = list(cells) + [None] * (len(header) - len(cells))
        by_name = {name: cells[i] for i, name in enumerate(header) if name}
        record, bad = {}, set()
        for column in table.columns:
            if column.name not in present:
                continue
            raw = by_name.get(column.name)
            try:
                value = parse_value(raw, column.type)
            except ValueError as error:
                problems.append(Problem(sheet.label, row_number, column.name, cell_text(raw), str(error)))
                bad.add(column.name)
                record[column.name] = None
                continue
            if value is None and column.name in defaults:
                value = defaults[column.name]
            if value is None and column.name == "last_updated" and table_name == "activities":
                value = dt.date.today()
            if value is None and not column.nullable:
                problems.append(Problem(sheet.label, row_number, column.name, None, "required value is empty"))
                bad.add(column.name)
            record[column.name] = value
        for name in list_values:
            list_values[name].append([v.strip() for v in (cell_text(by_name.get(name)) or "").split(";") if v.strip()])
        records.append(record)
        origin.append((sheet.label, row_number))
        row_ok.append(bad)
    frame = pd.DataFrame(records, columns=present)
    for column in present:
        type_name = table.column(column).type
        if type_name in ("INTEGER", "BIGINT"):
            frame[column] = pd.array(frame[column], dtype="Int64")
        elif type_name == "DOUBLE":
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    check_constraints(table, frame, origin, row_ok, problems)
    return Incoming(table_name, frame, origin, list_values)


_scratch: duckdb.DuckDBPyConnection | None = None
_scratch_lock = threading.Lock()


def scratch_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of one in-memory DuckDB kept for the process, for checking rows that are not in a file yet: a
    new in-memory database cost 12 ms, in every save of answers, a plan or a practice."""
    global _scratch
    with _scratch_lock:
        if _scratch is None:
            _scratch = duckdb.connect()
        return _scratch.cursor()


def check_constraints(table: Table, frame: pd.DataFrame, origin, row_ok, problems: list[Problem]) -> None:
    """Evaluate the table's CHECK constraints with DuckDB on the parsed rows."""
    if frame.empty:
        return
    con = scratch_cursor()  # its registered frame is its own: each cursor is a connection of its own
    con.register("incoming", frame.assign(_row=range(len(frame))))
    for columns, expression in table.checks:
        if not set(columns) <= set(frame.columns):
            continue
        failing = con.execute(f"SELECT _row FROM incoming WHERE NOT ({expression})").fetchall()
        for (i,) in failing:
            if set(columns) & row_ok[i]:  # already reported as unreadable or missing
                continue
            column = columns[0] if len(columns) == 1 else ", ".join(columns)
            value = frame.iloc[i][columns[0]] if len(columns) == 1 else None
            problems.append(Problem(origin[i][0], origin[i][1], column, cell_text(value), check_reason(expression)))
    con.close()


def shown(value, empty: str = "") -> str:
    """A cell's value as text, for showing an old or a new value."""
    text = None if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)) else cell_text(value)
    return empty if text is None else text


def same_value(a, b) -> bool:
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        return (None if a is None else list(a)) == (None if b is None else list(b))
    if (a is None or a is pd.NA or (isinstance(a, float) and a != a)) and \
            (b is None or b is pd.NA or (isinstance(b, float) and b != b)):
        return True
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    if isinstance(a, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime):
        b = b.date()
    return a == b


def update_rows(cursor, name: str, frame: pd.DataFrame, table: Table) -> None:
    """Set only the columns that changed, grouped by which ones: DuckDB refuses to set an indexed column
    (a key, a foreign key) of a row other rows refer to, even to the same value."""
    names = [c.name for c in table.columns]
    current = {tuple(r[names.index(k)] for k in table.key): dict(zip(names, r))
               for r in cursor.execute(f'SELECT * FROM "{name}"').fetchall()}
    groups: dict[tuple, list[int]] = {}
    for i, record in enumerate(frame.to_dict("records")):
        before = current[tuple(record[k] for k in table.key)]
        changed = tuple(c for c in frame.columns if c not in table.key and not same_value(record[c], before[c]))
        groups.setdefault(changed, []).append(i)
    for columns, rows in groups.items():
        if not columns:
            continue
        cursor.register("changed", typed_frame(frame.iloc[rows], table))
        sets = ", ".join(f'"{c}" = changed."{c}"' for c in columns)
        match = " AND ".join(f't."{k}" = changed."{k}"' for k in table.key)
        try:
            cursor.execute(f'UPDATE "{name}" AS t SET {sets} FROM changed WHERE {match}')
        except duckdb.ConstraintException:
            keys = ", ".join(str(frame.iloc[i][table.key[0]]) for i in rows[:5])
            raise ImportRejected([Problem(name, None, ", ".join(columns), keys,
                                          f"cannot change {', '.join(columns)} of existing {name} rows that other "
                                          "rows refer to; change it in the app, or delete and re-add the row")])
        finally:
            cursor.unregister("changed")


def typed_frame(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        type_name = table.column(column).type
        if type_name in ("INTEGER", "BIGINT"):
            out[column] = pd.array(out[column], dtype="Int64")
        elif type_name == "DOUBLE":
            out[column] = pd.to_numeric(out[column])
        elif type_name == "BOOLEAN":
            out[column] = out[column].astype("boolean")
        elif type_name == "DATE":
            out[column] = pd.to_datetime(out[column]).dt.date
    return out


def insert_rows(cursor, name: str, frame: pd.DataFrame, table: Table) -> None:
    cursor.register("incoming_rows", typed_frame(frame, table))
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    cursor.execute(f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM incoming_rows')
    cursor.unregister("incoming_rows")

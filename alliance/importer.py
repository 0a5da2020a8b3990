"""Validation and atomic loading of CSV and XLSX files into the database (no Streamlit here).

A file (or an XLSX sheet) is matched to a table by its name (members.csv, sheet "activities") or, failing
that, by its header. Besides every public table in its plain form, two friendlier forms are accepted:
members with a `networks` column and activities with `partner_member_ids`, `approaches`, `target_groups`
and `stakeholders` columns, each a semicolon-separated list (as in data/seed/practices.csv).

The rules and the row writer are alliance/tables.py's. Every problem is collected (file, row, column, value,
reason); nothing is written unless there are none, and then everything is written in one transaction, so a
crash (even kill -9) leaves the previous data.
"""
from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from alliance import dictionary, encoding, undo
from alliance.db import refresh_search, write_transaction
from alliance.tables import (DEFAULTS, LIST_COLUMNS, ImportRejected, Incoming, Problem, Sheet, catalogue, cell_text,
                             insert_rows, normalise, same_value, shown, update_rows, validate_sheet)

IGNORED_SHEETS = {"dictionary", "guide", "readme"}
TEMPLATE_TABLES = ["members", "activities", "assessment_answers"]  # the last is a form, see alliance/answers.py


class DatabaseBusy(Exception):
    """Another process holds the database file."""


# ---------------------------------------------------------------------------------------------- reading


def decode(raw: bytes, encoding_name: str | None = None) -> str:
    """The file's text, its encoding detected (alliance/encoding.py) unless named; UnreadableFile otherwise."""
    return encoding.decode(raw, encoding_name)[0]


def read_csv_text(text: str, label: str, hint: str) -> Sheet:
    first_line = text.split("\n", 1)[0]
    known = {c.name for t in catalogue().values() for c in t.columns} | {
        c for cols in LIST_COLUMNS.values() for c in cols}

    def score(sep: str) -> tuple[int, int]:
        fields = next(csv.reader([first_line], delimiter=sep), [])
        return (sum(normalise(f) in known for f in fields), len(fields))

    sep = max([",", ";", "\t"], key=score)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error:  # Python's wording ("new-line character seen in unquoted field ...") means nothing here
        raise encoding.UnreadableFile('is not a readable CSV table (its lines cannot be split into cells). '
                                      'Open it in your spreadsheet and save it again as "CSV UTF-8", '
                                      "or as XLSX.") from None
    if not records:
        return Sheet(label, hint, [], [])
    rows = [(i + 2, r) for i, r in enumerate(records[1:]) if any(c.strip() for c in r)]
    return Sheet(label, hint, records[0], rows)


def read_xlsx(raw: bytes, name: str) -> list[Sheet]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    sheets = []
    for ws in book.worksheets:
        if ws.title.strip().lower() in IGNORED_SHEETS:
            continue
        values = list(ws.iter_rows(values_only=True))
        if not values:
            continue
        header = ["" if v is None else str(v) for v in values[0]]
        rows = [(i + 2, list(r)) for i, r in enumerate(values[1:]) if any(v not in (None, "") for v in r)]
        sheets.append(Sheet(f"{name} [{ws.title}]", ws.title.strip().lower(), header, rows))
    book.close()
    return sheets


def read_source(name: str, raw: bytes, encoding_name: str | None = None) -> tuple[list[Sheet], str | None]:
    """The file's sheets, and the encoding its text was read in (None for XLSX)."""
    stem = Path(name).stem.lower()
    if name.lower().endswith((".xlsx", ".xlsm")):
        try:
            return read_xlsx(raw, name), None
        except Exception:  # openpyxl's messages (BadZipFile, KeyError ...) mean nothing to the user
            raise encoding.UnreadableFile("cannot be read as an XLSX workbook: it is damaged, or another kind "
                                          "of file renamed .xlsx. Open it in your spreadsheet and save it again.") from None
    text, used = encoding.decode(raw, encoding_name)
    return [read_csv_text(text, name, stem)], used


# -------------------------------------------------------------------------------------------- parsing


# ------------------------------------------------------------------------------------------ validation


def match_table(sheet: Sheet) -> tuple[str | None, str | None]:
    """The table a sheet holds, or a reason why none fits."""
    tables = catalogue()
    columns = {normalise(h) for h in sheet.header if str(h).strip()}

    def allowed(name: str) -> set[str]:
        return {c.name for c in tables[name].columns} | set(LIST_COLUMNS.get(name, {}))

    def required(name: str) -> set[str]:
        t = tables[name]
        return {c.name for c in t.columns if not c.nullable and c.name not in DEFAULTS.get(name, {})
                and not (name == "activities" and c.name == "last_updated")}

    hint = re.sub(r"[^a-z_]", "", sheet.hint.split(" ")[0])
    if hint in tables:
        return hint, None
    fits = [n for n in tables if columns <= allowed(n) and required(n) <= columns]
    if len(fits) == 1:
        return fits[0], None
    best = max(tables, key=lambda n: len(columns & allowed(n)) - len(columns - allowed(n)))
    if not columns & allowed(best):
        return None, "no column matches a table: start from a template (import --template TABLE)"
    return None, (f"cannot tell which table this is: name the file after a table (e.g. {best}.csv) "
                  f"or use a template's header")


# ------------------------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Change:
    """One field an import would change in an existing row."""
    table: str
    key: str  # the row's key values, joined
    column: str
    old: object
    new: object


@dataclass
class Plan:
    """What an import would change, per table: counts, and the rows to write."""
    files: list[str]
    encodings: dict[str, str] = field(default_factory=dict)  # CSV file -> encoding its text was read in
    changes: list[Change] = field(default_factory=list)  # each changed field of each updated row
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> added/updated/unchanged
    inserts: dict[str, pd.DataFrame] = field(default_factory=dict)
    updates: dict[str, pd.DataFrame] = field(default_factory=dict)
    bridge_deletes: dict[str, pd.DataFrame] = field(default_factory=dict)
    bridge_inserts: dict[str, pd.DataFrame] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        out = {"added": 0, "updated": 0, "unchanged": 0}
        for counts in self.counts.values():
            for key in out:
                out[key] += counts[key]
        return out

    def summary(self, changes: int = 0) -> str:
        """Counts per table; with `changes`, also up to that many changed fields, old and new value."""
        lines = [f"{name}: read as {encoding.name_of(used)}" for name, used in self.encodings.items()]
        lines += [f"{table}: {c['added']} added, {c['updated']} updated, {c['unchanged']} unchanged"
                  for table, c in self.counts.items()]
        total = self.totals()
        lines.append(f"total: {total['added']} added, {total['updated']} updated, {total['unchanged']} unchanged")
        if changes and self.changes:
            lines.append("changes to existing rows (old -> new):")
            lines += [f"  {c.table} {c.key}, {c.column}: {_quoted(c.old)} -> {_quoted(c.new)}"
                      for c in self.changes[:changes]]
            if len(self.changes) > changes:
                lines.append(f"  ... and {len(self.changes) - changes} more")
        return "\n".join(lines)


def _quoted(value) -> str:
    return repr(shown(value)) if shown(value) else "(empty)"


def plan_import(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, bytes]], who: str | None = None,
                encoding_name: str | None = None) -> Plan:
    """Read and validate every source; the plan of changes, or ImportRejected listing every problem.
    `encoding_name` forces the encoding of CSV files (detected otherwise)."""
    from alliance import answers  # here: answers builds on this module

    problems: list[Problem] = []
    incoming: dict[str, list[Incoming]] = {}
    answer_sheets: list[Sheet] = []
    files, encodings = [], {}
    for name, raw in sources:
        files.append(Path(name).name)
        try:
            sheets, used = read_source(Path(name).name, raw, encoding_name)
        except encoding.UnreadableFile as error:  # binary, damaged, or an encoding that cannot be told
            problems.append(Problem(Path(name).name, None, None, None, str(error)))
            continue
        if used:
            encodings[Path(name).name] = used
        for sheet in sheets:
            if sheet.hint in IGNORED_SHEETS:
                continue
            if not sheet.header:
                problems.append(Problem(sheet.label, None, None, None, "is empty"))
                continue
            if answers.is_answers(sheet):  # converted below, all together, into assessments and their scores
                answer_sheets.append(sheet)
                continue
            table_name, reason = match_table(sheet)
            if table_name is None:
                problems.append(Problem(sheet.label, 1, None, None, reason))
                continue
            result = validate_sheet(sheet, table_name, problems)
            if result is not None:
                incoming.setdefault(table_name, []).append(result)
    for result in answers.to_incoming(con, answer_sheets, problems, who):
        incoming.setdefault(result.table, []).append(result)

    tables = catalogue()
    cursor = con.cursor()
    existing: dict[str, pd.DataFrame] = {}

    def current(name: str) -> pd.DataFrame:
        if name not in existing:
            existing[name] = cursor.execute(f'SELECT * FROM "{name}"').df()
        return existing[name]

    # duplicate keys within the import, then unknown references
    merged: dict[str, tuple[pd.DataFrame, list]] = {}
    for name, parts in incoming.items():
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
        origin = [o for p in parts for o in p.origin]
        merged[name] = (frame, origin)
        table = tables[name]
        for key in [table.key] + table.uniques:
            if not key or not set(key) <= set(frame.columns):
                continue
            keys = [tuple(r) for r in frame[key].itertuples(index=False)]
            first: dict = {}
            for i, k in enumerate(keys):
                if k in first:
                    f0 = origin[first[k]]
                    problems.append(Problem(origin[i][0], origin[i][1], ", ".join(key), ", ".join(map(str, k)),
                                            f"duplicate: the same {'/'.join(key)} is on row {f0[1]} of {f0[0]}"))
                else:
                    first[k] = i

    def known_values(ref_table: str, ref_column: str) -> set:
        values = set(current(ref_table)[ref_column].dropna().tolist())
        if ref_table in merged and ref_column in merged[ref_table][0].columns:
            values |= set(merged[ref_table][0][ref_column].dropna().tolist())
        return values

    for name, (frame, origin) in merged.items():
        for column, ref_table, ref_column in tables[name].foreign:
            if column not in frame.columns:
                continue
            valid = known_values(ref_table, ref_column)
            for i, value in enumerate(frame[column].tolist()):
                if value is not None and value is not pd.NA and value not in valid:
                    problems.append(Problem(origin[i][0], origin[i][1], column, cell_text(value),
                                            f"unknown {ref_table} {ref_column}: no such row in the database or "
                                            f"in this import"))
        for part in incoming[name]:
            for list_column, values in part.lists.items():
                bridge, _, child = LIST_COLUMNS[name][list_column]
                _, ref_table, ref_column = next(f for f in tables[bridge].foreign if f[0] == child)
                valid = known_values(ref_table, ref_column)
                for (label, row), ids in zip(part.origin, values):
                    for value in ids:
                        if value not in valid:
                            problems.append(Problem(label, row, list_column, value,
                                                    f"unknown {ref_table} {ref_column}"))
    if problems:
        cursor.close()
        raise ImportRejected(problems)

    plan = Plan(files, encodings=encodings)
    order = dictionary.public_tables()
    for name in sorted(merged, key=order.index):
        frame, origin = merged[name]
        table = tables[name]
        now = current(name)
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        key = table.key or [c.name for c in table.columns]
        index = {tuple(row[k] for k in key): row for row in now.to_dict("records")}
        new_rows, changed_rows = [], []
        frame_records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        for record in frame_records:
            k = tuple(record[c] for c in key)
            before = index.get(k)
            if before is None:
                new_rows.append(record)
                counts["added"] += 1
            elif all(same_value(record[c], before[c]) for c in frame.columns):
                counts["unchanged"] += 1
            else:
                plan.changes.extend(Change(name, ", ".join(map(str, k)), c, before[c], record[c])
                                    for c in frame.columns if not same_value(record[c], before[c]))
                for unique in table.uniques:
                    for c in unique:
                        if c in record and not same_value(record[c], before[c]):
                            raise ImportRejected([Problem(origin[0][0], None, c, cell_text(record[c]),
                                                          f"cannot change {c} of an existing {name} row "
                                                          f"({', '.join(map(str, k))})")])
                changed_rows.append(record)
                counts["updated"] += 1
        if new_rows:
            plan.inserts[name] = pd.DataFrame(new_rows, columns=frame.columns)
        if changed_rows:
            plan.updates[name] = pd.DataFrame(changed_rows, columns=frame.columns)
        # list columns replace the parent's whole set in the bridge table
        for part in incoming.get(name, []):
            for list_column, values in part.lists.items():
                bridge, parent, child = LIST_COLUMNS[name][list_column]
                old = current(bridge)
                wanted = {(pid, v) for pid, ids in zip(part.frame["id"], values) for v in ids}
                parents = set(part.frame["id"])
                had = {(p, c) for p, c in zip(old[parent], old[child]) if p in parents}
                add = sorted(wanted - had)
                drop = sorted(had - wanted)
                for pid in sorted({p for p, _ in add + drop} & {k[0] for k in index}):
                    plan.changes.append(Change(name, str(pid), list_column,
                                               "; ".join(sorted(c for p, c in had if p == pid)),
                                               "; ".join(sorted(c for p, c in wanted if p == pid))))
                touched = {p for p, _ in add + drop}
                already = {r["id"] for r in changed_rows}
                for pid in part.frame["id"]:
                    if pid in touched and (pid,) in index and pid not in already:  # only its list changed
                        counts["updated"] += 1
                        counts["unchanged"] -= 1
                        already.add(pid)
                if add:
                    plan.bridge_inserts.setdefault(bridge, []).append(pd.DataFrame(add, columns=[parent, child]))
                if drop:
                    plan.bridge_deletes.setdefault(bridge, []).append(pd.DataFrame(drop, columns=[parent, child]))
        plan.counts[name] = counts
    for store in (plan.bridge_inserts, plan.bridge_deletes):
        for bridge in list(store):
            store[bridge] = pd.concat(store[bridge], ignore_index=True)
    cursor.close()
    return plan


# --------------------------------------------------------------------------------------------- writing


def apply_plan(con: duckdb.DuckDBPyConnection, plan: Plan, who: str, channel: str) -> int:
    """Write the plan in one transaction and log it; the audit row's id. Through db.write_transaction, the app's
    one write path (in cluster mode, on PostgreSQL)."""
    tables = catalogue()
    order = dictionary.public_tables()

    def work(cursor) -> int:
        audit_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM import_audit").fetchall()[0][0]
        undo.record(cursor, audit_id, plan, tables)
        for name in sorted(set(plan.inserts) | set(plan.updates), key=order.index):
            table = tables[name]
            if name in plan.inserts:
                insert_rows(cursor, name, plan.inserts[name], table)
            if name in plan.updates:
                update_rows(cursor, name, plan.updates[name], table)
        # after the updates: DuckDB refuses to update a row whose referencing rows were deleted earlier
        # in the same transaction
        for bridge in sorted(plan.bridge_deletes, key=order.index, reverse=True):
            frame = plan.bridge_deletes[bridge]
            cursor.register("gone", frame)
            a, b = frame.columns
            cursor.execute(f'DELETE FROM "{bridge}" AS t USING gone WHERE t."{a}" = gone."{a}" AND t."{b}" = gone."{b}"')
            cursor.unregister("gone")
        for bridge in sorted(plan.bridge_inserts, key=order.index):
            insert_rows(cursor, bridge, plan.bridge_inserts[bridge], tables[bridge])
        hold = float(os.environ.get("ALLIANCE_IMPORT_HOLD_SECONDS", "0") or 0)
        if hold:  # test hook: keep the transaction open so a test can kill the process mid-import
            print("holding the open transaction", flush=True)
            time.sleep(hold)
        if "activities" in plan.inserts or "activities" in plan.updates:
            refresh_search(cursor)  # the search's folded texts, in the same transaction
        total = plan.totals()
        cursor.execute("INSERT INTO import_audit (id, imported_at, imported_by, channel, files, added, updated, "
                       "unchanged) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [audit_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), who, channel,
                        "; ".join(plan.files), total["added"], total["updated"], total["unchanged"]])
        return audit_id

    return write_transaction(con, work, retries=1)


# ------------------------------------------------------------------------------------ opening, running


def open_for_import(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection, a new empty database when the file is missing; DatabaseBusy naming the
    process that holds the file otherwise."""
    from alliance.db import apply_schema, connect

    try:
        con = connect(path)
    except duckdb.IOException as error:
        raise DatabaseBusy(busy_message(path, str(error))) from None
    apply_schema(con)
    return con


def busy_message(path: Path, error: str) -> str:
    holder = ""
    if m := re.search(r"PID (\d+)", error):
        pid = m[1]
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            command = ""
        holder = f"process {pid}" + (f" ({command[:120]})" if command else "")
    return (f"the database {path} is in use by {holder or 'another process'}. Stop that process and retry, "
            f"or import from the /admin page of the running app.")


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def import_files(con: duckdb.DuckDBPyConnection, sources: list[tuple[str, bytes]], who: str, channel: str,
                 dry_run: bool = False, encoding_name: str | None = None) -> tuple[Plan, int | None]:
    plan = plan_import(con, sources, who, encoding_name)
    if dry_run:
        return plan, None
    return plan, apply_plan(con, plan, who, channel)


# -------------------------------------------------------------------------------------------- templates


def template_columns(table_name: str) -> list[str]:
    from alliance import answers  # here: answers builds on this module

    if table_name == answers.NAME:
        return list(answers.COLUMNS)
    return [c.name for c in catalogue()[table_name].columns] + list(LIST_COLUMNS.get(table_name, {}))


def write_template(table_name: str, out: Path) -> Path:
    """An empty file with the table's header: CSV, or XLSX (with a guide sheet) when out ends in .xlsx."""
    from alliance import answers

    if table_name not in catalogue() and table_name != answers.NAME:
        raise KeyError(table_name)
    columns = template_columns(table_name)
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = table_name
        sheet.append(columns)
        guide = book.create_sheet("guide")
        guide.append(["column", "required", "type", "meaning"])
        table = catalogue().get(table_name)
        for name in columns:
            if table is None:  # the answers form is not a table: its guide is in answers.py
                guide.append(answers.guide_row(name))
                continue
            if name in LIST_COLUMNS.get(table_name, {}):
                guide.append([name, "no", "list", "identifiers separated by ';'"])
                continue
            col = table.column(name)
            required = not col.nullable and name not in DEFAULTS.get(table_name, {})
            guide.append([name, "yes" if required else "no", col.type, dictionary.meaning(table_name, name)])
        book.save(out)
    else:
        out.write_text(",".join(columns) + "\n", encoding="utf-8")
    return out

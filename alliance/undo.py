"""Undoing the last import, row by row, without losing what was written in the app since.

While an import is written, `record` stores in `import_undo` what it is about to change: the rows it adds,
the rows it updates (before and after), and the list rows (partners, approaches, networks...) it adds or
removes. `undo_last` reverts the newest import not yet undone, after checking that nobody changed those rows
since and that no newer row refers to a row it would delete; otherwise it refuses and says why.

A file snapshot would be simpler, but restoring it would drop every assessment submitted after the import.

DuckDB refuses to delete a row in the same transaction as the rows that refer to it, so the deletions are
committed one table at a time, children first. Each commit leaves the data consistent, and running the
undo again after an interruption finishes it: rows already reverted are recognised and skipped. In cluster
mode (alliance.store) the whole undo is one PostgreSQL transaction through db.write_transaction.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import pandas as pd

from alliance import db, dictionary
from alliance.tables import ImportRejected, catalogue, insert_rows, same_value, update_rows

ACTIONS = ("inserted", "updated_before", "updated_after", "bridge_added", "bridge_removed")
MAX_REASONS = 20


class UndoRefused(Exception):
    """The undo was refused; `reasons` says why, one line each. Nothing was changed."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class UndoResult:
    audit_id: int
    files: str
    restored: int  # rows set back to their values before the import
    deleted: int  # rows the import had added
    relinked: int  # list rows (partners, approaches...) put back or taken away


def _plain(value):
    """A JSON-ready value: numpy scalars to Python, dates to ISO text, missing to None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _key_of(table) -> list[str]:
    return table.key or [c.name for c in table.columns]


def record(cursor: duckdb.DuckDBPyConnection, audit_id: int, plan, tables: dict) -> None:
    """Store what `plan` will change, inside the import's own transaction and before its writes."""
    steps: list[tuple[str, str, list[dict]]] = []
    for name, frame in plan.inserts.items():
        steps.append((name, "inserted", _records(frame)))
    for name, frame in plan.updates.items():
        key = _key_of(tables[name])
        cursor.register("undo_keys", frame[key])
        match = " AND ".join(f't."{k}" = undo_keys."{k}"' for k in key)
        columns = ", ".join(f't."{c}"' for c in frame.columns)
        before = cursor.execute(f'SELECT {columns} FROM "{name}" AS t JOIN undo_keys ON {match}').df()
        cursor.unregister("undo_keys")
        steps.append((name, "updated_before", _records(before)))
        steps.append((name, "updated_after", _records(frame)))
    for name, frame in plan.bridge_inserts.items():
        steps.append((name, "bridge_added", _records(frame)))
    for name, frame in plan.bridge_deletes.items():
        steps.append((name, "bridge_removed", _records(frame)))
    for step, (name, action, rows) in enumerate(steps):
        cursor.execute("INSERT INTO import_undo VALUES (?, ?, ?, ?, ?)",
                       [audit_id, step, name, action, json.dumps(rows, ensure_ascii=False)])


def _same(a, b) -> bool:

    if isinstance(a, (dt.date, dt.datetime, pd.Timestamp)):
        a = a.isoformat()[:10] if isinstance(b, str) and len(b) == 10 else a.isoformat()
    return same_value(_plain(a) if not isinstance(a, str) else a, b)


def _current(cursor, name: str, key: list[str], rows: list[dict]) -> dict[tuple, dict]:
    """The table's present rows for the keys of `rows`, by key."""
    if not rows:
        return {}
    keys = pd.DataFrame([{k: r[k] for k in key} for r in rows])
    cursor.register("undo_keys", keys)
    match = " AND ".join(f't."{k}" = undo_keys."{k}"' for k in key)
    found = cursor.execute(f'SELECT t.* FROM "{name}" AS t JOIN undo_keys ON {match}').df()
    cursor.unregister("undo_keys")
    return {tuple(_plain(r[k]) for k in key): r for r in found.to_dict("records")}


def _label(name: str, key: list[str], row: dict) -> str:
    return f"{name} {'/'.join(str(row[k]) for k in key)}"


def last_undoable(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """(id, imported_at, imported_by, files) of the newest import not yet undone, or None."""
    return con.execute("SELECT id, imported_at, imported_by, files FROM import_audit WHERE undone_at IS NULL "
                       "ORDER BY id DESC LIMIT 1").fetchone()


def _steps(cursor, audit_id: int) -> dict[str, list[tuple[str, list[dict]]]]:
    out: dict[str, list[tuple[str, list[dict]]]] = {a: [] for a in ACTIONS}
    for name, action, rows in cursor.execute("SELECT table_name, action, rows_json FROM import_undo "
                                             "WHERE audit_id = ? ORDER BY step", [audit_id]).fetchall():
        out[action].append((name, json.loads(rows)))
    return out


def _plan_undo(cursor, audit_id: int, steps, tables) -> tuple[list, dict[str, list[dict]], list[str]]:
    """What to set back and delete, and the reasons to refuse (rows changed since, newer rows pointing at
    rows the import added)."""
    reasons: list[str] = []
    restores = []  # (table, key, before rows still to set back)
    deletes: dict[str, list[dict]] = {}
    befores = {name: rows for name, rows in steps["updated_before"]}
    for name, after_rows in steps["updated_after"]:
        key = _key_of(tables[name])
        before_by_key = {tuple(r[k] for k in key): r for r in befores.get(name, [])}
        now = _current(cursor, name, key, after_rows)
        todo = []
        for after in after_rows:
            k = tuple(after[c] for c in key)
            present, before = now.get(k), before_by_key.get(k)
            if present is None:
                reasons.append(f"{_label(name, key, after)} was deleted after import #{audit_id}")
            elif all(_same(present[c], before[c]) for c in before):
                continue  # already set back by an interrupted undo
            elif not all(_same(present[c], after[c]) for c in after):
                changed = [c for c in after if not _same(present[c], after[c])]
                reasons.append(f"{_label(name, key, after)} was changed after import #{audit_id} "
                               f"({', '.join(changed)})")
            else:
                todo.append(before)
        if todo:
            restores.append((name, key, todo))
    for name, rows in steps["inserted"]:
        key = _key_of(tables[name])
        now = _current(cursor, name, key, rows)
        for row in rows:
            present = now.get(tuple(row[k] for k in key))
            if present is None:
                continue  # already deleted
            changed = [c for c in row if not _same(present[c], row[c])]
            if changed:
                reasons.append(f"{_label(name, key, row)}, added by import #{audit_id}, was changed since "
                               f"({', '.join(changed)})")
            deletes.setdefault(name, []).append({k: row[k] for k in key})
    added_links = {name: {tuple(r.values()) for r in rows} for name, rows in steps["bridge_added"]}
    for child, columns, parent, ref_columns in _foreign_keys():
        if parent not in deletes or ref_columns != _key_of(tables[parent]):
            continue
        gone = pd.DataFrame(deletes[parent])[ref_columns]
        gone.columns = columns
        cursor.register("undo_gone", gone)
        match = " AND ".join(f'c."{a}" = undo_gone."{a}"' for a in columns)
        referring = cursor.execute(f'SELECT c.* FROM "{child}" AS c JOIN undo_gone ON {match}').df()
        cursor.unregister("undo_gone")
        leaving = {tuple(r[k] for k in _key_of(tables[child])) for r in deletes.get(child, [])} \
            if child in tables else set()
        for row in _records(referring):
            if child in tables and tuple(row[k] for k in _key_of(tables[child])) in leaving:
                continue
            if tuple(row.values()) in added_links.get(child, set()):
                continue
            refs = ", ".join(f"{c}={row[c]}" for c in columns)
            reasons.append(f"a {child} row ({refs}) was added after import #{audit_id} and refers to a "
                           f"{parent} row that import added")
            break
    return restores, deletes, reasons


def undo_last(con: duckdb.DuckDBPyConnection, who: str) -> UndoResult:
    """Revert the newest import not yet undone; UndoRefused (changing nothing) when it cannot be done safely."""
    if db.writes_elsewhere():  # cluster mode: checks and changes in one transaction of the shared database
        return db.write_transaction(con, lambda cur: _undo(cur, who, lambda step: step()), retries=1)
    cursor = con.cursor()
    try:
        return _undo(cursor, who, lambda step: _committed(cursor, step))
    finally:
        cursor.close()


def _committed(cursor, step):
    """Run `step()` in a DuckDB transaction of its own on `cursor`."""
    cursor.execute("BEGIN TRANSACTION")
    try:
        result = step()
        cursor.execute("COMMIT")
        return result
    except BaseException:
        cursor.execute("ROLLBACK")
        raise


def _undo(cursor, who: str, transaction) -> UndoResult:
    """The undo on `cursor`; `transaction(step)` runs each step that must be committed whole."""
    tables = catalogue()
    try:
        last = last_undoable(cursor)
        if last is None:
            raise UndoRefused(["there is no import to undo"])
        audit_id, _, _, files = last
        recorded = cursor.execute("SELECT count(*) FROM import_undo WHERE audit_id = ?", [audit_id]).fetchall()[0][0]
        changed = cursor.execute("SELECT added + updated FROM import_audit WHERE id = ?", [audit_id]).fetchall()[0][0]
        if changed and not recorded:
            raise UndoRefused([f"import #{audit_id} was made before imports kept what they changed; "
                               "it cannot be undone"])
        steps = _steps(cursor, audit_id)
        restores, deletes, reasons = _plan_undo(cursor, audit_id, steps, tables)
        if reasons:
            extra = len(reasons) - MAX_REASONS
            raise UndoRefused(reasons[:MAX_REASONS] + ([f"... and {extra} more"] if extra > 0 else []))
        order = dictionary.public_tables()

        def relink() -> int:
            relinked = 0
            # set back first: DuckDB refuses to update a row after deleting rows that refer to it
            for name, _, rows in restores:
                update_rows(cursor, name, pd.DataFrame(rows), tables[name])
            for name, rows in steps["bridge_added"]:
                relinked += _delete(cursor, name, _key_of(tables[name]), rows)
            for name, rows in steps["bridge_removed"]:
                key = _key_of(tables[name])
                present = _current(cursor, name, key, rows)  # one query for the whole list, not one a row
                missing = [r for r in rows if tuple(r[k] for k in key) not in present]
                if missing:
                    insert_rows(cursor, name, pd.DataFrame(missing), tables[name])
                    relinked += len(missing)
            return relinked

        relinked = transaction(relink)
        deleted = 0
        # one commit per table, children first (see the module's docstring)
        for name in sorted(deletes, key=order.index, reverse=True):
            deleted += transaction(lambda name=name: _delete(cursor, name, _key_of(tables[name]), deletes[name]))
        if any(name == "activities" for name, _, _ in restores) or "activities" in deletes:
            db.refresh_search(cursor)
        cursor.execute("UPDATE import_audit SET undone_at = ?, undone_by = ? WHERE id = ?",
                       [dt.datetime.now(dt.UTC).replace(tzinfo=None), who, audit_id])
        return UndoResult(audit_id, files, sum(len(r) for _, _, r in restores), deleted, relinked)
    except duckdb.ConstraintException as error:
        raise UndoRefused([f"the database refused: {error}"]) from None
    except ImportRejected as rejected:  # _update names a key column others refer to
        raise UndoRefused([p.reason for p in rejected.problems]) from None


@lru_cache(maxsize=1)
def _foreign_keys() -> list[tuple]:
    """(table, columns, referenced table, referenced columns) of every foreign key the DDL declares, read from
    an in-memory database built from it (so also when the rows live in PostgreSQL, in cluster mode)."""
    scratch = duckdb.connect()
    try:
        scratch.execute(db.schema_sql())
        return [(t, list(c), r, list(rc)) for t, c, r, rc in scratch.execute(
            "SELECT table_name, constraint_column_names, referenced_table, referenced_column_names "
            "FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'").fetchall()]
    finally:
        scratch.close()


def _delete(cursor, name: str, key: list[str], rows: list[dict]) -> int:
    if not rows:
        return 0
    cursor.register("undo_rows", pd.DataFrame([{k: r[k] for k in key} for r in rows]))
    match = " AND ".join(f't."{k}" = undo_rows."{k}"' for k in key)
    count = cursor.execute(f'DELETE FROM "{name}" AS t USING undo_rows WHERE {match}').fetchall()[0][0]
    cursor.unregister("undo_rows")
    return count

"""The analysts' SQL sandbox: a separate in-memory DuckDB over a copy of the public tables, locked down.

Why a copy: a second connection to the database file with another configuration is refused by DuckDB within
one process, and `read_only=True` alone still lets read_csv read any file and COPY write one. So the public
tables are written to Parquet files in a private temporary folder, and the in-memory database sees them
through views. Parquet rather than in-memory tables: at 250,000 activities the copy cost the server about
130 MB of memory, and Parquet is read only when a query needs it. The database is then configured with no
file access outside that folder, no network or extensions, a memory limit, one thread and a time limit per
query, and its configuration locked. On top of that only single SELECT statements pass (`extract_statements`
gives each statement's type) and results stop at a row cap. Even a statement that got past every check could
only read the copy.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from alliance import dictionary
from alliance.db import NamedQuery
from alliance.paths import REPO_ROOT

DEFAULT_TIME_LIMIT_S = 5.0
DEFAULT_MEMORY_LIMIT_MB = 512
DEFAULT_ROW_CAP = 5_000
MAX_SQL_CHARS = 20_000


class SandboxError(Exception):
    """A query the sandbox refused (`refused` True) or that DuckDB failed to run; `str()` is for users."""

    def __init__(self, message: str, refused: bool):
        super().__init__(message)
        self.refused = refused


@dataclass
class SandboxResult:
    frame: pd.DataFrame
    truncated: bool
    row_cap: int
    seconds: float


# what would show the server's settings, paths, files, extensions or secrets; matched on names in the parse tree
_HIDDEN_FUNCTIONS = re.compile(r"(duckdb_|pragma_|parquet_|read_|sniff_).*|current_setting|getenv|query|query_table|"
                               r"which_secret|glob|json_execute_serialized_sql|enable_logging", re.IGNORECASE)
_HIDDEN_TABLES = re.compile(r"(duckdb_|pragma_|sqlite_|pg_).*", re.IGNORECASE)
_HIDDEN_SCHEMAS = {"information_schema": {"views"}, "pg_catalog": None}  # None: the whole schema


def _plain(error: Exception, hide=lambda text: text) -> str:
    """DuckDB's own message, without the Python class name (and with server paths hidden by `hide`)."""
    return hide(str(error).strip() or type(error).__name__)


def _names(tree, found: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """(kind, schema, name) of every function and table named anywhere in a json_serialize_sql tree."""
    if isinstance(tree, dict):
        if "function_name" in tree:
            found.add(("function", str(tree.get("schema") or ""), str(tree["function_name"])))
        if tree.get("type") == "BASE_TABLE":
            found.add(("table", str(tree.get("schema_name") or ""), str(tree.get("table_name") or "")))
        for value in tree.values():
            _names(value, found)
    elif isinstance(tree, list):
        for value in tree:
            _names(value, found)
    return found


def _hidden(kind: str, schema: str, name: str) -> bool:
    if kind == "function":
        return bool(_HIDDEN_FUNCTIONS.fullmatch(name))
    tables = _HIDDEN_SCHEMAS.get(schema.lower(), set())
    return bool(_HIDDEN_TABLES.fullmatch(name)) or tables is None or name.lower() in tables


class Sandbox:
    """An in-memory, locked-down copy of the public tables of `source` (a DuckDB connection)."""

    def __init__(self, source: duckdb.DuckDBPyConnection, time_limit_s: float = DEFAULT_TIME_LIMIT_S,
                 memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB, row_cap: int = DEFAULT_ROW_CAP,
                 tables: list[str] | None = None):
        self.time_limit_s = time_limit_s
        self.row_cap = row_cap
        self._lock = threading.Lock()  # one query at a time: one thread, and a predictable memory budget
        self.con = duckdb.connect(":memory:", config={
            "threads": 1, "autoload_known_extensions": False, "autoinstall_known_extensions": False,
            "allow_community_extensions": False, "allow_unsigned_extensions": False})
        self.folder = Path(tempfile.mkdtemp(prefix="alliance-sandbox-"))
        weakref.finalize(self, shutil.rmtree, self.folder, True)  # the copy goes with the sandbox
        self.tables = self._copy_tables(source, tables or dictionary.public_tables())
        self._row_counts: dict[str, int] | None = None
        self._runnable: dict[str, bool] = {}
        # the views' column types read back as NULL from information_schema: take them from the source
        columns = dictionary.describe(source)
        self._columns = columns[columns["table"].isin(self.tables)][["table", "column", "type"]]
        self._server_paths = self._paths_to_hide()
        folder = str(self.folder).replace("'", "''")
        for statement in (f"SET allowed_directories = ['{folder}/']",
                          "SET enable_external_access = false",
                          f"SET memory_limit = '{memory_limit_mb}MB'",
                          f"SET max_execution_time = {int(time_limit_s * 1000)}",
                          "SET enable_progress_bar = false",
                          "SET lock_configuration = true"):
            self.con.execute(statement)

    def _copy_tables(self, source: duckdb.DuckDBPyConnection, names: list[str]) -> list[str]:
        cursor = source.cursor()
        try:
            present = {r[0] for r in cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
            copied = []
            for name in names:
                if name not in present:
                    continue
                path = str(self.folder / f"{name}.parquet").replace("'", "''")
                # small row groups written in any order: at 250,000 activities the default held ~400 MB at once
                # (the server's peak memory), these options ~150 MB
                cursor.execute(f"COPY ({dictionary.public_select(name)}) TO '{path}' "
                               "(FORMAT parquet, ROW_GROUP_SIZE 10000, PRESERVE_ORDER false)")
                self.con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet(\'{path}\')')
                copied.append(name)
            return copied
        finally:
            cursor.close()

    def _paths_to_hide(self) -> list[str]:
        """Folders of this server that no result may show, longest first (so the copy's folder is hidden
        whole, not only its temporary parent)."""
        paths = {str(self.folder), str(self.folder.resolve()), tempfile.gettempdir(), str(REPO_ROOT),
                 str(Path.home()), os.getcwd()}
        return sorted((p.rstrip("/") for p in paths if len(p.rstrip("/")) >= 4), key=len, reverse=True)

    def hide_paths(self, text: str) -> str:
        for path in self._server_paths:
            text = text.replace(path, "…")
        return text

    def _shows_a_path(self, frame: pd.DataFrame) -> bool:
        pattern = "|".join(re.escape(p) for p in self._server_paths)
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                if frame[column].astype(str).str.contains(pattern, regex=True).any():
                    return True
        return bool(re.search(pattern, " ".join(map(str, frame.columns))))

    def _refuse_hidden_names(self, query: str) -> None:
        """Refuse a statement naming a function or catalogue view that shows the server's own settings,
        paths or files. Statements the parser cannot serialise (SHOW, DESCRIBE ...) are left to the result
        check."""
        cursor = self.con.cursor()
        try:
            tree = json.loads(cursor.execute("SELECT json_serialize_sql($sql)", {"sql": query}).fetchone()[0])
        except (duckdb.Error, TypeError, ValueError):
            return
        finally:
            cursor.close()
        hidden = sorted({name for kind, schema, name in _names(tree, set()) if _hidden(kind, schema, name)})
        if hidden:
            raise SandboxError(f"{hidden[0]} shows the server's own settings, folders or files, so it is not "
                               "available here. Query the tables listed under 'Tables and columns'.", refused=True)

    def check(self, sql: str) -> str:
        """The single SELECT statement of `sql`, or SandboxError saying why it is refused."""
        if not sql or not sql.strip():
            raise SandboxError("The query is empty.", refused=True)
        if len(sql) > MAX_SQL_CHARS:
            raise SandboxError(f"The query is {len(sql):,} characters long; the limit is {MAX_SQL_CHARS:,}.",
                               refused=True)
        try:
            statements = self.con.extract_statements(sql)
        except duckdb.Error as error:
            raise SandboxError(_plain(error, self.hide_paths), refused=False) from None
        if len(statements) != 1:
            raise SandboxError(f"Only one statement at a time: this text holds {len(statements)}.", refused=True)
        statement = statements[0]
        if statement.type != duckdb.StatementType.SELECT:
            kind = statement.type.name.replace("_", " ")
            raise SandboxError(f"Only SELECT (or WITH ... SELECT) queries are allowed here, not {kind}.",
                               refused=True)
        self._refuse_hidden_names(statement.query)
        return statement.query

    def run(self, sql: str, params: dict | None = None) -> SandboxResult:
        """Run one SELECT; at most `row_cap` rows come back, `truncated` says whether there were more."""
        query = self.check(sql)
        started = time.perf_counter()
        with self._lock:
            cursor = self.con.cursor()
            # max_execution_time is set too, but with one thread DuckDB never checks it: a timer interrupts
            timer = threading.Timer(self.time_limit_s, cursor.interrupt)
            timer.start()
            try:
                relation = cursor.sql(query, params=params) if params else cursor.sql(query)
                if relation is None:  # not a query that returns rows
                    raise SandboxError("This statement returns no rows.", refused=True)
                frame = relation.limit(self.row_cap + 1).df()
            except SandboxError:
                raise
            except duckdb.InterruptException:
                raise SandboxError(f"The query was stopped after the time limit of {self.time_limit_s:g} s.",
                                   refused=False) from None
            except duckdb.Error as error:
                raise SandboxError(_plain(error, self.hide_paths), refused=False) from None
            finally:
                timer.cancel()
                cursor.close()
        if self._shows_a_path(frame):
            raise SandboxError("The result would show folders of the server, so it is not shown.", refused=True)
        truncated = len(frame) > self.row_cap
        return SandboxResult(frame.head(self.row_cap), truncated, self.row_cap, time.perf_counter() - started)

    def run_named(self, query: NamedQuery, values: dict) -> SandboxResult:
        return self.run(query.sql, query.bind(values))

    def runnable(self, query: NamedQuery) -> bool:
        """Whether a named query is one SELECT over tables this sandbox holds (so analysts may run it).
        Answered once per query text: the copy never changes, and /explore asks for every query each run."""
        if query.sql not in self._runnable:
            self._runnable[query.sql] = self._check_runnable(query)
        return self._runnable[query.sql]

    def _check_runnable(self, query: NamedQuery) -> bool:
        try:
            self.check(query.sql)
            # get_table_names cannot parse $parameters: a NULL in their place keeps the query's shape
            names = self.con.get_table_names(re.sub(r"\$\w+", "NULL", query.sql), qualified=False)
        except (SandboxError, duckdb.Error):
            return False
        return set(names) <= set(self.tables)

    def schema(self, lang: str = "en") -> pd.DataFrame:
        """table, column, type, meaning of the tables in the sandbox."""
        frame = self._columns.reset_index(drop=True)
        return frame.assign(meaning=[dictionary.meaning(t, c, lang) for t, c in zip(frame["table"], frame["column"])])

    def row_counts(self) -> dict[str, int]:
        """Rows per table, counted once: the copy never changes (a data change makes a new sandbox)."""
        if self._row_counts is None:
            cursor = self.con.cursor()
            try:
                self._row_counts = {name: cursor.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                                    for name in self.tables}
            finally:
                cursor.close()
        return dict(self._row_counts)

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.folder, ignore_errors=True)

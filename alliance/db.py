"""Database access: opening the file, and running the named, parameterised queries of queries/*.sql.

No user value is ever formatted into SQL text: every value travels as a bound `$name` parameter.
This module does not import Streamlit; alliance.app.data adds the app's caching on top of it.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from alliance.paths import DDL_DIR, QUERIES_DIR, SEED_DIR, database_path

PARAM_LINE = re.compile(r"--\s*@param\s+(\w+)\s+(\w+(?:\[\])?)(?:\s+=\s*(\S+))?\s*(.*)")


class QueryError(ValueError):
    """A named query was called wrongly (unknown name, missing or unknown parameter)."""


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[QueryParam, ...] = field(default_factory=tuple)
    sql: str = ""

    def bind(self, values: dict) -> dict:
        """The parameter dict DuckDB gets: declared names only, defaults filled, unknown names refused."""
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise QueryError(f"query {self.name!r} has no parameter {', '.join(sorted(unknown))}")
        bound = {}
        for p in self.params:
            if p.name in values:
                bound[p.name] = values[p.name]
            elif p.default is not None:
                bound[p.name] = None if p.default.upper() == "NULL" else _coerce(p.default, p.type)
            else:
                raise QueryError(f"query {self.name!r} needs parameter {p.name!r}")
        return bound


def _coerce(text: str, type_name: str):
    upper = type_name.upper()
    if upper in {"INTEGER", "BIGINT", "INT"}:
        return int(text)
    if upper in {"DOUBLE", "FLOAT"}:
        return float(text)
    if upper == "BOOLEAN":
        return text.lower() in {"true", "1", "yes"}
    return text.strip("'\"")


def parse_query(name: str, text: str) -> NamedQuery:
    """Read the header comment: description lines, then `-- @param name TYPE [= default] description`."""
    description, params = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        match = PARAM_LINE.match(stripped)
        if match:
            params.append(QueryParam(match[1], match[2], match[3], match[4].strip()))
        else:
            description.append(stripped.lstrip("-").strip())
    return NamedQuery(name, " ".join(d for d in description if d), tuple(params), text)


@lru_cache(maxsize=None)
def load_query(name: str) -> NamedQuery:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise QueryError(f"bad query name {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"no query named {name!r} in {QUERIES_DIR}")
    return parse_query(name, path.read_text(encoding="utf-8"))


def list_queries() -> list[NamedQuery]:
    return [load_query(p.stem) for p in sorted(QUERIES_DIR.glob("*.sql"))]


def run_query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run a named query on its own cursor (a DuckDB connection must not be shared across threads)."""
    query = load_query(name)
    cursor = con.cursor()
    try:
        return cursor.execute(query.sql, query.bind(params)).df()
    finally:
        cursor.close()


_writer = None  # cluster mode (alliance.store): every write_transaction goes to PostgreSQL instead


def set_writer(writer) -> None:
    """Send every write_transaction to `writer(con, work, lock, retries)` (alliance.store in cluster mode);
    None restores the DuckDB writer."""
    global _writer
    _writer = writer


def writes_elsewhere() -> bool:
    """Whether write_transaction goes to another writer (the cluster mode's PostgreSQL)."""
    return _writer is not None


def write_transaction(con: duckdb.DuckDBPyConnection, work, lock=None, retries: int = 5):
    """Run `work(cursor)` in one transaction on a fresh cursor of `con`: committed when it returns, rolled back
    when it raises (nothing half-written). A DuckDB write conflict (another transaction changed the same
    rows) is retried; `lock` (e.g. a threading.Lock) serialises this process's writers. The app's one write
    path: in cluster mode (alliance.store) the same `work` runs on PostgreSQL."""
    import contextlib
    import time

    if _writer is not None:
        return _writer(con, work, lock, retries)
    with lock or contextlib.nullcontext():
        for attempt in range(retries):
            cur = con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                result = work(cur)
                cur.execute("COMMIT")
                return result
            except duckdb.TransactionException:
                _rollback(cur)
                if attempt == retries - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
            except BaseException:
                _rollback(cur)
                raise
            finally:
                cur.close()


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass  # DuckDB already ended the failed transaction


# A file of at most this many activities is written in 16 kB blocks instead of DuckDB's 256 kB: each of its ~50
# small tables takes a block of its own, so the demo file is 2.6 MB instead of 24, quicker to copy and to write.
SMALL_FILE_ACTIVITIES = 5_000
SMALL_BLOCK_SIZE = 16_384


def new_file_config(activities: int) -> dict[str, str]:
    """DuckDB's configuration for creating a file that will hold about `activities` activities."""
    return {"default_block_size": str(SMALL_BLOCK_SIZE)} if activities <= SMALL_FILE_ACTIVITIES else {}


def connect(path: Path | str | None = None, read_only: bool = False,
            memory_limit: str | None = None, new_file: dict[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the database file; `memory_limit` (e.g. '150MB', the server's) caps DuckDB's memory for
    the file's instance, set before anything is read. It is SET, not passed as configuration: another connection
    of the process to the same file (tests, tools) would otherwise be refused for a different configuration.
    `new_file`: new_file_config(...) for a file this call creates."""
    path = Path(path) if path else database_path()
    con = duckdb.connect(str(path), read_only=read_only, config=new_file or {})
    con.execute("SET enable_progress_bar = false")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
        # A join on 50 keys or fewer (a page of 20 practices) otherwise filters the other table through its key
        # index, and the parts of the index it loads stay in memory for good, outside the cache DuckDB evicts:
        # 43 MB after one search at scale, more with each. GLOBAL: the cursors are connections of their own.
        con.execute("SET GLOBAL dynamic_or_filter_threshold = 0")
    return con


# seed tables whose text columns come per language (label_en, label_fr ...): table -> key columns
LABEL_TABLES = {"regions": ["id"], "countries": ["code"], "networks": ["id"], "approaches": ["id"],
                "target_groups": ["id"], "stakeholders": ["id"], "dimension_groups": ["id"], "dimensions": ["id"],
                "maturity_levels": ["level"], "level_descriptors": ["dimension_id", "level"]}
CORE_LANGUAGES = ("en", "fr")  # declared NOT NULL in queries/ddl/00_core.sql; others are added from the seeds


@lru_cache(maxsize=1)
def extra_label_columns() -> dict[str, tuple[str, ...]]:
    """Per table, the language columns the seed files have beyond English and French (label_de ...)."""
    out = {}
    for table in LABEL_TABLES:
        header = (SEED_DIR / f"{table}.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        extra = tuple(c for c in header if re.fullmatch(r"\w+_[a-z]{2}", c) and c[-2:] not in CORE_LANGUAGES
                      and f"{c[:-3]}_en" in header)
        if extra:
            out[table] = extra
    return out


def schema_sql() -> str:
    """Every DDL file of queries/ddl/, in name order: core tables first, then a column for each further language
    of the seed files (a language is added by its seed columns and catalogue), then each feature's own."""
    core, *features = [p.read_text(encoding="utf-8") for p in sorted(DDL_DIR.glob("*.sql"))]
    languages = [f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{column}" VARCHAR;'
                 for table, columns in extra_label_columns().items() for column in columns]
    return "\n".join([core, *languages, *features])  # before the features: their views may use the columns


# What the file's tables look like: a column dropped or added by another program changes it.
_COLUMNS_DIGEST_SQL = """SELECT md5(string_agg(table_name || '.' || column_name || ':' || data_type, ','
                                ORDER BY table_name, column_index))
                     FROM duckdb_columns() WHERE database_name = current_database()"""
_SCHEMA_MARK_SQL = """SELECT comment FROM duckdb_tables()
                  WHERE database_name = current_database() AND table_name = 'schema_version'"""


def _schema_mark(con: duckdb.DuckDBPyConnection, ddl: str) -> str:
    """The DDL's text and the file's columns, as one string: kept as schema_version's comment once applied."""
    columns = con.execute(_COLUMNS_DIGEST_SQL).fetchone()[0] or ""
    return hashlib.sha256(ddl.encode("utf-8")).hexdigest()[:32] + ":" + columns


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create whatever tables and columns are missing (all DDL is idempotent), e.g. in a file built before a
    feature, and give a file built before a language that language's labels from the seed files. A file whose
    mark says this very DDL was applied, and whose columns are as they were then, only gets its search texts
    refreshed (the DDL took 50 ms of every opening: most of a test's set-up, and of a server's first visit)."""
    ddl = schema_sql()
    try:
        mark = con.execute(_SCHEMA_MARK_SQL).fetchone()
    except duckdb.Error:
        mark = None
    if mark and mark[0] and mark[0] == _schema_mark(con, ddl):
        refresh_search(con)  # rows another program wrote since
    else:
        con.execute(ddl)
        con.execute(f"COMMENT ON TABLE schema_version IS '{_schema_mark(con, ddl)}'")  # hex digits and ':' only
    fill_labels(con)


def release_cached_blocks(con: duckdb.DuckDBPyConnection, memory_limit: str) -> None:
    """Drop DuckDB's cache of table blocks (read from the file again when needed) and set `memory_limit` back:
    a lower limit evicts every unpinned block at once; DuckDB has no other way to say so."""
    try:
        con.execute("SET memory_limit = '1MB'")
    except duckdb.Error:
        pass  # blocks a running query pins stay, the others are gone
    finally:
        con.execute("SET memory_limit = ?", [memory_limit])


def refresh_search(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the practice texts that changed into activity_search (queries/ddl/99_practice_search.sql): call it,
    inside the same transaction, after writing activities. In cluster mode (a PostgreSQL cursor) the search table
    is each DuckDB copy's own, folded when the copy takes the new rows (alliance.store)."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        return
    con.execute((DDL_DIR / "99_practice_search.sql").read_text(encoding="utf-8"))


def fill_labels(con: duckdb.DuckDBPyConnection) -> int:
    """Set empty further-language labels (label_de ...) from the seed files, matched by key; the rows set."""
    changed = 0
    for table, columns in extra_label_columns().items():
        empty = " OR ".join(f'"{c}" IS NULL' for c in columns)
        if not con.execute(f"SELECT count(*) FROM {table} WHERE {empty}").fetchone()[0]:
            continue
        keys = LABEL_TABLES[table]
        seed = pd.read_csv(SEED_DIR / f"{table}.csv", dtype=str, keep_default_na=False)[keys + list(columns)]
        cursor = con.cursor()
        try:
            cursor.register("seed_labels", seed)
            match = " AND ".join(f"CAST(t.{k} AS VARCHAR) = s.{k}" for k in keys)
            for column in columns:
                changed += cursor.execute(
                    f'UPDATE {table} AS t SET "{column}" = nullif(s."{column}", \'\') FROM seed_labels AS s '
                    f'WHERE {match} AND t."{column}" IS NULL').fetchone()[0]
        finally:
            cursor.close()
    return changed

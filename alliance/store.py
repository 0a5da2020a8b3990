"""Cluster mode: PostgreSQL as the shared system of record, each app process's DuckDB file as its read copy.
No Streamlit here.

Chosen by `ALLIANCE_DATABASE_URL=postgresql://...`; without it nothing here runs and the app is the single
process over one DuckDB file, as before.

- Every write already goes through `alliance.db.write_transaction(con, work)`. In cluster mode that call is
  handed to `Store.write` (`db.set_writer`): `work(cursor)` runs on PostgreSQL in one transaction, behind a
  transaction-level advisory lock (one writer at a time across every process, as the process lock did for one
  file). The same transaction appends a row to `alliance_changes` (the data version, with the tables written)
  and sends `NOTIFY alliance_changes`. The writing process then refreshes those tables into its own DuckDB
  copy before it returns, so its user reads what they wrote.
- Every process `LISTEN`s (`Store.start_listener`, a thread started by the app's warm-up): on a notification,
  or when it reconnects, it reads the versions it has not applied, copies the changed tables from PostgreSQL
  into its DuckDB copy (one DuckDB transaction per refresh: readers see the old or the new table, never half)
  and calls `on_change` (the app clears its caches).
- Live-audience tables (poll answers, Q&A) are written and read on PostgreSQL only (`LIVE_TABLES`); the big
  screen reads them through `connection()` with its ~1 s cache (alliance.poll.live_results).
- The schema comes from the same queries/ddl files (`postgres_ddl`), and the SQL of the write paths from the
  same modules (`to_postgres`): the differences between the dialects are the few rewrites below, tested in
  tests/test_store.py against a real PostgreSQL.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import queue
import re
import threading
import time
import uuid
from pathlib import Path

import duckdb
import pandas as pd

from alliance import db

URL_ENV = "ALLIANCE_DATABASE_URL"
CHANNEL = "alliance_changes"
LOCAL_ONLY = frozenset({"activity_search"})  # derived in each copy by db.refresh_search (DuckDB macros)
LIVE_TABLES = frozenset({"poll_answers", "poll_item_answers", "poll_used_nonces", "poll_qa_questions",
                         "poll_qa_votes"})
WRITE_LOCK_KEY = 7_411_020_15  # pg_advisory_xact_lock key of the app's writers
UNAVAILABLE_WAIT_S = 5.0  # how long a write waits for PostgreSQL to come back before it is refused

log = logging.getLogger("alliance.store")


def cluster_url() -> str | None:
    """The PostgreSQL address when cluster mode is on, else None."""
    url = os.environ.get(URL_ENV, "").strip()
    return url or None


class StoreUnavailable(RuntimeError):
    """PostgreSQL could not be reached: the write was refused and nothing of it was stored."""

    def __init__(self, detail: str = ""):
        super().__init__("The shared database (PostgreSQL) is not reachable right now: nothing was saved. "
                         "Please try again in a moment." + (f" ({detail})" if detail else ""))


# ------------------------------------------------------------------------------------------ the dialects
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\$[A-Za-z_]\w*|\?|%|[^'\"$?%-]+|.", re.S)
# DuckDB spelling -> PostgreSQL spelling, outside quotes; each one is used by a write or live-poll path
_REWRITES = [
    (re.compile(r"\blen\((\w+)\)"), r"cardinality(\1)"),  # length of a list column
    (re.compile(r"\blist_contains\((%\(\w+\)s|\w+),\s*([\w.]+)\)"), r"(\2 = ANY(\1))"),
    (re.compile(r"\blist\(", re.I), "array_agg("),
    (re.compile(r"\bto_days\("), "make_interval(days => "),
]


def to_postgres(sql: str) -> str:
    """A DuckDB statement of the app as PostgreSQL (psycopg) reads it: `$name` -> `%(name)s`, `?` -> `%s`,
    a literal `%` doubled, and the few functions whose names differ (`_REWRITES`)."""
    out = []
    for token in _TOKEN.findall(sql):
        if token.startswith(("'", '"', "--")):
            out.append(token)
        elif token.startswith("$"):
            out.append(f"%({token[1:]})s")
        elif token == "?":
            out.append("%s")
        elif token == "%":
            out.append("%%")
        else:
            out.append(token)
    text = "".join(out)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text


_DDL_REWRITES = [
    (re.compile(r"\bDOUBLE\b(?!\s+PRECISION)"), "DOUBLE PRECISION"),
    (re.compile(r"DEFAULT\s+\[\]"), "DEFAULT '{}'"),
    (re.compile(r"\bJSON\b"), "TEXT"),  # the app writes json.dumps text and parses it itself, as on DuckDB
    (re.compile(r"regexp_full_match\((\w+),\s*'((?:[^']|'')*)'\)"), r"(\1 ~ '^(?:\2)$')"),
]


def _statements(sql: str) -> list[str]:
    text = "".join(t for t in _TOKEN.findall(sql) if not t.startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


def postgres_ddl() -> list[str]:
    """The statements of queries/ddl (db.schema_sql) as PostgreSQL runs them: DuckDB's macros and the search
    table they fill stay local (LOCAL_ONLY), and the types and checks whose spelling differs are rewritten."""
    out = []
    for statement in _statements(db.schema_sql()):
        head = statement[:200].upper()
        if "MACRO" in head.split("(")[0] or any(t.upper() in head for t in LOCAL_ONLY):
            continue
        for pattern, replacement in _DDL_REWRITES:
            statement = pattern.sub(replacement, statement)
        out.append(statement)
    out.append("CREATE TABLE IF NOT EXISTS alliance_changes (version BIGSERIAL PRIMARY KEY, "
               "write_id UUID NOT NULL UNIQUE, tables TEXT[] NOT NULL, at TIMESTAMP NOT NULL DEFAULT now())")
    return out


_WRITE = re.compile(r"^\s*(?:WITH\b.*?\)\s*)?(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?",
                    re.I | re.S)


def written_table(sql: str) -> str | None:
    match = _WRITE.match(sql)
    return match[1].lower() if match else None


# ------------------------------------------------------------------------------------------ connections
def _connect(url: str, autocommit: bool = False):
    import psycopg
    from psycopg.types.string import StrDumper

    conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=3)
    conn.adapters.register_dumper(str, StrDumper)  # text, not "unknown": a list of texts is a text[] (unnest)
    with conn.cursor() as cur:  # timestamps as DuckDB's current_timestamp writes them into TIMESTAMP columns
        cur.execute("SELECT set_config('TimeZone', %s, false)", [_local_zone()])
    if not autocommit:
        conn.commit()
    return conn


def _local_zone() -> str:
    return time.tzname[0] if time.tzname[0] in ("UTC", "GMT") else (os.environ.get("TZ") or "UTC")


class PgCursor:
    """The part of DuckDB's cursor the app's write and poll code uses, over a PostgreSQL connection: `execute`
    with `$name` parameters, `executemany`, `fetchone`, `fetchall`, `df`, `register` of a frame (a temporary
    table), `close`. Statements that write are remembered (`written`) for the change notice."""

    def __init__(self, conn, written: set | None = None):
        self._conn = conn
        self._rows: list = []
        self._columns: list[str] = []
        self.written = written if written is not None else set()

    def execute(self, sql: str, params=None):
        table = written_table(sql)
        if table:
            self.written.add(table)
        with self._conn.cursor() as cur:
            cur.execute(to_postgres(sql), _params(params))
            if cur.description:
                self._columns, self._rows = [c.name for c in cur.description], cur.fetchall()
            else:  # as DuckDB answers INSERT, UPDATE and DELETE: one row, the count
                self._columns, self._rows = ["Count"], [(cur.rowcount,)]
        return self

    def executemany(self, sql: str, rows):
        table = written_table(sql)
        if table:
            self.written.add(table)
        with self._conn.cursor() as cur:
            cur.executemany(to_postgres(sql), [_params(r) for r in rows])
        self._rows, self._columns = [], []
        return self

    @property
    def description(self) -> list[tuple]:
        """As DB-API cursors (DuckDB's included) give it: a tuple per column, its name first."""
        return [(name, None, None, None, None, None, None) for name in self._columns]

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchall(self):
        rows, self._rows = self._rows, []
        return rows

    def df(self) -> pd.DataFrame:
        return pd.DataFrame(self.fetchall(), columns=self._columns)

    def register(self, name: str, frame: pd.DataFrame):
        """A frame as a temporary table `name` of this transaction (DuckDB scans the frame itself)."""
        columns = ", ".join(f'"{c}" {_pg_type(frame[c])}' for c in frame.columns)
        with self._conn.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS "{name}"')
            cur.execute(f'CREATE TEMP TABLE "{name}" ({columns}) ON COMMIT DROP')
            with cur.copy(f'COPY "{name}" FROM STDIN') as copy:
                for row in frame.itertuples(index=False):
                    copy.write_row([_plain(v) for v in row])
        return self

    def unregister(self, name: str):
        with self._conn.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        return self

    def close(self) -> None:
        self._rows = []

    def cursor(self):
        return PgCursor(self._conn, self.written)


def _pg_type(series: pd.Series) -> str:
    kind = str(series.dtype).lower()
    if kind in ("int64", "int32"):
        return "BIGINT"
    if kind.startswith("float"):
        return "DOUBLE PRECISION"
    if kind == "boolean" or kind == "bool":
        return "BOOLEAN"
    if kind.startswith("datetime"):
        return "TIMESTAMP"
    sample = next((v for v in series if v is not None and not (isinstance(v, float) and v != v)
                   and v is not pd.NA), None)
    if isinstance(sample, bool):
        return "BOOLEAN"
    if isinstance(sample, int):
        return "BIGINT"
    if isinstance(sample, float):
        return "DOUBLE PRECISION"
    if isinstance(sample, dt.datetime):
        return "TIMESTAMP"
    if isinstance(sample, dt.date):
        return "DATE"
    if isinstance(sample, (list, tuple)):
        return "TEXT[]"
    return "TEXT"


def _plain(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, str)):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _params(params):
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _plain_param(v) for k, v in params.items()}
    return [_plain_param(v) for v in params]


def _plain_param(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return _plain(value)


class PgConnection:
    """A small pool of autocommit connections for reads on PostgreSQL (the live poll tables), shaped like the
    DuckDB connection the poll functions take: `cursor()` and `execute()`."""

    def __init__(self, url: str, size: int = 4):
        self.url = url
        self._pool: queue.LifoQueue = queue.LifoQueue()
        self._size = size

    @contextlib.contextmanager
    def _conn(self):
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = _connect(self.url, autocommit=True)
        try:
            yield conn
        except BaseException:
            conn.close()  # a broken or interrupted connection is not reused
            raise
        else:
            if self._pool.qsize() < self._size and not conn.closed:
                self._pool.put(conn)
            else:
                conn.close()

    def cursor(self) -> "_PooledCursor":
        return _PooledCursor(self)

    def execute(self, sql: str, params=None):
        return self.cursor().execute(sql, params)

    def close(self) -> None:
        while not self._pool.empty():
            self._pool.get_nowait().close()


class _PooledCursor(PgCursor):
    def __init__(self, owner: PgConnection):
        super().__init__(None)
        self._owner = owner

    def execute(self, sql: str, params=None):
        import psycopg

        try:
            with self._owner._conn() as conn:
                self._conn = conn
                return super().execute(sql, params)
        except psycopg.OperationalError as error:
            raise StoreUnavailable(str(error).splitlines()[0]) from error
        finally:
            self._conn = None


# ------------------------------------------------------------------------------------------ the store
@functools.lru_cache(maxsize=2)
def _ddl_table_columns(ddl: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each table of `ddl` with its column definitions ('"name" TYPE'), read from an in-memory DuckDB that ran it: once
    per DDL text and process (it took 0.1 s of every opening of a read copy)."""
    scratch = duckdb.connect()
    try:
        scratch.execute(ddl)
        columns: dict[str, list[str]] = {}
        for table, column, type_name in scratch.execute(
                "SELECT c.table_name, c.column_name, c.data_type FROM duckdb_columns() c "
                "JOIN duckdb_tables() t ON t.table_oid = c.table_oid "  # tables only, not the built-in views
                "ORDER BY c.table_name, c.column_index").fetchall():
            columns.setdefault(table, []).append(f'"{column}" {type_name}')
    finally:
        scratch.close()
    return tuple((table, tuple(defs)) for table, defs in columns.items())


class Store:
    """One per process: the PostgreSQL writer, the reads of live tables, and the refresh of the DuckDB copy."""

    def __init__(self, url: str, on_change=None):
        self.url = url
        self.on_change = on_change or (lambda: None)
        self.reads = PgConnection(url)
        self._write_conn = None
        self._write_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._local: duckdb.DuckDBPyConnection | None = None
        self.applied_version = 0
        self._own_versions: set[int] = set()
        self._listener: threading.Thread | None = None
        self._stop = threading.Event()

    # ---------------------------------------------------------------- schema and first load
    def ensure_schema(self) -> None:
        conn = _connect(self.url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
                for statement in postgres_ddl():
                    cur.execute(statement)
            conn.commit()
        finally:
            conn.close()

    def is_empty(self) -> bool:
        return not self.reads.execute("SELECT count(*) FROM members").fetchone()[0]

    def load_from(self, source: duckdb.DuckDBPyConnection) -> dict[str, int]:
        """Copy every shared table of a DuckDB database (the demonstration data, or an existing file) into an
        empty PostgreSQL schema, parents before children, in one transaction."""
        counts = {}
        conn = _connect(self.url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
                for table in _load_order(source):
                    columns = [r[0] for r in source.execute(
                        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
                        "ORDER BY column_index", [table]).fetchall()]
                    names = ", ".join(f'"{c}"' for c in columns)
                    rows = source.execute(f'SELECT {names} FROM "{table}"')
                    cur.execute(f'DELETE FROM "{table}"') if table == "schema_version" else None
                    with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                        for row in rows.fetchall():
                            copy.write_row(row)
                    counts[table] = source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                if counts.get("poll_qa_questions"):
                    cur.execute("SELECT setval('poll_qa_ids', (SELECT max(id) FROM poll_qa_questions))")
                cur.execute("INSERT INTO alliance_changes (write_id, tables) VALUES (%s, %s)",
                            [uuid.uuid4(), sorted(counts)])
                cur.execute(f"NOTIFY {CHANNEL}")
            conn.commit()
        finally:
            conn.close()
        return counts

    # ---------------------------------------------------------------- the local read copy
    def open_local(self, path: Path | str) -> duckdb.DuckDBPyConnection:
        """A fresh DuckDB read copy at `path`, filled from PostgreSQL: the tables of queries/ddl without their
        constraints (a refresh replaces a table's rows in any order), then the macros and the search table."""
        path = Path(path)
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        ddl = db.schema_sql()
        activities = int(self.reads.execute("SELECT count(*) FROM activities").fetchone()[0])
        con = db.connect(path, new_file=db.new_file_config(activities))
        con.execute("BEGIN TRANSACTION")  # one commit for the ~60 statements, not one each
        for table, defs in _ddl_table_columns(ddl):
            con.execute(f'CREATE TABLE "{table}" ({", ".join(defs)})')
        for statement in _statements(ddl):  # DuckDB's macros (the search), before the rows
            if re.match(r"CREATE\s+OR\s+REPLACE\s+MACRO", statement, re.I):
                con.execute(statement)
        con.execute("COMMIT")
        self._local = con
        self.applied_version = self.current_version()
        self.refresh(self.shared_tables())
        con.execute("CHECKPOINT")
        return con

    def shared_tables(self) -> list[str]:
        rows = self.reads.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                                  "AND table_type = 'BASE TABLE'").fetchall()
        return sorted({r[0] for r in rows} - LIVE_TABLES - {"alliance_changes"})

    def current_version(self) -> int:
        return int(self.reads.execute("SELECT coalesce(max(version), 0) FROM alliance_changes").fetchone()[0])

    def refresh(self, tables) -> list[str]:
        """Copy `tables` from PostgreSQL into the DuckDB copy, all in one DuckDB transaction."""
        con = self._local
        wanted = sorted(set(tables) - LIVE_TABLES - LOCAL_ONLY - {"alliance_changes"})
        if con is None or not wanted:
            return []
        frames = {table: self.reads.execute(f'SELECT * FROM "{table}"').df() for table in wanted}
        with self._refresh_lock:
            cur = con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                local = {r[0] for r in cur.execute("SELECT table_name FROM duckdb_tables() "
                                                   "WHERE schema_name = 'main'").fetchall()}
                for table, frame in frames.items():
                    if table not in local:
                        continue
                    cur.execute(f'DELETE FROM "{table}"')
                    if not frame.empty:
                        cur.register("pg_rows", frame)
                        cur.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM pg_rows')
                        cur.unregister("pg_rows")
                if "activities" in frames:
                    db.refresh_search(cur)
                cur.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()
        return wanted

    def catch_up(self) -> list[str]:
        """Apply every version not applied yet (after a notification or a reconnection)."""
        rows = self.reads.execute("SELECT version, tables FROM alliance_changes WHERE version > $v ORDER BY version",
                                  {"v": self.applied_version}).fetchall()
        if not rows:
            return []
        tables = set()
        for version, names in rows:
            if version not in self._own_versions:
                tables.update(names)
        self._own_versions = {v for v in self._own_versions if v > rows[-1][0]}
        done = self.refresh(tables)
        self.applied_version = max(self.applied_version, rows[-1][0])
        if done:
            self.on_change()
        return done

    # ---------------------------------------------------------------- listening
    def start_listener(self) -> None:
        if self._listener is None or not self._listener.is_alive():
            self._stop.clear()
            self._listener = threading.Thread(target=self._listen, name="alliance-listen", daemon=True)
            self._listener.start()

    def stop(self) -> None:
        self._stop.set()
        self.reads.close()
        self._drop_writer()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                conn = _connect(self.url, autocommit=True)
            except Exception as error:  # noqa: BLE001 - PostgreSQL away: try again shortly
                log.warning("cannot listen on PostgreSQL (%s); retrying", str(error).splitlines()[0])
                self._stop.wait(1.0)
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                self.catch_up()  # what was written while this process was not listening
                while not self._stop.is_set():
                    # a notification, or every 5 s anyway (a notification lost with a connection)
                    for _ in conn.notifies(timeout=5.0, stop_after=1):
                        pass
                    self.catch_up()
            except Exception as error:  # noqa: BLE001 - reconnect, then catch up
                log.warning("listening on PostgreSQL stopped (%s); reconnecting", str(error).splitlines()[0])
                self._stop.wait(0.5)
            finally:
                with contextlib.suppress(Exception):
                    conn.close()

    # ---------------------------------------------------------------- writing
    def write(self, con, work, lock=None, retries: int = 5):
        """db.write_transaction in cluster mode: `work(cursor)` on PostgreSQL in one transaction (committed
        when it returns, rolled back when it raises), then the local copy refreshed. When PostgreSQL is
        unreachable the write waits up to UNAVAILABLE_WAIT_S for it, then is refused (StoreUnavailable); a
        commit whose answer was lost is looked up by its write id, so it is never reported wrongly."""
        import psycopg

        deadline = time.monotonic() + UNAVAILABLE_WAIT_S
        with lock or contextlib.nullcontext(), self._write_lock:
            attempt = 0
            while True:
                attempt += 1
                write_id = uuid.uuid4()
                committing = False
                try:
                    conn = self._writer()
                    cur = PgCursor(conn)
                    with conn.cursor() as raw:
                        raw.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
                    result = work(cur)
                    tables = sorted(cur.written - LOCAL_ONLY)
                    version = None
                    if tables:
                        with conn.cursor() as raw:
                            version = raw.execute("INSERT INTO alliance_changes (write_id, tables) VALUES (%s, %s) "
                                                  "RETURNING version", [write_id, tables]).fetchone()[0]
                            if set(tables) - LIVE_TABLES:  # live answers are read on PostgreSQL: no copy to refresh
                                raw.execute("SELECT pg_notify(%s, %s)", [CHANNEL, str(version)])
                    committing = True
                    conn.commit()
                except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
                    self._rollback()
                    if attempt >= retries:
                        raise
                    time.sleep(0.05 * attempt)
                    continue
                except psycopg.OperationalError as error:
                    self._drop_writer()
                    if committing and self._committed(write_id, deadline):
                        version = None  # committed after all; the listener refreshes the copy
                        tables = []
                        break
                    if time.monotonic() < deadline:
                        time.sleep(0.3)
                        continue
                    raise StoreUnavailable(str(error).splitlines()[0]) from error
                except BaseException:
                    self._rollback()
                    raise
                break
        if version is not None:
            self._own_versions.add(version)
        local = [t for t in tables if t not in LIVE_TABLES]
        if local:
            try:
                self.refresh(local)
            except Exception:  # noqa: BLE001 - committed; the listener's catch-up refreshes it
                log.exception("refreshing the local copy after a write failed")
            self.on_change()
        return result

    def _writer(self):
        if self._write_conn is None or self._write_conn.closed or self._write_conn.broken:
            self._write_conn = _connect(self.url)
        return self._write_conn

    def _drop_writer(self) -> None:
        if self._write_conn is not None:
            with contextlib.suppress(Exception):
                self._write_conn.close()
        self._write_conn = None

    def _rollback(self) -> None:
        if self._write_conn is not None:
            try:
                self._write_conn.rollback()
            except Exception:  # noqa: BLE001 - a broken connection: drop it
                self._drop_writer()

    def _committed(self, write_id, deadline: float) -> bool:
        """Whether the write `write_id` reached PostgreSQL (its COMMIT's answer was lost)."""
        while True:
            try:
                return bool(self.reads.execute("SELECT 1 FROM alliance_changes WHERE write_id = $w",
                                               {"w": write_id}).fetchone())
            except StoreUnavailable:
                if time.monotonic() > deadline + UNAVAILABLE_WAIT_S:
                    raise
                time.sleep(0.3)


def _load_order(source: duckdb.DuckDBPyConnection) -> list[str]:
    """Shared tables of `source`, each after the tables its foreign keys name."""
    tables = [r[0] for r in source.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                           "ORDER BY table_name").fetchall() if r[0] not in LOCAL_ONLY]
    parents = {t: set() for t in tables}
    for table, referenced in source.execute("SELECT table_name, referenced_table FROM duckdb_constraints() "
                                            "WHERE constraint_type = 'FOREIGN KEY'").fetchall():
        if table in parents and referenced != table:
            parents[table].add(referenced)
    order, seen = [], set()

    def visit(table):
        if table in seen:
            return
        seen.add(table)
        for parent in sorted(parents.get(table, ())):
            visit(parent)
        order.append(table)

    for table in tables:
        visit(table)
    return order


_store: Store | None = None
_store_lock = threading.Lock()


def get(on_change=None) -> Store:
    """This process's store (cluster mode only); the first call installs it as db.write_transaction's writer."""
    global _store
    with _store_lock:
        if _store is None:
            url = cluster_url()
            if not url:
                raise RuntimeError(f"{URL_ENV} is not set")
            _store = Store(url, on_change)
            _store.ensure_schema()
            db.set_writer(_store.write)
        elif on_change is not None:
            _store.on_change = on_change
        return _store


def read_copy_path() -> str:
    """This process's DuckDB read copy: `ALLIANCE_READ_COPY`, else a file of its own in the temporary folder
    (never ALLIANCE_DB: the copy is rebuilt from PostgreSQL at every start)."""
    import tempfile

    chosen = os.environ.get("ALLIANCE_READ_COPY", "").strip()
    return chosen or str(Path(tempfile.gettempdir()) / f"alliance-read-copy-{os.getpid()}.duckdb")

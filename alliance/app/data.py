"""The app's door to the database: one cached connection per database file, cached query results.

Results are cached on (query, parameters, data version). The data version changes when the file is
replaced (an import swaps a new file in) or when the app itself writes (`mark_changed`), so a cached
result is never older than the data.

In cluster mode (`ALLIANCE_DATABASE_URL`, alliance.store) the connection is this process's DuckDB read copy,
filled from PostgreSQL and refreshed when any process writes (then `mark_changed` runs here too); the live
poll tables are read on PostgreSQL through `live_connection()`.
"""
from __future__ import annotations

import gc
import os
import threading
import time

import duckdb
import pandas as pd
import streamlit as st

from alliance import db, scoring, store
from alliance.comparison import Framework
from alliance.i18n import t
from alliance.paths import database_path
from alliance.startup import ensure_database

_write_counter = 0
_write_lock = threading.Lock()


FILE_CHECK_S = 1.0
_file_seen: tuple[float, str, str] | None = None  # (when, path, its identity)


def data_version() -> str:
    """Identity of the data now: file path, inode and modification time, and the app's own write counter.
    The file is looked at once a second at most (a page view asks a dozen times); the app's own writes
    count at once, a file swapped in by an import within a second."""
    global _file_seen
    if store.cluster_url():
        return f"cluster:{_write_counter}"  # the listener calls mark_changed after each refresh
    path = str(database_path())
    now = time.monotonic()
    seen = _file_seen
    if seen is None or seen[1] != path or now - seen[0] > FILE_CHECK_S:
        stat = os.stat(ensure_database(path))
        seen = _file_seen = (now, path, f"{path}:{stat.st_ino}:{stat.st_mtime_ns}")
    return f"{seen[2]}:{_write_counter}"


def _file_identity() -> str:
    path = database_path()
    stat = os.stat(path)
    return f"{path}:{stat.st_ino}"


# DuckDB's share of the server's memory: its cache of table blocks and the running queries' hash tables, which
# spill to a temporary file beyond it. At scale (10,000 cities) with 10 sessions the server peaked at 459 MB with
# 200 MB here, 437 MB with 160 MB, 429 MB with 128 MB; a search (3 queries) took 436, 450 and 487 ms. 72 searches'
# queries, two at a time (QUERIES_AT_ONCE), all passed down to 120 MB (a search needs at most 60 MB).
SERVING_MEMORY_LIMIT = os.environ.get("ALLIANCE_DUCKDB_MEMORY", "160MB")


class DatabaseUnavailable(RuntimeError):
    """The database file cannot be opened (held by another program, damaged, a stray write-ahead log beside it).
    Its text names the file and the reason, for the page to show in place of a traceback."""


def unavailable_message(path: str, error: Exception) -> str:
    text = str(error).strip()
    reason = text.splitlines()[0][:300] if text else type(error).__name__
    message = t("common.database_unavailable", file=path, reason=reason)
    wal = f"{path}.wal"
    if "WAL" in text and os.path.exists(wal):
        message += " " + t("common.database_wal_hint", wal=wal)
    return message


@st.cache_resource(show_spinner=False, max_entries=2)
def _open(identity: str) -> duckdb.DuckDBPyConnection:
    # one connection per file identity; every query takes its own cursor from it
    path = identity.rsplit(":", 1)[0]
    try:
        con = db.connect(path, memory_limit=SERVING_MEMORY_LIMIT)
    except duckdb.Error as error:  # not cached: the next run tries again, once the file is mended
        raise DatabaseUnavailable(unavailable_message(path, error)) from error
    db.apply_schema(con)
    # the schema's search check hashes every activity's texts once (99_practice_search.sql); no page reads them
    # again, yet their blocks would stay in DuckDB's cache (80 MB at scale)
    db.release_cached_blocks(con, SERVING_MEMORY_LIMIT)
    return con


def connection() -> duckdb.DuckDBPyConnection:
    if store.cluster_url():
        return _read_copy(store.read_copy_path())
    ensure_database(database_path())
    return _open(_file_identity())


@st.cache_resource(show_spinner=False, max_entries=1)
def _read_copy(path: str) -> duckdb.DuckDBPyConnection:
    """Cluster mode: this process's DuckDB copy, filled from PostgreSQL, kept fresh by the listener thread."""
    shared = store.get(on_change=mark_changed)
    con = shared.open_local(path)
    shared.start_listener()
    return con


def live_connection():
    """Where the live poll tables are read and written: PostgreSQL in cluster mode (alliance.store.LIVE_TABLES,
    never copied), else the one DuckDB connection."""
    if store.cluster_url():
        connection()  # the store and its writer are set up with the copy
        return store.get().reads
    return connection()


def mark_changed() -> None:
    """Call after the app wrote to the database: cached results are then recomputed."""
    global _write_counter
    with _write_lock:
        _write_counter += 1


# DuckDB runs each query on every core, so more queries at once than cores only add up their hash tables: 8
# different searches at once at scale peaked at 603 MB, two at a time at 453 MB, in the same time. Under the
# memory cap, 8 at once failed ("Out of Memory") where two at a time passed.
QUERIES_AT_ONCE = int(os.environ.get("ALLIANCE_QUERIES_AT_ONCE", "2"))
_queries_at_once = threading.BoundedSemaphore(QUERIES_AT_ONCE)


# A resource cache, not st.cache_data: cache_data unpickles a fresh copy on every hit (about 4 ms a query, a
# dozen queries a page view). Callers get a shallow copy instead, which pandas' copy-on-write keeps apart from
# the cached frame: adding a column or setting a value in it never changes what the next caller gets.
@st.cache_resource(show_spinner=False, max_entries=512)
def _cached(name: str, params: tuple, version: str) -> pd.DataFrame:
    with _queries_at_once:
        return db.run_query(connection(), name, **{k: list(v) if isinstance(v, tuple) else v for k, v in params})


def query(name: str, **params) -> pd.DataFrame:
    """A named query's result, cached; parameters are hashed as a sorted tuple."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _cached(name, frozen, data_version()).copy(deep=False)


def choices_by_kind(name: str, label_column: str) -> dict[str, dict[str, str]]:
    """A long `kind, id, label...` query as {kind: {id: label}}, built once per data version and label column:
    filtering the frame kind by kind took a third of a map view's time with 50 viewers at once. The dicts
    are shared between sessions: read them, never change them."""
    return _choices_by_kind(name, label_column, data_version())


@st.cache_resource(show_spinner=False, max_entries=32)
def _choices_by_kind(name: str, label_column: str, version: str) -> dict[str, dict[str, str]]:
    frame = query(name)
    out: dict[str, dict[str, str]] = {}
    for kind, key, label in zip(frame["kind"], frame["id"], frame[label_column]):
        out.setdefault(kind, {})[key] = label
    return out


def member_labels(name: str, country_column: str = "country_code") -> dict:
    """A members query's picker labels: {"ids": [...], "name": {id: name}, "display": {id: "Name (CC)"}}, built
    once per data version (at 10,000 members a view spent ~30 ms and some MB building them). `country_column`:
    the country shown in brackets. Shared between viewers: read them, never change them."""
    return _member_labels(name, country_column, data_version())


@st.cache_resource(show_spinner=False, max_entries=16)
def _member_labels(name: str, country_column: str, version: str) -> dict:
    # tolist: one conversion per column; iterating the Arrow-backed columns made a Python object per value read
    frame = query(name)
    ids, names = frame["id"].tolist(), frame["name"].tolist()
    return {"ids": ids, "name": dict(zip(ids, names)),
            "display": {i: f"{n} ({c})" for i, n, c in zip(ids, names, frame[country_column].tolist())}}


def clear_caches() -> None:
    """Forget every cached result (the bench's cold runs); the connection stays open."""
    _cached.clear()
    _choices_by_kind.clear()
    _is_demo.clear()
    st.cache_data.clear()


@st.cache_resource(show_spinner=False, max_entries=4)
def _is_demo(version: str) -> bool:
    info = query("dataset_info")
    return bool((info["key"] == "demo").any() and info.loc[info["key"] == "demo", "value"].iloc[0] == "true")


def is_demo_data() -> bool:
    return _is_demo(data_version())


# ------------------------------------------------------------------------------ the framework and score matrices
def load_framework() -> Framework:
    return Framework(query("bench_dimensions"), query("bench_descriptors"), query("bench_dimension_approaches"))


def load_round_matrix(round_year: int, validated_only: bool = False) -> pd.DataFrame:
    """The round's score matrix, computed once per data version (10,000 cities take a pivot each time);
    `validated_only`: only the rounds an administrator validated."""
    return _round_matrix(int(round_year), bool(validated_only), data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _round_matrix(round_year: int, validated_only: bool, version: str) -> pd.DataFrame:
    return scoring.score_matrix(query("bench_round_scores", round_year=round_year, validated_only=validated_only))


# ------------------------------------------------------------------------------------------ warming up
# Set once the start-up warm-up (and its visit of the main pages) is done: /readyz answers 200 from then on.
READY = threading.Event()


def warm_up() -> None:
    """Do once, right after the server starts, what its first visitors would otherwise wait for: import the
    chart and map libraries, read the catalogues, open the database and fill the caches every page uses."""
    import plotly.graph_objects  # noqa: F401 - the import itself is the work (about a second)
    import pydeck  # noqa: F401

    from alliance import charts, i18n, maps  # noqa: F401

    for lang in i18n.available_languages():
        i18n.catalogue(lang)
    is_demo_data()
    load_framework()
    rounds = query("bench_rounds")
    if not rounds.empty:
        load_round_matrix(int(rounds.iloc[0, 0]))
    members = query("map_filter_options")
    maps.basemap_geojson(tuple(sorted(members.loc[members["kind"] == "country", "id"])))
    # Streamlit runs a full garbage collection after every page view (runner.postScriptGC): 60 ms over the
    # 120,000 objects of the libraries, more than a warm view itself. Objects alive now live as long as the
    # process; frozen, the collector skips them, and a view's collection looks only at what views made.
    gc.collect()
    gc.freeze()

"""The app's door to the database: one cached connection per database file, cached query results.

Results are cached on (query, parameters, data version). The data version changes when the file is
replaced (an import swaps a new file in) or when the app itself writes (`mark_changed`), so a cached
result is never older than the data.
"""
from __future__ import annotations

import os
import threading

import duckdb
import pandas as pd
import streamlit as st

from alliance import db
from alliance.paths import database_path
from alliance.startup import ensure_database

_write_counter = 0
_write_lock = threading.Lock()


def data_version() -> str:
    """Identity of the data now: file path, inode and size, and the app's own write counter."""
    path = ensure_database(database_path())
    stat = os.stat(path)
    return f"{path}:{stat.st_ino}:{stat.st_mtime_ns}:{_write_counter}"


def _file_identity() -> str:
    path = database_path()
    stat = os.stat(path)
    return f"{path}:{stat.st_ino}"


@st.cache_resource(show_spinner=False, max_entries=2)
def _open(identity: str) -> duckdb.DuckDBPyConnection:
    # one connection per file identity; every query takes its own cursor from it
    con = db.connect(identity.rsplit(":", 1)[0])
    db.apply_schema(con)
    return con


def connection() -> duckdb.DuckDBPyConnection:
    ensure_database(database_path())
    return _open(_file_identity())


def mark_changed() -> None:
    """Call after the app wrote to the database: cached results are then recomputed."""
    global _write_counter
    with _write_lock:
        _write_counter += 1


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, params: tuple, version: str) -> pd.DataFrame:
    return db.run_query(connection(), name, **{k: list(v) if isinstance(v, tuple) else v for k, v in params})


def query(name: str, **params) -> pd.DataFrame:
    """A named query's result, cached; parameters are hashed as a sorted tuple."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    return _cached(name, frozen, data_version())


def is_demo_data() -> bool:
    info = query("dataset_info")
    return bool((info["key"] == "demo").any() and info.loc[info["key"] == "demo", "value"].iloc[0] == "true")

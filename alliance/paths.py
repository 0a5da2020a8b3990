"""Where the project's files live, resolved from the package so that any working directory works."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
SEED_DIR = DATA_DIR / "seed"
QUERIES_DIR = REPO_ROOT / "queries"
DDL_DIR = QUERIES_DIR / "ddl"
BASEMAP_FILE = DATA_DIR / "basemap" / "europe_countries.geojson"
DEFAULT_DB = DATA_DIR / "alliance.duckdb"


def database_path() -> Path:
    """The database file: `ALLIANCE_DB` when set, else data/alliance.duckdb."""
    return _resolved(os.environ.get("ALLIANCE_DB", "").strip())


@lru_cache(maxsize=8)
def _resolved(value: str) -> Path:
    # resolving walks the folders (several stat calls): asked for by every cached query of every page view
    return Path(value).expanduser().resolve() if value else DEFAULT_DB

"""A real PostgreSQL for the cluster-mode tests (never a mock), and the whole cluster started by
scripts/run-cluster.sh (alliance.serve starts them); skipped, saying why, only when the programs are absent."""
from __future__ import annotations

import shutil
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from alliance import serve
from alliance.serve import wait_for  # noqa: F401 - the tests' import


def need_postgres() -> Path:
    """The PostgreSQL programs, or skip: only when they are truly absent (.ci/run installs them)."""
    found = serve.postgres_bin()
    if found is None:
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): "
                    "`apt-get install postgresql` (.ci/run does) to run the cluster-mode tests")
    return found


@contextmanager
def private_postgres():
    need_postgres()
    with serve.private_postgres() as server:
        yield server


@contextmanager
def running_cluster(database_url: str, source_db: Path, processes: int = 2, timeout_s: float = 180):
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        pytest.skip("HAProxy is not installed: `apt-get install haproxy` (.ci/run does) to run the cluster tests")
    with serve.running_cluster(database_url, source_db, processes, timeout_s) as cluster:
        yield cluster


def get(url: str, cookie: str | None = None, timeout: float = 30):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.headers, response.read()  # names in any case

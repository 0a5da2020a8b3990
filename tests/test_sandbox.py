"""The analysts' SQL sandbox: each attack is refused or fails, and afterwards nothing has changed."""
from __future__ import annotations

import time

import duckdb
import pytest

from alliance import db, dictionary
from alliance.sandbox import MAX_SQL_CHARS, Sandbox, SandboxError

TIME_LIMIT = 1.5


@pytest.fixture(scope="module")
def source(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def sandbox(source):
    box = Sandbox(source, time_limit_s=TIME_LIMIT, memory_limit_mb=256, row_cap=100)
    yield box
    box.close()


def fingerprint(box: Sandbox) -> dict:
    """Row counts of every table and the sandbox's settings: what an attack must not change."""
    settings = box.con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'memory_limit', "
        "'threads', 'max_execution_time', 'lock_configuration', 'autoload_known_extensions')").fetchall()
    tables = box.con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()
    return {"counts": box.row_counts(), "settings": sorted(settings), "tables": tables}


def test_only_public_tables_are_copied(sandbox, source):
    assert sandbox.tables == [t for t in dictionary.public_tables()]
    members = source.execute("SELECT count(*) FROM members").fetchone()[0]
    assert sandbox.run("SELECT count(*) AS n FROM members").frame["n"][0] == members
    internal = {r[0] for r in sandbox.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "schema_version" not in internal


def test_a_plain_select_and_a_with_query_run(sandbox):
    result = sandbox.run("WITH big AS (SELECT * FROM members WHERE population > 500000) "
                         "SELECT country_code, count(*) AS n FROM big GROUP BY ALL ORDER BY n DESC")
    assert not result.truncated
    assert list(result.frame.columns) == ["country_code", "n"]
    assert result.frame["n"].sum() > 0


def test_row_cap_truncates_and_says_so(sandbox):
    result = sandbox.run("SELECT * FROM range(1000000000)")
    assert result.truncated
    assert len(result.frame) == sandbox.row_cap
    small = sandbox.run("SELECT * FROM range(100)")
    assert not small.truncated and len(small.frame) == 100


ATTACKS = {
    "read a file": "SELECT * FROM read_csv('/etc/passwd')",
    "read a file (text)": "SELECT * FROM read_text('/etc/hostname')",
    "list files": "SELECT * FROM glob('/etc/*')",
    "copy out": "COPY members TO '/tmp/stolen.csv'",
    "copy in": "COPY members FROM '/etc/passwd'",
    "attach": "ATTACH '/tmp/other.duckdb' AS other",
    "install": "INSTALL spatial",
    "load": "LOAD excel",
    "set": "SET enable_external_access = true",
    "reset": "RESET memory_limit",
    "pragma": "PRAGMA threads = 8",
    "insert": "INSERT INTO members (id) VALUES ('x-dk')",
    "update": "UPDATE members SET name = 'hacked'",
    "delete": "DELETE FROM members",
    "drop": "DROP TABLE members",
    "create": "CREATE TABLE stolen AS SELECT 1",
    "create macro": "CREATE MACRO m(x) AS x",
    "two statements": "SELECT 1; DROP TABLE members",
    "select then set": "SELECT 1; SET threads = 8",
    "call": "CALL pragma_version()",
    "export database": "EXPORT DATABASE '/tmp/dump'",
    "checkpoint": "CHECKPOINT",
    "query() with a write": "SELECT * FROM query('DELETE FROM members')",
    "secrets": "SELECT * FROM duckdb_secrets()",
    "parquet write via copy": "COPY (SELECT 1) TO '/tmp/x.parquet' (FORMAT parquet)",
    "very long query": "SELECT " + " + ".join(["1"] * (MAX_SQL_CHARS // 4)),
    "empty": "   ",
    "syntax error": "SELEC * FROM members",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_refused_and_changes_nothing(sandbox, name, tmp_path):
    before = fingerprint(sandbox)
    with pytest.raises(SandboxError) as caught:
        sandbox.run(ATTACKS[name])
    message = str(caught.value)
    assert message and "Traceback" not in message
    assert fingerprint(sandbox) == before


def test_refusal_messages_name_the_reason(sandbox):
    with pytest.raises(SandboxError, match="Only SELECT") as caught:
        sandbox.run("DELETE FROM members")
    assert caught.value.refused
    with pytest.raises(SandboxError, match="one statement"):
        sandbox.run("SELECT 1; SELECT 2")
    with pytest.raises(SandboxError, match="read_csv .*not available here") as caught:
        sandbox.run("SELECT * FROM read_csv('/etc/passwd')")
    assert caught.value.refused  # refused by name, before DuckDB would refuse the file
    with pytest.raises(SandboxError, match="no_such_table") as caught:
        sandbox.run("SELECT * FROM no_such_table")
    assert not caught.value.refused  # DuckDB's own message, passed on plainly
    with pytest.raises(SandboxError, match="limit is"):
        sandbox.run(ATTACKS["very long query"])


def test_no_file_is_written(sandbox):
    for sql in (ATTACKS["copy out"], ATTACKS["parquet write via copy"]):
        with pytest.raises(SandboxError):
            sandbox.run(sql)
    import os
    assert not os.path.exists("/tmp/stolen.csv")
    assert not os.path.exists("/tmp/x.parquet")


@pytest.mark.parametrize("sql", [
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "SELECT count(*) FROM range(100000000) a, range(100000000) b",
])
def test_a_query_that_would_run_forever_is_stopped(sandbox, sql):
    started = time.perf_counter()
    with pytest.raises(SandboxError) as caught:
        sandbox.run(sql)
    elapsed = time.perf_counter() - started
    assert "time limit" in str(caught.value) or "memory" in str(caught.value).lower()
    assert elapsed < TIME_LIMIT + 10
    assert sandbox.run("SELECT 42 AS answer").frame["answer"][0] == 42  # still usable afterwards


def test_memory_hungry_query_fails_cleanly(sandbox):
    with pytest.raises(SandboxError, match="(?i)memory|time limit"):
        sandbox.run("SELECT list(range) FROM range(2000000000)")
    assert sandbox.run("SELECT 1 AS one").frame["one"][0] == 1


def test_python_variables_are_not_reachable(sandbox):
    secret_frame = __import__("pandas").DataFrame({"password": ["hunter2"]})  # noqa: F841 (the bait)
    with pytest.raises(SandboxError, match="(?i)does not exist"):
        sandbox.run("SELECT * FROM secret_frame")


def test_the_source_database_is_untouched(demo_db, source, sandbox):
    before = source.execute("SELECT count(*), max(name) FROM members").fetchone()
    for sql in ATTACKS.values():
        try:
            sandbox.run(sql)
        except SandboxError:
            pass
    assert source.execute("SELECT count(*), max(name) FROM members").fetchone() == before


def test_named_queries_run_with_parameters(sandbox):
    newest = db.load_query("newest_activities")
    assert sandbox.runnable(newest)
    result = sandbox.run_named(newest, {"limit": 3})
    assert len(result.frame) == 3


def test_queries_reaching_private_tables_are_not_runnable(sandbox):
    private = db.parse_query("x", "-- reads the schema version\nSELECT * FROM schema_version")
    writer = db.parse_query("y", "-- writes\nDELETE FROM members")
    assert not sandbox.runnable(private)
    assert not sandbox.runnable(writer)


def test_the_copy_folder_opens_no_way_out(sandbox):
    """Parquet copies are the only files the sandbox may read; a path through their folder reaches nothing."""
    assert sorted(p.name for p in sandbox.folder.iterdir()) == sorted(f"{t}.parquet" for t in sandbox.tables)
    for sql in (f"SELECT * FROM read_csv('{sandbox.folder}/../../etc/passwd')",
                f"SELECT * FROM read_text('{sandbox.folder}/../../../etc/hostname')",
                f"SELECT * FROM glob('{sandbox.folder}/../*')"):
        with pytest.raises(SandboxError):
            sandbox.run(sql)


def test_closing_removes_the_copy(source):
    box = Sandbox(source, tables=["members"])
    folder = box.folder
    assert (folder / "members.parquet").exists()
    box.close()
    assert not folder.exists()


# ------------------------------------------------------- issue 13: the sandbox never shows where the server keeps things
def _server_paths(box: Sandbox) -> list[str]:
    import os
    import tempfile
    from pathlib import Path

    from alliance.paths import REPO_ROOT

    return [str(box.folder), tempfile.gettempdir(), str(REPO_ROOT), str(Path.home()), os.getcwd()]


REVEALING = [
    "SELECT * FROM duckdb_settings()",
    'FROM "duckdb_settings"()',
    "SELECT name, value FROM duckdb_settings() WHERE name LIKE '%directory%'",
    "SELECT current_setting('temp_directory')",
    "SELECT current_setting('allowed_directories')",
    "SELECT current_setting('home_directory') AS h, current_setting('extension_directory') AS e",
    "SELECT 'x' || current_setting('secret_directory')",
    "SELECT * FROM members WHERE name = current_setting('allowed_directories')",
    "SELECT (SELECT list(value) FROM duckdb_settings())",
    "SELECT * FROM duckdb_databases()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_views()",
    "SELECT sql FROM duckdb_views",
    "SELECT view_definition FROM information_schema.views",
    "SELECT sql FROM sqlite_master",
    "SELECT * FROM pg_catalog.pg_views",
    "SELECT * FROM pragma_database_list",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM duckdb_memory()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM glob('/tmp/*')",
    "SELECT * FROM query('SELECT current_setting(''home_directory'')')",
    "SELECT * FROM members, LATERAL (SELECT * FROM duckdb_settings())",
    "WITH s AS (SELECT * FROM duckdb_settings()) SELECT * FROM s",
    "SHOW DATABASES",
    "SHOW ALL TABLES",
    "DESCRIBE members",
    "SUMMARIZE members",
]


@pytest.mark.parametrize("sql", REVEALING)
def test_no_server_path_or_setting_comes_out(sandbox, sql):
    """Each statement is refused with a plain message, or runs and shows no server folder; either way
    neither the result nor the message holds a path of this server (the copy's folder, the temporary
    folder, the repository, the home folder)."""
    try:
        result = sandbox.run(sql)
    except SandboxError as error:
        shown = str(error)
        assert "Traceback" not in shown
    else:
        shown = result.frame.astype(str).to_string() + " ".join(map(str, result.frame.columns))
    leaked = [p for p in _server_paths(sandbox) if p in shown]
    assert not leaked, (sql, leaked, shown[:300])


def test_settings_functions_are_refused_by_name_in_plain_words(sandbox):
    for sql in ("SELECT * FROM duckdb_settings()", "SELECT current_setting('temp_directory')"):
        with pytest.raises(SandboxError) as caught:
            sandbox.run(sql)
        assert caught.value.refused and "not available here" in str(caught.value)


def test_a_result_holding_a_server_folder_is_not_shown(sandbox):
    with pytest.raises(SandboxError) as caught:
        sandbox.run(f"SELECT '{sandbox.folder}/members.parquet' AS file")
    assert caught.value.refused and str(sandbox.folder) not in str(caught.value)


def test_ordinary_catalogue_questions_still_work(sandbox):
    tables = sandbox.run("SELECT table_name FROM information_schema.tables ORDER BY 1").frame
    assert "members" in set(tables["table_name"])
    assert len(sandbox.run("DESCRIBE members").frame) > 3
    assert sandbox.run("SELECT version() AS v").frame["v"].iloc[0]


def test_account_names_never_reach_the_sandbox(sandbox, source):
    """assessments.submitted_by names an account: the column is there (queries keep their shape), empty."""
    assert source.execute("SELECT count(*) FROM assessments WHERE submitted_by IS NOT NULL").fetchone()[0] > 0
    shown = sandbox.run("SELECT count(*) AS n FROM assessments WHERE submitted_by IS NOT NULL").frame
    assert shown["n"].iloc[0] == 0
    assert len(sandbox.run("SELECT submitted_by FROM assessments LIMIT 3").frame) == 3


def test_runnable_is_answered_once_per_query(source):
    """/explore asks for every named query on each run (~0.4 s for 46 queries on this machine): once is enough."""
    box = Sandbox(source)
    try:
        calls = []
        check = box._check_runnable
        box._check_runnable = lambda query: calls.append(query.name) or check(query)
        queries = db.list_queries()
        first = [box.runnable(q) for q in queries]
        assert [box.runnable(q) for q in queries] == first and any(first)
        assert len(calls) == len(queries)
    finally:
        box.close()

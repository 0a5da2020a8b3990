"""Cluster mode's store (alliance/store.py) against a real PostgreSQL (tests/cluster_helpers.py starts one; the
tests skip, saying why, only when PostgreSQL's programs are not installed): the schema from queries/ddl, the
dialect rewrites, a write on one process seen by another's DuckDB copy, and PostgreSQL restarted during writes."""
from __future__ import annotations

import re
import threading
import time

import duckdb
import pytest

from alliance import assessments, auth, db, poll, store
from cluster_helpers import private_postgres, wait_for


# ------------------------------------------------------------------------------------ dialect (no server)
def test_parameters_and_percent_signs_become_psycopg_s():
    assert store.to_postgres("SELECT * FROM t WHERE a = $a AND b = $b_2 OR c = ?") == \
        "SELECT * FROM t WHERE a = %(a)s AND b = %(b_2)s OR c = %s"
    assert store.to_postgres("SELECT 1 WHERE x LIKE 'a%' AND y = '$kept' -- $comment") == \
        "SELECT 1 WHERE x LIKE 'a%' AND y = '$kept' -- $comment"
    assert store.to_postgres("SELECT 100 % 7") == "SELECT 100 %% 7"


def test_the_few_duckdb_spellings_are_rewritten():
    assert store.to_postgres("SELECT poll_code, len(options) FROM poll_items") == \
        "SELECT poll_code, cardinality(options) FROM poll_items"
    assert store.to_postgres("DELETE FROM e WHERE list_contains($d, dimension_id)") == \
        "DELETE FROM e WHERE (dimension_id = ANY(%(d)s))"
    assert store.to_postgres("SELECT list(m ORDER BY m)") == "SELECT array_agg(m ORDER BY m)"
    assert store.to_postgres("SELECT current_timestamp - to_days($d)") == \
        "SELECT current_timestamp - make_interval(days => %(d)s)"


def test_the_written_table_is_read_from_the_statement():
    assert store.written_table('INSERT INTO "poll_answers" (a) VALUES (1)') == "poll_answers"
    assert store.written_table("  update users SET x = 1") == "users"
    assert store.written_table("DELETE FROM assessment_edits WHERE 1") == "assessment_edits"
    assert store.written_table("SELECT 1 FROM users") is None


def test_postgres_ddl_keeps_every_shared_table_and_drops_duckdb_macros():
    statements = store.postgres_ddl()
    text = "\n".join(statements)
    assert "MACRO" not in text and "activity_search" not in text
    assert "regexp_full_match" not in text and "DOUBLE PRECISION" in text
    assert re.search(r"options\s+VARCHAR\[\] NOT NULL DEFAULT '{}'", text)
    scratch = duckdb.connect()
    scratch.execute(db.schema_sql())
    tables = {r[0] for r in scratch.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in tables - store.LOCAL_ONLY:
        assert f"CREATE TABLE IF NOT EXISTS {table} " in text, table


# ------------------------------------------------------------------------------------ on a real PostgreSQL
@pytest.fixture(scope="module")
def server():
    with private_postgres() as running:
        yield running


@pytest.fixture(scope="module")
def filled(server, demo_db):
    """The demonstration data in PostgreSQL (once for this module)."""
    shared = store.Store(server.url)
    shared.ensure_schema()
    shared.ensure_schema()  # idempotent, as the DDL files are
    source = duckdb.connect(str(demo_db), read_only=True)
    counts = shared.load_from(source)
    source.close()
    shared.stop()
    import psycopg

    with psycopg.connect(server.url, autocommit=True) as conn:  # the borrowed tests' copies start from this
        conn.execute("CREATE DATABASE alliance_template TEMPLATE postgres")
    return counts


@pytest.fixture
def process(server, filled, tmp_path):
    """Open 'app processes' on one PostgreSQL: each a Store with its own DuckDB copy; the first one's writer is
    alliance.db's (as the app installs it). Each records its cache clears (on_change)."""
    made = []

    def make(name: str, writer: bool = False):
        changes: list[float] = []
        shared = store.Store(server.url, on_change=lambda: changes.append(time.monotonic()))
        local = shared.open_local(tmp_path / f"{name}.duckdb")
        shared.changes = changes
        if writer:
            db.set_writer(shared.write)
        made.append((shared, local))
        return shared, local

    yield make
    db.set_writer(None)
    for shared, local in made:
        shared.stop()
        local.close()


def test_the_schema_holds_the_duckdb_rules(server, filled):
    import psycopg

    assert filled["members"] > 0 and filled["assessment_scores"] > 0
    with psycopg.connect(server.url) as conn:
        for bad_id in ("Aarhus", "aarhus"):  # regexp_full_match(id, ...) became `~ '^(?:...)$'`
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute("INSERT INTO members (id, name, country_code, kind, latitude, longitude, joined_on, "
                             "status) VALUES (%s, 'x', 'DK', 'municipality', 56, 10, '2020-01-01', 'member')",
                             [bad_id])
            conn.rollback()
        row = conn.execute("SELECT options, hidden_words FROM poll_items LIMIT 0").description
        assert [c.name for c in row] == ["options", "hidden_words"]


def test_the_copy_holds_what_postgres_holds(process, demo_db):
    _, local = process("a")
    source = duckdb.connect(str(demo_db), read_only=True)
    for table in ("members", "activities", "assessment_scores", "users"):
        assert local.execute(f"SELECT count(*) FROM {table}").fetchone() == \
            source.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert local.execute("SELECT count(*) FROM activity_search").fetchone()[0] == \
        source.execute("SELECT count(*) FROM activities").fetchone()[0]  # folded in the copy (DuckDB macros)
    source.close()


def test_a_write_on_one_process_reaches_the_other_within_2_s(process):
    a, a_local = process("a", writer=True)
    b, b_local = process("b")
    b.start_listener()
    editor = auth.get_user(a_local, "editor-aarhus")
    question = ("SELECT s.level, s.evidence FROM assessments x JOIN assessment_scores s ON s.assessment_id = x.id "
                "WHERE x.member_id = 'aarhus-dk' AND x.round_year = 2025 AND s.dimension_id = 3")
    assessments.save(a_local, editor, "aarhus-dk", 2025, {3: assessments.Answer(1, evidence="written on A")})
    saved = time.monotonic()
    assert a_local.execute(question).fetchone() == (1, "written on A")  # the writer reads its own write at once
    # B commits the rows, then records the version and clears its caches: wait for all three (a loaded machine
    # once read between the commit and the rest)
    wait_for(lambda: b_local.execute(question).fetchone() == (1, "written on A") and b.changes
             and b.applied_version == a.current_version(), 2.0, every_s=0.02)
    assert b.changes[-1] - saved < 2.0  # B cleared its caches within the 2 s


def test_live_answers_stay_in_postgres_and_the_screen_reads_them_there(process):
    a, a_local = process("a", writer=True)
    code = poll.open_poll(a.reads, [1], "test")
    assert a_local.execute("SELECT count(*) FROM polls WHERE code = $c", {"c": code}).fetchone()[0] == 1
    poll.record_answers(a.reads, code, poll.new_participant_token(), {1: 4})
    assert a_local.execute("SELECT count(*) FROM poll_answers").fetchone()[0] == 0  # never copied
    assert poll.live_results(a.reads, code, max_age_s=0).participants == 1


def test_a_refused_write_leaves_nothing(process):
    a, a_local = process("a", writer=True)
    editor = auth.get_user(a_local, "editor-aarhus")
    before = a.current_version()
    with pytest.raises(assessments.AssessmentRefused):
        assessments.save(a_local, editor, "liege-be", 2025, {1: assessments.Answer(2)})  # not their city
    assert a.current_version() == before


def test_an_import_and_its_undo_go_to_postgres_and_every_copy(server, process):
    """The importer and undo write through the same path: one PostgreSQL transaction each, seen by the other
    process's copy (and its search table folded there)."""
    import psycopg

    from alliance import importer, undo
    from test_undo import ACTIVITIES, MEMBERS

    a, a_local = process("a", writer=True)
    b, b_local = process("b")
    b.start_listener()
    in_b = "SELECT count(*) FROM activities WHERE id = 'undo-test-practice'"
    searchable = "SELECT count(*) FROM activity_search WHERE id = 'undo-test-practice'"
    _, audit_id = importer.import_files(a_local, [(MEMBERS.name, MEMBERS.read_bytes()),
                                                  ("activities.csv", ACTIVITIES.encode())], "tester", "admin")
    with psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT title FROM activities WHERE id = 'undo-test-practice'").fetchone() == \
            ("Practice added by the test",)
        assert conn.execute("SELECT count(*) FROM import_undo WHERE audit_id = %s", [audit_id]).fetchone()[0] > 0
    wait_for(lambda: b_local.execute(in_b).fetchone()[0] == 1, 2.0, every_s=0.02)
    assert b_local.execute(searchable).fetchone()[0] == 1

    result = undo.undo_last(a_local, "tester")
    assert (result.audit_id, result.deleted) == (audit_id, 2)
    with psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT count(*) FROM activities WHERE id = 'undo-test-practice'").fetchone()[0] == 0
        assert conn.execute("SELECT undone_by FROM import_audit WHERE id = %s", [audit_id]).fetchone() == ("tester",)
    wait_for(lambda: b_local.execute(in_b).fetchone()[0] == 0, 2.0, every_s=0.02)
    assert b_local.execute(searchable).fetchone()[0] == 0


def test_postgres_restarted_during_writes_each_write_commits_or_is_refused(server, process, monkeypatch):
    """Forms of 2 answers each, sent while PostgreSQL restarts: every form either is confirmed and stored whole,
    or is refused with StoreUnavailable's clear message and stored not at all."""
    import psycopg

    monkeypatch.setattr(store, "UNAVAILABLE_WAIT_S", 0.5)  # some writes are refused, not only delayed
    a, _ = process("a", writer=True)
    code = poll.open_poll(a.reads, [1, 2], "test")
    confirmed, refused, other = [], [], []
    stop = threading.Event()

    def phones():
        while not stop.is_set():
            token = poll.new_participant_token()
            try:
                poll.record_answers(a.reads, code, token, {1: 2, 2: 3})
                confirmed.append(token)
            except store.StoreUnavailable as error:
                assert "nothing was saved" in str(error)
                refused.append(token)
            except Exception as error:  # noqa: BLE001 - anything else is a failure of this test
                other.append(repr(error))
            time.sleep(0.01)

    worker = threading.Thread(target=phones)
    worker.start()
    try:
        wait_for(lambda: len(confirmed) >= 10, 30)
        server.stop("fast")
        time.sleep(1.5)
        server.start()
        count = len(confirmed)
        wait_for(lambda: len(confirmed) >= count + 10, 30)  # writes go on after the restart
    finally:
        stop.set()
        worker.join(30)
    assert other == []
    assert refused, "PostgreSQL was down 1.5 s: some writes must have been refused"
    with psycopg.connect(server.url) as conn:
        stored = dict(conn.execute("SELECT participant, count(*) FROM poll_answers WHERE poll_code = %s "
                                   "GROUP BY 1", [code]).fetchall())
    assert all(stored.get(token) == 2 for token in confirmed)
    assert not any(token in stored for token in refused)
    assert set(stored) == set(confirmed)


def test_the_writers_sql_names_its_conflict_targets():
    """PostgreSQL needs the columns of ON CONFLICT ... DO UPDATE; DuckDB takes them too."""
    from alliance.paths import REPO_ROOT

    for path in sorted((REPO_ROOT / "alliance").rglob("*.py")):
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8").replace('"\n', "").replace('" "', ""))
        assert "ON CONFLICT DO UPDATE" not in text.upper(), path.name


# ------------------------------------------------------------------ the writers' own tests, on PostgreSQL
def _borrowed() -> list[str]:
    """Every test of these writer modules that needs nothing but the read-write `con`: run again in cluster
    mode, where `con` is a process's DuckDB copy and every write goes to PostgreSQL."""
    import inspect

    import test_actions
    import test_exchange
    import test_submissions

    return [f"{module.__name__}.{name}" for module in (test_actions, test_exchange, test_submissions)
            for name, func in vars(module).items()
            if name.startswith("test_") and callable(func) and list(inspect.signature(func).parameters) == ["con"]]


@pytest.fixture(scope="module")
def template(server, filled):
    """The server's address without a database: each borrowed test gets a copy of alliance_template (`filled`)."""
    return server.url.rsplit("/", 1)[0]


@pytest.fixture
def fresh_con(template, tmp_path, request):
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(template + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE alliance_template")
    shared = store.Store(f"{template}/{name}")
    local = shared.open_local(tmp_path / "copy.duckdb")
    db.set_writer(shared.write)
    try:
        yield local
    finally:
        db.set_writer(None)
        shared.stop()
        local.close()
        with psycopg.connect(template + "/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.mark.parametrize("name", _borrowed())
def test_the_writers_own_tests_pass_on_postgres(fresh_con, name):
    import importlib

    from alliance.i18n import set_language

    set_language("en")
    module, function = name.rsplit(".", 1)
    getattr(importlib.import_module(module), function)(fresh_con)


def test_the_copy_has_the_tables_of_the_ddl_and_nothing_else(process):
    _, local = process("a")
    scratch = duckdb.connect()
    scratch.execute(db.schema_sql())
    expected = scratch.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                               "ORDER BY ALL").fetchall()
    assert local.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                         "ORDER BY ALL").fetchall() == expected


def test_a_refused_vote_says_so_in_the_phone_s_language():
    from alliance import vote
    from alliance.i18n import set_language

    try:
        reply = vote.unavailable("fr", "abcd23")
    finally:
        set_language("en")  # the module-wide language, as the other tests of this worker expect it
    assert reply.status == 503
    assert "rien n&#x27;a été enregistré" in reply.body or "rien n'a été enregistré" in reply.body
    assert "Traceback" not in reply.body


def test_the_command_line_writers_write_to_postgres_in_cluster_mode(server, filled, tmp_path, monkeypatch, capsys):
    """`users add` and `import` with ALLIANCE_DATABASE_URL set reach PostgreSQL (so every process), not a local
    DuckDB file that no process serves."""
    import psycopg

    from alliance import cli
    from test_undo import ACTIVITIES, MEMBERS

    monkeypatch.setenv(store.URL_ENV, server.url)
    monkeypatch.setenv("ALLIANCE_READ_COPY", str(tmp_path / "cli-copy.duckdb"))
    monkeypatch.setattr(store, "_store", None)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-long-enough-password-2026\n"))
    missing_file = tmp_path / "no-such.duckdb"
    try:
        assert cli.main(["users", "add", "cli-editor", "--role", "editor", "--member", "aarhus-dk",
                         "--db", str(missing_file)]) == 0
        (tmp_path / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
        assert cli.main(["import", str(MEMBERS), str(tmp_path / "activities.csv"), "--db", str(missing_file)]) == 0
        assert "Imported into the cluster database" in capsys.readouterr().out
    finally:
        if store._store is not None:
            store._store.stop()
        db.set_writer(None)
    assert not missing_file.exists()  # nothing was written to a local file
    with psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT role FROM users WHERE username = 'cli-editor'").fetchone() == ("editor",)
        assert conn.execute("SELECT title FROM activities WHERE id = 'undo-test-practice'").fetchone() == \
            ("Practice added by the test",)
        conn.execute("DELETE FROM user_members WHERE username = 'cli-editor'")
        conn.execute("DELETE FROM users WHERE username = 'cli-editor'")


def test_the_command_line_says_so_when_the_cluster_database_is_away(tmp_path, monkeypatch, capsys):
    from alliance import cli

    monkeypatch.setenv(store.URL_ENV, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    monkeypatch.setenv("ALLIANCE_READ_COPY", str(tmp_path / "cli-copy.duckdb"))
    monkeypatch.setattr(store, "_store", None)
    try:
        assert cli.main(["users", "list"]) == 1
    finally:
        monkeypatch.setattr(store, "_store", None)
        db.set_writer(None)
    assert "the cluster database (ALLIANCE_DATABASE_URL) cannot be reached" in capsys.readouterr().err

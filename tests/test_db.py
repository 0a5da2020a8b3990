"""Named queries: header parsing, parameter binding, and every query file being well-formed."""
import pytest

from alliance import db
from alliance.startup import ensure_database


def test_parse_header_description_and_params():
    q = db.parse_query("x", "-- Returns things.\n-- Over two lines.\n-- @param limit INTEGER = 8 how many\n"
                            "-- @param country VARCHAR = NULL filter\nSELECT $limit")
    assert q.description == "Returns things. Over two lines."
    assert [(p.name, p.type, p.default) for p in q.params] == [("limit", "INTEGER", "8"), ("country", "VARCHAR", "NULL")]
    assert q.bind({}) == {"limit": 8, "country": None}
    assert q.bind({"limit": 3}) == {"limit": 3, "country": None}


def test_unknown_and_missing_parameters_are_refused():
    q = db.parse_query("x", "-- d\n-- @param city VARCHAR the member\nSELECT $city")
    with pytest.raises(db.QueryError):
        q.bind({})
    with pytest.raises(db.QueryError):
        q.bind({"city": "a", "evil": "b"})


def test_query_names_cannot_escape_the_folder():
    for name in ("../etc/passwd", "ddl/schema", "nope"):
        with pytest.raises(db.QueryError):
            db.load_query(name)


def test_every_query_file_has_a_description_and_runs(demo_db):
    con = db.connect(demo_db, read_only=True)
    queries = db.list_queries()
    assert len(queries) >= 5
    for q in queries:
        assert q.description, q.name
        required = {p.name: None for p in q.params if p.default is None}
        try:
            db.run_query(con, q.name, **required)
        except Exception as exc:  # noqa: BLE001 - report which query broke
            pytest.fail(f"{q.name}: {exc}")


def test_values_travel_as_parameters_not_sql(demo_db):
    con = db.connect(demo_db, read_only=True)
    members = con.execute("SELECT count(*) FROM members").fetchone()[0]
    real = db.run_query(con, "city_activities", member_id="aarhus-dk")
    assert len(real) > 0
    # Formatted into the SQL, each of these would match every member's activities or fail to parse.
    for hostile in ("aarhus-dk' OR '1'='1", "x'; DROP TABLE members; --", "' UNION SELECT * FROM accounts --"):
        assert db.run_query(con, "city_activities", member_id=hostile).empty
    assert con.execute("SELECT count(*) FROM members").fetchone()[0] == members
    # The text DuckDB receives is the file's text, with the value left out of it.
    assert "aarhus-dk" not in db.load_query("city_activities").sql


def test_ensure_database_builds_when_missing(tmp_path):
    path = tmp_path / "sub" / "new.duckdb"
    assert ensure_database(path) == path
    con = db.connect(path, read_only=True)
    assert con.execute("SELECT count(*) FROM members").fetchone()[0] >= 45


def test_a_database_built_before_german_gets_its_german_labels(tmp_path):
    """A file whose tables were made by the English/French DDL alone (before label_de existed): opening it
    adds the German columns and fills them from the seed files; the named queries then read them."""
    import duckdb

    from alliance.demo import load_seed_tables
    from alliance.paths import DDL_DIR

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute((DDL_DIR / "00_core.sql").read_text(encoding="utf-8"))
    seeds = load_seed_tables()
    for table in ("regions", "countries", "dimension_groups", "dimensions", "maturity_levels", "level_descriptors"):
        frame = seeds[table][[c for c in seeds[table].columns if not c.endswith("_de") and c != "approaches"]]
        con.register("old_rows", frame)
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM old_rows")
        con.unregister("old_rows")
    assert "label_de" not in {r[0] for r in con.execute("DESCRIBE dimensions").fetchall()}
    db.apply_schema(con)
    dims = db.run_query(con, "bench_dimensions")
    assert dims.loc[dims["code"] == "leadership", "label_de"].item() == "Politische Führung und Engagement"
    descriptors = db.run_query(con, "bench_descriptors")
    assert descriptors["descriptor_de"].notna().all() and descriptors["level_label_de"].notna().all()
    assert db.fill_labels(con) == 0  # nothing left to fill: the next opening writes nothing
    con.close()


def _memory_by_tag(con) -> dict[str, int]:
    return dict(con.execute("SELECT tag, memory_usage_bytes FROM duckdb_memory()").fetchall())


def test_released_table_blocks_leave_the_cache_and_the_limit_is_kept(tmp_path):
    path = tmp_path / "texts.duckdb"
    con = db.connect(path)  # a table of some MB on disk (the demonstration file's fit in DuckDB's first blocks)
    con.execute("CREATE TABLE texts AS SELECT i, repeat(md5(i::VARCHAR), 8) AS body FROM range(100000) r(i)")
    con.close()
    con = db.connect(path, memory_limit="100MB")
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        read = "SELECT count(*), max(length(body)) FROM texts"
        assert con.execute(read).fetchone() == (100000, 256)
        cached = _memory_by_tag(con)["BASE_TABLE"]
        assert cached > 5_000_000
        db.release_cached_blocks(con, "100MB")
        assert _memory_by_tag(con)["BASE_TABLE"] < cached / 4
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == limit
        assert con.execute(read).fetchone() == (100000, 256)  # read again from the file
    finally:
        con.close()


def test_the_servers_connection_never_filters_a_join_through_a_key_index(demo_db, tmp_path):
    """The server's capped connection turns off the join filters that read a table's key index (at scale a
    search loaded 43 MB of it, never given back); every cursor, a connection of its own, has it off too."""
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    setting = "SELECT current_setting('dynamic_or_filter_threshold')"
    plain = db.connect(copy)
    try:
        assert plain.execute(setting).fetchone()[0] > 0  # DuckDB's default, for tools and tests
    finally:
        plain.close()
    serving = db.connect(copy, memory_limit="100MB")
    try:
        assert serving.cursor().execute(setting).fetchone()[0] == 0
    finally:
        serving.close()


class RecordingConnection:
    """A connection that notes every statement it runs (DuckDB's own connection cannot be patched)."""

    def __init__(self, con):
        self.con, self.statements = con, []

    def execute(self, sql, *args):
        self.statements.append(sql)
        return self.con.execute(sql, *args)

    def cursor(self):
        return self.con.cursor()


def test_a_file_marked_with_this_schema_skips_the_ddl_until_the_ddl_or_its_columns_change(demo_db, tmp_path,
                                                                                         monkeypatch):
    import shutil

    path = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, path)  # build_demo applied the schema and marked the file
    con = db.connect(path)
    recorder = RecordingConnection(con)
    db.apply_schema(recorder)
    assert not any("CREATE TABLE" in s for s in recorder.statements), "the DDL ran on a marked file"

    # a column another program dropped: the DDL runs again and puts it back
    con.execute("ALTER TABLE import_audit DROP COLUMN undone_by")
    recorder.statements.clear()
    db.apply_schema(recorder)
    assert any("CREATE TABLE" in s for s in recorder.statements)
    assert "undone_by" in {r[0] for r in con.execute("DESCRIBE import_audit").fetchall()}

    # a new DDL statement (a new version of the app): it runs, once
    ddl = db.schema_sql() + "\nCREATE TABLE IF NOT EXISTS schema_mark_probe (id INTEGER);"
    monkeypatch.setattr(db, "schema_sql", lambda: ddl)
    db.apply_schema(con)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_mark_probe'").fetchone()[0] == 1
    recorder.statements.clear()
    db.apply_schema(recorder)
    assert not any("CREATE TABLE" in s for s in recorder.statements)
    con.close()

"""The benchmark's own parts: page selection, query timing, and the printed table."""
from alliance import bench, db


def test_pages_fill_in_the_city_and_a_missing_page_is_an_error_not_left_out(tmp_path, monkeypatch):
    (tmp_path / "pages").mkdir()
    for page in bench.PAGES:
        if page[1] != "city":
            (tmp_path / "pages" / f"{page[1]}.py").write_text("")
    monkeypatch.setattr(bench, "REPO_ROOT", tmp_path)
    pages = bench.bench_pages("aarhus-dk")
    assert [p[0] for p in pages][:5] == ["/", "/map", "/practices?q=youth&approach=family_support",
                                         "/benchmark?city=aarhus-dk", "/city?city=aarhus-dk"]
    assert pages[4][2] == {"city": "aarhus-dk"}
    assert bench.missing_pages(pages) == ["/city?city=aarhus-dk"]
    # the missing page is in the results as an error; nothing is run for it
    only_city = [p for p in pages if p[1] == "city"]
    assert bench.script_times(tmp_path / "none.duckdb", only_city, runs=1) == {
        "/city?city=aarhus-dk": {"cold_ms": None, "warm_ms": None, "errors": [bench.MISSING]}}
    assert "ERROR page file missing" in bench.format_table({"datasets": {"demo": {
        "path": "x", "queries_ms": {}, "script": {"/city?city=aarhus-dk": {
            "cold_ms": None, "warm_ms": None, "errors": [bench.MISSING]}}}}})


def test_every_registered_page_is_benchmarked():
    import app

    assert {name for name, *_ in app.PAGE_SPECS} == {p[1] for p in bench.PAGES}


def test_every_named_query_without_required_parameters_is_timed(demo_db):
    times = bench.time_named_queries(demo_db, "aarhus-dk", runs=1)
    plain = {q.name for q in db.list_queries() if all(p.default is not None for p in q.params)}
    assert plain <= set(times)
    assert all(v > 0 for v in times.values())


def test_table_lists_each_page_and_the_baseline():
    report = {"datasets": {"demo": {
        "path": "x.duckdb", "build_s": 1.5, "queries_ms": {"q1": 2.0},
        "script": {"/": {"cold_ms": 80.0, "warm_ms": 50.0, "errors": []}},
        "browser": {"baseline_s": 1.0, "bare_map_s": 2.0, "peak_memory_mb_10_sessions": 180.0,
                    "pages": {"/": {"settle_s": 1.4, "ratio": 1.4, "bytes_sent": 2048}}}}}}
    text = bench.format_table(report)
    assert "built in 1.5 s" in text
    assert "/ " in text and "80.0" in text and "2.0" in text
    assert "one-line page 1.0 s" in text and "180.0 MB" in text

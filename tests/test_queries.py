"""Each overview query returns what its header says, checked against the raw tables with pandas."""
import pandas as pd
import pytest

from alliance import db


@pytest.fixture(scope="module")
def con(demo_db):
    return db.connect(demo_db, read_only=True)


def table(con, name):
    return con.execute(f"SELECT * FROM {name}").df()


def test_overview_figures(con):
    members, acts, assess = table(con, "members"), table(con, "activities"), table(con, "assessments")
    row = db.run_query(con, "overview_figures").iloc[0]
    current = members[members["status"] != "former"]
    live = acts[acts["status"] != "archived"]
    done = assess[assess["status"] != "draft"]
    assert row["members"] == len(current)
    assert row["countries"] == current["country_code"].nunique()
    assert row["activities"] == len(live)
    assert row["evaluated_activities"] == live["evaluation"].isin(["external", "peer_reviewed"]).sum()
    assert row["latest_round"] == done["round_year"].max()
    assert row["assessed_in_latest_round"] == (done["round_year"] == done["round_year"].max()).sum()


def test_members_per_country(con):
    members = table(con, "members")
    expected = members[members["status"] != "former"].groupby("country_code").size()
    got = db.run_query(con, "members_per_country").set_index("country_code")["members"]
    assert got.to_dict() == expected.to_dict()
    assert list(got) == sorted(got, reverse=True)


def test_activities_by_approach_counts_live_activities_and_every_approach(con):
    acts = table(con, "activities")
    links = table(con, "activity_approaches")
    live = links.merge(acts[acts["status"] != "archived"][["id"]], left_on="activity_id", right_on="id")
    expected = live.groupby("approach_id").size()
    got = db.run_query(con, "activities_by_approach").set_index("approach_id")["activities"]
    assert set(got.index) == set(table(con, "approaches")["id"])
    for approach, count in got.items():
        assert count == expected.get(approach, 0), approach


def test_newest_activities_are_newest_and_not_archived(con):
    got = db.run_query(con, "newest_activities", limit=5)
    acts = table(con, "activities")
    live = acts[(acts["status"] != "archived") & (acts["start_year"] <= pd.Timestamp.now().year)]
    assert len(got) == 5
    assert got["start_year"].min() >= live["start_year"].nlargest(5).min()
    assert list(got["start_year"]) == sorted(got["start_year"], reverse=True)

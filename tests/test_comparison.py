"""alliance.comparison and the bench_* queries on the demonstration database: drafts never count, the
comparison agrees with a direct computation from the raw tables, tiny groups are withheld."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from alliance import comparison as cmp
from alliance import db, scoring

CITY = "aarhus-dk"


@pytest.fixture(scope="module")
def con(demo_db):
    return db.connect(demo_db, read_only=True)


def framework(con) -> cmp.Framework:
    return cmp.Framework(db.run_query(con, "bench_dimensions"), db.run_query(con, "bench_descriptors"),
                         db.run_query(con, "bench_dimension_approaches"))


def build(con, city=CITY, round_year=2025, **kwargs) -> cmp.Comparison:
    return cmp.compare(city, round_year, members=db.run_query(con, "bench_members"),
                       round_answers=db.run_query(con, "bench_round_scores", round_year=round_year),
                       history=db.run_query(con, "bench_city_history", member_id=city), framework=framework(con),
                       **kwargs)


def raw_indices(con, round_year: int) -> pd.Series:
    """Overall index per member straight from the tables: mean of level*20 over applicable answers."""
    frame = con.execute("""
        SELECT a.member_id, avg(s.level * 20.0) AS idx
        FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id
        JOIN members m ON m.id = a.member_id
        WHERE a.round_year = ? AND a.status <> 'draft' AND NOT s.not_applicable AND m.status <> 'former'
        GROUP BY a.member_id""", [round_year]).df()
    return frame.set_index("member_id")["idx"]


def test_index_and_peer_median_match_the_raw_tables(con):
    result = build(con)
    expected = raw_indices(con, 2025)
    assert result.city_indices["overall"] == pytest.approx(expected[CITY])
    peers = expected.drop(CITY)
    assert result.group.size == len(peers)
    assert result.positions.at["overall", "median"] == pytest.approx(peers.median())
    below = (peers < expected[CITY]).sum() + 0.5 * (peers == expected[CITY]).sum()
    assert result.positions.at["overall", "percentile"] == pytest.approx(below / len(peers) * 100)


def test_drafts_never_count(writable_db):
    con = duckdb.connect(str(writable_db))
    con.execute("UPDATE assessments SET status = 'draft' WHERE member_id = ? AND round_year = 2025", [CITY])
    scores = db.run_query(con, "bench_round_scores", round_year=2025)
    assert CITY not in set(scores["member_id"]) and len(scores) > 0
    history = db.run_query(con, "bench_city_history", member_id=CITY)
    assert 2025 not in set(history["round_year"]) and len(history) > 0
    with pytest.raises(KeyError):
        build(con)
    con.close()


def test_tiny_group_is_withheld(con):
    members = db.run_query(con, "bench_members")
    assert (members["country_code"] == "DK").sum() < scoring.MIN_PEER_GROUP + 1
    result = build(con, kind="country")
    assert not result.shown and result.group.reason == scoring.REASON_TOO_SMALL
    assert result.positions["median"].isna().all() and result.gaps.empty and result.spread["median"].isna().all()
    # the city's own scores and next steps are still there
    assert result.city_indices["overall"] > 0 and len(result.next_steps) == 3


def test_custom_weights_change_the_index_and_are_flagged(con):
    plain = build(con)
    heavy = {d: (10.0 if d == int(plain.gaps.iloc[0]["dimension_id"]) else 1.0) for d in framework(con).dimension_ids}
    weighted = build(con, weights=heavy)
    assert weighted.custom_weights and not plain.custom_weights
    assert weighted.city_indices["overall"] != pytest.approx(plain.city_indices["overall"])


def test_trend_and_learn_from(con):
    result = build(con)
    assert list(result.trend["round_year"]) == sorted(result.trend["round_year"])
    assert result.change_since_last_round() == pytest.approx(result.trend["change"].iloc[-1])
    answers = db.run_query(con, "bench_round_scores", round_year=2025)
    candidates = cmp.learn_from_candidates(result, answers)
    assert (candidates["level"] >= 4).all() and CITY not in set(candidates["member_id"])
    assert set(candidates["dimension_id"]) <= set(result.weak_dimensions)
    acts = db.run_query(con, "bench_member_activities", member_ids=sorted(set(candidates["member_id"])))
    peers = cmp.suggested_peers(result, candidates, acts, framework(con), db.run_query(con, "bench_members"))
    assert not peers.empty and peers["name"].notna().all()


@pytest.mark.parametrize("heavy", [None, 12])
def test_peer_trend_query_agrees_with_scoring(con, heavy):
    fw = framework(con)
    weights = None if heavy is None else {d: (6.0 if d == heavy else 1.0) for d in fw.dimension_ids}
    result = build(con, weights=weights)
    trend = db.run_query(con, "bench_peer_trend", member_ids=list(result.group.member_ids),
                         weights=cmp.weights_by_position(result.weights))
    last = trend.set_index("round_year").loc[2025]
    assert last["n"] == result.positions.at["overall", "n"]
    assert last["median"] == pytest.approx(result.positions.at["overall", "median"])
    assert last["q1"] == pytest.approx(result.positions.at["overall", "q1"])
    assert list(trend["round_year"]) == sorted(trend["round_year"])


def test_weights_by_position_and_small_rounds_hidden():
    assert cmp.weights_by_position({2: 3.0, 1: 1.0, 4: 2.0}) == [1.0, 3.0, 0.0, 2.0]
    frame = pd.DataFrame({"round_year": [2021, 2023], "n": [4, 9], "median": [10.0, 20.0]})
    assert list(cmp.shown_peer_trend(frame)["round_year"]) == [2023]


def test_weights_survive_a_link(con):
    fw = framework(con)
    weights = fw.default_weights | {1: 2.0, 14: 0.0, 7: 0.5}
    text = cmp.weights_param(weights, fw)
    assert text == f"{fw.codes[1]}:2,{fw.codes[7]}:0.5,{fw.codes[14]}:0"
    assert cmp.weights_from_param(text, fw) == (weights, [])
    assert cmp.weights_param(fw.default_weights, fw) is None
    # case, spaces and order do not matter; left-out dimensions keep their default
    loose = f" {fw.codes[14].upper()} : 0 ,{fw.codes[1]}:2, {fw.codes[7]}:.5,"
    assert cmp.weights_from_param(loose, fw) == (weights, [])


@pytest.mark.parametrize("text, reason", [
    ("nosuch:2", "unknown_dimension"), ("leadership", "malformed"), ("leadership:abc", "not_a_number"),
    ("leadership:-1", "out_of_range"), ("leadership:11", "out_of_range"), ("leadership:nan", "out_of_range"),
    ("leadership:inf", "out_of_range"), ("leadership:1,leadership:2", "repeated")])
def test_bad_weights_in_a_link_fall_back_to_the_defaults(con, text, reason):
    fw = framework(con)
    weights, problems = cmp.weights_from_param(f"strategy:3,{text}", fw)
    assert weights == fw.default_weights
    assert [r for _, r in problems] == [reason]


def test_all_zero_weights_in_a_link_fall_back_to_the_defaults(con):
    fw = framework(con)
    weights, problems = cmp.weights_from_param(",".join(f"{c}:0" for c in fw.codes.values()), fw)
    assert weights == fw.default_weights and [r for _, r in problems] == ["all_zero"]

"""alliance.scoring: hand-computed examples, not-applicable answers, weights, tiny groups, ties, properties."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance import scoring


def answers(rows):
    """Long answers from (member, dimension, level-or-None)."""
    return pd.DataFrame([{"member_id": m, "dimension_id": d, "level": lvl, "not_applicable": lvl is None}
                         for m, d, lvl in rows])


def members_frame(rows):
    return pd.DataFrame(rows, columns=["id", "country_code", "region", "population"])


# ------------------------------------------------------------------------------------------ scores
def test_level_to_score_scale():
    assert [scoring.level_to_score(lvl) for lvl in range(6)] == [0, 20, 40, 60, 80, 100]
    assert math.isnan(scoring.level_to_score(None))
    with pytest.raises(ValueError):
        scoring.level_to_score(6)


def test_index_hand_computed_equal_weights():
    # levels 2, 3, 4 -> scores 40, 60, 80 -> mean 60
    assert scoring.index_of_levels({1: 2, 2: 3, 3: 4}) == pytest.approx(60.0)


def test_not_applicable_leaves_the_denominator():
    # 5 -> 100, 0 -> 0, third not applicable: (100 + 0) / 2, not / 3
    assert scoring.index_of_levels({1: 5, 2: 0, 3: None}) == pytest.approx(50.0)


def test_no_applicable_dimension_has_no_index():
    assert scoring.index_of_levels({1: None, 2: None}) is None
    matrix = scoring.score_matrix(answers([("a", 1, None), ("a", 2, None), ("b", 1, 3), ("b", 2, None)]))
    index = scoring.weighted_index(matrix)
    assert math.isnan(index["a"]) and index["b"] == pytest.approx(60.0)


def test_weights_hand_computed():
    # 100 weighted 3 and 0 weighted 1: 300 / 4 = 75
    assert scoring.index_of_levels({1: 5, 2: 0}, {1: 3, 2: 1}) == pytest.approx(75.0)
    # a not-applicable dimension's weight also leaves the denominator: 100*3 / 3
    assert scoring.index_of_levels({1: 5, 2: 0, 3: None}, {1: 3, 2: 0, 3: 5}) == pytest.approx(100.0)


def test_weights_validated():
    ids = [1, 2]
    assert scoring.validate_weights({1: 2}, ids) == {1: 2.0, 2: 0.0}
    for bad in ({1: -1}, {1: float("nan")}, {1: 0, 2: 0}, {3: 1}):
        with pytest.raises(ValueError):
            scoring.validate_weights(bad, ids)


def test_weights_are_custom_ignores_uniform_rescale():
    defaults = {1: 1.0, 2: 1.0}
    assert not scoring.weights_are_custom({1: 2.0, 2: 2.0}, defaults)
    assert scoring.weights_are_custom({1: 2.0, 2: 1.0}, defaults)


def test_score_matrix_refuses_levels_out_of_range():
    with pytest.raises(ValueError):
        scoring.score_matrix(answers([("a", 1, 7)]))


def test_sub_indices_per_group():
    matrix = scoring.score_matrix(answers([("a", 1, 5), ("a", 2, 0), ("a", 3, 2), ("a", 4, None)]))
    groups = {1: "gov", 2: "gov", 3: "prev", 4: "int"}
    frame = scoring.all_indices(matrix, groups)
    row = frame.loc["a"]
    assert row["gov"] == pytest.approx(50.0)
    assert row["prev"] == pytest.approx(40.0)
    assert math.isnan(row["int"])  # its only dimension is not applicable
    assert row["overall"] == pytest.approx((100 + 0 + 40) / 3)


# ------------------------------------------------------------------------------------ distributions
def test_distribution_quartiles_hand_computed():
    d = scoring.distribution([80, 0, 40, 20, 60, None])
    assert (d.n, d.q1, d.median, d.q3, d.iqr) == (5, 20.0, 40.0, 60.0, 40.0)
    assert scoring.distribution([None, float("nan")]) is None


def test_percentile_band_hand_computed_and_ties():
    peers = [10, 20, 30, 40]
    band = scoring.percentile_band(35, peers)  # 3 of 4 below
    assert band.percentile == pytest.approx(75.0) and band.quarter == 4
    band = scoring.percentile_band(5, peers)
    assert band.percentile == 0 and band.quarter == 1
    # ties count half: 1 below, 2 equal of 4 -> (1 + 1) / 4 = 50
    assert scoring.percentile_band(20, [10, 20, 20, 40]).percentile == pytest.approx(50.0)
    # everybody equal: the city is at the median, all tied values share one band
    assert scoring.percentile_band(60, [60] * 6).percentile == pytest.approx(50.0)
    assert scoring.percentile_band(float("nan"), peers) is None
    assert scoring.percentile_band(50, []) is None


def test_gaps_sorted_largest_shortfall_first_with_stable_ties():
    peers = scoring.score_matrix(answers([(p, d, lvl) for p in "pqrst" for d, lvl in ((1, 3), (2, 3), (3, 1))]))
    city = pd.Series({1: 20.0, 2: 20.0, 3: 100.0})
    gaps = scoring.gaps_to_median(city, peers)
    assert list(gaps["dimension_id"]) == [1, 2, 3]  # 1 and 2 tie at -40: id order
    assert list(gaps["gap"]) == [-40.0, -40.0, 80.0]


# -------------------------------------------------------------------------------------- peer groups
@pytest.fixture
def town_members():
    rows = [("me-dk", "DK", "northern", 60_000)]
    rows += [(f"dk{i}-dk", "DK", "northern", 70_000 + i) for i in range(4)]  # 4 same-country peers
    rows += [(f"fr{i}-fr", "FR", "western", 200_000 + i) for i in range(6)]
    rows += [(f"se{i}-se", "SE", "northern", 90_000) for i in range(2)]
    rows += [("nopop-fr", "FR", "western", None)]
    return members_frame(rows)


def test_population_bands_boundaries():
    assert scoring.population_band(49_999) == "lt50k"
    assert scoring.population_band(50_000) == "50k_100k"
    assert scoring.population_band(1_000_000) == "gt1m"
    assert scoring.population_band(None) is None
    keys = [b[0] for b in scoring.POPULATION_BANDS]
    assert len(keys) == len(set(keys)) == 6


def test_tiny_group_is_refused_with_reason(town_members):
    scored = town_members["id"]
    group = scoring.peer_group("country", "me-dk", town_members, scored)
    assert group.size == 4 and not group.ok and group.reason == scoring.REASON_TOO_SMALL
    assert "me-dk" not in group.member_ids


def test_groups_of_five_or_more_are_shown(town_members):
    scored = town_members["id"]
    region = scoring.peer_group("region", "me-dk", town_members, scored)
    assert region.ok and region.size == 6  # 4 DK + 2 SE, the city itself excluded
    band = scoring.peer_group("population", "me-dk", town_members, scored)
    assert band.ok and set(band.member_ids) == {"dk0-dk", "dk1-dk", "dk2-dk", "dk3-dk", "se0-se", "se1-se"}
    everyone = scoring.peer_group("all", "me-dk", town_members, scored)
    assert everyone.size == len(town_members) - 1


def test_only_scored_members_count(town_members):
    scored = [i for i in town_members["id"] if not i.startswith("se")]
    group = scoring.peer_group("region", "me-dk", town_members, scored)
    assert not group.ok and group.size == 4


def test_population_unknown_and_unknown_kind(town_members):
    group = scoring.peer_group("population", "nopop-fr", town_members, town_members["id"])
    assert not group.ok and group.reason == scoring.REASON_NO_POPULATION
    assert scoring.peer_group("bogus", "me-dk", town_members, []).reason == scoring.REASON_UNKNOWN_KIND


def test_custom_group_reports_unknown_ids(town_members):
    chosen = ["fr0-fr", "fr1-fr", "fr2-fr", "fr3-fr", "fr4-fr", "ghost-xx", "me-dk"]
    group = scoring.peer_group("custom", "me-dk", town_members, town_members["id"], chosen=chosen)
    assert group.ok and group.size == 5 and group.detail["unknown"] == ["ghost-xx"]
    empty = scoring.peer_group("custom", "me-dk", town_members, town_members["id"], chosen=[])
    assert not empty.ok and empty.reason == scoring.REASON_EMPTY_CHOICE


def test_most_similar_by_profile_and_size():
    members = members_frame([("me", "DK", "northern", 100_000), ("twin", "DK", "northern", 100_000),
                             ("big", "DK", "northern", 10_000_000), ("far", "DK", "northern", 100_000)])
    matrix = scoring.score_matrix(answers([("me", 1, 2), ("me", 2, 2), ("twin", 1, 2), ("twin", 2, 3),
                                           ("big", 1, 2), ("big", 2, 2), ("far", 1, 5), ("far", 2, 5)]))
    features = scoring.similarity_features(members, matrix)
    # twin: profile 0.1, size 0; big: profile 0, size 2; far: profile 0.6, size 0
    assert scoring.most_similar("me", features, k=3) == ["twin", "far", "big"]
    assert scoring.most_similar("me", features, k=1) == ["twin"]
    group = scoring.peer_group("similar", "me", members, ["twin", "big", "far"], features=features, k=3)
    assert not group.ok and group.reason == scoring.REASON_TOO_SMALL and group.size == 3


# ------------------------------------------------------------------------------- trend, next steps
def test_trend_change_since_previous_round():
    frame = scoring.trend(pd.Series({2025: 60.0, 2021: 40.0, 2023: float("nan"), 2019: 30.0}))
    assert list(frame["round_year"]) == [2019, 2021, 2025]
    assert math.isnan(frame["change"].iloc[0])
    assert list(frame["change"].iloc[1:]) == [10.0, 20.0]


DESCRIPTORS = pd.DataFrame([{"dimension_id": d, "level": lvl, "descriptor_en": f"d{d} level {lvl}"}
                            for d in (1, 2, 3, 4) for lvl in range(6)])


def test_next_steps_weakest_first_with_next_descriptor():
    levels = {1: 3, 2: 1, 3: 5, 4: None}
    steps = scoring.next_steps(levels, DESCRIPTORS, limit=3)
    # 4 is not applicable and 3 is at the top: only 2 then 1
    assert list(steps["dimension_id"]) == [2, 1]
    assert list(steps["descriptor_en"]) == ["d2 level 2", "d1 level 4"]


def test_next_steps_ties_broken_by_gap_then_weight():
    levels = {1: 2, 2: 2, 3: 2}
    gaps = pd.DataFrame({"dimension_id": [1, 2, 3], "gap": [-10.0, -30.0, -10.0]})
    assert scoring.weakest_dimensions(levels, gaps=gaps, limit=3) == [2, 1, 3]
    assert scoring.weakest_dimensions(levels, gaps=gaps, weights={1: 1, 2: 1, 3: 2}, limit=3) == [2, 3, 1]
    # a zero weight takes the dimension out of the advice
    assert scoring.weakest_dimensions(levels, weights={1: 1, 2: 0, 3: 1}, limit=3) == [1, 3]


def test_learn_from_matches_strong_peers_and_approaches():
    peer_answers = pd.DataFrame({"member_id": ["p", "q", "r", "s"], "dimension_id": [7, 7, 7, 8],
                                 "level": [5, 4, 3, 5]})
    dim_approaches = pd.DataFrame({"dimension_id": [7, 7], "approach_id": ["youth", "online"]})
    activities = pd.DataFrame({"activity_id": ["a1", "a2", "a3", "a4"], "member_id": ["p", "q", "q", "r"],
                               "approach_id": ["family", "youth", "online", "youth"],
                               "title": ["P family", "Q youth", "Q online", "R youth"]})
    out = scoring.learn_from([7], peer_answers, dim_approaches, activities)
    # r is level 3, s is strong in another dimension; p has no matching activity but still appears
    assert set(out["member_id"]) == {"p", "q"}
    assert list(out["member_id"]) == ["p", "q", "q"]  # level 5 first
    assert out.loc[out["member_id"] == "p", "activity_id"].isna().all()
    assert set(out.loc[out["member_id"] == "q", "title"]) == {"Q youth", "Q online"}


def test_learn_from_lists_a_title_once_per_peer():
    """Two activities of one peer with the same title (e.g. a programme restarted) are one line, not two."""
    peer_answers = pd.DataFrame({"member_id": ["p"], "dimension_id": [7], "level": [5]})
    dim_approaches = pd.DataFrame({"dimension_id": [7, 7], "approach_id": ["youth", "online"]})
    activities = pd.DataFrame({"activity_id": ["a1", "a2", "a3", "a1"], "member_id": ["p", "p", "p", "p"],
                               "approach_id": ["youth", "youth", "online", "online"],
                               "title": ["Safety partnership", "Safety partnership", "Online work",
                                         "Safety partnership"]})
    out = scoring.learn_from([7], peer_answers, dim_approaches, activities)
    assert list(out["title"]) == ["Safety partnership", "Online work"]


# ------------------------------------------------------------------------------------- properties
levels_strategy = st.one_of(st.none(), st.integers(0, 5))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(1, 14), levels_strategy, min_size=1, max_size=14),
       st.dictionaries(st.integers(1, 14), st.floats(0.01, 100), min_size=14, max_size=14))
def test_property_index_within_0_100(levels, weights):
    value = scoring.index_of_levels(levels, weights)
    if all(v is None for v in levels.values()):
        assert value is None
    else:
        assert 0.0 <= value <= 100.0
        applicable = [scoring.level_to_score(v) for v in levels.values() if v is not None]
        assert min(applicable) - 1e-9 <= value <= max(applicable) + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(levels_strategy, min_size=4, max_size=4), min_size=5, max_size=20),
       st.integers(0, 5), st.randoms(use_true_random=False))
def test_property_unchanged_by_permuting_peers(peer_levels, city_level, rnd):
    rows = [(f"p{i:02d}", d + 1, lvl) for i, levels in enumerate(peer_levels) for d, lvl in enumerate(levels)]
    matrix = scoring.score_matrix(answers(rows))
    shuffled = matrix.sample(frac=1.0, random_state=rnd.randint(0, 2**31 - 1))
    city_index = scoring.level_to_score(city_level)
    city = pd.Series({d: city_index for d in range(1, 5)})

    def summary(m):
        idx = scoring.weighted_index(m)
        return scoring.distribution(idx), scoring.percentile_band(city_index, idx)

    assert summary(matrix) == summary(shuffled)
    pd.testing.assert_frame_equal(scoring.gaps_to_median(city, matrix), scoring.gaps_to_median(city, shuffled))
    pd.testing.assert_frame_equal(scoring.dimension_spread(matrix), scoring.dimension_spread(shuffled))
    # each peer's own index does not depend on its row position either
    pd.testing.assert_series_equal(scoring.weighted_index(matrix), scoring.weighted_index(shuffled).loc[matrix.index])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=30), st.floats(0, 100))
def test_property_percentile_band_in_range(values, value):
    band = scoring.percentile_band(value, values)
    assert 0 <= band.percentile <= 100 and 1 <= band.quarter <= 4
    assert band.lower <= band.percentile <= band.upper or band.percentile == 100

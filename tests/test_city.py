"""Unit tests of alliance.city: safe website links, similar cities, radar series, year spans."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance import city, scoring


@pytest.mark.parametrize("url, safe", [
    ("https://www.aarhus.dk", True), ("http://example.org/a?b=1", True), ("  https://x.eu  ", True),
    ("javascript:alert(1)", False), ("JAVASCRIPT:alert(1)", False), ("data:text/html,<b>", False),
    ("https://x.eu/<script>", False), ("www.example.org", False), (None, False), (float("nan"), False), ("", False),
])
def test_safe_website(url, safe):
    assert (city.safe_website(url) is not None) == safe


def members_and_matrix():
    members = pd.DataFrame({"id": ["a", "b", "c", "d", "e"],
                            "population": [100_000, 110_000, 1_000_000, 95_000, None]})
    matrix = pd.DataFrame({1: [60.0, 20.0, 60.0, 60.0], 2: [40.0, 80.0, 40.0, 40.0]}, index=["a", "b", "c", "d"])
    return members, matrix


def test_similar_by_profile_uses_scoring():
    members, matrix = members_and_matrix()
    found, basis = city.similar_cities("a", members, matrix, k=3)
    assert basis == "profile"
    features = scoring.similarity_features(members[members["id"].isin(matrix.index)], matrix)
    assert found == scoring.most_similar("a", features, 3)
    assert found[0] == "d"  # same profile, nearly the same size
    assert "a" not in found


def test_similar_by_size_without_scores():
    members, matrix = members_and_matrix()
    found, basis = city.similar_cities("a", members, None, k=2)
    assert basis == "size" and found == ["d", "b"]
    assert city.similar_cities("e", members, None) == ([], "size")  # unknown population: nothing to match
    found, basis = city.similar_cities("a", members, matrix.drop(index="a"), k=1)
    assert basis == "size" and found == ["d"]


def test_radar_series_in_framework_order():
    dims = pd.DataFrame({"dimension_id": [2, 1], "short_en": ["Two", "One"]})
    scores = pd.Series({1: 20.0, 2: np.nan})
    spread = pd.DataFrame({"median": [50.0, 60.0], "q1": [40.0, 50.0], "q3": [70.0, 80.0]}, index=[1, 2])
    series = city.radar_series(dims, scores, spread, "short_en")
    assert series == {"labels": ["Two", "One"], "city": [None, 20.0], "median": [60.0, 50.0],
                      "q1": [50.0, 40.0], "q3": [80.0, 70.0]}
    assert city.radar_series(dims, scores, None, "short_en")["median"] == [None, None]


def test_year_span():
    assert city.year_span(2015, pd.NA) == "2015–"
    assert city.year_span(2016, 2016) == "2016"
    assert city.year_span(2012, 2017) == "2012–2017"
    assert city.year_span(None, 2017) == "–"


MEMBERS = pd.DataFrame({"id": ["aarhus-dk", "liege-be", "gdansk-pl", "lodz-pl", "den-haag-nl", "arnhem-nl",
                               "rotterdam-nl"],
                        "name": ["Aarhus", "Liège", "Gdańsk", "Łódź", "Den Haag", "Arnhem", "Rotterdam"]})


@pytest.mark.parametrize("text, key", [("Liège", "liege"), ("Łódź", "lodz"), ("den-haag", "denhaag"),
                                       ("GDAŃSK", "gdansk"), ("Ærø_x", "aerox")])
def test_name_key_ignores_accents_case_and_punctuation(text, key):
    assert city.name_key(text) == key


@pytest.mark.parametrize("wanted, first", [("arhus", "aarhus-dk"), ("liege", "liege-be"), ("Gdansk", "gdansk-pl"),
                                           ("LIÈGE", "liege-be"), ("lodz", "lodz-pl"), ("den haag", "den-haag-nl"),
                                           ("aarhus-de", "aarhus-dk"), ("roterdam", "rotterdam-nl")])
def test_closest_members_suggests_the_member_meant(wanted, first):
    assert city.closest_members(wanted, MEMBERS)[0] == first


@pytest.mark.parametrize("wanted", ["nowhere-xx", "<script>alert(1)</script>", "", "   ", None, "../../etc/passwd",
                                    "x" * 10_000])
def test_closest_members_suggests_nothing_for_what_is_not_close(wanted):
    assert city.closest_members(wanted, MEMBERS) == []


def test_closest_members_best_first_and_at_most_n():
    found = city.closest_members("arhem", MEMBERS, n=2)
    assert found[0] == "arnhem-nl" and len(found) <= 2


def test_titled_links_carry_any_title_back_as_written():
    titles = ["Youth & families, 100% #1 + more", "Sortie de l'extrémisme : <b>soutien</b>", "a/b?c=d"]
    links = city.titled_links(["p-1", "p 2", "p-3"], titles, lang="fr")
    assert links[0].startswith("practices?id=p-1&lang=fr#") and links[1].startswith("practices?id=p%202&lang=fr#")
    assert [city.link_title(link) for link in links] == titles
    assert all(link.count("#") == 1 for link in links)
    assert city.titled_links(["x"], ["T"]) == ["practices?id=x#T"]


def test_standing_counts_areas_below_and_above_the_median_and_names_the_extremes():
    ids = [1, 2, 3, 4, 5]
    scores = pd.Series({1: 20.0, 2: 60.0, 3: 40.0, 4: float("nan"), 5: 0.0})
    medians = pd.Series({1: 40.0, 2: 40.0, 3: 40.0, 4: 60.0, 5: 60.0})
    found = city.standing(ids, scores, medians, not_applicable=[4])
    assert (found.total, found.compared, found.below, found.above, found.level) == (5, 4, 2, 1, 1)
    assert (found.best, found.worst, found.not_applicable) == (2, 5, [4])
    names = {1: "Leadership", 2: "Strategy", 3: "Diagnosis", 4: "Frontline training", 5: "Evaluation"}
    lines = city.standing_text(found, names, index=28.4, index_median=45.0, band="of 250,000 to 500,000 inhabitants")
    assert lines == ["An index of 28 out of 100, against a median of 45 for cities of 250,000 to 500,000 inhabitants.",
                     "Below their median in 2 of 4 areas, above it in 1, level with it in 1.",
                     "Strongest compared with them: Strategy. Weakest: Evaluation."]
    note = city.not_applicable_text(found, names, "Aarhus")
    assert note.startswith("Not counted: Frontline training, which Aarhus marked as not applicable")
    assert "the other 4 of the 5 areas" in note


def test_standing_without_a_peer_median_says_nothing_about_peers():
    found = city.standing([1, 2], pd.Series({1: 20.0, 2: 40.0}), None)
    assert found.compared == 0 and city.standing_text(found, {1: "a", 2: "b"}, index=30, index_median=None,
                                                      band="") == []
    assert city.not_applicable_text(found, {1: "a", 2: "b"}, "X") is None


def test_find_cities_ignores_accents_and_case_puts_names_beginning_with_it_first_and_counts_all():
    members = pd.DataFrame({"id": ["aachen-de", "la-louviere-be", "liege-be", "lille-fr", "seraing-be", "vilnius-lt"],
                            "name": ["Aachen", "La Louvière", "Liège", "Lille", "Seraing", "Vilnius"]})
    keys = city.search_keys(members)
    assert city.find_cities("LIÈGE", keys) == (["liege-be"], 1)
    assert city.find_cities("li", keys) == (["liege-be", "lille-fr"], 2)
    assert city.find_cities("v", keys) == (["vilnius-lt", "la-louviere-be"], 2)  # names beginning with it first
    assert city.find_cities("l", keys, limit=2) == (["la-louviere-be", "liege-be"], 4)  # at most limit, all counted
    assert city.find_cities("ouvi", keys) == (["la-louviere-be"], 1)  # inside a name
    assert city.find_cities("-be", keys) == (["la-louviere-be", "liege-be", "seraing-be"], 3)  # the id's country
    assert city.find_cities("xyz", keys) == ([], 0)
    assert city.find_cities("  ", keys, limit=3) == (["aachen-de", "la-louviere-be", "liege-be"], 6)  # nothing typed
    assert city.find_cities(None, keys) == (list(keys), 6)

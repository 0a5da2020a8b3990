"""/explore's logic: member parameters, what a form lacks, names typed for ids, which quick chart fits, and
a plain description of every ready-made query in every language."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from alliance import db, explore, i18n
from alliance.db import NamedQuery, QueryParam
from alliance.sandbox import Sandbox


@pytest.fixture(scope="module")
def offered(demo_db):
    """The ready-made queries /explore offers: those the sandbox can run."""
    con = duckdb.connect(str(demo_db), read_only=True)
    box = Sandbox(con)
    try:
        yield [q for q in db.list_queries() if box.runnable(q)]
    finally:
        box.close()
        con.close()


@pytest.mark.parametrize("name, member", [
    ("member_id", True), ("member_ids", True), ("lead_member", True), ("peer_member_ids", True),
    ("members", True), ("ids", False), ("id", False), ("membership", False), ("member_count", False),
    ("remember", False),
])
def test_member_parameters_are_told_by_name(name, member):
    assert explore.is_member_param(name) is member


def test_the_param_types_keep_their_list_brackets():
    query = db.load_query("bench_member_activities")
    assert [p.type for p in query.params] == ["VARCHAR[]"]
    assert explore.is_list_param(query.params[0])


def test_parse_list_gives_numbers_and_names_a_bad_item():
    weights = QueryParam("weights", "DOUBLE[]", None, "")
    assert explore.parse_list("1, 2.5 ,3", weights) == [1.0, 2.5, 3.0]
    with pytest.raises(ValueError, match="two"):
        explore.parse_list("1, two", weights)
    assert explore.parse_list(" be, fr ,", QueryParam("countries", "LIST", "NULL", "")) == ["be", "fr"]


def test_missing_and_unknown_members():
    query = NamedQuery("q", "", (QueryParam("member_id", "VARCHAR", None, ""),
                                 QueryParam("limit", "INTEGER", "8", "")))
    assert [p.name for p in explore.missing_params(query, {"member_id": None})] == ["member_id"]
    assert explore.missing_params(query, {"member_id": "aarhus-dk"}) == []
    assert [v for _, v in explore.unknown_members(query, {"member_id": "Aarhus"}, {"aarhus-dk"})] == ["Aarhus"]
    assert explore.unknown_members(query, {"member_id": "aarhus-dk"}, {"aarhus-dk"}) == []


def test_a_name_typed_for_an_id_finds_the_one_member():
    names = {"aarhus-dk": "Aarhus", "liege-be": "Liège", "la-paz-x": "Paz", "paz-y": "Paz"}
    assert explore.member_by_name("aarhus", names) == "aarhus-dk"
    assert explore.member_by_name("LIEGE", names) == "liege-be"
    assert explore.member_by_name("Paz", names) is None  # two members of that name: ask
    assert explore.member_by_name("Aar", names) is None


def test_quick_chart_only_where_it_makes_sense():
    counts = pd.DataFrame({"country_code": ["DK", "BE"], "name_en": ["Denmark", "Belgium"],
                           "name_fr": ["Danemark", "Belgique"], "members": [3, 2]})
    assert explore.quick_chart_columns(counts, "en") == ("name_en", "members")
    assert explore.quick_chart_columns(counts, "fr") == ("name_fr", "members")
    activities = pd.DataFrame({"id": ["a", "b"], "start_year": [2015, 2020],
                               "approaches_en": [np.array(["x", "y"]), np.array(["x"])]})
    assert explore.quick_chart_columns(activities) is None  # a year is no measure, a list no label
    lists_only = pd.DataFrame({"approaches_en": [["x"], ["y"]], "activities": [1, 2]})
    assert explore.quick_chart_columns(lists_only) is None
    repeated = pd.DataFrame({"kind": ["a", "a"], "activities": [1, 2]})
    assert explore.quick_chart_columns(repeated) is None  # one bar a row needs a label naming each row once
    assert explore.quick_chart_columns(counts.head(1)) is None


def test_every_offered_query_is_described_in_every_language(offered):
    assert len(offered) > 20
    for lang in i18n.available_languages():
        texts = i18n.catalogue(lang)
        missing = [q.name for q in offered if f"queries.description.{q.name}" not in texts]
        assert not missing, (lang, missing)
        names = {p.name for q in offered for p in q.params}
        unnamed = sorted(n for n in names if f"queries.param.{n}" not in texts)
        assert not unnamed, (lang, unnamed)


def test_french_descriptions_are_french(offered):
    i18n.set_language("fr")
    try:
        query = db.load_query("city_activities")
        assert explore.description(query).startswith("Les activités qu'un membre")
        assert explore.param_label(query.params[0]) == "Membre"
    finally:
        i18n.set_language("en")
    assert explore.description(query).startswith("The activities one member")

"""Checks on the self-assessment framework seed data (data/seed/*.csv).

Reads the CSV files with the csv module only, so it does not depend on the app code.
"""

import csv
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parent.parent / "data" / "seed"

GROUP_IDS = {"governance", "prevention", "intervention", "principles"}
APPROACHES = {
    "multi_agency",
    "first_line_training",
    "youth_education",
    "family_support",
    "community_engagement",
    "narratives",
    "exit_reintegration",
    "prison_probation",
    "local_diagnosis",
    "online",
}
LEVELS = range(0, 6)
MAX_SHORT = 18
MAX_DESCRIPTOR = 200


def read(name):
    with open(SEED / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def groups():
    return read("dimension_groups.csv")


@pytest.fixture(scope="module")
def dimensions():
    return read("dimensions.csv")


@pytest.fixture(scope="module")
def levels():
    return read("maturity_levels.csv")


@pytest.fixture(scope="module")
def descriptors():
    return read("level_descriptors.csv")


def test_groups(groups):
    assert len(groups) == 4
    assert {g["id"] for g in groups} == GROUP_IDS
    for g in groups:
        assert g["label_en"].strip() and g["label_fr"].strip()
        int(g["sort_order"])


def test_dimensions_ids_and_groups(dimensions, groups):
    group_ids = {g["id"] for g in groups}
    assert sorted(int(d["id"]) for d in dimensions) == list(range(1, 15))
    codes = [d["code"] for d in dimensions]
    assert len(set(codes)) == len(codes) == 14
    for d in dimensions:
        assert d["group_id"] in group_ids, d["code"]
        assert float(d["weight"]) > 0, d["code"]
        int(d["sort_order"])


def test_dimension_texts(dimensions):
    for d in dimensions:
        for col in ("label_en", "label_fr", "short_en", "short_fr", "question_en", "question_fr"):
            assert d[col].strip(), (d["code"], col)
        assert len(d["short_en"]) <= MAX_SHORT, d["short_en"]
        assert len(d["short_fr"]) <= MAX_SHORT, d["short_fr"]


def test_dimension_approaches(dimensions):
    for d in dimensions:
        ids = [a.strip() for a in d["approaches"].split(";") if a.strip()]
        assert ids, d["code"]
        assert set(ids) <= APPROACHES, (d["code"], set(ids) - APPROACHES)


def test_maturity_levels(levels):
    assert sorted(int(r["level"]) for r in levels) == list(LEVELS)
    for r in levels:
        for col in ("label_en", "label_fr", "description_en", "description_fr"):
            assert r[col].strip(), (r["level"], col)


def test_descriptors_complete(descriptors, dimensions):
    dim_ids = {int(d["id"]) for d in dimensions}
    seen = {}
    for r in descriptors:
        key = (int(r["dimension_id"]), int(r["level"]))
        seen[key] = seen.get(key, 0) + 1
    expected = {(d, lvl) for d in dim_ids for lvl in LEVELS}
    assert set(seen) == expected
    assert all(n == 1 for n in seen.values()), {k: n for k, n in seen.items() if n != 1}
    assert len(descriptors) == 14 * 6


def test_descriptor_texts(descriptors):
    for r in descriptors:
        key = (r["dimension_id"], r["level"])
        en, fr = r["descriptor_en"].strip(), r["descriptor_fr"].strip()
        assert en and fr, key
        assert len(en) <= MAX_DESCRIPTOR, key
        assert len(fr) <= MAX_DESCRIPTOR, key
        assert en != fr, key

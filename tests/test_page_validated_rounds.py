"""Validated rounds only (issue 16), on /benchmark and /map: the choice lives in the link (?rounds=validated),
the peer group and the map's index count only validated rounds, with the levels agreed in their review; the
benchmark and the PDF report say whether the round was validated and by whom (role and city, no name)."""
from __future__ import annotations

import io
import re

import duckdb
import pytest
from pypdf import PdfReader

from alliance import db, i18n, report
from alliance import comparison as cmp
from conftest import app_test

@pytest.fixture(scope="module")
def facts(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        latest = con.execute("SELECT max(round_year) FROM assessments").fetchone()[0]
        submitted = con.execute("SELECT a.member_id FROM assessments a JOIN members m ON m.id = a.member_id "
                                "WHERE a.round_year = $r AND a.status = 'submitted' AND m.status = 'member' "
                                "ORDER BY a.member_id LIMIT 1", {"r": latest}).fetchone()[0]
        reviewed = con.execute("SELECT r.member_id, r.reviewer_role, r.reviewer_member_id FROM round_reviews r "
                               "JOIN round_review_items i ON i.review_id = r.id WHERE r.state = 'validated' "
                               "AND i.agreed_level <> i.original_level ORDER BY r.reviewer_role = 'peer' DESC, r.id LIMIT 1").fetchone()
        counts = {flag: db.run_query(con, "bench_round_scores", round_year=latest, validated_only=flag)
                  ["member_id"].nunique() for flag in (False, True)}
        names = dict(con.execute("SELECT id, name FROM members").fetchall())
    finally:
        con.close()
    return {"latest": latest, "submitted": submitted, "reviewed": reviewed, "counts": counts, "names": names}


def run(page: str, query: dict):
    at = app_test(page, query)
    at.run()
    assert not at.exception, at.exception
    return at


def group_size(at) -> int:
    caption = next(c.value for c in at.caption if "peer cit" in c.value)
    return int(re.search(r"with ([\d,]+) peer", caption)[1].replace(",", ""))


def test_validated_only_shrinks_the_peer_group_and_stays_in_the_link(app_env, facts):
    city = facts["reviewed"][0]  # validated in the latest round
    every = run("benchmark", {"city": city})
    assert every.selectbox(key="url_rounds").value == "all"
    assert group_size(every) == facts["counts"][False] - 1
    every.selectbox(key="url_rounds").set_value("validated").run()
    assert every.query_params["rounds"] == "validated"
    assert facts["counts"][True] < facts["counts"][False]
    validated = run("benchmark", {"city": city, "rounds": "validated"})
    assert validated.selectbox(key="url_rounds").value == "validated"
    assert group_size(validated) == facts["counts"][True] - 1


def test_a_city_whose_latest_round_is_only_submitted_falls_back_to_its_validated_one(app_env, facts):
    every = run("benchmark", {"city": facts["submitted"]})
    assert every.selectbox(key="round").value == facts["latest"]
    validated = run("benchmark", {"city": facts["submitted"], "rounds": "validated"})
    assert facts["latest"] not in validated.selectbox(key="round").options
    assert validated.selectbox(key="round").value < facts["latest"]


def test_a_reviewed_round_shows_original_beside_agreed_and_who_validated(app_env, facts):
    member, role, peer = facts["reviewed"]
    at = run("benchmark", {"city": member, "rounds": "validated"})
    at.session_state["answers_table"] = True  # the reader opens "Answers and evidence" (drawn once opened)
    at.run()
    note = " ".join(c.value for c in at.caption).replace("\\", "")
    assert role == "peer" and "Validated on" in note and f"after a review by a peer reviewer from {facts['names'][peer]}" in note
    table = next(d.value for d in at.dataframe if "original" in d.value.columns)
    assert (table["original"] != table["answer"]).any()


def test_the_map_counts_only_validated_rounds_when_asked(app_env, facts):
    every = run("map", {"table": "true"})
    validated = run("map", {"table": "true", "rounds": "validated"})
    name = facts["names"][facts["submitted"]]

    def round_of(at):
        table = at.dataframe[0].value
        return int(table[table["name"] == name]["round"].iloc[0])

    assert round_of(every) == facts["latest"] and round_of(validated) < facts["latest"]
    assert validated.selectbox(key="url_rounds").value == "validated"
    assert any(c.value.endswith("Validated rounds only") for c in validated.caption)  # beside the colour choice
    assert any(c.value.endswith("Validated rounds only") for c in validated.caption)  # beside the colour choice


@pytest.mark.parametrize("language, expected", [("en", "after a review by"), ("fr", "après une revue par")])
def test_the_report_says_whether_and_by_whom_the_round_was_validated(demo_db, facts, language, expected):
    from alliance import round_review

    member, role, peer = facts["reviewed"]
    con = db.connect(demo_db, read_only=True)
    try:
        i18n.set_language(language)
        framework = cmp.Framework(db.run_query(con, "bench_dimensions"), db.run_query(con, "bench_descriptors"),
                                  db.run_query(con, "bench_dimension_approaches"))
        history = db.run_query(con, "bench_city_history", member_id=member, validated_only=True)
        result = cmp.compare(member, facts["latest"], members=db.run_query(con, "bench_members"),
                             round_answers=db.run_query(con, "bench_round_scores", round_year=facts["latest"],
                                                        validated_only=True), history=history, framework=framework)
        review = round_review.for_round(con, member, facts["latest"])
        note = round_review.validation_note(result.assessment["status"], review, lambda i: facts["names"][i])
        pdf = report.build_pdf(report.ReportInput(result, framework, None, "all", language, demo=True,
                                                  city_name=facts["names"][member], validation=note))
    finally:
        i18n.set_language("en")
        con.close()
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert expected in text
    assert "demo-generator" not in text and "editor-" not in text  # a role and a city, never an account
    if role == "peer":
        assert facts["names"][peer] in text

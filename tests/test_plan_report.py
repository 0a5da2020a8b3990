"""The action plan's section of the city report PDF (issue 16), read back with pypdf: each action with its
status in words, what, who, when and the level before and after; an empty plan says so; text from data is text."""
from __future__ import annotations

import pytest

from alliance import actions, db, report

from test_comparison import build, framework
from test_report import pdf_text, squeeze


@pytest.fixture(scope="module")
def con(demo_db):
    return db.connect(demo_db, read_only=True)


def city_plan(con, member_id: str = "aarhus-dk"):
    plan = db.run_query(con, "plan_city_actions", member_id=member_id)
    return actions.level_change(actions.with_shown_status(plan), db.run_query(con, "bench_city_history",
                                                                              member_id=member_id))


def make_pdf(con, language: str, plan) -> str:
    data = report.ReportInput(build(con), framework(con), None, "all", language, demo=True, city_name="Aarhus",
                              plan=plan)
    return pdf_text(report.build_pdf(data))[1]


@pytest.mark.parametrize("language, heading, done", [("en", "Action plan", "Done"), ("fr", "Plan d'action", "Terminée")])
def test_the_report_lists_the_plan_with_status_words_and_levels_before_and_after(con, language, heading, done):
    plan = city_plan(con)
    assert len(plan) >= 2
    text = make_pdf(con, language, plan)
    flat = squeeze(text)
    assert squeeze(heading) in flat
    for _, row in plan.iterrows():
        assert squeeze(row["description"]) in flat, row["description"]
        assert squeeze(row["responsible_role"]) in flat
    assert squeeze(done) in flat  # the status is written, not only a coloured mark
    finished = plan[plan["after_round"].notna()].iloc[0]
    from alliance import i18n
    i18n.set_language(language)
    try:
        assert squeeze(actions.levels_text(finished)) in flat
    finally:
        i18n.set_language("en")


def test_an_empty_plan_says_so_and_data_text_is_printed_as_written(con):
    text = make_pdf(con, "en", city_plan(con, "nowhere-xx"))
    assert "No action planned yet." in text
    plan = city_plan(con).head(1).copy()
    plan["description"] = "<b>Bold</b> *stars* & [link](javascript:x)"
    assert squeeze("<b>Bold</b> *stars* & [link](javascript:x)") in squeeze(make_pdf(con, "en", plan))

"""AppTest of /round-review: an admin assigns a submitted round, the peer reviewer proposes a level with a
reason, the city answers, the admin validates; texts from data stay literal; a stale write shows what changed."""
from __future__ import annotations

import datetime as dt

import pytest

from alliance import assessments as A
from alliance import round_review as R
from alliance.app.session import SESSION_KEY
from alliance.auth import User
from conftest import app_test

CITY = "aarhus-dk"
EDITOR = User("editor-aarhus", "editor", frozenset({CITY}))
ADMIN = User("admin", "admin")
REASON = "**Only** a plan <b>so far</b> [link](http://x)"


@pytest.fixture
def submitted(own_db):
    own_db.execute("INSERT INTO rounds VALUES (2027, DATE '2027-01-15')")
    dims = [r[0] for r in own_db.execute("SELECT id FROM dimensions ORDER BY id").fetchall()]
    A.save(own_db, EDITOR, CITY, 2027, {d: A.Answer(3, evidence=f"evidence {d}") for d in dims}, submit=True)
    return own_db


def page(username: str, query: dict | None = None):
    at = app_test("round_review", query)  # a first run registers the pages (the URL path differs from the file)
    at.session_state[SESSION_KEY] = username
    at.run()
    assert not at.exception, at.exception
    return at


def button(at, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, [b.label for b in at.button]
    return matches[0]


def by_key(widgets, suffix: str):
    return next(w for w in widgets if w.key and w.key.endswith(suffix))


def test_assign_review_answer_validate(submitted):
    con = submitted
    at = page("admin")
    assert at.selectbox(key="round_review_assign_round").value == (CITY, 2027)
    who = at.selectbox(key="round_review_assign_who")
    labels = who.options
    assert any("editor-liege" in o for o in labels) and not any("editor-aarhus" in o for o in labels)
    who.select_index(next(i for i, o in enumerate(labels) if "editor-liege" in o)).run()
    button(at, "Assign").click().run()
    assert not at.exception
    assert any("assigned for review" in s.value for s in at.success)
    review = R.for_round(con, CITY, 2027)
    assert review.state == "assigned" and review.reviewer == "editor-liege"

    at = page("editor-liege", {"review": str(review.id)})
    assert any("Your turn" in i.value for i in at.info)
    by_key(at.radio, "_action_1").set_value("propose").run()
    by_key(at.selectbox, "_level_1").set_value(2)
    by_key(at.text_area, "_reason_1").input(REASON)
    button(at, "Send the review to the city").click().run()
    assert not at.exception
    assert R.load(con, review.id).state == "reviewed"
    assert R.load(con, review.id).items[1].review_comment == REASON

    at = page("editor-aarhus", {"review": str(review.id)})
    shown = " ".join(m.value for m in at.markdown)
    assert "\\*\\*Only\\*\\* a plan \\<b\\>so far\\</b\\>" in shown  # literal, never bold or HTML
    assert len([r for r in at.radio if r.key and "_response_" in r.key]) == 1
    by_key(at.radio, "_response_1").set_value("accept")
    button(at, "Send our answer").click().run()
    assert not at.exception
    assert R.load(con, review.id).state == "answered"

    at = page("admin", {"review": str(review.id)})
    assert by_key(at.selectbox, "_agreed_1").value == 2  # the proposal the city accepted
    button(at, "Validate the round with these levels").click().run()
    assert not at.exception
    assert R.load(con, review.id).state == "validated"
    assert A.load(con, CITY, 2027).status == "validated"
    table = at.dataframe[0].value
    assert list(table.iloc[0][["original", "agreed"]].str[:1]) == ["3", "2"]


def test_a_stale_validation_shows_what_changed_and_writes_nothing(submitted):
    con = submitted
    review = R.assign(con, ADMIN, CITY, 2027, "admin")
    review = R.record_review(con, ADMIN, review.id, review.version, {d: ("agree",) for d in review.items})
    at = page("admin", {"review": str(review.id)})
    R.withdraw(con, ADMIN, review.id, review.version, now=dt.datetime(2027, 6, 1))  # another admin, meanwhile
    button(at, "Validate the round with these levels").click().run()
    assert not at.exception
    assert any("changed this review after you opened it" in e.value for e in at.error)
    assert any("Withdrawn".lower() in str(d.value).lower() for d in at.dataframe)
    assert R.load(con, review.id).state == "withdrawn" and A.load(con, CITY, 2027).status == "submitted"


def test_an_editor_of_another_city_sees_no_review_and_may_agree_to_review(own_db):
    at = page("editor-aarhus")
    assert any("no review for you" in i.value for i in at.info)
    at.toggle(key="round_review_consent").set_value(True).run()
    assert not at.exception
    assert R.has_consented(own_db, "editor-aarhus")


def test_french_texts(submitted):
    at = page("admin", {"lang": "fr"})
    assert at.title[0].value == "Revue d'une campagne"
    assert any(b.label == "Confier" for b in at.button)

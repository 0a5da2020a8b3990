"""The single assessment writer: drafts, resuming, submission, validation, refusals that write nothing,
history versions, invented demo scores replaced, and two editors saving at the same moment."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance import assessments as A
from alliance import db
from alliance.auth import User

EDITOR = User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
OTHER_EDITOR = User("second-aarhus", "editor", frozenset({"aarhus-dk"}))
ADMIN = User("admin", "admin")
NOW = dt.datetime(2026, 5, 4, 10, 30)


@pytest.fixture
def dims(con) -> list[int]:
    return [r[0] for r in con.execute("SELECT id FROM dimensions ORDER BY id").fetchall()]


@pytest.fixture
def open_round(con) -> int:
    """A round in which aarhus-dk has no assessment yet (a new round opened by the alliance)."""
    con.execute("INSERT INTO rounds VALUES (2027, DATE '2027-01-15')")
    return 2027


def snapshot(con) -> tuple:
    """Everything the writer may touch, to prove a refusal wrote nothing."""
    return tuple(con.execute(sql).fetchall() for sql in (
        "SELECT * FROM assessments ORDER BY id",
        "SELECT * FROM assessment_scores ORDER BY assessment_id, dimension_id",
        "SELECT assessment_id, version, saved_by, action, status, scores FROM assessment_versions "
        "ORDER BY assessment_id, version"))


def full(dims, level=3) -> dict[int, A.Answer]:
    return {d: A.Answer(level=level, evidence=f"evidence {d}") for d in dims}


def test_a_draft_is_saved_reported_with_who_and_when_and_a_version(con, open_round):
    saved = A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(2, evidence="Council decision, https://x.dk"),
                                                           5: A.Answer(not_applicable=True)}, now=NOW)
    assert (saved.status, saved.provenance, saved.submitted_by, saved.assessed_on) == \
        ("draft", "reported", "editor-aarhus", NOW.date())
    assert saved.answers == {1: A.Answer(2, False, "Council decision, https://x.dk"), 5: A.Answer(None, True, None)}
    assert saved.id == con.execute("SELECT max(id) FROM assessments").fetchone()[0]
    history = A.versions(con, "aarhus-dk", open_round)
    assert [(v["version"], v["saved_by"], v["action"], v["status"]) for v in history] == \
        [(1, "editor-aarhus", "save", "draft")]
    assert history[0]["saved_at"] == NOW
    assert {s["dimension_id"]: s["level"] for s in history[0]["scores"]} == {1: 2, 5: None}


def test_resume_in_any_order_merges_and_keeps_every_version(con, dims, open_round):
    A.save(con, EDITOR, "aarhus-dk", open_round, {14: A.Answer(4)})
    A.save(con, EDITOR, "aarhus-dk", open_round, {3: A.Answer(1, evidence="audit 2024")})
    again = A.save(con, EDITOR, "aarhus-dk", open_round, {14: A.Answer(5)})
    assert {d: a.level for d, a in again.answers.items()} == {3: 1, 14: 5}
    assert A.answered_count(again.answers, dims) == 2
    assert A.missing_dimensions(again.answers, dims) == [d for d in dims if d not in (3, 14)]
    history = A.versions(con, "aarhus-dk", open_round)
    assert [v["version"] for v in history] == [1, 2, 3]
    assert [{s["dimension_id"]: s["level"] for s in v["scores"]} for v in history] == \
        [{14: 4}, {3: 1, 14: 4}, {3: 1, 14: 5}]  # the overwritten 4 is kept in the history


def test_evidence_only_answers_and_clearing(con, dims, open_round):
    saved = A.save(con, EDITOR, "aarhus-dk", open_round, {2: A.Answer(evidence="  notes for later  ")})
    assert saved.answers[2] == A.Answer(None, False, "notes for later")
    assert A.answered_count(saved.answers, dims) == 0  # evidence alone is not an answer
    cleared = A.save(con, EDITOR, "aarhus-dk", open_round, {2: A.Answer()})
    assert cleared.answers == {}


def test_submit_needs_every_dimension_and_writes_nothing_otherwise(con, dims, open_round):
    A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(2)})
    before = snapshot(con)
    partial = {d: A.Answer(3) for d in dims[:9]}
    with pytest.raises(A.AssessmentRefused) as refused:
        A.save(con, EDITOR, "aarhus-dk", open_round, partial, submit=True)
    assert refused.value.field == "answers" and refused.value.reason == "incomplete"
    assert "5 dimensions" in str(refused.value)
    assert snapshot(con) == before
    with pytest.raises(A.AssessmentRefused, match="at least one dimension must apply"):
        A.save(con, EDITOR, "aarhus-dk", open_round, {d: A.Answer(not_applicable=True) for d in dims}, submit=True)
    assert snapshot(con) == before


def test_submitted_round_shows_in_the_benchmark_query_and_stays_editable(con, dims, open_round):
    submitted = A.save(con, EDITOR, "aarhus-dk", open_round, full(dims, 4), submit=True)
    assert submitted.status == "submitted"
    bench = db.run_query(con, "bench_round_scores", round_year=open_round)
    mine = bench[bench["member_id"] == "aarhus-dk"]
    assert len(mine) == len(dims) and set(mine["level"]) == {4}
    changed = A.save(con, EDITOR, "aarhus-dk", open_round, {7: A.Answer(1)})
    assert changed.status == "submitted" and changed.answers[7].level == 1
    with pytest.raises(A.AssessmentRefused, match="not answered"):  # a submitted round must stay complete
        A.save(con, EDITOR, "aarhus-dk", open_round, {7: A.Answer()})
    assert [v["action"] for v in A.versions(con, "aarhus-dk", open_round)] == ["submit", "save"]


def test_validation_closes_the_round_to_editors_and_reopen_opens_it(con, dims, open_round):
    A.save(con, EDITOR, "aarhus-dk", open_round, full(dims), submit=True)
    with pytest.raises(A.AssessmentRefused, match="only administrators"):
        A.mark_validated(con, EDITOR, "aarhus-dk", open_round)
    validated = A.mark_validated(con, ADMIN, "aarhus-dk", open_round, now=NOW)
    assert validated.status == "validated"
    before = snapshot(con)
    with pytest.raises(A.AssessmentRefused) as refused:
        A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(5)})
    assert refused.value.reason == "validated_closed"
    assert snapshot(con) == before
    with pytest.raises(A.AssessmentRefused, match="only a submitted round"):
        A.mark_validated(con, ADMIN, "aarhus-dk", open_round)
    assert A.reopen(con, ADMIN, "aarhus-dk", open_round).status == "submitted"
    assert A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(5)}).answers[1].level == 5
    assert [v["action"] for v in A.versions(con, "aarhus-dk", open_round)] == \
        ["submit", "validate", "reopen", "save"]


def test_a_draft_cannot_be_validated(con, open_round):
    A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(2)})
    with pytest.raises(A.AssessmentRefused, match="draft"):
        A.mark_validated(con, ADMIN, "aarhus-dk", open_round)


@pytest.mark.parametrize("user, city, round_year, answers, field, reason", [
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer(6)}, "level[1]", "level_range"),
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer(-1)}, "level[1]", "level_range"),
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer("3")}, "level[1]", "level_not_integer"),
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer(2.5)}, "level[1]", "level_not_integer"),
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer(True)}, "level[1]", "level_not_integer"),
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer(2, not_applicable=True)}, "level[1]", "level_and_not_applicable"),
    (EDITOR, "aarhus-dk", 2027, {99: A.Answer(2)}, "dimension[99]", "unknown_dimension"),
    (EDITOR, "aarhus-dk", 2027, {"leadership": A.Answer(2)}, "dimension[leadership]", "unknown_dimension"),
    (EDITOR, "aarhus-dk", 2027, {1: 3}, "dimension[1]", "answer_type"),
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer(2, evidence="x" * 4001)}, "evidence[1]", "evidence_too_long"),
    (EDITOR, "aarhus-dk", 2027, {1: A.Answer(2, evidence=["a link"])}, "evidence[1]", "evidence_not_text"),
    (EDITOR, "liege-be", 2027, {1: A.Answer(2)}, "city", "not_your_city"),
    (EDITOR, "atlantis-xx", 2027, {1: A.Answer(2)}, "city", "unknown_city"),
    (ADMIN, "<script>alert(1)</script>", 2027, {1: A.Answer(2)}, "city", "unknown_city"),
    (EDITOR, "aarhus-dk", 1999, {1: A.Answer(2)}, "round", "unknown_round"),
    (EDITOR, "aarhus-dk", "2027", {1: A.Answer(2)}, "round", "unknown_round"),
    (None, "aarhus-dk", 2027, {1: A.Answer(2)}, "user", "not_signed_in"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(con, open_round, user, city, round_year,
                                                                     answers, field, reason):
    before = snapshot(con)
    with pytest.raises(A.AssessmentRefused) as refused:
        A.save(con, user, city, round_year, answers)
    assert (refused.value.field, refused.value.reason) == (field, reason)
    assert str(refused.value).startswith(field + ":") and "Nothing was saved" in str(refused.value)
    assert snapshot(con) == before


def test_a_refusal_in_the_middle_of_good_answers_writes_none_of_them(con, open_round):
    before = snapshot(con)
    with pytest.raises(A.AssessmentRefused):
        A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(2), 2: A.Answer(3), 3: A.Answer(9)})
    assert snapshot(con) == before


def test_evidence_of_exactly_the_limit_is_accepted(con, open_round):
    saved = A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(2, evidence="é" * A.MAX_EVIDENCE)})
    assert len(saved.answers[1].evidence) == A.MAX_EVIDENCE


def test_refusal_messages_are_translated(con, open_round):
    from alliance.i18n import set_language
    set_language("fr")
    try:
        with pytest.raises(A.AssessmentRefused, match="Rien n'a été enregistré"):
            A.save(con, EDITOR, "liege-be", open_round, {1: A.Answer(2)})
    finally:
        set_language("en")


def test_first_save_replaces_invented_demo_scores_and_keeps_them_in_history(con):
    invented = A.load(con, "aarhus-dk", 2025)
    assert invented.provenance == "invented" and len(invented.answers) == 14
    saved = A.save(con, EDITOR, "aarhus-dk", 2025, {1: A.Answer(1)})
    assert (saved.id, saved.provenance, saved.status) == (invented.id, "reported", "draft")
    assert saved.answers == {1: A.Answer(1, False, None)}
    history = A.versions(con, "aarhus-dk", 2025)
    assert [(v["action"], v["provenance"]) for v in history] == [("replace_invented", "invented"), ("save", "reported")]
    kept = {s["dimension_id"]: s["level"] for s in history[0]["scores"]}
    assert kept == {d: a.level for d, a in invented.answers.items()}


def test_two_editors_saving_at_the_same_moment_lose_nothing(con, dims, open_round):
    """Two threads, each with its own cursor on one connection, save different dimensions at once."""
    barrier = threading.Barrier(2)
    errors = []

    def editor(user, answers):
        try:
            barrier.wait()
            A.save(con, user, "aarhus-dk", open_round, answers)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for _ in range(5):  # repeat: the two saves interleave differently each time
        threads = [threading.Thread(target=editor, args=(EDITOR, {d: A.Answer(1) for d in dims[:7]})),
                   threading.Thread(target=editor, args=(OTHER_EDITOR, {d: A.Answer(4) for d in dims[7:]}))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    final = A.load(con, "aarhus-dk", open_round)
    assert {d: a.level for d, a in final.answers.items()} == {d: (1 if d in dims[:7] else 4) for d in dims}
    history = A.versions(con, "aarhus-dk", open_round)
    assert [v["version"] for v in history] == list(range(1, 11))
    assert sorted(v["saved_by"] for v in history) == ["editor-aarhus"] * 5 + ["second-aarhus"] * 5
    assert con.execute("SELECT count(*) FROM assessments WHERE member_id = 'aarhus-dk' AND round_year = $r",
                       {"r": open_round}).fetchone()[0] == 1


def test_new_assessments_created_at_the_same_moment_get_distinct_ids(con, open_round):
    cities = [r[0] for r in con.execute("SELECT id FROM members WHERE status <> 'former' ORDER BY id LIMIT 8")
              .fetchall()]
    barrier = threading.Barrier(len(cities))
    errors = []

    def write(city):
        try:
            barrier.wait()
            A.save(con, ADMIN, city, open_round, {1: A.Answer(2)})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(city,)) for city in cities]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = con.execute("SELECT id, member_id FROM assessments WHERE round_year = $r", {"r": open_round}).fetchall()
    assert sorted(r[1] for r in rows) == sorted(cities)
    assert len({r[0] for r in rows}) == len(cities)


@given(level=st.one_of(st.integers(-10, 10), st.floats(allow_nan=True), st.text(max_size=3), st.booleans(),
                       st.none()),
       not_applicable=st.booleans(), evidence=st.one_of(st.none(), st.text(max_size=50)))
@settings(max_examples=200, deadline=None)
def test_check_answers_accepts_exactly_the_valid_answers(level, not_applicable, evidence):
    valid = (level is None or (type(level) is int and 0 <= level <= 5)) and not (not_applicable and level is not None)
    try:
        tidy = A.check_answers({1: A.Answer(level, not_applicable, evidence)}, {1, 2})
    except A.AssessmentRefused as refused:
        assert not valid, refused
        assert refused.field == "level[1]"
    else:
        assert valid
        assert tidy[1].level == level and tidy[1].not_applicable == not_applicable
        assert tidy[1].evidence == ((evidence or "").strip().replace("\x00", "") or None)


def test_merge_answers_lays_given_over_stored_and_an_empty_answer_removes():
    stored = {1: A.Answer(2), 2: A.Answer(3, evidence="plan"), 3: A.Answer(not_applicable=True)}
    given = {1: A.Answer(4), 2: A.Answer(), 4: A.Answer(evidence="a link only"), 5: A.Answer()}
    merged = A.merge_answers(stored, given)
    assert merged == {1: A.Answer(4), 3: A.Answer(not_applicable=True), 4: A.Answer(evidence="a link only")}
    assert stored[1] == A.Answer(2)  # the stored answers are not changed in place


# ------------------------------------------------------------------------------------- unsaved edits (autosave)

def test_an_unsaved_edit_is_kept_until_saved(con, open_round):
    assert A.keep_edit(con, EDITOR, "aarhus-dk", open_round, 3, A.Answer(2, evidence=" notes "), now=NOW)
    before = snapshot(con)
    edits, when = A.unsaved_edits(con, EDITOR.username, "aarhus-dk", open_round)
    assert edits == {3: A.Answer(2, False, "notes")} and when == NOW
    assert A.unsaved_edits(con, OTHER_EDITOR.username, "aarhus-dk", open_round)[0] == {}  # one's own only
    assert snapshot(con) == before and A.load(con, "aarhus-dk", open_round) is None  # nothing saved yet
    A.keep_edit(con, EDITOR, "aarhus-dk", open_round, 4, A.Answer(None, True), now=NOW)
    A.save(con, EDITOR, "aarhus-dk", open_round, {3: A.Answer(2, evidence="notes")}, now=NOW)
    # saving dimension 3 ends its edit; the edit of dimension 4 is still kept
    assert A.unsaved_edits(con, EDITOR.username, "aarhus-dk", open_round)[0] == {4: A.Answer(None, True, None)}
    A.discard_edits(con, EDITOR, "aarhus-dk", open_round)
    assert A.unsaved_edits(con, EDITOR.username, "aarhus-dk", open_round) == ({}, None)


def test_an_edit_back_to_the_stored_answer_is_dropped(con, open_round):
    A.save(con, EDITOR, "aarhus-dk", open_round, {1: A.Answer(3, evidence="council")}, now=NOW)
    assert A.keep_edit(con, EDITOR, "aarhus-dk", open_round, 1, A.Answer(4, evidence="council"), now=NOW)
    assert not A.keep_edit(con, EDITOR, "aarhus-dk", open_round, 1, A.Answer(3, evidence="council "), now=NOW)
    assert A.unsaved_edits(con, EDITOR.username, "aarhus-dk", open_round)[0] == {}
    # clearing a stored answer is an edit too
    assert A.keep_edit(con, EDITOR, "aarhus-dk", open_round, 1, A.Answer(), now=NOW)
    assert A.unsaved_edits(con, EDITOR.username, "aarhus-dk", open_round)[0] == {1: A.Answer(None, False, None)}


def test_over_long_evidence_is_kept_unsaved_but_never_saved(con, open_round):
    pasted = "evidence " * 822  # 7,398 characters
    assert A.keep_edit(con, EDITOR, "aarhus-dk", open_round, 2, A.Answer(3, evidence=pasted), now=NOW)
    edits, _ = A.unsaved_edits(con, EDITOR.username, "aarhus-dk", open_round)
    assert edits[2].evidence == pasted.strip()  # nothing cut
    with pytest.raises(A.AssessmentRefused) as refused:
        A.save(con, EDITOR, "aarhus-dk", open_round, edits)
    assert refused.value.reason == "evidence_too_long"
    assert A.unsaved_edits(con, EDITOR.username, "aarhus-dk", open_round)[0] == edits  # still kept


@pytest.mark.parametrize("user, member, answer, reason", [
    (None, "aarhus-dk", A.Answer(1), "not_signed_in"),
    (EDITOR, "liege-be", A.Answer(1), "not_your_city"),
    (EDITOR, "aarhus-dk", A.Answer(9), "level_range"),
    (EDITOR, "aarhus-dk", A.Answer(1, evidence="x" * (A.MAX_KEPT_EVIDENCE + 1)), "evidence_too_long"),
])
def test_an_edit_is_checked_like_a_save(con, open_round, user, member, answer, reason):
    with pytest.raises(A.AssessmentRefused) as refused:
        A.keep_edit(con, user, member, open_round, 1, answer, now=NOW)
    assert refused.value.reason == reason
    assert con.execute("SELECT count(*) FROM assessment_edits").fetchone()[0] == 0


def test_no_edit_is_kept_for_a_validated_round(con, open_round, dims):
    A.save(con, EDITOR, "aarhus-dk", open_round, {d: A.Answer(2) for d in dims}, submit=True, now=NOW)
    A.mark_validated(con, ADMIN, "aarhus-dk", open_round, now=NOW)
    with pytest.raises(A.AssessmentRefused) as refused:
        A.keep_edit(con, EDITOR, "aarhus-dk", open_round, 1, A.Answer(5), now=NOW)
    assert refused.value.reason == "validated_closed"

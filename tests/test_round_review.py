"""Review of a submitted round (alliance.round_review): who may assign, review, answer and validate; refusals
write nothing; concurrent writes get a conflict that lists what changed; the city's answers stay intact; scoring
uses the agreed levels of a validated round, and no account name reaches the public tables."""
from __future__ import annotations

import datetime as dt

import pytest

from alliance import assessments as A
from alliance import auth, db, dictionary
from alliance import round_review as R
from alliance.auth import User

CITY = "aarhus-dk"
EDITOR = User("editor-aarhus", "editor", frozenset({CITY}))
PEER = User("editor-liege", "editor", frozenset({"liege-be"}))
STRANGER = User("editor-paris", "editor", frozenset({"paris-fr"}))
ADMIN = User("admin", "admin")
NOW = dt.datetime(2027, 5, 4, 10, 30)
ROUND = 2027


@pytest.fixture
def dims(con) -> list[int]:
    return [r[0] for r in con.execute("SELECT id FROM dimensions ORDER BY id").fetchall()]


@pytest.fixture
def submitted(con, dims) -> int:
    """aarhus-dk's submitted 2027 round, every dimension at level 3 (dimension 1 at 4), and the peer's consent."""
    con.execute("INSERT INTO rounds VALUES (2027, DATE '2027-01-15')")
    answers = {d: A.Answer(level=4 if d == dims[0] else 3, evidence=f"evidence {d}") for d in dims}
    A.save(con, EDITOR, CITY, ROUND, answers, submit=True, now=NOW)
    if auth.get_user(con, "editor-paris") is None:
        auth.add_user(con, "editor-paris", "a long password 2027", "editor", ["paris-fr"])
    R.set_consent(con, PEER, True, now=NOW)
    return ROUND


def snapshot(con) -> tuple:
    return tuple(con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in (
        "round_reviews", "round_review_items", "round_review_people", "round_review_history", "assessments",
        "assessment_scores"))


def agree_all(review, changes: dict | None = None) -> dict:
    return {d: (changes or {}).get(d, ("agree",)) for d in review.items}


def walk_to_answered(con, dims):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    first, second = dims[0], dims[1]
    review = R.record_review(con, PEER, review.id, review.version, agree_all(
        review, {first: ("propose", 2, "Only a plan so far."), second: ("evidence", None, "The council minutes.")}),
        now=NOW)
    review = R.answer(con, EDITOR, review.id, review.version,
                      {first: ("accept", None), second: ("evidence", "Minutes of 3 March: https://x.dk/m")}, now=NOW)
    return review


# ------------------------------------------------------------------------------------------ assignment

def test_only_admins_assign_and_only_to_an_admin_or_a_consenting_editor_of_another_city(con, submitted):
    before = snapshot(con)
    with pytest.raises(R.ReviewRefused) as refused:
        R.assign(con, EDITOR, CITY, ROUND, PEER.username, now=NOW)
    assert refused.value.reason == "admin_only"
    with pytest.raises(R.ReviewRefused) as refused:
        R.assign(con, ADMIN, CITY, ROUND, EDITOR.username, now=NOW)  # the city's own editor
    assert refused.value.reason == "own_city"
    with pytest.raises(R.ReviewRefused) as refused:
        R.assign(con, ADMIN, CITY, ROUND, STRANGER.username, now=NOW)  # never agreed to review
    assert refused.value.reason == "no_consent"
    with pytest.raises(R.ReviewRefused) as refused:
        R.assign(con, ADMIN, CITY, 2025, PEER.username, now=NOW)  # invented demo round: not a city's submission
    assert refused.value.reason == "not_submitted"
    assert snapshot(con) == before
    assert [u.username for u in R.candidates(con, CITY)] == sorted(["admin", PEER.username])
    assert PEER.username not in [u.username for u in R.candidates(con, "liege-be")]


def test_a_withdrawn_consent_is_no_longer_offered(con, submitted):
    R.set_consent(con, PEER, False, now=NOW)
    assert not R.has_consented(con, PEER.username)
    with pytest.raises(R.ReviewRefused, match=PEER.username):
        R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)


def test_assignment_copies_the_answers_and_closes_them_to_edits(con, submitted, dims):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    assert (review.state, review.reviewer_role, review.reviewer_member_id, review.version) == \
        ("assigned", "peer", "liege-be", 1)
    assert review.items[dims[0]].original_level == 4 and review.items[dims[1]].original_level == 3
    assert R.awaiting_assignment(con) == []
    with pytest.raises(R.ReviewRefused) as refused:
        R.assign(con, ADMIN, CITY, ROUND, "admin", now=NOW)
    assert refused.value.reason == "already_assigned"
    with pytest.raises(A.AssessmentRefused) as refused:  # the reviewer reads the answers as they are
        A.save(con, EDITOR, CITY, ROUND, {dims[0]: A.Answer(5)}, now=NOW)
    assert refused.value.reason == "under_review"


# ------------------------------------------------------------------------------------------ the review

def test_only_the_assigned_reviewer_reviews(con, submitted):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    before = snapshot(con)
    for someone in (ADMIN, EDITOR, STRANGER):
        with pytest.raises(R.ReviewRefused) as refused:
            R.record_review(con, someone, review.id, review.version, agree_all(review), now=NOW)
        assert refused.value.reason == "not_your_review"
    assert snapshot(con) == before


@pytest.mark.parametrize("action, reason", [
    (("propose", 4, "same as the city"), "same_level"),
    (("propose", 2, "  "), "reason_needed"),
    (("propose", 7, "too high"), "bad_level"),
    (("evidence", None, None), "evidence_note_needed"),
    (("maybe",), "unknown_action"),
    (("propose", 2, "x" * 2001), "too_long"),
])
def test_a_bad_review_is_refused_and_writes_nothing(con, submitted, dims, action, reason):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    before = snapshot(con)
    with pytest.raises(R.ReviewRefused) as refused:
        R.record_review(con, PEER, review.id, review.version, agree_all(review, {dims[0]: action}), now=NOW)
    assert refused.value.reason == reason
    assert snapshot(con) == before


def test_every_dimension_needs_an_action(con, submitted, dims):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    actions = agree_all(review)
    del actions[dims[3]]
    with pytest.raises(R.ReviewRefused) as refused:
        R.record_review(con, PEER, review.id, review.version, actions, now=NOW)
    assert refused.value.reason == "incomplete" and str(dims[3]) in str(refused.value)


def test_the_city_answers_only_what_was_asked_and_only_for_its_own_city(con, submitted, dims):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    review = R.record_review(con, PEER, review.id, review.version,
                             agree_all(review, {dims[0]: ("propose", 2, "Only a plan so far.")}), now=NOW)
    assert review.state == "reviewed"
    with pytest.raises(R.ReviewRefused) as refused:
        R.answer(con, STRANGER, review.id, review.version, {dims[0]: ("accept",)}, now=NOW)
    assert refused.value.reason == "not_your_city"
    with pytest.raises(R.ReviewRefused) as refused:
        R.answer(con, EDITOR, review.id, review.version, {dims[0]: ("keep", "")}, now=NOW)
    assert refused.value.reason == "reply_needed"
    with pytest.raises(R.ReviewRefused) as refused:
        R.answer(con, EDITOR, review.id, review.version, {dims[0]: ("accept",), dims[2]: ("accept",)}, now=NOW)
    assert refused.value.reason == "not_asked"
    with pytest.raises(R.ReviewRefused) as refused:  # the admin validates only once the city has answered
        R.validate(con, ADMIN, review.id, review.version, now=NOW)
    assert refused.value.reason == "wrong_state"


# ------------------------------------------------------------------------------------------ validation

def test_validation_keeps_the_city_answers_and_scoring_uses_the_agreed_levels(con, submitted, dims):
    review = walk_to_answered(con, dims)
    assert review.state == "answered"
    assert R.suggested_levels(review)[dims[0]] == 2  # the city accepted the proposal
    with pytest.raises(R.ReviewRefused) as refused:
        R.validate(con, EDITOR, review.id, review.version, now=NOW)
    assert refused.value.reason == "admin_only"

    def scores(validated_only=False):
        frame = db.run_query(con, "bench_round_scores", round_year=ROUND, validated_only=validated_only)
        return frame[frame["member_id"] == CITY].set_index("dimension_id")["level"].to_dict()

    assert scores()[dims[0]] == 4 and scores(True) == {}  # submitted: counted as answered, not as validated
    review = R.validate(con, ADMIN, review.id, review.version, {dims[2]: 1}, now=NOW)  # the admin lowers one more
    assert review.state == "validated" and review.validated_by == "admin"
    assert A.load(con, CITY, ROUND).status == "validated"
    assert A.load(con, CITY, ROUND).answers[dims[0]].level == 4  # the city's own answer, intact
    assert (review.items[dims[0]].original_level, review.items[dims[0]].agreed_level) == (4, 2)
    assert scores(True)[dims[0]] == 2 and scores(True)[dims[2]] == 1 and scores(True)[dims[1]] == 3
    history = db.run_query(con, "bench_city_history", member_id=CITY, validated_only=True)
    row = history[(history["round_year"] == ROUND) & (history["dimension_id"] == dims[0])].iloc[0]
    assert (row["level"], row["original_level"]) == (2, 4)
    versions = A.versions(con, CITY, ROUND)
    assert versions[-1]["action"] == "validate" and versions[-1]["scores"][0]["level"] == 4
    assert [h["action"] for h in R.history(con, review.id)] == ["assign", "review", "answer", "validate"]
    audit = con.execute("SELECT action FROM app_audit WHERE object_kind = 'round_review' ORDER BY id").fetchall()
    assert [a[0] for a in audit] == ["round_review_assign", "round_review_review", "round_review_answer",
                                     "round_review_validate"]


def test_a_validated_round_leaves_the_map_index_at_the_agreed_levels(con, submitted, dims):
    review = walk_to_answered(con, dims)
    before = db.run_query(con, "map_members").set_index("id").loc[CITY, "overall_index"]
    R.validate(con, ADMIN, review.id, review.version, now=NOW)
    after = db.run_query(con, "map_members", validated_only=True).set_index("id").loc[CITY, "overall_index"]
    assert after < before
    level = db.run_query(con, "map_dimension_levels", dimension_id=dims[0], validated_only=True)
    assert level.set_index("member_id").loc[CITY, "level"] == 2


# ------------------------------------------------------------------------------------------ conflicts

def test_a_write_on_an_old_version_is_refused_with_what_changed(con, submitted, dims):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    stale = review.version
    R.withdraw(con, ADMIN, review.id, stale, now=NOW)
    before = snapshot(con)
    with pytest.raises(R.ReviewConflict) as conflict:
        R.record_review(con, PEER, review.id, stale, agree_all(review), now=NOW)
    assert conflict.value.by == "admin"
    assert (None, "state", "assigned", "withdrawn") in conflict.value.changes
    assert snapshot(con) == before


def test_a_stale_validation_lists_the_changed_dimensions(con, submitted, dims):
    review = R.assign(con, ADMIN, CITY, ROUND, PEER.username, now=NOW)
    stale = review.version
    R.record_review(con, PEER, review.id, stale, agree_all(review, {dims[0]: ("propose", 2, "A plan only.")}),
                    now=NOW)
    with pytest.raises(R.ReviewConflict) as conflict:
        R.withdraw(con, ADMIN, review.id, stale, now=NOW)
    changed = {(d, f) for d, f, _, _ in conflict.value.changes}
    assert (dims[0], "proposed_level") in changed and (dims[0], "review_comment") in changed
    assert conflict.value.by == PEER.username


# ------------------------------------------------------------------------------------------ personal data

def test_no_account_name_is_in_the_public_tables(con, submitted, dims):
    review = walk_to_answered(con, dims)
    R.validate(con, ADMIN, review.id, review.version, now=NOW)
    public = [t for t in dictionary.public_tables() if t.startswith("round_review")]
    assert public == ["round_reviews", "round_review_items"]
    for table in public:
        text = " ".join(map(str, con.execute(f"SELECT * FROM {table}").fetchall()))
        assert "editor-liege" not in text and "admin'" not in text and "editor-aarhus" not in text
    for internal in ("round_review_people", "round_review_history", "reviewer_consents"):
        assert internal not in dictionary.public_tables()


def test_the_demo_has_invented_validated_reviews_and_a_consenting_reviewer(demo_db):
    import duckdb
    with duckdb.connect(str(demo_db), read_only=True) as demo:
        rows = demo.execute("SELECT r.state, r.provenance, count(i.review_action) FILTER (WHERE i.review_action "
                            "= 'propose') FROM round_reviews r JOIN round_review_items i ON i.review_id = r.id "
                            "GROUP BY r.id, r.state, r.provenance").fetchall()
        consent = demo.execute("SELECT username FROM reviewer_consents").fetchall()
    assert len(rows) >= 3 and all(r[0] == "validated" and r[1] == "invented" and r[2] >= 1 for r in rows)
    assert consent == [(R.DEMO_REVIEWER,)]


def test_exports_and_the_sandbox_carry_reviews_without_account_names(con, submitted, dims, tmp_path):
    from alliance import exporter
    from alliance.sandbox import Sandbox

    review = walk_to_answered(con, dims)
    R.validate(con, ADMIN, review.id, review.version, now=NOW)
    files = {p.stem: p.read_text(encoding="utf-8") for p in exporter.export(con, tmp_path, "csv")}
    assert "round_reviews" in files and "round_review_items" in files
    assert "Only a plan so far." in files["round_review_items"]  # the review itself is exported
    for name in ("round_review_people", "round_review_history", "reviewer_consents"):
        assert name not in files
    for text in (files["round_reviews"], files["round_review_items"]):
        assert "editor-liege" not in text and "editor-aarhus" not in text
    box = Sandbox(con)
    try:
        assert {"round_reviews", "round_review_items"} <= set(box.tables)
        assert "round_review_people" not in box.tables
        rows = box.run("SELECT reviewer_role, reviewer_member_id FROM round_reviews WHERE state = 'validated' "
                       "AND provenance = 'reported'").frame
        assert rows.values.tolist() == [["peer", "liege-be"]]
    finally:
        box.close()

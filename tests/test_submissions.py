"""The practice submissions writer: states, review, versions, undo, concurrent saves, table rules, catalogue."""
from __future__ import annotations


import pytest

from alliance import auth, db, exporter, submissions
from alliance.sandbox import Sandbox
from alliance.submissions import EditConflict, SubmissionInvalid, SubmissionRefused

EDITOR = auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
OTHER = auth.User("editor-liege", "editor", frozenset({"liege-be"}))
ADMIN = auth.User("admin", "admin")


def record(**changes) -> dict:
    base = submissions.empty_record("aarhus-dk") | {
        "title": "Parent circles against polarisation", "summary": "Parents meet *monthly*; see <b>notes</b>.",
        "start_year": 2021, "source_url": "https://aarhus.dk/parent-circles",
        "approaches": ["family_support"], "target_groups": ["parents_families"], "stakeholders": ["families"]}
    return base | changes


def in_catalogue(con, practice_id) -> bool:
    return con.execute("SELECT count(*) FROM activities WHERE id = ?", [practice_id]).fetchone()[0] == 1


def test_submit_return_fix_publish_and_only_published_in_catalogue(con):
    entry = submissions.save(con, EDITOR, None, record(), 0, proposed_evaluation="peer_reviewed")
    assert entry.state == "draft" and entry.practice_id.startswith("aarhus-dk-parent-circles")
    assert entry.record["evaluation"] == "none" and entry.proposed_evaluation == "peer_reviewed"
    assert not in_catalogue(con, entry.practice_id)
    entry = submissions.submit(con, EDITOR, entry.practice_id, entry.revision)
    assert entry.state == "submitted"
    with pytest.raises(SubmissionRefused, match="waiting for review"):
        submissions.save(con, EDITOR, entry.practice_id, record(title="Other"), entry.revision)
    with pytest.raises(SubmissionRefused, match="Only administrators"):
        submissions.review(con, EDITOR, entry.practice_id, entry.revision, "publish", evaluation="internal")
    with pytest.raises(SubmissionRefused, match="comment"):
        submissions.review(con, ADMIN, entry.practice_id, entry.revision, "return")
    entry = submissions.review(con, ADMIN, entry.practice_id, entry.revision, "return", comment="Add the end year.")
    assert entry.state == "returned" and entry.review_comment.comment == "Add the end year."
    assert not in_catalogue(con, entry.practice_id)
    entry = submissions.save(con, EDITOR, entry.practice_id, record(end_year=2024, status="completed"), entry.revision,
                             submit=True)
    assert entry.state == "submitted" and entry.review_comment is None
    entry = submissions.review(con, ADMIN, entry.practice_id, entry.revision, "publish", evaluation="internal")
    assert entry.state == "published"
    row = con.execute("SELECT title, summary, end_year, evaluation, provenance FROM activities WHERE id = ?",
                      [entry.practice_id]).fetchone()
    assert row == ("Parent circles against polarisation", "Parents meet *monthly*; see <b>notes</b>.", 2024,
                   "internal", "documented")
    assert con.execute("SELECT approach_id FROM activity_approaches WHERE activity_id = ?",
                       [entry.practice_id]).fetchall() == [("family_support",)]
    assert entry.last_review.saved_by == "admin"
    assert entry.practice_id in set(db.run_query(con, "practices_results", terms=["parent", "circles"])["id"])
    actions = [r[0] for r in con.execute("SELECT action FROM app_audit WHERE object_id = ? ORDER BY id",
                                         [entry.practice_id]).fetchall()]
    assert actions == ["practice_create", "practice_submit", "practice_return", "practice_save",
                       "practice_submit", "practice_publish"]


def test_a_published_practice_stays_as_published_while_its_edit_waits(con):
    before = con.execute("SELECT title, evaluation FROM activities WHERE id = 'aarhus-model'").fetchone()
    entry = submissions.load(con, "aarhus-model")
    assert entry.state == "published" and entry.revision == 0
    changed = dict(entry.record, title="Aarhus model (2025 update)", approaches=["multi_agency"])
    entry = submissions.save(con, EDITOR, "aarhus-model", changed, 0, submit=True)
    assert [r.action for r in entry.history] == ["baseline", "save", "submit"]
    assert con.execute("SELECT title, evaluation FROM activities WHERE id = 'aarhus-model'").fetchone() == before
    entry = submissions.review(con, ADMIN, "aarhus-model", entry.revision, "decline")
    assert entry.state == "declined"
    assert con.execute("SELECT title FROM activities WHERE id = 'aarhus-model'").fetchone() == before[:1]
    entry = submissions.save(con, EDITOR, "aarhus-model", changed, entry.revision, submit=True)
    entry = submissions.review(con, ADMIN, "aarhus-model", entry.revision, "publish", evaluation="external")
    assert con.execute("SELECT title, evaluation FROM activities WHERE id = 'aarhus-model'").fetchone() == (
        "Aarhus model (2025 update)", "external")
    assert con.execute("SELECT list(approach_id) FROM activity_approaches WHERE activity_id = 'aarhus-model'"
                       ).fetchone()[0] == ["multi_agency"]


def test_unpublished_entries_are_never_exported_nor_in_the_sandbox(con, tmp_path):
    entry = submissions.save(con, EDITOR, None, record(title="Secret draft practice"), 0, submit=True)
    frames = exporter.table_frames(con)
    assert "practice_revisions" not in frames and "app_audit" not in frames
    assert entry.practice_id not in set(frames["activities"]["id"])
    box = Sandbox(con)
    try:
        assert "practice_revisions" not in box.tables
        assert box.run("SELECT count(*) AS n FROM activities WHERE title LIKE 'Secret%'").frame["n"][0] == 0
    finally:
        box.close()


def test_every_version_is_kept_and_a_draft_change_can_be_undone(con):
    entry = submissions.save(con, EDITOR, None, record(), 0)
    assert not entry.can_undo
    entry = submissions.save(con, EDITOR, entry.practice_id, record(title="Second title"), entry.revision)
    entry = submissions.save(con, EDITOR, entry.practice_id, record(title="Third title"), entry.revision)
    entry = submissions.undo(con, EDITOR, entry.practice_id, entry.revision)
    assert entry.record["title"] == "Second title" and entry.state == "draft"
    entry = submissions.undo(con, EDITOR, entry.practice_id, entry.revision)
    assert entry.record["title"] == "Parent circles against polarisation"
    assert not entry.can_undo
    with pytest.raises(SubmissionRefused, match="no change"):
        submissions.undo(con, EDITOR, entry.practice_id, entry.revision)
    assert [(r.action, r.record["title"], r.saved_by) for r in entry.history] == [
        ("create", "Parent circles against polarisation", "editor-aarhus"),
        ("save", "Second title", "editor-aarhus"), ("save", "Third title", "editor-aarhus"),
        ("undo", "Second title", "editor-aarhus"), ("undo", "Parent circles against polarisation", "editor-aarhus")]


def test_the_second_concurrent_save_is_refused_showing_what_changed(con):
    entry = submissions.save(con, EDITOR, None, record(), 0)
    seen = entry.revision
    colleague = auth.User("editor-aarhus-2", "editor", frozenset({"aarhus-dk"}))
    submissions.save(con, colleague, entry.practice_id, record(title="Colleague's title"), seen)
    with pytest.raises(EditConflict) as refused:
        submissions.save(con, EDITOR, entry.practice_id, record(summary="My summary"), seen)
    assert refused.value.by == "editor-aarhus-2"
    assert refused.value.changes == [("title", "Parent circles against polarisation", "Colleague's title")]
    assert submissions.load(con, entry.practice_id).record["title"] == "Colleague's title"


def test_table_rules_of_the_import_and_http_links(con):
    bad = record(title="  ", start_year=1800, end_year=1995, kind="poem", source_url="javascript:alert(1)",
                 approaches=["no_such_approach"])
    with pytest.raises(SubmissionInvalid) as refused:
        submissions.save(con, EDITOR, None, bad, 0)
    fields = {f for f, _ in refused.value.problems}
    assert {"title", "start_year", "kind", "source_url", "approaches"} <= fields
    reasons = dict(refused.value.problems)
    assert reasons["start_year"] == "must be between 1990 and 2100"
    assert "http" in reasons["source_url"]
    assert con.execute("SELECT count(*) FROM practice_revisions").fetchone()[0] == 0
    with pytest.raises(SubmissionInvalid):  # ftp is not a web page either
        submissions.save(con, EDITOR, None, record(source_url="ftp://example.org/x"), 0)


def test_editors_act_for_their_own_cities_only(con):
    with pytest.raises(SubmissionRefused, match="may not write"):
        submissions.save(con, OTHER, None, record(), 0)
    with pytest.raises(SubmissionRefused, match="may not write"):
        submissions.save(con, OTHER, "aarhus-model", record(), 0)
    with pytest.raises(SubmissionRefused, match="Sign in"):
        submissions.save(con, None, None, record(), 0)
    with pytest.raises(SubmissionRefused, match="may not write"):  # a new entry led by another city
        submissions.save(con, EDITOR, None, record(lead_member_id="liege-be"), 0)
    assert con.execute("SELECT count(*) FROM practice_revisions").fetchone()[0] == 0


def test_a_published_edit_is_found_by_the_search_at_once(con):
    """Publishing writes activities: the catalogue search's folded texts (activity_search) follow in the same
    transaction, so the new French title is found and the replaced one is not."""
    def found(words):
        return set(db.run_query(con, "practices_results", terms=words, include_archived=True, limit=500)["id"])

    assert "aarhus-model" in found(["discriminations"])
    entry = submissions.load(con, "aarhus-model")
    changed = dict(entry.record, title_fr="Modèle d'Aarhus : écoles et quartiers")
    entry = submissions.save(con, EDITOR, "aarhus-model", changed, entry.revision, submit=True)
    submissions.review(con, ADMIN, "aarhus-model", entry.revision, "publish", evaluation="none")
    assert "aarhus-model" in found(["ecoles", "quartiers"])
    assert "aarhus-model" not in found(["discriminations"])


def test_a_review_decision_alone_is_no_conflict_for_the_editor(con):
    entry = submissions.save(con, EDITOR, None, record(), 0, submit=True)
    seen = entry.revision  # the editor's page was drawn from the submitted version
    submissions.review(con, ADMIN, entry.practice_id, seen, "return", comment="Add the end year.")
    entry = submissions.save(con, EDITOR, entry.practice_id, record(end_year=2024), seen)
    assert entry.state == "draft" and entry.record["end_year"] == 2024

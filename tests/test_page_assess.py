"""AppTest of /assess: the sign-in gate, the questionnaire, saving, submitting, forged links, validation."""
from __future__ import annotations

import pytest

from alliance import assessments
from alliance.app.session import SESSION_KEY
from conftest import app_test


def signed_in(username: str | None, query: dict | None = None):
    at = app_test("", query)
    if username:
        at.session_state[SESSION_KEY] = username
    at.switch_page("pages/assess.py")
    at.run()
    assert not at.exception, at.exception
    return at


def button(at, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, [b.label for b in at.button]
    return matches[0]


def radio(at, dimension_id: int):
    """The answer widget of one dimension (the page lists them by group, not by id)."""
    return next(r for r in at.radio if r.key.endswith(f"_level_{dimension_id}"))


def evidence(at, dimension_id: int):
    return next(a for a in at.text_area if a.key.endswith(f"_evidence_{dimension_id}"))


def test_viewers_get_the_sign_in_form_with_the_demo_accounts(own_db):
    at = signed_in(None)
    assert [w.label for w in at.text_input] == ["User name", "Password"]
    assert len(at.radio) == 0
    demo = " ".join(i.value for i in at.info)
    assert "editor-aarhus" in demo and "demo-editor-2015" in demo and "demo-admin-2015" in demo


def test_sign_in_with_a_wrong_then_the_right_password(own_db):
    at = signed_in(None)
    at.text_input[0].input("editor-aarhus")
    at.text_input[1].input("not the password")
    button(at, "Sign in").click().run()
    assert any("wrong" in e.value for e in at.error)
    assert len(at.radio) == 0
    at.text_input[1].input("demo-editor-2015")
    button(at, "Sign in").click().run()
    assert not at.exception
    assert len(at.radio) == 14
    assert at.selectbox(key="url_city").value == "aarhus-dk"
    assert "editor-aarhus" in " ".join(c.value for c in at.sidebar.caption)


def test_the_choices_are_the_level_statements_and_not_applicable(own_db):
    at = signed_in("editor-aarhus")
    first = radio(at, 1)
    assert len(first.options) == 7
    descriptor = own_db.execute("SELECT descriptor_en FROM level_descriptors WHERE dimension_id = 1 AND level = 2"
                                ).fetchone()[0]
    assert first.options[2].startswith("2 · Planned: ")
    assert first.options[2].replace("\\", "").endswith(descriptor)
    assert first.options[6].startswith("Not applicable")
    # aarhus-dk's 2025 round holds invented scores: they are not shown as the city's answers
    assert all(r.value is None for r in at.radio)
    assert any("invented demonstration scores" in i.value for i in at.info)
    assert "0 of 14 answered" in at.get("progress")[0].proto.text


def test_save_a_draft_then_resume(own_db):
    at = signed_in("editor-aarhus")
    radio(at, 1).set_value("2")
    radio(at, 5).set_value("na")
    evidence(at, 1).input("Council decision of 3 May, https://aarhus.dk/x")
    button(at, "Save draft").click().run()
    assert not at.exception, at.exception
    assert any("Saved: 2 answers changed" in s.value for s in at.success)
    stored = assessments.load(own_db, "aarhus-dk", 2025)
    assert (stored.status, stored.provenance, stored.submitted_by) == ("draft", "reported", "editor-aarhus")
    assert stored.answers == {1: assessments.Answer(2, False, "Council decision of 3 May, https://aarhus.dk/x"),
                              5: assessments.Answer(None, True, None)}
    assert "2 of 14 answered" in at.get("progress")[0].proto.text
    # a new session (another day) finds the answers again
    later = signed_in("editor-aarhus")
    assert radio(later, 1).value == "2" and radio(later, 5).value == "na"
    assert evidence(later, 1).value.startswith("Council decision")


def test_submit_incomplete_keeps_a_draft_and_names_what_is_missing(own_db):
    at = signed_in("editor-aarhus")
    for widget in at.radio[:9]:
        widget.set_value("3")
    button(at, "Submit the round").click().run()
    assert any("not submitted" in w.value and "5 dimensions" in w.value for w in at.warning)
    assert assessments.load(own_db, "aarhus-dk", 2025).status == "draft"


def test_submit_a_complete_round(own_db):
    at = signed_in("editor-aarhus")
    for d in range(1, 15):
        radio(at, d).set_value(str((d - 1) % 6))
    button(at, "Submit the round").click().run()
    assert not at.exception, at.exception
    stored = assessments.load(own_db, "aarhus-dk", 2025)
    assert stored.status == "submitted" and len(stored.answers) == 14
    assert {d: a.level for d, a in stored.answers.items()} == {d: (d - 1) % 6 for d in range(1, 15)}
    assert any("is submitted" in s.value for s in at.success)
    # still editable by the editor until validated: the button now saves changes
    radio(at, 1).set_value("5")
    button(at, "Save changes").click().run()
    assert assessments.load(own_db, "aarhus-dk", 2025).answers[1].level == 5


@pytest.mark.parametrize("city, words", [("liege-be", "may not write for"),
                                         ("atlantis-xx", "is not a member"),
                                         ("<img src=x onerror=alert(1)>", "is not a member")])
def test_a_forged_city_is_refused_and_nothing_written(own_db, city, words):
    before = own_db.execute("SELECT count(*) FROM assessment_versions").fetchone()[0]
    at = signed_in("editor-aarhus", {"city": city})
    assert any(words in e.value for e in at.error), [e.value for e in at.error]
    assert at.selectbox(key="url_city").value == "aarhus-dk"  # back on the editor's own city
    assert "city" not in at.query_params
    assert own_db.execute("SELECT count(*) FROM assessment_versions").fetchone()[0] == before


def test_a_forged_round_falls_back_to_the_latest(own_db):
    at = signed_in("editor-aarhus", {"round": "1890"})
    assert any("1890" in w.value for w in at.warning)
    assert at.selectbox(key="url_round").value == 2025


def test_admin_validates_and_the_editor_can_no_longer_change(own_db):
    dims = range(1, 15)
    editor = assessments.auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
    assessments.save(own_db, editor, "aarhus-dk", 2025, {d: assessments.Answer(3) for d in dims}, submit=True)
    admin = signed_in("admin", {"city": "aarhus-dk"})
    assert "Rounds awaiting your validation (1)" in [e.label for e in admin.expander]
    link = admin.get("page_link")[0].proto
    assert "Aarhus (DK), round 2025: submitted by editor-aarhus" in link.label.replace("\\", "")
    assert link.query_string == "city=aarhus-dk&round=2025"
    button(admin, "Validate this round").click().run()
    assert not admin.exception
    assert assessments.load(own_db, "aarhus-dk", 2025).status == "validated"
    assert not [e for e in admin.expander if e.label.startswith("Rounds awaiting")]
    at = signed_in("editor-aarhus")
    assert len(at.radio) == 14 and all(r.disabled for r in at.radio)  # drawn, and locked
    assert any("validated" in i.value for i in at.info)


def test_a_round_under_review_is_closed_and_validated_through_its_review(own_db):
    from alliance import round_review

    editor = assessments.auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
    assessments.save(own_db, editor, "aarhus-dk", 2025, {d: assessments.Answer(3) for d in range(1, 15)}, submit=True)
    review = round_review.assign(own_db, assessments.auth.User("admin", "admin"), "aarhus-dk", 2025, "admin")
    at = signed_in("editor-aarhus")
    assert all(r.disabled for r in at.radio)
    assert any("under review" in i.value for i in at.info)
    admin = signed_in("admin", {"city": "aarhus-dk"})
    assert not [b for b in admin.button if b.label == "Validate this round"]
    links = [link.proto for link in admin.get("page_link")]
    assert any(link.query_string == f"review={review.id}" for link in links)


def test_an_editor_cannot_open_the_admin_actions(own_db):
    at = signed_in("editor-aarhus")
    assert not [b for b in at.button if b.label in ("Validate this round", "Reopen for changes")]


def test_a_colleagues_save_in_between_is_merged_not_overwritten(own_db):
    at = signed_in("editor-aarhus")  # the form is drawn now
    colleague = assessments.auth.User("colleague", "editor", frozenset({"aarhus-dk"}))
    assessments.save(own_db, colleague, "aarhus-dk", 2025, {14: assessments.Answer(5, evidence="their work")})
    radio(at, 1).set_value("3")
    button(at, "Save draft").click().run()
    stored = assessments.load(own_db, "aarhus-dk", 2025)
    assert stored.answers[1].level == 3
    assert stored.answers[14] == assessments.Answer(5, False, "their work")
    assert radio(at, 14).value == "5"  # the form is redrawn from what is stored now


def test_openid_connect_is_offered_only_when_configured(own_db):
    plain = signed_in(None)
    assert not [b for b in plain.button if "organisation" in b.label]
    at = app_test("")
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    at.switch_page("pages/assess.py")
    at.run()
    assert not at.exception, at.exception
    assert [b for b in at.button if b.label == "Sign in with your organisation's account"]
    assert [w.label for w in at.text_input] == ["User name", "Password"]  # local accounts still work offline


def test_the_history_shows_every_version_and_its_answers(own_db):
    editor = assessments.auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
    assessments.save(own_db, editor, "aarhus-dk", 2025, {1: assessments.Answer(2, evidence="first")})
    assessments.save(own_db, editor, "aarhus-dk", 2025, {1: assessments.Answer(4, evidence="second")})
    at = signed_in("editor-aarhus")
    assert "Version history (3)" in [e.label for e in at.expander]  # invented scores kept, then two saves
    versions = at.dataframe[0].value
    assert list(versions["version"]) == [3, 2, 1]
    assert list(versions["action"]) == ["saved", "saved", "invented scores replaced"]
    picker = at.selectbox(key="assess_version_aarhus-dk_2025")
    picker.set_value(2).run()
    answers = at.dataframe[1].value.set_index("dimension")
    first = answers.loc["Political leadership and commitment"]
    assert (first["answer"], first["evidence"]) == ("2", "first")


def test_answers_are_kept_without_saving_across_pages_and_sessions(own_db):
    at = signed_in("editor-aarhus")
    radio(at, 1).set_value("2").run()
    evidence(at, 1).input("Council decision of 3 May").run()
    assert not at.exception, at.exception
    assert any("kept automatically" in i.value for i in at.info)
    assert assessments.load(own_db, "aarhus-dk", 2025).provenance == "invented"  # nothing saved yet
    at.switch_page("pages/map.py").run()  # to another page and back: the answers are still there
    at.switch_page("pages/assess.py").run()
    assert radio(at, 1).value == "2" and evidence(at, 1).value == "Council decision of 3 May"
    later = signed_in("editor-aarhus")  # a new session (a reload, another day)
    assert radio(later, 1).value == "2" and evidence(later, 1).value == "Council decision of 3 May"
    assert "1 of 14 answered" in later.get("progress")[0].proto.text
    button(later, "Save draft").click().run()
    assert assessments.load(own_db, "aarhus-dk", 2025).answers[1] == assessments.Answer(
        2, False, "Council decision of 3 May")
    assert not any("kept automatically" in i.value for i in later.info)


def test_discarding_goes_back_to_the_saved_answers(own_db):
    at = signed_in("editor-aarhus")
    radio(at, 3).set_value("4").run()
    button(at, "Discard my changes").click().run()
    assert radio(at, 3).value is None
    assert assessments.unsaved_edits(own_db, "editor-aarhus", "aarhus-dk", 2025)[0] == {}


def test_over_long_evidence_is_kept_whole_and_not_saved_with_a_message(own_db):
    pasted = ("Minutes of the prevention board, item 4. " * 200)[:7400]
    at = signed_in("editor-aarhus")
    radio(at, 2).set_value("3")
    evidence(at, 2).input(pasted).run()
    assert evidence(at, 2).value == pasted  # not dropped, not cut
    assert any("7,400 characters" in e.value and "4,000" in e.value for e in at.error)
    button(at, "Save draft").click().run()
    assert any("Nothing was saved" in e.value and "Local multi-agency strategy" in e.value.replace("\\", "")
               for e in at.error)
    assert assessments.load(own_db, "aarhus-dk", 2025).provenance == "invented"
    assert evidence(at, 2).value == pasted
    kept, _ = assessments.unsaved_edits(own_db, "editor-aarhus", "aarhus-dk", 2025)
    assert kept[2].evidence == pasted.strip()
    evidence(at, 2).input(pasted[:3000]).run()  # shortened: saved
    button(at, "Save draft").click().run()
    assert assessments.load(own_db, "aarhus-dk", 2025).answers[2].evidence == pasted[:3000].strip()


def test_a_reload_keeps_the_sign_in_until_it_ends(own_db, monkeypatch):
    from alliance import auth
    from alliance.app import session

    at = signed_in(None)
    at.text_input[0].input("editor-aarhus")
    at.text_input[1].input("demo-editor-2015")
    button(at, "Sign in").click().run()
    token, expires = at.session_state[session.TOKEN_KEY]
    assert own_db.execute("SELECT username FROM sign_in_sessions").fetchall() == [("editor-aarhus",)]
    # a reload is a new session: the browser sends the cookie back
    monkeypatch.setattr(session, "_cookie_token", lambda: token)
    reloaded = signed_in(None)
    assert len(reloaded.radio) == 14 and "editor-aarhus" in " ".join(c.value for c in reloaded.sidebar.caption)
    button(reloaded, "Sign out").click().run()
    assert [w.label for w in reloaded.text_input] == ["User name", "Password"]
    assert auth.session_user(own_db, token) == (None, None)
    # an ended sign-in is said so, not silently dropped
    ended, _ = auth.start_session(own_db, "editor-aarhus", now=expires - auth.SESSION_LIFETIME * 3)
    monkeypatch.setattr(session, "_cookie_token", lambda: ended)
    later = signed_in(None)
    assert len(later.radio) == 0
    assert any("sign-in has ended" in i.value and "unsaved answers are kept" in i.value for i in later.info)


def test_the_chosen_city_comes_back_after_another_page(own_db):
    at = signed_in("admin", {"city": "liege-be"})
    assert at.selectbox(key="url_city").value == "liege-be"
    at.query_params.clear()
    at.switch_page("pages/map.py").run()
    at.query_params.clear()  # the sidebar's link carries no parameters
    at.switch_page("pages/assess.py").run()
    assert at.selectbox(key="url_city").value == "liege-be"
    assert at.query_params["city"] in ("liege-be", ["liege-be"])  # kept in the link for a reload

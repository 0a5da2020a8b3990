"""AppTest of /submit and /review: an editor writes and submits a practice, an admin returns it with a comment,
the editor fixes it, the admin publishes it; bad input gets the table rules' reasons; a concurrent save is
refused naming what changed."""
from __future__ import annotations

from alliance import auth, submissions
from alliance.i18n import set_language
from alliance.app.session import SESSION_KEY
from conftest import app_test


def signed_in(page: str, username: str | None, query: dict | None = None, lang: str | None = None):
    at = app_test("", {**(query or {}), **({"lang": lang} if lang else {})})
    if username:
        at.session_state[SESSION_KEY] = username
    if lang:
        at.session_state["language"] = lang
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def widget(items, suffix: str):
    return next(w for w in items if w.key and w.key.endswith(suffix))


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def fill(at, title: str, summary: str, url: str = "https://aarhus.dk/circles"):
    widget(at.text_input, "_title").input(title)
    widget(at.text_area, "_summary").input(summary)
    widget(at.text_input, "_url").input(url)
    widget(at.number_input, "_start").set_value(2022)
    widget(at.multiselect, "_approaches").set_value(["family_support"])


def test_editor_submits_admin_returns_editor_fixes_admin_publishes(own_db):
    at = signed_in("submit", "editor-aarhus")
    assert at.selectbox(key="url_city").value == "aarhus-dk"
    fill(at, "Neighbourhood parent circles", "Parents *meet* monthly <script>x</script>", url="javascript:alert(1)")
    button(at, "Save and submit for review").click().run()
    assert not at.exception
    assert any("Nothing was saved" in e.value for e in at.error)
    assert "http" in " ".join(m.value for m in at.markdown)
    assert own_db.execute("SELECT count(*) FROM practice_revisions").fetchone()[0] == 0
    widget(at.text_input, "_url").input("https://aarhus.dk/circles")
    widget(at.selectbox, "_evaluation").set_value("peer_reviewed")
    button(at, "Save and submit for review").click().run()
    assert not at.exception
    assert any("Submitted for review" in s.value for s in at.success)
    practice_id = at.query_params["id"][0] if isinstance(at.query_params["id"], list) else at.query_params["id"]
    assert own_db.execute("SELECT count(*) FROM activities WHERE id = ?", [practice_id]).fetchone()[0] == 0
    assert widget(at.text_input, "_title").disabled  # under review

    admin = signed_in("review", "admin")
    assert "Waiting for review (1)" in [s.value for s in admin.subheader]
    assert admin.selectbox(key="url_id").value == practice_id
    widget(admin.text_area, "_comment").input("Please add the end year and the evaluation report.")
    button(admin, "Return with the comment").click().run()
    assert not admin.exception
    assert any("Returned" in s.value for s in admin.success)

    at = signed_in("submit", "editor-aarhus", {"id": practice_id})
    assert any("Returned by admin" in w.value for w in at.warning)
    assert "Please add the end year and the evaluation report." in [x.value for x in at.text]
    widget(at.number_input, "_end").set_value(2024)
    button(at, "Save and submit for review").click().run()
    assert any("Submitted for review" in s.value for s in at.success)

    admin = signed_in("review", "admin")
    assert widget(admin.selectbox, "_evaluation").value == "peer_reviewed"  # the editor's proposal, preselected
    widget(admin.selectbox, "_evaluation").set_value("internal")
    button(admin, "Publish").click().run()
    assert not admin.exception
    assert "Waiting for review (0)" in [s.value for s in admin.subheader]
    row = own_db.execute("SELECT title, summary, end_year, evaluation FROM activities WHERE id = ?",
                         [practice_id]).fetchone()
    assert row == ("Neighbourhood parent circles", "Parents *meet* monthly <script>x</script>", 2024, "internal")

    at = app_test("practices", {"q": "parent circles"})
    at.run()
    assert not at.exception
    assert "Neighbourhood parent circles" in str([m.value for m in at.markdown] + [str(d.value) for d in at.dataframe])
    at = app_test("practices", {"id": practice_id})
    at.run()
    assert any("Reviewed by admin on" in c.value and "Internal evaluation" in c.value for c in at.caption)


def test_editors_cannot_open_the_review_and_viewers_must_sign_in(own_db):
    at = signed_in("review", "editor-aarhus")
    assert any("administrator" in e.value.lower() for e in at.error)
    assert not [b for b in at.button if b.label == "Publish"]
    at = signed_in("submit", None)
    assert [w.label for w in at.text_input] == ["User name", "Password"]


def test_a_concurrent_save_is_refused_with_what_changed_and_the_form_keeps_the_text(own_db):
    editor = auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
    entry = submissions.save(own_db, editor, None, submissions.empty_record("aarhus-dk") | {"title": "Mentors"}, 0)
    at = signed_in("submit", "editor-aarhus", {"id": entry.practice_id})
    submissions.save(own_db, editor, entry.practice_id, entry.record | {"title": "Mentors for families"},
                     entry.revision)
    widget(at.text_area, "_summary").input("My long text")
    button(at, "Save the draft").click().run()
    assert not at.exception
    assert any("saved this entry after you opened it" in e.value for e in at.error)
    assert "Title: now “Mentors for families”" in " ".join(m.value for m in at.markdown).replace("\\", "")
    assert widget(at.text_area, "_summary").value == "My long text"
    assert submissions.load(own_db, entry.practice_id).record["summary"] is None


def test_undo_and_french(own_db):
    editor = auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
    entry = submissions.save(own_db, editor, None, submissions.empty_record("aarhus-dk") | {"title": "Un"}, 0)
    entry = submissions.save(own_db, editor, entry.practice_id, entry.record | {"title": "Deux"}, entry.revision)
    at = signed_in("submit", "editor-aarhus", {"id": entry.practice_id}, lang="fr")
    assert widget(at.text_input, "_title").label == "Titre"
    set_language("fr")  # AppTest formats the selectboxes' values in this thread, with the page's format_func
    try:
        button(at, "Annuler la dernière modification").click().run()
    finally:
        set_language("en")
    assert not at.exception
    assert any("annulée" in s.value for s in at.success)
    assert widget(at.text_input, "_title").value == "Un"


def test_the_original_language_is_asked_and_stored_defaulting_to_the_readers_language(own_db):
    """A new practice's text language was stored empty (read as English); the form now asks, starting with the
    language the editor reads the app in, and the choice is stored."""
    def saved_language(lang: str, button_label: str, choose: str | None = None) -> str | None:
        at = signed_in("submit", "editor-aarhus", lang=lang)
        original = widget(at.selectbox, "_original_language")
        assert original.value == lang
        if choose:
            original.set_value(choose)
        widget(at.text_input, "_title").input(f"Practice written in {choose or lang}")
        set_language(lang)
        try:
            button(at, button_label).click().run()
        finally:
            set_language("en")
        assert not at.exception
        practice_id = own_db.execute("SELECT practice_id FROM practice_revisions WHERE json_extract_string(record, "
                                     "'$.title') = $t", {"t": f"Practice written in {choose or lang}"}).fetchone()[0]
        return submissions.load(own_db, practice_id).record["original_language"]

    assert saved_language("fr", "Enregistrer le brouillon") == "fr"
    assert saved_language("en", "Save the draft") == "en"
    assert saved_language("en", "Save the draft", choose="de") == "de"

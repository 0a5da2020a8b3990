"""The light participant page /vote/CODE (alliance.vote): the form, the one transaction of a sent form, and
every bad input of issue 12 refused in the participant's language with nothing stored."""
from __future__ import annotations

import re

import pytest

from alliance import db, poll, vote


@pytest.fixture
def con(writable_db, monkeypatch):
    monkeypatch.setenv("ALLIANCE_SECRET", "test-secret")
    monkeypatch.setattr(vote, "_secret", None)
    monkeypatch.setattr(vote, "answer_limit", vote.RateLimit(vote.ANSWERS_PER_MINUTE, 60))
    vote._meta.clear()
    connection = db.connect(writable_db)
    db.apply_schema(connection)
    yield connection
    connection.close()
    vote._meta.clear()


def _stored(con, code=None) -> int:
    if code is None:
        return con.execute("SELECT count(*) FROM poll_answers").fetchone()[0]
    return con.execute("SELECT count(*) FROM poll_answers WHERE poll_code = $c", {"c": code}).fetchone()[0]


def _form_of(reply: vote.Reply) -> dict:
    """The hidden fields of a rendered form, as a phone would send them back."""
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', reply.body))


def _start(con, code, lang="en"):
    """A phone's first visit: the page, its new token (cookie) and the form's hidden fields."""
    reply = vote.page(con, code, lang, None)
    assert reply.status == 200 and reply.cookie
    return reply.cookie, _form_of(reply)


def test_the_page_offers_every_question_and_level_in_the_participants_language(con):
    code = poll.open_poll(con, [1, 2, 3], "organiser")
    reply = vote.page(con, code, "fr", None)
    assert reply.status == 200 and '<html lang="fr">' in reply.body
    assert "Envoyer mes réponses" in reply.body and "Question 1 sur 3" in reply.body
    for dim in (1, 2, 3):
        assert len(re.findall(rf'name="q{dim}" value="[0-5]"', reply.body)) == 6
    assert "<script" not in reply.body  # no JavaScript needed
    assert len(reply.body.encode()) < 30_000
    assert vote.token_ok(reply.cookie)


def test_the_page_speaks_german_with_the_frameworks_german_labels(con):
    code = poll.open_poll(con, [1, 2], "organiser")
    reply = vote.page(con, code, "de", None)
    assert reply.status == 200 and '<html lang="de">' in reply.body
    assert "Meine Antworten senden" in reply.body and "Frage 1 von 2" in reply.body
    assert "Wie stark engagiert sich die politische Führung Ihrer Stadt" in reply.body


def test_a_sent_form_stores_the_answers_once_and_redirects(con):
    code = poll.open_poll(con, [1, 2, 3], "organiser")
    token, form = _start(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "q1": "3", "q2": "0", "q3": "5"})
    assert reply.status == 303 and reply.headers["Location"].startswith(code + "?")
    assert poll.participant_answers(con, code, token) == {1: 3, 2: 0, 3: 5}
    after = vote.page(con, code, "en", token, sent=True)
    assert "data-sent" in after.body and 'name="q1" value="3" checked' in after.body
    # a changed answer replaces the earlier one, with a new form's nonce
    again = vote.submit(con, code, "en", token, {**_form_of(after), "q1": "4"})
    assert again.status == 303 and poll.participant_answers(con, code, token)[1] == 4 and _stored(con) == 3


@pytest.mark.parametrize("lang, expected", [("en", "No poll has the code"), ("fr", "Aucun sondage")])
def test_an_unknown_code_is_refused_in_the_participants_language(con, lang, expected):
    assert vote.page(con, "ZZZZZZ", lang, None).status == 404
    reply = vote.submit(con, "ZZZZZZ", lang, vote.new_token(), {"nonce": "x", "q1": "2"})
    assert reply.status == 404 and expected in reply.body and _stored(con) == 0
    assert vote.page(con, "<b>x", lang, None).status == 404
    assert "<b>x" not in vote.page(con, "<b>x", lang, None).body  # shown as literal text


def test_a_closed_poll_refuses_and_stores_nothing(con):
    code = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, code, "fr")
    poll.close_poll(con, code)
    vote.forget(code)
    reply = vote.submit(con, code, "fr", token, {**form, "q1": "2"})
    assert reply.status == 410 and "clos" in reply.body and _stored(con) == 0
    assert vote.page(con, code, "fr", token).status == 410


def test_a_poll_closed_after_the_page_was_cached_still_refuses(con):
    code = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, code)  # the open poll is now in the short cache
    poll.close_poll(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "q1": "2"})
    assert reply.status == 410 and _stored(con) == 0


@pytest.mark.parametrize("token", [None, "", "participant-000001-abcdef", "A" * 44, "x" * 200, "é" * 30])
def test_a_missing_or_forged_token_is_refused(con, token):
    code = poll.open_poll(con, [1], "organiser")
    real, form = _start(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "q1": "2"})
    assert reply.status == 403 and "cookie" in reply.body and _stored(con) == 0


def test_a_replayed_post_is_refused(con):
    code = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, code)
    assert vote.submit(con, code, "en", token, {**form, "q1": "2"}).status == 303
    replay = vote.submit(con, code, "en", token, {**form, "q1": "5"})
    assert replay.status == 409 and "already" in replay.body
    assert poll.participant_answers(con, code, token) == {1: 2}


def test_a_nonce_of_another_participant_or_poll_or_a_forged_one_is_refused(con):
    code = poll.open_poll(con, [1], "organiser")
    other = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, code)
    stranger, _ = _start(con, code)
    for who, where, nonce in [(stranger, code, form["nonce"]), (token, other, form["nonce"]),
                              (token, code, "1.2.3"), (token, code, "")]:
        reply = vote.submit(con, where, "en", who, {**form, "nonce": nonce, "q1": "2"})
        assert reply.status == 400 and "too old" in reply.body
    old = vote.new_nonce(token, code, now=1_000_000)
    assert not vote.nonce_ok(old, token, code)
    assert _stored(con) == 0


def test_a_question_of_another_poll_is_refused_as_a_whole(con):
    code = poll.open_poll(con, [1, 2], "organiser")
    poll.open_poll(con, [7], "organiser")
    token, form = _start(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "q1": "2", "q7": "3"})
    assert reply.status == 400 and "not part of the poll" in reply.body
    assert _stored(con) == 0  # not even the valid answer to question 1


@pytest.mark.parametrize("value", ["", "6", "-1", "2.5", "22", "x", "<b>3</b>"])
def test_a_level_outside_0_to_5_is_refused(con, value):
    code = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "q1": value})
    assert reply.status == 400 and _stored(con) == 0


def test_an_empty_form_asks_for_an_answer(con):
    code = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, code, "fr")
    reply = vote.submit(con, code, "fr", token, form)
    assert reply.status == 400 and "au moins une question" in reply.body and _stored(con) == 0


@pytest.mark.parametrize("body", [b"q1=\xff\xfe", b"q1=%FF%FE", b"q1=%00", b"a=" + b"x" * 20_000])
def test_binary_or_too_big_bodies_are_not_forms(body):
    assert vote.parse_form(body) is None


def test_a_binary_body_is_refused_with_a_message(con):
    code = poll.open_poll(con, [1], "organiser")
    token, _ = _start(con, code)
    reply = vote.submit(con, code, "en", token, vote.parse_form(b"q1=%FF"))
    assert reply.status == 400 and "could not be read" in reply.body and _stored(con) == 0


def test_sending_too_often_is_limited(con, monkeypatch):
    monkeypatch.setattr(vote, "answer_limit", vote.RateLimit(2, 60))
    code = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, code)
    statuses = []
    for level in ("1", "2", "3"):
        reply = vote.submit(con, code, "en", token, {**form, "q1": level})
        statuses.append(reply.status)
        form = _form_of(vote.page(con, code, "en", token))
    assert statuses == [303, 303, 429]
    assert poll.participant_answers(con, code, token) == {1: 2}


def test_question_texts_from_data_are_literal(con):
    code = poll.open_poll(con, [1], "organiser")
    con.execute("UPDATE dimensions SET question_en = '<script>alert(1)</script> **bold**' WHERE id = 1")
    vote.forget(code)
    body = vote.page(con, code, "en", None).body
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; **bold**" in body


@pytest.mark.parametrize("asked, header, expected", [("fr", "en", "fr"), (None, "fr-CH,fr;q=0.9,en;q=0.8", "fr"),
                                                     (None, "es-ES,en;q=0.5", "en"), (None, "de-DE,en;q=0.5", "de"),
                                                     ("xx", None, "en")])
def test_language_from_the_link_then_the_browser(asked, header, expected):
    assert vote.choose_language(asked, header) == expected


def test_tokens_are_signed_and_fit_the_answer_table(monkeypatch):
    monkeypatch.setenv("ALLIANCE_SECRET", "one")
    monkeypatch.setattr(vote, "_secret", None)
    token = vote.new_token()
    assert vote.token_ok(token) and poll.valid_token(token)
    monkeypatch.setattr(vote, "_secret", b"another")
    assert not vote.token_ok(token)


def _mixed_poll(con):
    return poll.open_poll(con, [1], "organiser", [poll.Item("choice", "Which <first>?", ("Schools", "Police & <b>")),
                                                  poll.Item("text", "One word")])


def test_every_question_kind_is_offered_and_answered(con):
    code = poll.open_poll(con, [], "organiser", [poll.Item("choice", "Which first?", ("Schools", "Police")),
                                                 poll.Item("scale", "How ready?"), poll.Item("text", "One word")])
    token, form = _start(con, code, "fr")
    body = vote.page(con, code, "fr", token).body
    assert len(re.findall(r'name="i1" value="[01]"', body)) == 2
    assert len(re.findall(r'name="i2" value="[1-5]"', body)) == 5
    assert 'name="i3" maxlength="280"' in body and "pas du tout" in body
    reply = vote.submit(con, code, "fr", token, {**form, "i1": "1", "i2": "4", "i3": "La confiance"})
    assert reply.status == 303
    assert poll.participant_item_answers(con, code, token) == {1: 1, 2: 4, 3: "La confiance"}
    again = vote.page(con, code, "fr", token).body
    assert 'name="i2" value="4" checked' in again and ">La confiance</textarea>" in again


def test_options_and_prompts_are_literal_text(con):
    code = _mixed_poll(con)
    body = vote.page(con, code, "en", None).body
    assert "Which &lt;first&gt;?" in body and "Police &amp; &lt;b&gt;" in body and "<b>" not in body


@pytest.mark.parametrize("field, value, reason", [("i3", "x" * 281, "too long"), ("i2", "7", "not one of those"),
                                                  ("i2", "x", "not one of those"), ("i9", "1", "not part of the poll")])
def test_bad_answers_to_own_questions_are_refused(con, field, value, reason):
    code = _mixed_poll(con)
    token, form = _start(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "q1": "2", field: value})
    assert reply.status == 400 and reason in reply.body
    assert _stored(con) == 0 and con.execute("SELECT count(*) FROM poll_item_answers").fetchone()[0] == 0


def test_an_empty_text_box_alone_asks_for_an_answer(con):
    code = _mixed_poll(con)
    token, form = _start(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "i3": "   "})
    assert reply.status == 400 and "at least one question" in reply.body


def test_qa_ask_moderate_and_vote_on_the_light_page(con, monkeypatch):
    from alliance import qa

    code = poll.open_poll(con, [], "organiser", qa=True)
    token, form = _start(con, code, "fr")
    assert "Questions aux intervenants" in vote.page(con, code, "fr", token).body
    reply = vote.submit(con, code, "fr", token, {**form, "action": "ask", "text": "Qui <b>finance</b> ?"})
    assert reply.status == 303 and "sent=asked" in reply.headers["Location"]
    assert "votre question a été envoyée" in vote.page(con, code, "fr", token, sent="asked").body
    assert "finance" not in vote.page(con, code, "fr", token).body  # not shown before approval
    question = int(qa.questions(con, code)["id"].iloc[0])
    # a vote for a question not approved is refused
    voter, vform = _start(con, code)
    refused = vote.submit(con, code, "en", voter, {**vform, "action": "vote", "question": str(question)})
    assert refused.status == 400 and "cannot get votes" in refused.body
    qa.moderate(con, code, question, "approved", "moderator")
    vote._qa_cache.clear()
    body = vote.page(con, code, "en", voter).body
    assert "Qui &lt;b&gt;finance&lt;/b&gt; ?" in body and "Vote for this question (0)" in body
    vform = _form_of(vote.page(con, code, "en", voter))
    ok = vote.submit(con, code, "en", voter, {**vform, "action": "vote", "question": str(question)})
    assert ok.status == 303 and "sent=voted" in ok.headers["Location"]
    assert "You voted for this question. Votes: 1." in vote.page(con, code, "en", voter).body
    # a second vote (with a fresh form) is refused; the count stays
    again = vote.submit(con, code, "en", voter, {**_form_of(vote.page(con, code, "en", voter)), "action": "vote",
                                                 "question": str(question)})
    assert again.status == 409 and "one vote per person" in again.body
    assert con.execute("SELECT count(*) FROM poll_qa_votes").fetchone()[0] == 1


@pytest.mark.parametrize("text, reason", [("", "Write a few words"), ("x" * 281, "too long")])
def test_bad_qa_questions_are_refused_in_the_participants_language(con, text, reason):
    code = poll.open_poll(con, [], "organiser", qa=True)
    token, form = _start(con, code)
    reply = vote.submit(con, code, "en", token, {**form, "action": "ask", "text": text})
    assert reply.status == 400 and reason in reply.body
    assert con.execute("SELECT count(*) FROM poll_qa_questions").fetchone()[0] == 0


def test_one_question_every_30_seconds(con, monkeypatch):
    monkeypatch.setattr(vote, "ask_limit", vote.RateLimit(1, 30))
    code = poll.open_poll(con, [], "organiser", qa=True)
    token, form = _start(con, code)
    assert vote.submit(con, code, "en", token, {**form, "action": "ask", "text": "First?"}).status == 303
    form = _form_of(vote.page(con, code, "en", token))
    reply = vote.submit(con, code, "en", token, {**form, "action": "ask", "text": "Second?"})
    assert reply.status == 429 and "every 30 seconds" in reply.body
    assert con.execute("SELECT count(*) FROM poll_qa_questions").fetchone()[0] == 1


def test_qa_posts_to_a_poll_without_qa_or_with_a_forged_token_store_nothing(con):
    plain = poll.open_poll(con, [1], "organiser")
    token, form = _start(con, plain)
    assert vote.submit(con, plain, "en", token, {**form, "action": "ask", "text": "Hi?"}).status == 400
    code = poll.open_poll(con, [], "organiser", qa=True)
    token, form = _start(con, code)
    forged = vote.submit(con, code, "en", "A" * 44, {**form, "action": "ask", "text": "Hi?"})
    assert forged.status == 403
    assert vote.submit(con, code, "en", token, {**form, "action": "vote", "question": "x"}).status == 400
    assert con.execute("SELECT count(*) FROM poll_qa_questions").fetchone()[0] == 0


def test_app_py_builds_the_server_app_only_when_imported_by_the_server():
    """`streamlit run app.py` imports app.py once for its st.App; page views run it as __main__ and must not
    build the App again (nor the server import draw the shell)."""
    import ast
    from pathlib import Path

    from alliance.app.routes import ROUTES

    tree = ast.parse((Path(__file__).resolve().parent.parent / "app.py").read_text())
    guard = [node for node in tree.body if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)]
    assert len(guard) == 1 and ast.unparse(guard[0].test) == "__name__ == '__main__'"
    assert [ast.unparse(s) for s in guard[0].body] == ["main()"]
    built = [s for s in ast.walk(guard[0]) if isinstance(s, ast.Call) and ast.unparse(s.func) == "st.App"]
    assert built and all(any(s is b for o in guard[0].orelse for b in ast.walk(o)) for s in built)
    assert not [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]  # no top-level run
    assert {getattr(r, "path", None) for r in ROUTES} >= {"/vote/{code}", "/healthz"}

"""Moderated Q&A (alliance.qa): asking, upvoting, moderation, the screen's view, export and retention, with
every bad input refused and nothing stored."""
from __future__ import annotations

import pytest

from alliance import db, poll, qa


def _token(i: int) -> str:
    return f"participant-{i:06d}-abcdef"


def _count(con, table):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_nothing_reaches_the_screen_before_approval_and_votes_sort_it(con):
    code = poll.open_poll(con, [], "organiser", qa=True)
    first = qa.ask(con, code, _token(1), "  Who funds <b>this</b>?  ")
    second = qa.ask(con, code, _token(2), "How do we start?")
    shown, received, count = qa.screen(con, code)
    assert shown.empty and (received, count) == (2, 0)
    qa.moderate(con, code, first, "approved", "moderator")
    qa.moderate(con, code, second, "approved", "moderator")
    for i in (3, 4):
        qa.upvote(con, code, _token(i), second)
    qa.upvote(con, code, _token(3), first)
    shown, received, count = qa.screen(con, code)
    assert shown["text"].tolist() == ["How do we start?", "Who funds <b>this</b>?"]  # stored as typed, trimmed
    assert shown["votes"].tolist() == [2, 1] and (received, count) == (2, 2)
    qa.moderate(con, code, second, "answered", "moderator")
    assert qa.screen(con, code)[0]["id"].tolist() == [first]
    assert qa.voted_by(con, code, _token(3)) == {first, second}


@pytest.mark.parametrize("text, reason", [("", "text_empty"), ("   ", "text_empty"), ("x" * 281, "text_too_long"),
                                          ("a\x00b", "text_binary"), (b"bytes", "text_binary")])
def test_bad_questions_store_nothing(con, text, reason):
    code = poll.open_poll(con, [], "organiser", qa=True)
    with pytest.raises(poll.PollError) as err:
        qa.ask(con, code, _token(1), text)
    assert err.value.reason == reason and _count(con, "poll_qa_questions") == 0


def test_votes_for_unapproved_foreign_or_repeated_questions_are_refused(con):
    code = poll.open_poll(con, [], "organiser", qa=True)
    other = poll.open_poll(con, [], "organiser", qa=True)
    pending = qa.ask(con, code, _token(1), "Pending?")
    hidden = qa.ask(con, code, _token(1), "Hidden?")
    foreign = qa.ask(con, other, _token(1), "Other poll?")
    approved = qa.ask(con, code, _token(1), "Approved?")
    qa.moderate(con, code, hidden, "hidden", "m")
    qa.moderate(con, other, foreign, "approved", "m")
    qa.moderate(con, code, approved, "approved", "m")
    for question, reason in [(pending, "qa_not_approved"), (hidden, "qa_not_approved"), (foreign, "qa_unknown"),
                             (999_999, "qa_unknown")]:
        with pytest.raises(poll.PollError) as err:
            qa.upvote(con, code, _token(5), question)
        assert err.value.reason == reason
    qa.upvote(con, code, _token(5), approved)
    with pytest.raises(poll.PollError) as err:
        qa.upvote(con, code, _token(5), approved)
    assert err.value.reason == "qa_voted_before" and _count(con, "poll_qa_votes") == 1


def test_closed_or_qa_less_polls_and_replays_are_refused(con):
    closed = poll.open_poll(con, [], "organiser", qa=True)
    poll.close_poll(con, closed)
    plain = poll.open_poll(con, [1], "organiser")
    open_one = poll.open_poll(con, [], "organiser", qa=True)
    for code, reason in [(closed, "closed"), (plain, "qa_off"), ("ZZZZZZ", "unknown_poll")]:
        with pytest.raises(poll.PollError) as err:
            qa.ask(con, code, _token(1), "Question?")
        assert err.value.reason == reason
    qa.ask(con, open_one, _token(1), "Once", nonce="nonce-1")
    with pytest.raises(poll.PollError) as err:
        qa.ask(con, open_one, _token(1), "Once", nonce="nonce-1")
    assert err.value.reason == "replayed" and _count(con, "poll_qa_questions") == 1
    with pytest.raises(poll.PollError):
        qa.ask(con, open_one, "forged token!", "Question?")


def test_export_holds_questions_votes_and_decisions(con):
    code = poll.open_poll(con, [], "organiser", qa=True)
    question = qa.ask(con, code, _token(1), "Budget, 2026?")
    qa.moderate(con, code, question, "approved", "moderator")
    qa.upvote(con, code, _token(2), question)
    text = qa.csv_export(con, code).decode("utf-8-sig")
    assert text.splitlines()[0] == "id,text,status,votes,asked_at,decided_at,decided_by,participant"
    assert '"Budget, 2026?",approved,1,' in text and ",moderator," in text


def test_retention_removes_old_texts_only(con):
    old = poll.open_poll(con, [], "organiser", [poll.Item("text", "Why?")], qa=True)
    recent = poll.open_poll(con, [], "organiser", [poll.Item("text", "Why?")], qa=True)
    for code in (old, recent):
        qa.ask(con, code, _token(1), "A question")
        poll.record_answers(con, code, _token(1), {}, item_answers={1: "An open text"})
        poll.close_poll(con, code)
    con.execute("UPDATE polls SET closed_at = current_timestamp - INTERVAL 40 DAY WHERE code = $c", {"c": old})
    assert qa.forget_texts(con, 30) == {"open_answers": 1, "qa_questions": 1}
    assert poll.item_results(con, recent)[0]["received"] == 1 and poll.item_results(con, old)[0]["received"] == 0
    assert qa.questions(con, old).empty and len(qa.questions(con, recent)) == 1
    with pytest.raises(poll.PollError):
        qa.forget_texts(con, -1)


def test_retention_command(writable_db, capsys):
    from alliance import cli

    con = db.connect(writable_db)
    db.apply_schema(con)
    code = poll.open_poll(con, [], "organiser", qa=True)
    qa.ask(con, code, _token(1), "Old question")
    poll.close_poll(con, code)
    con.execute("UPDATE polls SET closed_at = current_timestamp - INTERVAL 10 DAY")
    con.close()
    assert cli.main(["poll-retention", "--days", "30", "--db", str(writable_db)]) == 0
    assert "Removed 0 open answers and 0 Q&A" in capsys.readouterr().out
    assert cli.main(["poll-retention", "--days", "7", "--db", str(writable_db)]) == 0
    assert "and 1 Q&A question texts" in capsys.readouterr().out
    assert cli.main(["poll-retention", "--days", "-1", "--db", str(writable_db)]) == 2

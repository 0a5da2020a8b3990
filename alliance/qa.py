"""Moderated Q&A of a live poll: participants ask questions and upvote others', a moderator approves, hides
or marks them answered, the big screen shows the approved ones by votes. No Streamlit here.

Moderation is on: nothing a participant types reaches the screen (or another participant's phone) before a
moderator approved it. Questions and votes go through alliance.poll's batch writer, so a room asking and
voting at once costs one transaction per batch, and each one is checked on its own there: the poll open,
the nonce unused, the question approved and of this poll, one vote per participant and question.
"""
from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from alliance import poll
from alliance.poll import PollError

STATUSES = ("pending", "approved", "hidden", "answered")


@dataclass
class _QAJob:
    con: object
    kind: str  # "ask" or "vote"
    code: str
    participant: str
    nonce: str | None
    text: str | None = None
    question_id: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    result: object = None
    error: Exception | None = None


def ask(con: duckdb.DuckDBPyConnection, code: str, participant: str, text, nonce: str | None = None) -> int:
    """Store a participant's question (pending moderation); return its id. PollError when the text is empty,
    too long or binary, the poll unknown, closed or without Q&A, or the nonce used."""
    if not poll.valid_token(participant):
        raise PollError("bad_participant")
    cleaned = poll.clean_text(text)
    return poll.submit_job(_QAJob(con, "ask", code, participant, nonce, text=cleaned))


def upvote(con: duckdb.DuckDBPyConnection, code: str, participant: str, question_id, nonce: str | None = None) -> None:
    """One vote of a participant for an approved question of this poll; a second vote is refused."""
    if not poll.valid_token(participant):
        raise PollError("bad_participant")
    if isinstance(question_id, bool) or not isinstance(question_id, int):
        raise PollError("qa_unknown")
    poll.submit_job(_QAJob(con, "vote", code, participant, nonce, question_id=question_id))


def _write_jobs(cur, jobs: list[_QAJob]) -> None:
    for job in jobs:  # a retried transaction starts over
        job.error, job.result = None, None
    codes = sorted({j.code for j in jobs})
    state = {c: (is_open, bool(qa)) for c, is_open, qa in cur.execute(
        "SELECT code, closed_at IS NULL, coalesce(qa, false) FROM polls WHERE code IN (SELECT unnest($c))",
        {"c": codes}).fetchall()}
    ids = sorted({j.question_id for j in jobs if j.kind == "vote"})
    questions = {qid: (c, status) for qid, c, status in cur.execute(
        "SELECT id, poll_code, status FROM poll_qa_questions WHERE id IN (SELECT unnest($ids))",
        {"ids": ids}).fetchall()} if ids else {}
    voted = {(qid, who) for qid, who in cur.execute(
        "SELECT question_id, participant FROM poll_qa_votes WHERE question_id IN (SELECT unnest($ids)) "
        "AND participant IN (SELECT unnest($who))",
        {"ids": ids, "who": sorted({j.participant for j in jobs if j.kind == "vote"})}).fetchall()} if ids else set()
    nonces = [j.nonce for j in jobs if j.nonce is not None]
    used = {r[0] for r in cur.execute("SELECT nonce FROM poll_used_nonces WHERE nonce IN (SELECT unnest($n))",
                                      {"n": nonces}).fetchall()} if nonces else set()
    new_nonces, asks, votes = [], [], []
    for job in jobs:
        if job.code not in state:
            job.error = PollError("unknown_poll", job.code)
        elif not state[job.code][0]:
            job.error = PollError("closed", job.code)
        elif not state[job.code][1]:
            job.error = PollError("qa_off", job.code)
        elif job.nonce is not None and job.nonce in used:
            job.error = PollError("replayed")
        elif job.kind == "vote" and questions.get(job.question_id, (None,))[0] != job.code:
            job.error = PollError("qa_unknown", str(job.question_id))
        elif job.kind == "vote" and questions[job.question_id][1] != "approved":
            job.error = PollError("qa_not_approved", str(job.question_id))
        elif job.kind == "vote" and (job.question_id, job.participant) in voted:
            job.error = PollError("qa_voted_before", str(job.question_id))
        else:
            if job.nonce is not None:
                used.add(job.nonce)
                new_nonces.append((job.nonce, job.code))
            if job.kind == "vote":
                voted.add((job.question_id, job.participant))
                votes.append(job)
            else:
                asks.append(job)
    if new_nonces:
        cur.execute("INSERT INTO poll_used_nonces (nonce, poll_code) SELECT * FROM (SELECT unnest($n) AS nonce, "
                    "unnest($c) AS poll_code) AS batch", {"n": [n for n, _ in new_nonces], "c": [c for _, c in new_nonces]})
    if votes:
        cur.execute("INSERT INTO poll_qa_votes (question_id, participant) SELECT * FROM (SELECT unnest($q) AS q, "
                    "unnest($w) AS w) AS batch", {"q": [j.question_id for j in votes], "w": [j.participant for j in votes]})
    for job in asks:  # ids come back one by one; a batch holds few questions next to many votes
        job.result = cur.execute("INSERT INTO poll_qa_questions (poll_code, participant, text) "
                                 "VALUES ($c, $w, $t) RETURNING id",
                                 {"c": job.code, "w": job.participant, "t": job.text}).fetchone()[0]


poll.WRITERS[_QAJob] = _write_jobs


def set_qa(con: duckdb.DuckDBPyConnection, code: str, enabled: bool) -> None:
    """Open or close the poll's Q&A to participants' questions."""
    def work(cur):
        cur.execute("UPDATE polls SET qa = $on WHERE code = $code", {"code": code, "on": bool(enabled)})
    poll._write(con, work)


def is_on(con: duckdb.DuckDBPyConnection, code: str) -> bool:
    cur = con.cursor()
    try:
        row = cur.execute("SELECT coalesce(qa, false) FROM polls WHERE code = $code", {"code": code}).fetchone()
    finally:
        cur.close()
    return bool(row and row[0])


def moderate(con: duckdb.DuckDBPyConnection, code: str, question_id: int, status: str, by: str) -> None:
    """A moderator's decision on one question of the poll: approved, hidden or answered (kept with who and
    when, for the export)."""
    if status not in STATUSES[1:]:
        raise PollError("qa_status", repr(status))

    def work(cur):
        found = cur.execute("UPDATE poll_qa_questions SET status = $s, decided_at = current_timestamp, "
                            "decided_by = $by WHERE id = $id AND poll_code = $code RETURNING id",
                            {"s": status, "by": by, "id": int(question_id), "code": code}).fetchall()
        if not found:
            raise PollError("qa_unknown", str(question_id))
    poll._write(con, work)


def questions(con: duckdb.DuckDBPyConnection, code: str, statuses=STATUSES) -> pd.DataFrame:
    """The poll's questions with their votes: id, text, status, votes, asked_at, participant; most votes
    first, then oldest first."""
    cur = con.cursor()
    try:
        return cur.execute(
            """SELECT q.id, q.text, q.status, count(v.participant) AS votes, q.asked_at, q.participant,
                      q.decided_at, q.decided_by
               FROM poll_qa_questions q LEFT JOIN poll_qa_votes v ON v.question_id = q.id
               WHERE q.poll_code = $code AND q.status IN (SELECT unnest($s)) AND q.text IS NOT NULL
               GROUP BY q.id, q.text, q.status, q.asked_at, q.participant, q.decided_at, q.decided_by
               ORDER BY votes DESC, q.asked_at, q.id""",
            {"code": code, "s": list(statuses)}).df()
    finally:
        cur.close()


def screen(con: duckdb.DuckDBPyConnection, code: str) -> tuple[pd.DataFrame, int, int]:
    """What the big screen shows: the approved questions by votes, and how many were received and shown
    (approved or answered)."""
    cur = con.cursor()
    try:
        received, shown = cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('approved', 'answered')) FROM poll_qa_questions "
            "WHERE poll_code = $code", {"code": code}).fetchone()
    finally:
        cur.close()
    return questions(con, code, ("approved",)), int(received), int(shown)


def voted_by(con: duckdb.DuckDBPyConnection, code: str, participant: str) -> set[int]:
    cur = con.cursor()
    try:
        return {r[0] for r in cur.execute(
            "SELECT v.question_id FROM poll_qa_votes v JOIN poll_qa_questions q ON q.id = v.question_id "
            "WHERE q.poll_code = $code AND v.participant = $who", {"code": code, "who": participant}).fetchall()}
    finally:
        cur.close()


def csv_export(con: duckdb.DuckDBPyConnection, code: str) -> bytes:
    """Questions, their votes and the moderation decisions as UTF-8 CSV (BOM); participants stay the
    anonymous tokens."""
    frame = questions(con, code)
    frame = frame[["id", "text", "status", "votes", "asked_at", "decided_at", "decided_by", "participant"]]
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, date_format="%Y-%m-%dT%H:%M:%S")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def forget_texts(con: duckdb.DuckDBPyConnection, days: int) -> dict[str, int]:
    """Retention: delete the open texts (own questions' answers and Q&A questions) of polls closed more than
    `days` days ago; counts and votes stay. Returns how many texts were removed, per kind."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise PollError("bad_days", repr(days))

    def work(cur):
        old = "SELECT code FROM polls WHERE closed_at < current_timestamp - to_days($d)"
        answers = cur.execute(f"DELETE FROM poll_item_answers WHERE text IS NOT NULL AND poll_code IN ({old}) "
                              "RETURNING 1", {"d": days}).fetchall()
        asked = cur.execute(f"UPDATE poll_qa_questions SET text = NULL WHERE text IS NOT NULL AND poll_code IN ({old}) "
                            "RETURNING 1", {"d": days}).fetchall()
        return {"open_answers": len(answers), "qa_questions": len(asked)}
    return poll._write(con, work)

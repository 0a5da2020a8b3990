"""Live audience polls: opening, answering, closing, results and export. No Streamlit here.

Every write goes through this module, each in one transaction on its own cursor, serialised by one lock:
the app is the only process writing the file, so the lock removes write-write conflicts between the
sessions of many participants answering at the same moment, and a retry covers any that remain.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlparse

import duckdb
import pandas as pd

from alliance.db import run_query, write_transaction

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 6
CODE_PATTERN = re.compile(r"[A-Z2-9]{4,8}")
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_QUESTIONS = 3  # what fits legibly on the big screen
LEVELS = range(0, 6)

_write_lock = threading.Lock()
_RETRIES = 5


class PollError(ValueError):
    """A poll action refused; `reason` is a key of the poll catalogue (poll.error.REASON)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Poll:
    code: str
    created_by: str
    created_at: object
    closed_at: object

    @property
    def is_open(self) -> bool:
        return self.closed_at is None or pd.isna(self.closed_at)


def normalize_code(value) -> str | None:
    """A poll code as typed or from a URL (case and spaces ignored), or None when it cannot be one."""
    if not isinstance(value, str):
        return None
    code = re.sub(r"\s+", "", value).upper()
    return code if CODE_PATTERN.fullmatch(code) else None


def valid_token(value) -> bool:
    return isinstance(value, str) and TOKEN_PATTERN.fullmatch(value) is not None


def new_participant_token() -> str:
    return secrets.token_urlsafe(16)


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _write(con: duckdb.DuckDBPyConnection, work) -> object:
    """Run `work(cursor)` in one transaction under this module's write lock, retried on a conflict."""
    return write_transaction(con, work, lock=_write_lock, retries=_RETRIES)


ITEM_KINDS = ("choice", "scale", "text")
MAX_TEXT = 280  # characters of a prompt or an open answer
MAX_OPTIONS, MAX_OPTION_TEXT = 8, 80
SCALE = range(1, 6)


@dataclass(frozen=True)
class Item:
    """One of the poll's own questions: multiple choice (with its options), a 1-5 scale or open text."""
    kind: str
    prompt: str
    options: tuple = ()


def clean_text(value, reason_prefix: str = "text") -> str:
    """Typed text as stored: trimmed, 1-280 characters, no control characters (binary); else PollError."""
    if not isinstance(value, str) or any(ord(ch) < 32 and ch not in "\t\r\n" or ch in "\ufffe\uffff"
                                         for ch in value):
        raise PollError(f"{reason_prefix}_binary")
    text = value.strip()
    if not text:
        raise PollError(f"{reason_prefix}_empty")
    if len(text) > MAX_TEXT:
        raise PollError(f"{reason_prefix}_too_long", str(len(text)))
    return text


def check_item(item: Item) -> Item:
    """An own question as stored, or PollError: a known kind, a prompt, and 2-8 distinct options for a
    multiple choice (none for the others)."""
    if item.kind not in ITEM_KINDS:
        raise PollError("item_kind", repr(item.kind))
    prompt = clean_text(item.prompt, "prompt")
    options = ()
    if item.kind == "choice":
        cleaned = [clean_text(o, "option") for o in item.options if isinstance(o, str) and o.strip()]
        options = tuple(dict.fromkeys(cleaned))
        if not 2 <= len(options) <= MAX_OPTIONS or any(len(o) > MAX_OPTION_TEXT for o in options):
            raise PollError("item_options", str(len(options)))
    return Item(item.kind, prompt, options)


def open_poll(con: duckdb.DuckDBPyConnection, dimension_ids: list[int], created_by: str,
              items: list[Item] | tuple = (), qa: bool = False) -> str:
    """Open a poll asking about `dimension_ids` (framework dimensions, in that order) then its own `items`,
    1 to MAX_QUESTIONS questions in all (none when it is a Q&A only); `qa` opens it to the audience's
    moderated questions (alliance.qa). Return its new code."""
    ids = list(dict.fromkeys(int(d) for d in dimension_ids))
    if not (0 if qa else 1) <= len(ids) + len(items) <= MAX_QUESTIONS:
        raise PollError("question_count", f"{len(ids) + len(items)} questions; between 1 and {MAX_QUESTIONS}")
    if not created_by:
        raise PollError("not_signed_in")
    checked = [check_item(item) for item in items]

    def work(cur):
        if ids:
            known = {r[0] for r in cur.execute("SELECT id FROM dimensions WHERE id IN (SELECT unnest($ids))",
                                               {"ids": ids}).fetchall()}
            unknown = [d for d in ids if d not in known]
            if unknown:
                raise PollError("unknown_dimension", ", ".join(map(str, unknown)))
        for _ in range(20):
            code = _new_code()
            if not cur.execute("SELECT 1 FROM polls WHERE code = $code", {"code": code}).fetchone():
                break
        cur.execute("INSERT INTO polls (code, created_by, qa) VALUES ($code, $by, $qa)",
                    {"code": code, "by": created_by, "qa": bool(qa)})
        if ids:
            cur.executemany("INSERT INTO poll_questions (poll_code, position, dimension_id) VALUES (?, ?, ?)",
                            [(code, pos, dim) for pos, dim in enumerate(ids, start=1)])
        for pos, item in enumerate(checked, start=len(ids) + 1):
            cur.execute("INSERT INTO poll_items (poll_code, position, kind, prompt, options) "
                        "VALUES ($code, $pos, $kind, $prompt, $options)",
                        {"code": code, "pos": pos, "kind": item.kind, "prompt": item.prompt,
                         "options": list(item.options)})
        return code

    return _write(con, work)


def close_poll(con: duckdb.DuckDBPyConnection, code: str) -> None:
    """Close a poll: its answers stay, new answers are refused. Closing a closed poll changes nothing."""
    def work(cur):
        if not cur.execute("SELECT 1 FROM polls WHERE code = $code", {"code": code}).fetchone():
            raise PollError("unknown_poll", code)
        cur.execute("UPDATE polls SET closed_at = current_timestamp WHERE code = $code AND closed_at IS NULL",
                    {"code": code})

    _write(con, work)


def record_answer(con: duckdb.DuckDBPyConnection, code: str, dimension_id: int, participant: str,
                  level: int) -> None:
    """Store `participant`'s answer `level` to question `dimension_id` of poll `code` (see record_answers)."""
    record_answers(con, code, participant, {dimension_id: level})


@dataclass
class _Form:
    """One participant's sent answers waiting for the writer; `done` is set with `result` or `error`."""
    con: object
    code: str
    participant: str
    rows: list  # (dimension id, level)
    nonce: str | None
    done: threading.Event
    items: list = field(default_factory=list)  # (position, option index / scale value / text)
    result: int = 0
    error: Exception | None = None


def record_answers(con: duckdb.DuckDBPyConnection, code: str, participant: str, answers: dict,
                   nonce: str | None = None, item_answers: dict | None = None) -> int:
    """The one writer of answers: store `participant`'s answers {dimension id: level} to poll `code`, each
    replacing their earlier answer to that question; return how many were stored. Refused as a whole
    (PollError, nothing stored) when the poll is unknown or closed, a question is not in the poll, a level is
    not 0-5, the token is malformed or `nonce` (one per sent form) was used before. `item_answers` answers the
    poll's own questions {position: option index (multiple choice), 1-5 (scale) or text (open)}.

    Forms sent at the same moment are written together, in one transaction (group commit): a commit costs
    tens of milliseconds, so a room of phones answering one by one would queue for seconds."""
    if not valid_token(participant):
        raise PollError("bad_participant")
    if not answers and not item_answers:
        raise PollError("no_answer")
    items = []
    for position, value in (item_answers or {}).items():
        if isinstance(position, bool) or not isinstance(position, int):
            raise PollError("unknown_question", repr(position))
        if isinstance(value, str):
            value = clean_text(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            raise PollError("bad_choice", repr(value))
        items.append((position, value))
    rows = []
    for dimension_id, level in answers.items():
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            raise PollError("bad_level", repr(level))
        if isinstance(dimension_id, bool) or not isinstance(dimension_id, int):
            raise PollError("unknown_question", repr(dimension_id))
        rows.append((dimension_id, level))
    return submit_job(_Form(con, code, participant, rows, nonce, threading.Event(), items=items))


class _AnswerWriter:
    """A thread that takes every waiting form and writes the valid ones in one transaction (under the
    module's write lock), each form checked on its own: one refused form does not refuse the others."""

    MAX_BATCH = 1000

    def __init__(self):
        self._queue: list[_Form] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, form: _Form) -> None:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="poll-answer-writer", daemon=True)
                self._thread.start()
            self._queue.append(form)
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._cond.wait()
                batch, self._queue = self._queue[:self.MAX_BATCH], self._queue[self.MAX_BATCH:]
            by_connection: dict[int, list] = {}
            for form in batch:
                by_connection.setdefault(id(form.con), []).append(form)
            for forms in by_connection.values():
                try:
                    _write(forms[0].con, lambda cur, forms=forms: _write_batch(cur, forms))
                except Exception as exc:  # noqa: BLE001 - every waiting form learns why, none waits forever
                    for form in forms:
                        if form.error is None:
                            form.error = exc
                finally:
                    for form in forms:
                        form.done.set()


WRITERS: dict = {}  # job class -> function(cursor, jobs) writing them in the batch's transaction (qa adds its own)


def _write_batch(cur, jobs: list) -> None:
    by_kind: dict[type, list] = {}
    for job in jobs:
        by_kind.setdefault(type(job), []).append(job)
    for kind, same in by_kind.items():
        WRITERS[kind](cur, same)


def submit_job(job) -> object:
    """Hand a job (with con, done, error, result) to the batch writer and wait for it; its error is raised."""
    _writer.put(job)
    job.done.wait()
    if job.error is not None:
        raise job.error
    return job.result


def _write_forms(cur, forms: list[_Form]) -> None:
    """Check each form against the database as it is in this transaction, then store the accepted ones with
    one statement per table."""
    for form in forms:  # a retried transaction starts over
        form.error, form.result = None, 0
    codes = sorted({f.code for f in forms})
    state = dict(cur.execute("SELECT code, closed_at IS NULL FROM polls WHERE code IN (SELECT unnest($c))",
                             {"c": codes}).fetchall())
    asked: dict[str, set] = {}
    for poll_code, dim in cur.execute("SELECT poll_code, dimension_id FROM poll_questions "
                                      "WHERE poll_code IN (SELECT unnest($c))", {"c": codes}).fetchall():
        asked.setdefault(poll_code, set()).add(dim)
    kinds: dict[tuple, tuple] = {}  # (code, position) -> (kind, number of options)
    for poll_code, pos, kind, n_options in cur.execute(
            "SELECT poll_code, position, kind, len(options) FROM poll_items WHERE poll_code IN (SELECT unnest($c))",
            {"c": codes}).fetchall():
        kinds[(poll_code, pos)] = (kind, n_options)
    nonces = [f.nonce for f in forms if f.nonce is not None]
    used = {r[0] for r in cur.execute("SELECT nonce FROM poll_used_nonces WHERE nonce IN (SELECT unnest($n))",
                                      {"n": nonces}).fetchall()} if nonces else set()
    answers: dict[tuple, int] = {}  # (code, dimension, participant) -> level; a later form wins
    item_rows: dict[tuple, object] = {}  # (code, position, participant) -> option index, scale value or text
    new_nonces = []
    for form in forms:
        if form.code not in state:
            form.error = PollError("unknown_poll", form.code)
        elif not state[form.code]:
            form.error = PollError("closed", form.code)
        elif any(dim not in asked.get(form.code, ()) for dim, _ in form.rows):
            form.error = PollError("unknown_question", ", ".join(str(d) for d, _ in form.rows
                                                                 if d not in asked.get(form.code, ())))
        elif any((form.code, pos) not in kinds for pos, _ in form.items):
            form.error = PollError("unknown_question", ", ".join(str(p) for p, _ in form.items
                                                                 if (form.code, p) not in kinds))
        elif not all(_fits(kinds[(form.code, pos)], value) for pos, value in form.items):
            form.error = PollError("bad_choice")
        elif form.nonce is not None and form.nonce in used:
            form.error = PollError("replayed")
        else:
            if form.nonce is not None:
                used.add(form.nonce)
                new_nonces.append((form.nonce, form.code))
            for dim, level in form.rows:
                answers[(form.code, dim, form.participant)] = level
            for pos, value in form.items:
                item_rows[(form.code, pos, form.participant)] = value
            form.result = len(form.rows) + len(form.items)
    if new_nonces:
        cur.execute("INSERT INTO poll_used_nonces (nonce, poll_code) SELECT * FROM (SELECT unnest($n) AS nonce, "
                    "unnest($c) AS poll_code) AS batch", {"n": [n for n, _ in new_nonces], "c": [c for _, c in new_nonces]})
    if answers:
        keys = list(answers)
        cur.execute(
            """INSERT INTO poll_answers (poll_code, dimension_id, participant, level, answered_at)
               SELECT code, dim, who, level, current_timestamp
               FROM (SELECT unnest($code) AS code, unnest($dim) AS dim, unnest($who) AS who, unnest($level) AS level) AS batch
               ON CONFLICT (poll_code, dimension_id, participant) DO UPDATE
               SET changes = poll_answers.changes + CASE WHEN poll_answers.level <> excluded.level THEN 1 ELSE 0 END,
                   level = excluded.level, answered_at = excluded.answered_at""",
            {"code": [k[0] for k in keys], "dim": [k[1] for k in keys], "who": [k[2] for k in keys],
             "level": [answers[k] for k in keys]})


    if item_rows:
        keys = list(item_rows)
        cur.execute(
            """INSERT INTO poll_item_answers (poll_code, position, participant, choice, text, answered_at)
               SELECT code, pos, who, choice, text, current_timestamp
               FROM (SELECT unnest($code) AS code, unnest($pos) AS pos, unnest($who) AS who,
                            unnest($choice::INTEGER[]) AS choice, unnest($text::VARCHAR[]) AS text) AS batch
               ON CONFLICT (poll_code, position, participant) DO UPDATE
               SET choice = excluded.choice, text = excluded.text, answered_at = excluded.answered_at""",
            {"code": [k[0] for k in keys], "pos": [k[1] for k in keys], "who": [k[2] for k in keys],
             "choice": [None if isinstance(item_rows[k], str) else item_rows[k] for k in keys],
             "text": [item_rows[k] if isinstance(item_rows[k], str) else None for k in keys]})


def _fits(kind_options: tuple, value) -> bool:
    kind, n_options = kind_options
    if kind == "text":
        return isinstance(value, str)
    if isinstance(value, str):
        return False
    return 0 <= value < n_options if kind == "choice" else value in SCALE


_writer = _AnswerWriter()
WRITERS[_Form] = _write_forms


def get_poll(con: duckdb.DuckDBPyConnection, code: str | None) -> Poll | None:
    if not code:
        return None
    cur = con.cursor()
    try:
        row = cur.execute("SELECT code, created_by, created_at, closed_at FROM polls WHERE code = $code",
                          {"code": code}).fetchone()
    finally:
        cur.close()
    return Poll(*row) if row else None


def list_polls(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every poll, newest first, with its counts of questions, participants and answers."""
    return run_query(con, "poll_list")


def latest_open_poll(con: duckdb.DuckDBPyConnection) -> Poll | None:
    """The most recently opened poll still open: the one the big screen shows by default."""
    polls = list_polls(con)
    open_polls = polls[polls["closed_at"].isna()]
    if open_polls.empty:
        return None
    return get_poll(con, open_polls.iloc[0]["code"])


def questions(con: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """The poll's questions in order, with their dimension's short label and question (en, fr)."""
    return run_query(con, "poll_questions", code=code)


def choices(con: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """Per question, the levels 0-5 offered with their label and the dimension's descriptor (en, fr)."""
    return run_query(con, "poll_choices", code=code)


def participant_answers(con: duckdb.DuckDBPyConnection, code: str, participant: str) -> dict[int, int]:
    """{dimension id: level} of one participant's current answers (to pre-select them on their phone)."""
    if not valid_token(participant):
        return {}
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT dimension_id, level FROM poll_answers WHERE poll_code = $code AND participant = $who",
                           {"code": code, "who": participant}).fetchall()
    finally:
        cur.close()
    return {int(d): int(level) for d, level in rows}


def results(con: duckdb.DuckDBPyConnection, code: str) -> pd.DataFrame:
    """Per question and level 0-5, how many participants answered that level (zeros included)."""
    return run_query(con, "poll_results", code=code)


def participant_count(con: duckdb.DuckDBPyConnection, code: str) -> int:
    """How many participants answered at least one question, framework or own."""
    cur = con.cursor()
    try:
        return int(cur.execute("SELECT count(*) FROM (SELECT participant FROM poll_answers WHERE poll_code = $code "
                               "UNION SELECT participant FROM poll_item_answers WHERE poll_code = $code) AS everyone",
                               {"code": code}).fetchone()[0])
    finally:
        cur.close()


def items(con: duckdb.DuckDBPyConnection, code: str) -> list[dict]:
    """The poll's own questions in order: position, kind, prompt, options, shown_until, hidden_words."""
    cur = con.cursor()
    try:
        frame = cur.execute("SELECT position, kind, prompt, options, shown_until, hidden_words FROM poll_items "
                            "WHERE poll_code = $code ORDER BY position", {"code": code}).df()
    finally:
        cur.close()
    return [{**r, "options": list(r["options"]), "hidden_words": list(r["hidden_words"])}
            for r in frame.to_dict("records")]


def item_results(con: duckdb.DuckDBPyConnection, code: str) -> list[dict]:
    """Per own question: for multiple choice and scales `counts` (one per option / per value 1-5); for open
    text the texts a moderator let through (`texts`: sent up to its last "show on screen"), how many were
    received (`received`) and how many wait (`waiting`)."""
    out = []
    cur = con.cursor()
    try:
        for item in items(con, code):
            params = {"code": code, "pos": item["position"]}
            if item["kind"] == "text":
                texts = [r[0] for r in cur.execute(
                    "SELECT text FROM poll_item_answers WHERE poll_code = $code AND position = $pos "
                    "AND answered_at <= $until ORDER BY answered_at",
                    {**params, "until": item["shown_until"]}).fetchall()] if item["shown_until"] is not None \
                    and not pd.isna(item["shown_until"]) else []
                received = cur.execute("SELECT count(*) FROM poll_item_answers WHERE poll_code = $code "
                                       "AND position = $pos", params).fetchone()[0]
                out.append({**item, "texts": texts, "received": int(received), "waiting": int(received) - len(texts)})
            else:
                values = list(range(len(item["options"]))) if item["kind"] == "choice" else list(SCALE)
                found = dict(cur.execute("SELECT choice, count(*) FROM poll_item_answers WHERE poll_code = $code "
                                         "AND position = $pos GROUP BY 1", params).fetchall())
                out.append({**item, "counts": [int(found.get(v, 0)) for v in values]})
    finally:
        cur.close()
    return out


def show_texts(con: duckdb.DuckDBPyConnection, code: str, position: int) -> None:
    """The moderator lets the open texts received so far reach the big screen (later ones wait)."""
    def work(cur):
        cur.execute("UPDATE poll_items SET shown_until = current_timestamp WHERE poll_code = $code "
                    "AND position = $pos AND kind = 'text'", {"code": code, "pos": int(position)})
    _write(con, work)


def hide_words(con: duckdb.DuckDBPyConnection, code: str, position: int, words: list[str]) -> None:
    """Words the moderator keeps off the word cloud (compared in lower case)."""
    cleaned = sorted({w.strip().lower() for w in words if isinstance(w, str) and w.strip()})[:200]

    def work(cur):
        cur.execute("UPDATE poll_items SET hidden_words = $words WHERE poll_code = $code AND position = $pos",
                    {"code": code, "pos": int(position), "words": cleaned})
    _write(con, work)


def waiting_texts(con: duckdb.DuckDBPyConnection, code: str, position: int) -> list[str]:
    """The open texts sent after the moderator's last "show on screen", oldest first: what they review."""
    cur = con.cursor()
    try:
        rows = cur.execute(
            """SELECT a.text FROM poll_item_answers a
               JOIN poll_items i ON i.poll_code = a.poll_code AND i.position = a.position
               WHERE a.poll_code = $code AND a.position = $pos AND a.text IS NOT NULL
                 AND (i.shown_until IS NULL OR a.answered_at > i.shown_until)
               ORDER BY a.answered_at""", {"code": code, "pos": int(position)}).fetchall()
    finally:
        cur.close()
    return [r[0] for r in rows]


def item_answers_csv(con: duckdb.DuckDBPyConnection, code: str) -> bytes:
    """Every answer to the poll's own questions as UTF-8 CSV (BOM): question, kind, anonymous participant,
    the option / value / text, when, and whether the text had been shown on the screen."""
    cur = con.cursor()
    try:
        frame = cur.execute(
            """SELECT a.poll_code, a.position AS question, i.kind, i.prompt, a.participant,
                      CASE WHEN i.kind = 'choice' THEN i.options[a.choice + 1] END AS option,
                      CASE WHEN i.kind = 'scale' THEN a.choice END AS value, a.text, a.answered_at,
                      CASE WHEN i.kind = 'text' THEN coalesce(a.answered_at <= i.shown_until, false) END AS shown
               FROM poll_item_answers a JOIN poll_items i ON i.poll_code = a.poll_code AND i.position = a.position
               WHERE a.poll_code = $code ORDER BY a.position, a.answered_at, a.participant""", {"code": code}).df()
    finally:
        cur.close()
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, date_format="%Y-%m-%dT%H:%M:%S")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def participant_item_answers(con: duckdb.DuckDBPyConnection, code: str, participant: str) -> dict[int, object]:
    """{position: option index, scale value or text} of one participant's answers to the own questions."""
    if not valid_token(participant):
        return {}
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT position, choice, text FROM poll_item_answers WHERE poll_code = $code "
                           "AND participant = $who", {"code": code, "who": participant}).fetchall()
    finally:
        cur.close()
    return {int(pos): (text if text is not None else int(choice)) for pos, choice, text in rows}


def answers_csv(con: duckdb.DuckDBPyConnection, code: str) -> bytes:
    """Every stored answer of the poll as UTF-8 CSV (with a BOM, so spreadsheet programs read accents)."""
    frame = run_query(con, "poll_answers_export", code=code)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, date_format="%Y-%m-%dT%H:%M:%S")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def join_url(base_url: str, code: str, lang: str | None = None) -> str:
    """The participants' URL of a poll: the app's base URL (scheme, host, port, path prefix) + /vote/CODE (the
    light page), with the screen's language when it is not English (so the phones open in the room's
    language)."""
    url = f"{base_url.rstrip('/')}/vote/{code}"
    return f"{url}?lang={lang}" if lang and lang != "en" and lang.isalpha() else url


@dataclass(frozen=True)
class LiveResults:
    levels: pd.DataFrame  # poll.results: the framework questions
    items: list  # poll.item_results: the own questions
    participants: int


def live_results(con: duckdb.DuckDBPyConnection, code: str, max_age_s: float = 1.0) -> LiveResults:
    """The poll's results and participant count as the big screen shows them, reused for `max_age_s`: many
    screens (and a room of phones answering) do not mean a query per screen refresh."""
    import time

    now = time.monotonic()
    with _results_lock:
        cached = _results_cache.get(code)
        if cached and now - cached[0] < max_age_s:
            return cached[1]
    fresh = LiveResults(results(con, code), item_results(con, code), participant_count(con, code))
    with _results_lock:
        if len(_results_cache) > 100:
            _results_cache.clear()
        _results_cache[code] = (now, fresh)
    return fresh


_results_cache: dict[str, tuple] = {}
_results_lock = threading.Lock()


def base_url_from(page_url: str | None, override: str | None = None) -> str | None:
    """The app's base URL, from an explicit override (ALLIANCE_PUBLIC_URL) or the URL the screen's browser
    shows, minus the page path."""
    if override and re.match(r"https?://[^\s/]+", override.strip()):
        return override.strip().rstrip("/")
    if not page_url:
        return None
    match = re.match(r"(https?://[^/?#]+)(/[^?#]*)?", page_url)
    if not match:
        return None
    path = (match[2] or "").rstrip("/")
    for page in ("/present", "/poll", "/vote"):
        if path.endswith(page):
            path = path[: -len(page)]
    return match[1] + path


def phones_can_reach(base_url: str | None) -> bool:
    """Whether phones in the room can open links under `base_url`: not when it is unknown or names this
    machine itself (localhost, 127.x.x.x, ::1, 0.0.0.0)."""
    host = urlparse(base_url).hostname if base_url else None
    return bool(host) and host not in {"localhost", "::1", "0.0.0.0"} and not host.startswith("127.")


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG document, drawn here (no outside service): dark on white, with a
    quiet zone, scaled to fill its box."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=10, border=4, dark="#000000", light="#FFFFFF",
                                     xmldecl=False, svgns=True, title=None, desc=None)
    return buffer.getvalue().decode("utf-8")


def qr_png(url: str, scale: int = 10) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4, dark="#000000", light="#FFFFFF")
    return buffer.getvalue()

"""The light participant path, `/vote/CODE`: a small server-rendered HTML form with plain POSTs, no
JavaScript and no Streamlit script run, so that a room of phones costs the server almost nothing.

No Starlette here either (alliance.app.routes wraps it): `page()` and `submit()` take plain values and return a
`Reply` (status, HTML, headers), so the rules are tested directly.
- The participant is an anonymous random token in a cookie, signed with the app's secret: a forged token is
  refused. No IP address and no user agent are stored.
- Each form carries a one-time nonce bound to the token and the poll, signed too; using it stores it
  (poll_used_nonces), so a replayed POST is refused and nothing is stored.
- Everything shown from data is escaped (html.escape): literal text.
"""
from __future__ import annotations

import collections
import hashlib
import hmac
import html
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import duckdb

from alliance import poll, qa
from alliance.i18n import LANGUAGE_NAMES, available_languages, label, set_language, t

COOKIE = "alliance_participant"
COOKIE_MAX_AGE_S = 7 * 24 * 3600
NONCE_MAX_AGE_S = 6 * 3600
MAX_BODY_BYTES = 16 * 1024
ANSWERS_PER_MINUTE = 20  # sent forms per participant and minute; a person needs a handful
META_TTL_S = 2.0  # how long a poll's questions and open/closed state are reused between requests


@dataclass
class Reply:
    status: int
    body: str = ""
    headers: dict = field(default_factory=dict)
    cookie: str | None = None  # a new participant token to set


# ------------------------------------------------------------------------------------------ signing
_secret_lock = threading.Lock()
_secret: bytes | None = None


def secret() -> bytes:
    """The key signing tokens and nonces: ALLIANCE_SECRET, else a random key kept in a file beside the
    database (created once, readable by its owner only), so that a restart keeps participants' tokens."""
    global _secret
    with _secret_lock:
        if _secret is None:
            value = os.environ.get("ALLIANCE_SECRET", "").strip()
            _secret = value.encode() if value else _secret_file()
        return _secret


def _secret_file() -> bytes:
    from alliance.paths import database_path

    path = Path(str(database_path()) + ".secret")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = secrets.token_hex(32).encode()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def _sign(text: str, size: int = 22) -> str:
    digest = hmac.new(secret(), text.encode(), hashlib.sha256).digest()
    import base64

    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:size]


def new_token() -> str:
    """A participant token: 22 random characters and their 22-character signature (fits poll's pattern)."""
    random_part = secrets.token_urlsafe(16)[:22]
    return random_part + _sign("token:" + random_part)


def token_ok(token) -> bool:
    if not poll.valid_token(token) or len(token) != 44:
        return False
    return hmac.compare_digest(token[22:], _sign("token:" + token[:22]))


def new_nonce(token: str, code: str, now: float | None = None) -> str:
    stamp = format(int(now if now is not None else time.time()), "x")
    random_part = secrets.token_urlsafe(12)
    return f"{stamp}.{random_part}.{_sign(f'nonce:{token}:{code}:{stamp}:{random_part}')}"


def nonce_ok(nonce, token: str, code: str, now: float | None = None) -> bool:
    """Signed for this token and poll, and not older than NONCE_MAX_AGE_S (used or not is the database's
    part)."""
    if not isinstance(nonce, str) or len(nonce) > 80 or nonce.count(".") != 2:
        return False
    stamp, random_part, signature = nonce.split(".")
    try:
        issued = int(stamp, 16)
    except ValueError:
        return False
    if not 0 <= (now if now is not None else time.time()) - issued <= NONCE_MAX_AGE_S:
        return False
    return hmac.compare_digest(signature, _sign(f"nonce:{token}:{code}:{stamp}:{random_part}"))


# ------------------------------------------------------------------------------------------ limits
class RateLimit:
    """At most `limit` events per participant in `window_s` seconds (memory bounded by `max_keys`)."""

    def __init__(self, limit: int, window_s: float, max_keys: int = 50_000):
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._events: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        return self.wait_s(key, now) == 0

    def wait_s(self, key: str, now: float | None = None) -> float:
        """0 when this event may pass (and counts it), else the seconds until one may (for Retry-After)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._events) > self.max_keys:
                self._events = {k: q for k, q in self._events.items() if q and now - q[-1] < self.window_s}
            events = self._events.setdefault(key, collections.deque())
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(1e-6, self.window_s - (now - events[0]))
            events.append(now)
            return 0.0


answer_limit = RateLimit(ANSWERS_PER_MINUTE, 60)
ASK_INTERVAL_S = 30
ask_limit = RateLimit(1, ASK_INTERVAL_S)  # one question per participant every 30 s
vote_limit = RateLimit(60, 60)


# ------------------------------------------------------------------------------------------ poll data
@dataclass(frozen=True)
class PollView:
    poll: poll.Poll
    questions: list  # dict rows of poll.questions
    choices: dict  # dimension id -> list of dict rows of poll.choices
    items: list = ()  # poll.items: the poll's own questions
    qa: bool = False  # open to the audience's moderated questions


_meta: dict[str, tuple[float, PollView | None]] = {}
_meta_lock = threading.Lock()


def poll_view(con: duckdb.DuckDBPyConnection, code: str) -> PollView | None:
    """The poll, its questions and choices, reused for META_TTL_S: 500 phones do not mean 1,500 queries."""
    now = time.monotonic()
    with _meta_lock:
        cached = _meta.get(code)
    if cached and now - cached[0] < META_TTL_S:
        return cached[1]
    found = poll.get_poll(con, code)
    view = None
    if found is not None:
        choices: dict[int, list] = {}
        for row in poll.choices(con, code).to_dict("records"):
            choices.setdefault(int(row["dimension_id"]), []).append(row)
        view = PollView(found, poll.questions(con, code).to_dict("records"), choices, poll.items(con, code),
                        qa.is_on(con, code))
    with _meta_lock:
        if len(_meta) > 1000:
            _meta.clear()
        _meta[code] = (now, view)
    return view


def forget(code: str) -> None:
    """Drop a poll's cached view (after it was closed here)."""
    with _meta_lock:
        _meta.pop(code, None)


# ------------------------------------------------------------------------------------------ language
def choose_language(asked: str | None, accept_language: str | None) -> str:
    """?lang= when the app has it, else the first language of the Accept-Language header the app has."""
    languages = available_languages()
    if asked in languages:
        return asked
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in languages:
            return code
    return languages[0]


# ------------------------------------------------------------------------------------------ HTML
CSS = """
*{box-sizing:border-box}
body{margin:0;font:18px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0E1117;background:#F1F4F8}
main{max-width:40rem;margin:0 auto;padding:1rem 1rem 3rem;background:#fff;min-height:100vh}
.brand{margin:0;color:#1F4E89;font-weight:700;font-size:.95rem;letter-spacing:.02em}
h1{margin:.2rem 0 .4rem;font-size:1.7rem;line-height:1.2}
.intro{margin:0 0 1rem;color:#333}
.notice{padding:.8rem 1rem;border-radius:.5rem;margin:0 0 1rem;font-weight:600}
.ok{background:#E3F1E6;border-left:.4rem solid #1B7A34}
.error{background:#FBE9E9;border-left:.4rem solid #B3261E}
.info{background:#E8EEF7;border-left:.4rem solid #1F4E89}
fieldset{border:0;margin:0 0 1.4rem;padding:0}
legend{padding:0;margin-bottom:.5rem}
.count{display:block;color:#444;font-size:.9rem}
legend strong{font-size:1.2rem}
.choice{display:flex;gap:.7rem;align-items:flex-start;min-height:3rem;padding:.7rem .8rem;margin:.4rem 0;
border:2px solid #C9D3E0;border-radius:.6rem;cursor:pointer}
.choice:has(input:checked){border-color:#1F4E89;background:#E8EEF7}
.choice input{width:1.5rem;height:1.5rem;margin:.1rem 0 0;flex:none;accent-color:#1F4E89}
.choice small{display:block;color:#333;font-size:.9rem}
button{width:100%;min-height:3.2rem;font:inherit;font-weight:700;color:#fff;background:#1F4E89;border:0;
border-radius:.6rem;padding:.8rem 1rem;cursor:pointer}
button:focus-visible,.choice:focus-within{outline:3px solid #F2B705;outline-offset:2px}
textarea{width:100%;font:inherit;padding:.6rem;border:2px solid #C9D3E0;border-radius:.6rem;margin-top:.3rem}
textarea:focus{outline:3px solid #F2B705;outline-offset:2px}
.scale-row{display:flex;gap:.4rem}
.scale-row .choice{flex:1;flex-direction:column;align-items:center;gap:.3rem;padding:.6rem .2rem}
h2{font-size:1.35rem;margin:2rem 0 .5rem}h3{font-size:1.1rem;margin:1.2rem 0 .4rem}
.qa-list{padding-left:1.4rem}.qa-list li{margin:.6rem 0;padding-bottom:.6rem;border-bottom:1px solid #E1E6EE}
.qa-list p{margin:.2rem 0 .4rem;overflow-wrap:anywhere}
button.vote{width:auto;min-height:2.9rem;padding:.5rem 1rem;background:#fff;color:#1F4E89;border:2px solid #1F4E89}
.langs{margin-top:2rem;display:flex;gap:1rem;flex-wrap:wrap}
.langs a{color:#1F4E89;font-weight:600;padding:.6rem 0}
.small{color:#444;font-size:.9rem}
"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _document(lang: str, title: str, content: str, code: str | None) -> str:
    links = []
    for other in available_languages():
        if other != lang:
            query = urlencode({"lang": other})
            links.append(f'<a href="?{query}" hreflang="{other}" lang="{other}">'
                         f'{_esc(LANGUAGE_NAMES.get(other, other))}</a>')
    return ("<!doctype html>\n"
            f'<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{_esc(title)}</title><style>{CSS}</style></head><body><main>"
            f'<p class="brand">Alliance Dashboard</p><h1>{_esc(title)}</h1>{content}'
            f'<nav class="langs" aria-label="{_esc(t("common.language"))}">{"".join(links)}</nav>'
            "</main></body></html>")


def _message(lang: str, status: int, kind: str, text: str, code: str | None = None) -> Reply:
    set_language(lang)
    body = f'<p class="notice {kind}" role="{"alert" if kind == "error" else "status"}">{_esc(text)}</p>'
    if code is None:
        body += f'<p class="small">{_esc(t("vote.scan_again"))}</p>'
    return Reply(status, _document(lang, t("poll.title"), body, code))


def unavailable(lang: str, raw_code: str) -> Reply:
    """The shared database (cluster mode) cannot be reached: nothing was stored; try again."""
    set_language(lang)  # before t(): the message is in the phone's language
    return _message(lang, 503, "error", t("common.store_unavailable"), poll.normalize_code(raw_code))


def _item_html(item: dict, number: int, count: int, earlier) -> str:
    """One own question: radios for multiple choice and the 1-5 scale, a text box for open text."""
    name = f"i{int(item['position'])}"
    head = (f'<fieldset><legend><span class="count">{_esc(t("poll.question", number=number, count=count))}'
            f'</span><strong>{_esc(item["prompt"])}</strong></legend>')
    if item["kind"] == "text":
        value = _esc(earlier) if isinstance(earlier, str) else ""
        return (head + f'<label class="small" for="{name}">{_esc(t("vote.text_hint", max=poll.MAX_TEXT))}</label>'
                f'<textarea id="{name}" name="{name}" maxlength="{poll.MAX_TEXT}" rows="3">{value}</textarea>'
                "</fieldset>")
    if item["kind"] == "choice":
        choices = list(enumerate(item["options"]))
        row = ""
    else:
        choices = [(v, str(v)) for v in poll.SCALE]
        row = " scale"
        head += f'<p class="small">{_esc(t("vote.scale_hint"))}</p>'
    radios = "".join(f'<label class="choice{row}"><input type="radio" name="{name}" value="{value}"'
                     f'{" checked" if earlier == value else ""}><span><strong>{_esc(text)}</strong></span></label>'
                     for value, text in choices)
    wrapper = f'<div class="scale-row">{radios}</div>' if row else radios
    return head + wrapper + "</fieldset>"


def _hidden(lang: str, view: PollView, token: str, action: str = "") -> str:
    """A form's start: its target, a fresh one-time nonce, the language and what it does."""
    return (f'<form method="post" action="{_esc(view.poll.code)}?{urlencode({"lang": lang})}">'
            f'<input type="hidden" name="nonce" value="{_esc(new_nonce(token, view.poll.code))}">'
            f'<input type="hidden" name="lang" value="{_esc(lang)}">'
            + (f'<input type="hidden" name="action" value="{action}">' if action else ""))


def _qa_html(lang: str, view: PollView, token: str, voted: set, approved: list) -> str:
    """Ask a question (read by a moderator first) and vote for the approved ones, most votes first."""
    parts = [f'<section id="qa"><h2>{_esc(t("vote.qa_title"))}</h2>', _hidden(lang, view, token, "ask"),
             f'<label for="ask">{_esc(t("vote.qa_ask_hint", max=poll.MAX_TEXT))}</label>'
             f'<textarea id="ask" name="text" maxlength="{poll.MAX_TEXT}" rows="3"></textarea>'
             f'<button type="submit">{_esc(t("vote.qa_send"))}</button></form>']
    if approved:
        parts.append(f'<h3>{_esc(t("vote.qa_list"))}</h3><ol class="qa-list">')
        for question_id, text, votes in approved:
            if question_id in voted:
                button = f'<p class="small">{_esc(t("vote.qa_voted", votes=votes))}</p>'
            else:
                button = (_hidden(lang, view, token, "vote")
                          + f'<input type="hidden" name="question" value="{int(question_id)}">'
                          f'<button type="submit" class="vote">{_esc(t("vote.qa_vote", votes=votes))}</button></form>')
            parts.append(f'<li><p>{_esc(text)}</p>{button}</li>')
        parts.append("</ol>")
    else:
        parts.append(f'<p class="small">{_esc(t("vote.qa_none"))}</p>')
    return "".join(parts) + "</section>"


_qa_cache: dict[str, tuple[float, list]] = {}


def approved_questions(con: duckdb.DuckDBPyConnection, code: str, max_age_s: float = 1.0) -> list[tuple]:
    """(id, text, votes) of the approved questions, most votes first, reused for a second."""
    now = time.monotonic()
    with _meta_lock:
        cached = _qa_cache.get(code)
    if cached and now - cached[0] < max_age_s:
        return cached[1]
    frame = qa.questions(con, code, ("approved",))
    rows = [(int(r.id), r.text, int(r.votes)) for r in frame.itertuples()]
    with _meta_lock:
        if len(_qa_cache) > 1000:
            _qa_cache.clear()
        _qa_cache[code] = (now, rows)
    return rows


def _form(lang: str, view: PollView, token: str, earlier: dict, notice: str = "",
          earlier_items: dict | None = None, voted: set | None = None, approved: list | None = None) -> str:
    earlier_items = earlier_items or {}
    set_language(lang)
    parts = [f'<p class="intro">{_esc(t("poll.intro"))}</p>', notice]
    if not view.questions and not view.items:  # a Q&A only
        return "".join(parts) + _qa_html(lang, view, token, voted or set(), approved or []) + \
            f'<p class="small">{_esc(t("vote.privacy"))}</p>'
    parts.append(_hidden(lang, view, token))
    count = len(view.questions) + len(view.items)
    for number, question in enumerate(view.questions, start=1):
        dim = int(question["dimension_id"])
        parts.append(f'<fieldset><legend><span class="count">{_esc(t("poll.question", number=number, count=count))}'
                     f'</span><strong>{_esc(label(question, "question"))}</strong></legend>')
        for row in view.choices.get(dim, []):
            level = int(row["level"])
            checked = " checked" if earlier.get(dim) == level else ""
            parts.append(f'<label class="choice"><input type="radio" name="q{dim}" value="{level}"{checked}>'
                         f'<span><strong>{level} · {_esc(label(row))}</strong>'
                         f'<small>{_esc(label(row, "descriptor"))}</small></span></label>')
        parts.append("</fieldset>")
    for number, item in enumerate(view.items, start=len(view.questions) + 1):
        parts.append(_item_html(item, number, count, earlier_items.get(int(item["position"]))))
    parts.append(f'<button type="submit">{_esc(t("poll.send"))}</button></form>')
    if view.qa:
        parts.append(_qa_html(lang, view, token, voted or set(), approved or []))
    parts.append(f'<p class="small">{_esc(t("vote.privacy"))}</p>')
    return "".join(parts)


# ------------------------------------------------------------------------------------------ requests
DONE = {"1": "poll.sent", "asked": "vote.qa_asked", "voted": "vote.qa_vote_counted"}


def _open_poll(con: duckdb.DuckDBPyConnection, raw_code: str, lang: str):
    """(code, view, None) for an open poll; otherwise the page saying it is unknown (404) or closed (410)."""
    code = poll.normalize_code(raw_code)
    view = poll_view(con, code) if code else None
    if view is None:
        return code, None, _message(lang, 404, "error", t("poll.unknown", code=raw_code[:12]))
    if not view.poll.is_open:
        return code, view, _message(lang, 410, "info", t("poll.closed"), code)
    return code, view, None


def page(con: duckdb.DuckDBPyConnection, raw_code: str, lang: str, token: str | None, sent=None) -> Reply:
    """GET /vote/CODE: the form (with the participant's earlier answers chosen), or why there is none."""
    set_language(lang)
    code, view, refusal = _open_poll(con, raw_code, lang)
    if refusal is not None:
        return refusal
    new_cookie = None
    if not token_ok(token):
        token = new_cookie = new_token()
    earlier = {} if new_cookie else poll.participant_answers(con, code, token)
    earlier_items = {} if new_cookie or not view.items else poll.participant_item_answers(con, code, token)
    voted = qa.voted_by(con, code, token) if view.qa and not new_cookie else set()
    approved = approved_questions(con, code) if view.qa else []
    notice = ""
    done = DONE.get("1" if sent is True else str(sent or ""))
    if done:
        notice = f'<p class="notice ok" role="status" data-sent>{_esc(t(done))}</p>'
    elif earlier or earlier_items:
        notice = f'<p class="notice info" role="status">{_esc(t("poll.saved_before"))}</p>'
    reply = Reply(200, _document(lang, t("poll.title"),
                                 _form(lang, view, token, earlier, notice, earlier_items, voted, approved), code))
    reply.cookie = new_cookie
    return reply


def parse_form(body: bytes) -> dict[str, str] | None:
    """An urlencoded body as {name: last value}; None when it is not text (binary, bad UTF-8) or too big."""
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        text = body.decode("ascii")
        fields = parse_qs(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        return None
    out = {}
    for name, values in fields.items():
        value = values[-1]
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
            return None
        out[name] = value
    return out


def submit(con: duckdb.DuckDBPyConnection, raw_code: str, lang: str, token: str | None,
           form: dict | None) -> Reply:
    """POST /vote/CODE: check everything, store the answers in one transaction, redirect to the form
    (303, so a reload does not send again). Any refusal is a page in the participant's language and stores
    nothing."""
    set_language(lang)
    code, view, refusal = _open_poll(con, raw_code, lang)
    if refusal is not None:
        return refusal
    if form is None:
        return _refuse(con, lang, view, token, "bad_form", 400)
    if not token_ok(token):
        return _refuse(con, lang, view, None, "no_token", 403)
    if not nonce_ok(form.get("nonce"), token, code):
        return _refuse(con, lang, view, token, "bad_nonce", 400)
    if form.get("action") in ("ask", "vote"):
        return _qa_submit(con, lang, view, token, form)
    answers, item_answers = {}, {}
    kinds = {int(item["position"]): item["kind"] for item in view.items}
    for name, value in form.items():
        if name in ("nonce", "lang", "action"):
            continue
        if not (name[:1] in ("q", "i") and name[1:].isdigit() and len(name) < 10):
            return _refuse(con, lang, view, token, "unknown_question", 400)
        if name[0] == "i" and kinds.get(int(name[1:])) == "text":
            if value.strip():
                item_answers[int(name[1:])] = value
            continue
        if not (value.isdigit() and len(value) == 1):
            return _refuse(con, lang, view, token, "bad_level" if name[0] == "q" else "bad_choice", 400)
        (answers if name[0] == "q" else item_answers)[int(name[1:])] = int(value)
    if not answers and not item_answers:
        return _refuse(con, lang, view, token, "no_answer", 400)
    if not answer_limit.allow(token):
        return _refuse(con, lang, view, token, "too_fast", 429)
    try:
        poll.record_answers(con, code, token, answers, nonce=form["nonce"], item_answers=item_answers)
    except poll.PollError as exc:
        if exc.reason == "closed":
            forget(code)
            return _message(lang, 410, "info", t("poll.closed"), code)
        status = 409 if exc.reason == "replayed" else 400
        return _refuse(con, lang, view, token, exc.reason, status)
    return Reply(303, headers={"Location": f"{code}?{urlencode({'lang': lang, 'sent': 1})}",
                               "Cache-Control": "no-store"})


def _qa_submit(con, lang: str, view: PollView, token: str, form: dict) -> Reply:
    """POST of the Q&A: a question (at most one per participant in ASK_INTERVAL_S) or a vote."""
    if not view.qa:
        return _refuse(con, lang, view, token, "qa_off", 400)
    try:
        if form["action"] == "ask":
            if not ask_limit.allow(token):
                return _refuse(con, lang, view, token, "qa_too_fast", 429)
            qa.ask(con, view.poll.code, token, form.get("text", ""), nonce=form["nonce"])
            done = "asked"
        else:
            raw = form.get("question", "")
            if not (raw.isdigit() and len(raw) < 19):
                return _refuse(con, lang, view, token, "qa_unknown", 400)
            if not vote_limit.allow(token):
                return _refuse(con, lang, view, token, "too_fast", 429)
            qa.upvote(con, view.poll.code, token, int(raw), nonce=form["nonce"])
            done = "voted"
    except poll.PollError as exc:
        if exc.reason == "closed":
            forget(view.poll.code)
            return _message(lang, 410, "info", t("poll.closed"), view.poll.code)
        return _refuse(con, lang, view, token, exc.reason, 409 if exc.reason in ("replayed", "qa_voted_before") else 400)
    with _meta_lock:
        _qa_cache.pop(view.poll.code, None)  # the participant sees their vote at once
    return Reply(303, headers={"Location": f"{view.poll.code}?{urlencode({'lang': lang, 'sent': done})}#qa",
                               "Cache-Control": "no-store"})


def _refuse(con, lang: str, view: PollView, token: str | None, reason: str, status: int) -> Reply:
    """The form again, with why the answers were not stored on top."""
    set_language(lang)
    text = t(f"poll.error.{reason}", max=poll.MAX_QUESTIONS)
    notice = f'<p class="notice error" role="alert">{_esc(text)}</p>'
    new_cookie = None
    if not token_ok(token):
        token = new_cookie = new_token()
    earlier = {} if new_cookie else poll.participant_answers(con, view.poll.code, token)
    earlier_items = {} if new_cookie or not view.items else poll.participant_item_answers(con, view.poll.code, token)
    voted = qa.voted_by(con, view.poll.code, token) if view.qa and not new_cookie else set()
    approved = approved_questions(con, view.poll.code) if view.qa else []
    reply = Reply(status, _document(lang, t("poll.title"),
                                    _form(lang, view, token, earlier, notice, earlier_items, voted, approved),
                                    view.poll.code))
    reply.cookie = new_cookie
    return reply

"""Review of a submitted round by a peer or the secretariat (issue 16): the single writer of round reviews.

1. An admin assigns a submitted round to a reviewer: an admin (the secretariat), or an editor of another
   member city who has agreed to review (`set_consent`). Never an editor of the city itself.
2. The reviewer, and only the one assigned, acts on every dimension: agrees, proposes another level with a
   reason, or asks for evidence (`record_review`).
3. The city's editors answer each proposal or request: accept the proposed level, keep their own with a
   reply, or add evidence (`answer`).
4. An admin validates with the agreed levels (`validate`; `suggested_levels` proposes them). The round
   becomes validated; the city's answers in assessment_scores stay as they were, the agreed levels are kept
   per dimension in round_review_items, and scoring reads the view assessment_levels, which lays them over.

Every write is one transaction (alliance.db.write_transaction with this module's lock): who may act and the
review's state are checked first; the rows are checked by the table rules (alliance.tables, the import's
rules read from the DDL); a write made against an older version of the review is refused with
`ReviewConflict`, which lists what changed, and writes nothing; every write appends the review's items to
round_review_history and a row to app_audit. Account names live only in internal tables
(round_review_people, round_review_history, reviewer_consents): the public tables say the reviewer's role and
city, never a name.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field, replace

import duckdb

from alliance import assessments, auth, db, tables
from alliance.i18n import fmt_date, t, tn
from alliance.submissions import audit

OPEN_STATES = ("assigned", "reviewed", "answered")
ACTIONS = ("agree", "propose", "evidence")
RESPONSES = ("accept", "keep", "evidence")
MAX_COMMENT = 2000
_WRITE_LOCK = threading.Lock()
DEMO_REVIEWER = "editor-liege"  # the demonstration account that agreed to review (alliance.auth.DEMO_ACCOUNTS)
# texts of the invented demonstration reviews (data, in English like the invented practices)
DEMO_REASON = "Invented for the demonstration: the evidence describes a plan, not yet a practice in place."
DEMO_REPLY = "Invented for the demonstration: the practice started this year; the minutes of the board are attached."


class ReviewRefused(ValueError):
    """A write refused before anything was written: `field` names the input, `reason` a key of the
    round_review.refused catalogue; the message is the translated sentence."""

    def __init__(self, field: str, reason: str, **values):
        self.field, self.reason, self.values = field, reason, values
        text = tn(f"round_review.refused.{reason}", values["count"], field=field, **values) if "count" in values \
            else t(f"round_review.refused.{reason}", field=field, **values)
        super().__init__(text)


class ReviewConflict(ReviewRefused):
    """Someone wrote to the review since the caller read it. `changes` lists (dimension_id or None, field,
    before, now); `by` and `at` say who and when. Nothing was written; the caller keeps its inputs."""

    def __init__(self, changes: list[tuple], by: str, at: dt.datetime):
        self.changes, self.by, self.at = changes, by, at
        super().__init__("review", "conflict", username=by, count=max(len(changes), 1))


@dataclass(frozen=True)
class Item:
    """One dimension of a review."""
    original_level: int | None
    original_not_applicable: bool
    review_action: str | None = None
    proposed_level: int | None = None
    review_comment: str | None = None
    city_response: str | None = None
    city_comment: str | None = None
    agreed_level: int | None = None
    agreed_not_applicable: bool | None = None

    @property
    def needs_answer(self) -> bool:
        return self.review_action in ("propose", "evidence")

    def as_json(self) -> dict:
        return {k: getattr(self, k) for k in ITEM_FIELDS}


ITEM_FIELDS = ("original_level", "original_not_applicable", "review_action", "proposed_level", "review_comment",
               "city_response", "city_comment", "agreed_level", "agreed_not_applicable")


@dataclass(frozen=True)
class Review:
    id: int
    assessment_id: int
    member_id: str
    round_year: int
    state: str
    reviewer_role: str
    reviewer_member_id: str | None
    assigned_on: dt.date
    reviewed_on: dt.date | None
    answered_on: dt.date | None
    validated_on: dt.date | None
    version: int
    provenance: str
    reviewer: str  # account names: internal, shown only to admins and the people involved
    assigned_by: str
    validated_by: str | None
    items: dict[int, Item] = field(default_factory=dict)

    @property
    def needs_city_answer(self) -> bool:
        return any(i.needs_answer for i in self.items.values())


# ---------------------------------------------------------------------------------------------- reading

_REVIEW_COLUMNS = ("id", "assessment_id", "member_id", "round_year", "state", "reviewer_role", "reviewer_member_id",
                   "assigned_on", "reviewed_on", "answered_on", "validated_on", "version", "provenance")


def _fetch(cur, review_id: int) -> Review | None:
    row = cur.execute(f"SELECT {', '.join('r.' + c for c in _REVIEW_COLUMNS)}, p.reviewer, p.assigned_by, "
                      "p.validated_by FROM round_reviews r LEFT JOIN round_review_people p ON p.review_id = r.id "
                      "WHERE r.id = $id", {"id": review_id}).fetchone()
    if row is None:
        return None
    items = {r[0]: Item(*r[1:]) for r in cur.execute(
        f"SELECT dimension_id, {', '.join(ITEM_FIELDS)} FROM round_review_items WHERE review_id = $id "
        "ORDER BY dimension_id", {"id": review_id}).fetchall()}
    values = dict(zip(_REVIEW_COLUMNS, row[:len(_REVIEW_COLUMNS)]))
    return Review(**values, reviewer=row[-3] or "", assigned_by=row[-2] or "", validated_by=row[-1], items=items)


def _read(con, work):
    cur = con.cursor()
    try:
        return work(cur)
    finally:
        cur.close()


def load(con: duckdb.DuckDBPyConnection, review_id: int) -> Review | None:
    return _read(con, lambda cur: _fetch(cur, review_id))


def _current_id(cur, member_id: str, round_year: int) -> int | None:
    row = cur.execute("SELECT id FROM round_reviews WHERE member_id = $m AND round_year = $r AND state <> 'withdrawn' "
                      "ORDER BY id DESC LIMIT 1", {"m": member_id, "r": round_year}).fetchone()
    return row[0] if row else None


def for_round(con: duckdb.DuckDBPyConnection, member_id: str, round_year: int) -> Review | None:
    """The review of a member's round (the newest one not withdrawn), or None."""
    return _read(con, lambda cur: (lambda i: _fetch(cur, i) if i else None)(_current_id(cur, member_id, round_year)))


def listing(con: duckdb.DuckDBPyConnection, user: auth.User) -> list[Review]:
    """The reviews `user` has a part in, newest first: every one for an admin (withdrawn ones too); for an
    editor those assigned to them and those of their cities, not withdrawn."""
    def work(cur):
        ids = [r[0] for r in cur.execute(
            "SELECT r.id FROM round_reviews r LEFT JOIN round_review_people p ON p.review_id = r.id "
            "WHERE ($admin OR (r.state <> 'withdrawn' AND (p.reviewer = $u OR list_contains($m, r.member_id)))) "
            "ORDER BY r.round_year DESC, r.id DESC",
            {"admin": user.is_admin, "u": user.username, "m": sorted(user.members)}).fetchall()]
        return [_fetch(cur, i) for i in ids]
    return _read(con, work)


def awaiting_assignment(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(member id, round) of the submitted rounds, written by a city, that have no open or finished review."""
    return _read(con, lambda cur: [tuple(r) for r in cur.execute(
        "SELECT a.member_id, a.round_year FROM assessments a WHERE a.status = 'submitted' AND a.provenance = "
        "'reported' AND NOT EXISTS (SELECT 1 FROM round_reviews r WHERE r.assessment_id = a.id AND r.state <> "
        "'withdrawn') ORDER BY a.round_year DESC, a.member_id").fetchall()])


def has_consented(con: duckdb.DuckDBPyConnection, username: str) -> bool:
    return bool(_read(con, lambda cur: cur.execute(
        "SELECT 1 FROM reviewer_consents WHERE username = $u AND withdrawn_at IS NULL", {"u": username}).fetchone()))


def candidates(con: duckdb.DuckDBPyConnection, member_id: str) -> list[auth.User]:
    """Who may review a round of `member_id`: every admin, and every editor who agreed to review and does not
    write for that city."""
    users = [auth.get_user(con, r["username"]) for r in auth.list_users(con)]
    return _read(con, lambda cur: [u for u in users if u is not None and _eligible(cur, u, member_id)])


def _eligible(cur, user: auth.User, member_id: str) -> bool:
    if user.is_admin:
        return True
    consented = cur.execute("SELECT 1 FROM reviewer_consents WHERE username = $u AND withdrawn_at IS NULL",
                                   {"u": user.username}).fetchone()
    return bool(consented) and member_id not in user.members and bool(user.members)


def history(con: duckdb.DuckDBPyConnection, review_id: int) -> list[dict]:
    """Every version of a review, oldest first: version, saved_at, saved_by, action, state, items."""
    rows = _read(con, lambda cur: cur.execute(
        "SELECT version, saved_at, saved_by, action, state, items FROM round_review_history WHERE review_id = $id "
        "ORDER BY version", {"id": review_id}).fetchall())
    keys = ("version", "saved_at", "saved_by", "action", "state", "items")
    return [dict(zip(keys, r)) | {"items": json.loads(r[5])} for r in rows]


def suggested_levels(review: Review) -> dict[int, int | None]:
    """The levels an admin validates by default: the proposed level where the city accepted it, the city's
    own otherwise (None: not applicable)."""
    out = {}
    for d, item in review.items.items():
        if item.review_action == "propose" and item.city_response == "accept":
            out[d] = item.proposed_level
        else:
            out[d] = None if item.original_not_applicable else item.original_level
    return out


ROUND_CHOICES = ("all", "validated")  # the benchmark's and the map's choice of rounds (?rounds=validated)


def reviewer_text(review: Review, city_name) -> str:
    """Who reviewed, by role and city, never by name: "the secretariat", "a peer reviewer from Liège (BE)"."""
    if review.reviewer_role == "secretariat":
        return t("round_review.by_secretariat")
    return t("round_review.by_peer", city=city_name(review.reviewer_member_id))


def validation_note(status: str | None, review: Review | None, city_name) -> str:
    """Whether a round was validated, and by whom (role and city), for the report and the benchmark."""
    if status != "validated":
        return t("round_review.note_not_validated")
    if review is None or review.state != "validated":
        return t("round_review.note_validated_direct")
    if review.reviewer_role == "secretariat":
        return t("round_review.note_validated_own_review", date=fmt_date(review.validated_on))
    return t("round_review.note_validated_review", date=fmt_date(review.validated_on),
             reviewer=reviewer_text(review, city_name))


# ---------------------------------------------------------------------------------------------- checking

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _signed_in(user) -> None:
    if user is None:
        raise ReviewRefused("user", "not_signed_in")


def _existing(cur, user, review_id, base_version) -> Review:
    _signed_in(user)
    review = _fetch(cur, review_id) if isinstance(review_id, int) and not isinstance(review_id, bool) else None
    if review is None:
        raise ReviewRefused("review", "unknown_review", value=str(review_id)[:20])
    if base_version != review.version:
        raise _conflict(cur, review, base_version)
    return review


def _conflict(cur, review: Review, base_version) -> ReviewConflict:
    """What changed between the caller's version and the stored one, who wrote last and when."""
    rows = cur.execute("SELECT version, saved_at, saved_by, state, items FROM round_review_history "
                       "WHERE review_id = $id ORDER BY version", {"id": review.id}).fetchall()
    seen = next((r for r in rows if r[0] == base_version), None)
    last = rows[-1] if rows else (review.version, _now(), "?", review.state, "{}")
    changes: list[tuple] = []
    if seen is not None and seen[3] != review.state:
        changes.append((None, "state", seen[3], review.state))
    before = json.loads(seen[4]) if seen else {}
    for d, item in review.items.items():
        old = before.get(str(d), {})
        for name in ITEM_FIELDS:
            if old.get(name) != getattr(item, name):
                changes.append((d, name, old.get(name), getattr(item, name)))
    return ReviewConflict(changes, last[2], last[1])


def changes_since(con: duckdb.DuckDBPyConnection, review: Review, version: int) -> ReviewConflict | None:
    """What changed in `review` since `version` (the one a page showed), as the conflict a write would meet."""
    if version == review.version:
        return None
    return _read(con, lambda cur: _conflict(cur, review, version))


def _text(value, field_name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReviewRefused(field_name, "not_text")
    text = value.replace("\x00", "").strip() or None
    if text and len(text) > MAX_COMMENT:
        raise ReviewRefused(field_name, "too_long", length=len(text), limit=MAX_COMMENT)
    return text


def _level(value, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
        raise ReviewRefused(field_name, "bad_level", value=str(value)[:20])
    return value


def _check_rules(cur, review_id: int, items: dict[int, Item]) -> None:
    """The table rules of round_review_items (types and CHECK constraints, read from the DDL by
    alliance.tables) on the rows about to be written."""
    header = ["review_id", "dimension_id", *ITEM_FIELDS]
    rows = [(i + 2, [review_id, d, *[getattr(item, f) for f in ITEM_FIELDS]]) for i, (d, item) in
            enumerate(sorted(items.items()))]
    problems: list[tables.Problem] = []
    tables.validate_sheet(tables.Sheet("review", "round_review_items", header, rows), "round_review_items", problems)
    if problems:
        p = problems[0]
        raise ReviewRefused(p.column or "review", "table_rule", reason=p.reason)


# ---------------------------------------------------------------------------------------------- writing

def _transaction(con, work):
    return db.write_transaction(con, work, lock=_WRITE_LOCK)


def _write_items(cur, review_id: int, items: dict[int, Item], insert: bool) -> None:
    _check_rules(cur, review_id, items)
    for d, item in items.items():
        values = {"id": review_id, "d": d, **{f: getattr(item, f) for f in ITEM_FIELDS}}
        if insert:
            cur.execute(f"INSERT INTO round_review_items (review_id, dimension_id, {', '.join(ITEM_FIELDS)}) "
                        f"VALUES ($id, $d, {', '.join('$' + f for f in ITEM_FIELDS)})", values)
        else:
            sets = ", ".join(f"{f} = ${f}" for f in ITEM_FIELDS if f not in ("original_level", "original_not_applicable"))
            cur.execute(f"UPDATE round_review_items SET {sets} WHERE review_id = $id AND dimension_id = $d",
                        {k: v for k, v in values.items() if k not in ("original_level", "original_not_applicable")})


def _record(cur, review_id: int, user: str, action: str, now: dt.datetime, bump: bool = True) -> Review:
    """Bump the version (a new review starts at 1), append the items to the history and a row to the app's
    audit; the review as stored."""
    version = cur.execute("UPDATE round_reviews SET version = version + $b WHERE id = $id RETURNING version",
                          {"id": review_id, "b": int(bump)}).fetchone()[0]
    review = _fetch(cur, review_id)
    items = json.dumps({str(d): i.as_json() for d, i in review.items.items()}, ensure_ascii=False)
    cur.execute("INSERT INTO round_review_history VALUES ($id, $v, $t, $u, $a, $s, $j)",
                {"id": review_id, "v": version, "t": now, "u": user, "a": action, "s": review.state, "j": items})
    audit(cur, user, f"round_review_{action}", "round_review", str(review_id), review.state, now)
    return review


def set_consent(con, user: auth.User | None, agree: bool, now: dt.datetime | None = None) -> bool:
    """An editor agrees to review other cities' rounds (or withdraws). Returns whether they now agree."""
    now = now or _now()

    def work(cur) -> bool:
        _signed_in(user)
        if agree:
            cur.execute("INSERT INTO reviewer_consents VALUES ($u, $t, NULL) ON CONFLICT (username) DO UPDATE SET "
                        "agreed_at = excluded.agreed_at, withdrawn_at = NULL", {"u": user.username, "t": now})
        else:
            cur.execute("UPDATE reviewer_consents SET withdrawn_at = $t WHERE username = $u AND withdrawn_at IS NULL",
                        {"u": user.username, "t": now})
        audit(cur, user.username, "reviewer_consent" if agree else "reviewer_consent_withdrawn", "account",
              user.username, None, now)
        return agree

    return _transaction(con, work)


def assign(con, admin: auth.User | None, member_id: str, round_year: int, reviewer: str,
           now: dt.datetime | None = None) -> Review:
    """An admin assigns a member's submitted round to `reviewer` (an account name). The city's answers are
    copied into the review's items as they stand: the original answers the review is about."""
    now = now or _now()

    def work(cur) -> Review:
        _signed_in(admin)
        if not admin.is_admin:
            raise ReviewRefused("user", "admin_only", username=admin.username)
        current = assessments._fetch(cur, member_id, round_year) if isinstance(member_id, str) else None
        if current is None or current.provenance != "reported" or current.status != "submitted":
            raise ReviewRefused("round", "not_submitted", value=f"{member_id} {round_year}"[:80])
        if _current_id(cur, member_id, round_year) is not None:
            raise ReviewRefused("round", "already_assigned", value=f"{member_id} {round_year}")
        person = auth.get_user(con, reviewer) if isinstance(reviewer, str) else None
        if person is None:
            raise ReviewRefused("reviewer", "unknown_reviewer", value=str(reviewer)[:64])
        if not person.is_admin and member_id in person.members:
            raise ReviewRefused("reviewer", "own_city", username=person.username)
        if not _eligible(cur, person, member_id):
            raise ReviewRefused("reviewer", "no_consent", username=person.username)
        review_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM round_reviews").fetchone()[0]
        peer_city = None if person.is_admin else sorted(person.members)[0]
        cur.execute("INSERT INTO round_reviews (id, assessment_id, member_id, round_year, state, reviewer_role, "
                    "reviewer_member_id, assigned_on, version, provenance) VALUES ($id, $a, $m, $r, 'assigned', $role, "
                    "$city, $d, 1, 'reported')",
                    {"id": review_id, "a": current.id, "m": member_id, "r": round_year, "d": now.date(),
                     "role": "secretariat" if person.is_admin else "peer", "city": peer_city})
        cur.execute("INSERT INTO round_review_people VALUES ($id, $r, $a, NULL)",
                    {"id": review_id, "r": person.username, "a": admin.username})
        _write_items(cur, review_id, {d: Item(a.level, a.not_applicable) for d, a in current.answers.items()},
                     insert=True)
        return _record(cur, review_id, admin.username, "assign", now, bump=False)

    return _transaction(con, work)


def withdraw(con, admin: auth.User | None, review_id: int, base_version: int, now: dt.datetime | None = None) -> Review:
    """An admin withdraws an open review (e.g. to give it to another reviewer); it is kept, marked withdrawn."""
    now = now or _now()

    def work(cur) -> Review:
        review = _existing(cur, admin, review_id, base_version)
        if not admin.is_admin:
            raise ReviewRefused("user", "admin_only", username=admin.username)
        if review.state not in OPEN_STATES:
            raise ReviewRefused("review", "wrong_state", state=t(f"round_review.state.{review.state}"))
        cur.execute("UPDATE round_reviews SET state = 'withdrawn' WHERE id = $id", {"id": review_id})
        return _record(cur, review_id, admin.username, "withdraw", now)

    return _transaction(con, work)


def record_review(con, user: auth.User | None, review_id: int, base_version: int, actions: dict,
                  now: dt.datetime | None = None) -> Review:
    """The assigned reviewer's review, every dimension at once: `actions` maps each dimension id to
    (action, proposed level or None, comment or None). 'propose' needs a level other than the city's and a
    reason; 'evidence' needs a note of what to show. The review goes to the city ('reviewed')."""
    now = now or _now()

    def work(cur) -> Review:
        review = _existing(cur, user, review_id, base_version)
        if user.username != review.reviewer:
            raise ReviewRefused("user", "not_your_review", username=user.username)
        if review.state != "assigned":
            raise ReviewRefused("review", "wrong_state", state=t(f"round_review.state.{review.state}"))
        if not isinstance(actions, dict):
            raise ReviewRefused("actions", "not_mapping")
        missing = [d for d in review.items if d not in actions]
        if missing:
            raise ReviewRefused("actions", "incomplete", count=len(missing), dimensions=", ".join(map(str, missing)))
        items = {}
        for d, given in actions.items():
            if d not in review.items:
                raise ReviewRefused(f"dimension[{str(d)[:20]}]", "unknown_dimension")
            action, level, comment = (tuple(given) + (None, None, None))[:3]
            if action not in ACTIONS:
                raise ReviewRefused(f"action[{d}]", "unknown_action", value=str(action)[:20])
            comment = _text(comment, f"comment[{d}]")
            item = review.items[d]
            if action == "propose":
                level = _level(level, f"level[{d}]")
                if not item.original_not_applicable and level == item.original_level:
                    raise ReviewRefused(f"level[{d}]", "same_level", value=level)
                if not comment:
                    raise ReviewRefused(f"comment[{d}]", "reason_needed")
            else:
                level = None
                if action == "evidence" and not comment:
                    raise ReviewRefused(f"comment[{d}]", "evidence_note_needed")
            items[d] = replace(item, review_action=action, proposed_level=level, review_comment=comment)
        _write_items(cur, review_id, items, insert=False)
        state = "reviewed"
        cur.execute("UPDATE round_reviews SET state = $s, reviewed_on = $d WHERE id = $id",
                    {"s": state, "d": now.date(), "id": review_id})
        return _record(cur, review_id, user.username, "review", now)

    return _transaction(con, work)


def answer(con, user: auth.User | None, review_id: int, base_version: int, responses: dict,
           now: dt.datetime | None = None) -> Review:
    """The city's answer to the review: for every dimension the reviewer questioned, (response, comment):
    'accept' the proposed level, 'keep' the city's level with a reply, or add 'evidence' (the comment)."""
    now = now or _now()

    def work(cur) -> Review:
        review = _existing(cur, user, review_id, base_version)
        if not auth.can_edit(user, review.member_id):
            raise ReviewRefused("city", "not_your_city", username=user.username, value=review.member_id)
        if review.state != "reviewed":
            raise ReviewRefused("review", "wrong_state", state=t(f"round_review.state.{review.state}"))
        if not isinstance(responses, dict):
            raise ReviewRefused("responses", "not_mapping")
        asked = [d for d, i in review.items.items() if i.needs_answer]
        missing = [d for d in asked if d not in responses]
        if missing:
            raise ReviewRefused("responses", "incomplete", count=len(missing), dimensions=", ".join(map(str, missing)))
        items = {}
        for d, given in responses.items():
            if d not in asked:
                raise ReviewRefused(f"dimension[{str(d)[:20]}]", "not_asked")
            response, comment = (tuple(given) + (None, None))[:2]
            item = review.items[d]
            allowed = ("accept", "keep") if item.review_action == "propose" else ("evidence", "keep")
            if response not in allowed:
                raise ReviewRefused(f"response[{d}]", "unknown_response", value=str(response)[:20])
            comment = _text(comment, f"comment[{d}]")
            if response in ("keep", "evidence") and not comment:
                raise ReviewRefused(f"comment[{d}]", "reply_needed")
            items[d] = replace(item, city_response=response, city_comment=comment)
        _write_items(cur, review_id, items, insert=False)
        cur.execute("UPDATE round_reviews SET state = 'answered', answered_on = $d WHERE id = $id",
                    {"d": now.date(), "id": review_id})
        return _record(cur, review_id, user.username, "answer", now)

    return _transaction(con, work)


def validate(con, admin: auth.User | None, review_id: int, base_version: int, agreed: dict | None = None,
             now: dt.datetime | None = None) -> Review:
    """An admin validates the round with the agreed levels (`agreed`: dimension id -> level 0-5, or None for
    not applicable; dimensions left out take `suggested_levels`). The round becomes validated; the city's own
    answers are not changed."""
    now = now or _now()

    def work(cur) -> Review:
        review = _existing(cur, admin, review_id, base_version)
        if not admin.is_admin:
            raise ReviewRefused("user", "admin_only", username=admin.username)
        ready = review.state == "answered" or (review.state == "reviewed" and not review.needs_city_answer)
        if not ready:
            raise ReviewRefused("review", "wrong_state", state=t(f"round_review.state.{review.state}"))
        levels = suggested_levels(review) | dict(agreed or {})
        items = {}
        for d, level in levels.items():
            if d not in review.items:
                raise ReviewRefused(f"dimension[{str(d)[:20]}]", "unknown_dimension")
            if level is not None:
                _level(level, f"level[{d}]")
            items[d] = replace(review.items[d], agreed_level=level, agreed_not_applicable=level is None)
        if all(i.agreed_not_applicable for i in items.values()):
            raise ReviewRefused("levels", "all_not_applicable")
        current = assessments._fetch(cur, review.member_id, review.round_year)
        if current is None or current.status != "submitted":
            raise ReviewRefused("round", "not_submitted", value=f"{review.member_id} {review.round_year}")
        _write_items(cur, review_id, items, insert=False)
        cur.execute("UPDATE round_reviews SET state = 'validated', validated_on = $d WHERE id = $id",
                    {"d": now.date(), "id": review_id})
        cur.execute("UPDATE round_review_people SET validated_by = $u WHERE review_id = $id",
                    {"u": admin.username, "id": review_id})
        cur.execute("UPDATE assessments SET status = 'validated' WHERE id = $a", {"a": current.id})
        assessments.append_version(cur, current.id, admin.username, "validate", "validated", "reported",
                                   current.answers, now)
        return _record(cur, review_id, admin.username, "validate", now)

    return _transaction(con, work)


def seed_demo(con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None) -> int:
    """Invented, validated reviews of a few cities' latest rounds for the demonstration database (inside the
    caller's transaction): the secretariat or a peer city proposed a level on one or two dimensions, the city
    accepted or kept its own. Marked provenance 'invented'. Returns how many were written."""
    now = now or _now()
    con.execute("INSERT INTO reviewer_consents SELECT username, $t, NULL FROM users WHERE username = $u "
                "ON CONFLICT DO NOTHING", {"t": now, "u": DEMO_REVIEWER})
    latest = con.execute("SELECT max(round_year) FROM assessments").fetchone()[0]
    if latest is None:
        return 0
    picks = con.execute(
        "SELECT a.id, a.member_id, a.round_year FROM assessments a JOIN members m ON m.id = a.member_id "
        "WHERE a.round_year = $r AND a.status = 'validated' AND m.status = 'member' "
        "ORDER BY m.population DESC NULLS LAST, a.member_id LIMIT 4", {"r": latest}).fetchall()
    written = 0
    for n, (assessment_id, member_id, year) in enumerate(picks):
        answers = con.execute("SELECT dimension_id, level, not_applicable FROM assessment_scores WHERE assessment_id = $a "
                              "ORDER BY dimension_id", {"a": assessment_id}).fetchall()
        peer = None if n % 2 == 0 else next((p[0] for p in picks if p[1] != member_id), None)
        peer_city = con.execute("SELECT member_id FROM assessments WHERE id = $a", {"a": peer}).fetchone()[0] \
            if peer else None
        review_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM round_reviews").fetchone()[0]
        day = dt.date(year, 11, 1) + dt.timedelta(days=n * 3)
        con.execute("INSERT INTO round_reviews VALUES ($id, $a, $m, $r, 'validated', $role, $city, $d1, $d2, $d3, $d4, 4, "
                    "'invented')", {"id": review_id, "a": assessment_id, "m": member_id, "r": year,
                                   "role": "peer" if peer_city else "secretariat", "city": peer_city, "d1": day,
                                   "d2": day + dt.timedelta(days=10), "d3": day + dt.timedelta(days=20),
                                   "d4": day + dt.timedelta(days=25)})
        con.execute("INSERT INTO round_review_people VALUES ($id, 'demo-generator', 'demo-generator', 'demo-generator')",
                    {"id": review_id})
        questioned = [i for i, (_, level, na) in enumerate(answers) if not na and level is not None and level >= 2]
        chosen = questioned[n % max(len(questioned), 1)::5][:2]
        for i, (d, level, na) in enumerate(answers):
            item = Item(level, bool(na), "agree", agreed_level=level, agreed_not_applicable=bool(na))
            if i in chosen:
                accept = (i + n) % 2 == 0
                item = replace(item, review_action="propose", proposed_level=level - 1,
                               review_comment=DEMO_REASON,
                               city_response="accept" if accept else "keep",
                               city_comment=None if accept else DEMO_REPLY,
                               agreed_level=level - 1 if accept else level)
            con.execute(f"INSERT INTO round_review_items (review_id, dimension_id, {', '.join(ITEM_FIELDS)}) "
                        f"VALUES ($id, $d, {', '.join('$' + f for f in ITEM_FIELDS)})",
                        {"id": review_id, "d": d, **item.as_json()})
        written += 1
    return written

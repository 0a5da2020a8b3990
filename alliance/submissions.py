"""Practice submissions with review: the single writer of practice entries written in the app (issue 15).

A city editor creates a practice, or edits one of their city's, as a draft; submits it; an admin returns it
with a comment, declines it, or publishes it with the evidence label the admin sets (the editor only
proposes one). Every version is appended to `practice_revisions` (who, when, what), never overwritten; the
catalogue's tables (activities and its lists) get a version only when it is published, so a published
entry being edited stays visible as published until the new version is. A draft's changes can be undone.

Every write is one transaction through alliance.db.write_transaction with this module's lock (as
alliance.assessments does), checks the caller's base revision (a second, concurrent save is refused with
`EditConflict` listing what changed) and is recorded in `app_audit`. The fields are checked by the import's
table rules (alliance.tables), through `table_rule_problems` only.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field

import duckdb

from alliance import auth, db, tables
from alliance.i18n import t, tn

TABLE = "activities"
STATES = ("draft", "submitted", "returned", "published", "declined")
EVALUATIONS = ("none", "internal", "external", "peer_reviewed")
DECISIONS = ("return", "publish", "decline")
# columns the writer sets itself, never the form
MANAGED = ("id", "last_updated", "provenance")
MAX_COMMENT = 2000
MAX_TITLE = 200
MAX_SUMMARY = 4000
_WRITE_LOCK = threading.Lock()


class SubmissionRefused(ValueError):
    """A write refused before anything was written: `field` names the input, `reason` a key of the
    submit.refused catalogue; the message is the translated sentence."""

    def __init__(self, field: str, reason: str, **values):
        self.field, self.reason, self.values = field, reason, values
        text = tn(f"submit.refused.{reason}", values["count"], field=field, **values) if "count" in values \
            else t(f"submit.refused.{reason}", field=field, **values)
        super().__init__(text)


class SubmissionInvalid(ValueError):
    """The record breaks the table rules: `problems` are (field, translated reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {r}" for f, r in problems))


class EditConflict(SubmissionRefused):
    """Someone saved the entry since the caller read it: `changes` lists (field, yours-before, now), `by` and
    `at` say who and when. Nothing was written; the caller's form keeps its values."""

    def __init__(self, changes: list[tuple[str, object, object]], by: str, at: dt.datetime):
        self.changes, self.by, self.at = changes, by, at
        super().__init__("entry", "conflict", username=by, count=len(changes))


# ------------------------------------------------------------------------------------------ the fields

def form_columns() -> list[str]:
    """The activities columns an entry's form edits, in table order (the import's catalogue: a column added
    to the table, e.g. a translated title, is part of the form's record at once)."""
    return [c.name for c in tables.catalogue()[TABLE].columns if c.name not in MANAGED]


def list_columns() -> dict[str, tuple[str, str, str]]:
    """list field -> (bridge table, parent column, child column), as the import's friendly form has them."""
    return tables.LIST_COLUMNS[TABLE]


_FIELD_KEYS = {"title": "form_title", "summary": "form_summary", "kind": "form_kind", "status": "form_status",
               "start_year": "form_start_year", "end_year": "form_end_year", "source_url": "form_source_url",
               "approaches": "form_approaches", "target_groups": "form_target_groups",
               "stakeholders": "form_stakeholders", "partner_member_ids": "form_partners",
               "evaluation": "form_evaluation", "lead_member_id": "city",
               "original_language": "form_original_language"}


def field_label(column: str) -> str:
    """A record field as the form names it, in the reader's language (a translated title: 'Title (fr)')."""
    if column in _FIELD_KEYS:
        return t(f"submit.{_FIELD_KEYS[column]}")
    if m := re.fullmatch(r"(title|summary)_([a-z]{2})", column):
        return f"{t(f'submit.form_{m[1]}')} ({m[2]})"
    return column


def empty_record(member_id: str) -> dict:
    record = {c: None for c in form_columns()} | {name: [] for name in list_columns()}
    record.update(lead_member_id=member_id, kind="practice", status="ongoing", evaluation="none")
    return record


def _tidy(record: dict) -> dict:
    """The record as stored: known fields only, text stripped, empty text None, lists sorted and unique."""
    out = {}
    for name in form_columns():
        value = record.get(name)
        if isinstance(value, str):
            value = value.replace("\x00", "").strip() or None
        out[name] = value
    for name in list_columns():
        values = record.get(name) or []
        out[name] = sorted({str(v).strip() for v in values if str(v).strip()})
    return out


_RULES = [  # the import's English reasons -> submit.rule keys, so a form speaks the reader's language
    (re.compile(r"required value is empty|must not be blank"), "required"),
    (re.compile(r"must be a whole number"), "whole_number"),
    (re.compile(r"must be between (?P<low>\S+) and (?P<high>\S+)"), "between"),
    (re.compile(r"end_year is before start_year"), "end_before_start"),
    (re.compile(r"must be one of: (?P<values>.*)"), "one_of"),
]


def rule_reason(text: str) -> str:
    """An import table rule's English reason in the reader's language (submit.rule), for any form."""
    for pattern, key in _RULES:
        if m := pattern.search(text):
            return t(f"submit.rule.{key}", **m.groupdict())
    return text


def table_rule_problems(cur, practice_id: str, record: dict) -> list[tuple[str, str]]:
    """What the import's table rules say of this record, as (field, translated reason): the same types,
    required values and CHECK constraints (alliance.tables, one set of rules), known ids for every
    reference, plus what a form adds: http(s) links only, length limits."""
    rules = tables.catalogue()
    lists = list_columns()
    header = ["id", *form_columns(), *lists]
    cells = [practice_id, *[record.get(c) for c in form_columns()], *["; ".join(record.get(n) or []) for n in lists]]
    problems: list[tables.Problem] = []
    tables.validate_sheet(tables.Sheet("form", TABLE, header, [(2, cells)]), TABLE, problems)
    found = [(p.column or "", rule_reason(p.reason)) for p in problems]
    bad = {f for f, _ in found}
    for column, ref_table, ref_column in rules[TABLE].foreign:
        value = record.get(column)
        if column not in bad and value is not None and not _exists(cur, ref_table, ref_column, value):
            found.append((column, t("submit.rule.unknown", value=str(value)[:60])))
    for name, (bridge, _, child) in lists.items():
        _, ref_table, ref_column = next(f for f in rules[bridge].foreign if f[0] == child)
        for value in record.get(name) or []:
            if not _exists(cur, ref_table, ref_column, value):
                found.append((name, t("submit.rule.unknown", value=str(value)[:60])))
    url = record.get("source_url")
    if url and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", url, flags=re.IGNORECASE):
        found.append(("source_url", t("submit.rule.http_only")))
    for name, limit in (("title", MAX_TITLE), ("summary", MAX_SUMMARY)):
        if len(record.get(name) or "") > limit:
            found.append((name, t("submit.rule.too_long", limit=limit, length=len(record[name]))))
    return found


def _exists(cur, table: str, column: str, value) -> bool:
    return cur.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = $v LIMIT 1', {"v": value}).fetchone() is not None


# ------------------------------------------------------------------------------------------ reading

@dataclass(frozen=True)
class Revision:
    revision: int
    state: str
    action: str
    record: dict
    proposed_evaluation: str | None
    comment: str | None
    saved_at: dt.datetime
    saved_by: str


@dataclass(frozen=True)
class Entry:
    practice_id: str
    member_id: str
    state: str
    revision: int  # the newest revision; 0 for a published practice never edited in the app
    record: dict
    proposed_evaluation: str | None
    history: tuple[Revision, ...] = field(default_factory=tuple)
    published: dict | None = None  # the catalogue's version, None when never published

    @property
    def can_undo(self) -> bool:
        return self.state == "draft" and len(_undo_stack(self.history)) >= 2

    @property
    def review_comment(self) -> Revision | None:
        """The newest return, when the entry is returned or its fix not yet submitted."""
        for rev in reversed(self.history):
            if rev.action == "return":
                return rev
            if rev.action in ("submit", "publish", "decline"):
                return None
        return None

    @property
    def last_review(self) -> Revision | None:
        return next((r for r in reversed(self.history) if r.action in ("publish", "return", "decline")), None)


def _undo_stack(history) -> list[dict]:
    """The records a draft can go back to, oldest first: every save since the draft began, minus undone ones."""
    stack: list[dict] = []
    for rev in history:
        if rev.action == "save":
            stack.append(rev.record)
        elif rev.action == "undo":
            stack.pop()
        else:
            stack = [rev.record]
    return stack


def published_record(cur, practice_id: str) -> dict | None:
    """The catalogue's version of a practice as a form record, or None when it is not in the catalogue."""
    columns = form_columns()
    row = cur.execute(f"SELECT {', '.join(columns)} FROM {TABLE} WHERE id = $id", {"id": practice_id}).fetchone()
    if row is None:
        return None
    record = dict(zip(columns, row))
    for name, (bridge, parent, child) in list_columns().items():
        record[name] = [r[0] for r in cur.execute(
            f'SELECT "{child}" FROM "{bridge}" WHERE "{parent}" = $id ORDER BY 1', {"id": practice_id}).fetchall()]
    return _tidy(record)


def _fetch(cur, practice_id: str) -> Entry | None:
    rows = cur.execute("SELECT revision, state, action, record, proposed_evaluation, comment, saved_at, saved_by, "
                       "member_id FROM practice_revisions WHERE practice_id = $id ORDER BY revision",
                       {"id": practice_id}).fetchall()
    published = published_record(cur, practice_id)
    if not rows:
        if published is None:
            return None
        return Entry(practice_id, published["lead_member_id"], "published", 0, published, None, (), published)
    history = tuple(Revision(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], r[7]) for r in rows)
    last = history[-1]
    return Entry(practice_id, rows[-1][8], last.state, last.revision, last.record, last.proposed_evaluation,
                 history, published)


def load(con: duckdb.DuckDBPyConnection, practice_id: str) -> Entry | None:
    """A practice entry with its history; None when neither a revision nor a catalogue row has that id."""
    cur = con.cursor()
    try:
        return _fetch(cur, practice_id)
    finally:
        cur.close()


def changes(before: dict | None, after: dict) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field that differs."""
    before = before or {}
    return [(k, before.get(k), after.get(k)) for k in after if before.get(k) != after.get(k)]


# ------------------------------------------------------------------------------------------ writing

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _transaction(con, work):
    return db.write_transaction(con, work, lock=_WRITE_LOCK)


def audit(cur, username: str, action: str, kind: str, object_id: str, detail: str | None, now: dt.datetime) -> None:
    """One row of the app's audit (app_audit), in the caller's transaction."""
    next_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM app_audit").fetchone()[0]
    cur.execute("INSERT INTO app_audit VALUES ($i, $at, $u, $a, $k, $o, $d)",
                {"i": next_id, "at": now, "u": username, "a": action, "k": kind, "o": object_id, "d": detail})


def _append(cur, entry_id: str, member_id: str, state: str, action: str, record: dict, proposed: str | None,
            comment: str | None, user: str, now: dt.datetime) -> int:
    revision = cur.execute("SELECT coalesce(max(revision), 0) + 1 FROM practice_revisions WHERE practice_id = $id",
                           {"id": entry_id}).fetchone()[0]
    cur.execute("INSERT INTO practice_revisions VALUES ($id, $r, $m, $s, $a, $rec, $p, $c, $at, $u)",
                {"id": entry_id, "r": revision, "m": member_id, "s": state, "a": action,
                 "rec": json.dumps(record, ensure_ascii=False, default=str), "p": proposed, "c": comment,
                 "at": now, "u": user})
    audit(cur, user, f"practice_{action}", "practice", entry_id, state, now)
    return revision


def _check_user(user, member_id: str, admin: bool = False) -> None:
    if user is None:
        raise SubmissionRefused("user", "not_signed_in")
    if admin and not user.is_admin:
        raise SubmissionRefused("user", "admin_only", username=user.username)
    if not auth.can_edit(user, member_id):
        raise SubmissionRefused("lead_member_id", "not_your_city", value=member_id, username=user.username)


def _check_base(entry: Entry | None, base_revision: int) -> None:
    """Refuse when the record changed since the caller's revision (a review decision alone changes no field)."""
    current = entry.revision if entry else 0
    if base_revision == current:
        return
    seen = base_record(entry, base_revision)
    changed = changes(seen, entry.record) if entry else []
    if changed or seen is None:
        last = next((r for r in reversed(entry.history) if r.action not in ("submit", "return", "decline")),
                    entry.history[-1]) if entry and entry.history else None
        raise EditConflict(changed, last.saved_by if last else "?", last.saved_at if last else _now())


def base_record(entry: Entry | None, base_revision: int) -> dict | None:
    """The record as it was at `base_revision` (0: the catalogue's version), None when unknown."""
    if entry is None:
        return None
    if base_revision == 0:
        return entry.published
    return next((r.record for r in entry.history if r.revision == base_revision), None)


def new_id(cur, title: str, member_id: str) -> str:
    """A readable, unused id: the city's id and the title's first words (e.g. aarhus-dk-parent-network)."""
    words = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode().lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", words)[:6]) or "practice"
    base = f"{member_id}-{slug}"[:60].rstrip("-")
    candidate, n = base, 1
    while cur.execute("SELECT 1 FROM activities WHERE id = $i UNION ALL SELECT 1 FROM practice_revisions "
                      "WHERE practice_id = $i LIMIT 1", {"i": candidate}).fetchone():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def save(con, user: auth.User | None, practice_id: str | None, record: dict, base_revision: int = 0, *,
         proposed_evaluation: str | None = None, submit: bool = False, now: dt.datetime | None = None) -> Entry:
    """Save a draft of a new practice (`practice_id` None) or of an existing one, optionally submitting it
    for review. The evidence label is the published one (or 'none'): the editor's choice is kept as a
    proposal only. Refused, writing nothing: SubmissionRefused (who, state, concurrent save),
    SubmissionInvalid (the table rules)."""
    now = now or _now()
    if proposed_evaluation is not None and proposed_evaluation not in EVALUATIONS:
        raise SubmissionRefused("evaluation", "unknown_evaluation", value=str(proposed_evaluation)[:40])

    def work(cur) -> Entry:
        entry = _fetch(cur, practice_id) if practice_id else None
        if practice_id and entry is None:
            raise SubmissionRefused("id", "unknown_entry", value=str(practice_id)[:80])
        tidy = _tidy(record)
        member_id = entry.member_id if entry else tidy.get("lead_member_id")
        if not isinstance(member_id, str) or not _exists(cur, "members", "id", member_id):
            raise SubmissionRefused("lead_member_id", "unknown_city", value=str(member_id)[:60])
        _check_user(user, member_id)
        tidy["lead_member_id"] = member_id  # an entry stays with its city
        _check_base(entry, base_revision)
        if entry and entry.state == "submitted":
            raise SubmissionRefused("entry", "under_review")
        tidy["evaluation"] = (entry.published or {}).get("evaluation") if entry and entry.published else "none"
        entry_id = practice_id or new_id(cur, tidy.get("title") or "", member_id)
        problems = table_rule_problems(cur, entry_id, tidy)
        if problems:
            raise SubmissionInvalid(problems)
        if entry and entry.revision == 0:  # first edit of a catalogue practice: keep what was published
            _append(cur, entry_id, member_id, "published", "baseline", entry.published, None, None, "catalogue", now)
        proposed = proposed_evaluation or (entry.proposed_evaluation if entry else None)
        if entry is None or tidy != entry.record or proposed != entry.proposed_evaluation or entry.state != "draft":
            _append(cur, entry_id, member_id, "draft", "create" if entry is None else "save", tidy, proposed, None,
                    user.username, now)
        if submit:
            _append(cur, entry_id, member_id, "submitted", "submit", tidy, proposed, None, user.username, now)
        return _fetch(cur, entry_id)

    return _transaction(con, work)


def _existing(cur, user, practice_id: str, base_revision: int, admin: bool = False) -> Entry:
    """The entry a decision is about, after checking who acts and that nobody changed it since `base_revision`."""
    entry = _fetch(cur, practice_id)
    if entry is None:
        raise SubmissionRefused("id", "unknown_entry", value=str(practice_id)[:80])
    _check_user(user, entry.member_id, admin=admin)
    _check_base(entry, base_revision)
    return entry


def submit(con, user, practice_id: str, base_revision: int, now: dt.datetime | None = None) -> Entry:
    """Send a draft (or a returned entry) for review as it stands."""
    now = now or _now()

    def work(cur) -> Entry:
        entry = _existing(cur, user, practice_id, base_revision)
        if entry.state not in ("draft", "returned"):
            raise SubmissionRefused("entry", "cannot_submit", state=t(f"submit.state.{entry.state}"))
        problems = table_rule_problems(cur, practice_id, entry.record)
        if problems:
            raise SubmissionInvalid(problems)
        _append(cur, practice_id, entry.member_id, "submitted", "submit", entry.record, entry.proposed_evaluation,
                None, user.username, now)
        return _fetch(cur, practice_id)

    return _transaction(con, work)


def undo(con, user, practice_id: str, base_revision: int, now: dt.datetime | None = None) -> Entry:
    """Take back the newest change of a draft: its earlier record becomes a new revision (kept like any)."""
    now = now or _now()

    def work(cur) -> Entry:
        entry = _existing(cur, user, practice_id, base_revision)
        if not entry.can_undo:
            raise SubmissionRefused("entry", "nothing_to_undo")
        _append(cur, practice_id, entry.member_id, "draft", "undo", _undo_stack(entry.history)[-2],
                entry.proposed_evaluation, None, user.username, now)
        return _fetch(cur, practice_id)

    return _transaction(con, work)


def review(con, user, practice_id: str, base_revision: int, decision: str, *, comment: str | None = None,
           evaluation: str | None = None, now: dt.datetime | None = None) -> Entry:
    """An admin's decision on a submitted entry: 'return' (a comment is needed), 'decline', or 'publish' with
    the evidence label (`evaluation`), which copies the version into the catalogue's tables."""
    now = now or _now()
    if decision not in DECISIONS:
        raise SubmissionRefused("decision", "unknown_decision", value=str(decision)[:40])
    comment = (comment or "").replace("\x00", "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise SubmissionRefused("comment", "comment_too_long", limit=MAX_COMMENT, length=len(comment))
    if decision == "return" and not comment:
        raise SubmissionRefused("comment", "comment_needed")
    if decision == "publish" and evaluation not in EVALUATIONS:
        raise SubmissionRefused("evaluation", "unknown_evaluation", value=str(evaluation)[:40])

    def work(cur) -> Entry:
        entry = _existing(cur, user, practice_id, base_revision, admin=True)
        if entry.state != "submitted":
            raise SubmissionRefused("entry", "not_submitted", state=t(f"submit.state.{entry.state}"))
        record = dict(entry.record)
        if decision == "publish":
            record["evaluation"] = evaluation
            problems = table_rule_problems(cur, practice_id, record)
            if problems:
                raise SubmissionInvalid(problems)
            _publish(cur, practice_id, record, entry.published, now)
        state = {"return": "returned", "publish": "published", "decline": "declined"}[decision]
        _append(cur, practice_id, entry.member_id, state, decision, record, entry.proposed_evaluation, comment,
                user.username, now)
        return _fetch(cur, practice_id)

    return _transaction(con, work)


def _publish(cur, practice_id: str, record: dict, published: dict | None, now: dt.datetime) -> None:
    """Copy a version into the catalogue: the activities row (only changed columns: DuckDB refuses to set an
    indexed column of a row other rows refer to), then its lists (deletes after the update, as the import)."""
    columns = form_columns()
    if published is None:
        names = ["id", *columns, "last_updated", "provenance"]
        values = {"id": practice_id, **{c: record.get(c) for c in columns}, "last_updated": now.date(),
                  "provenance": "documented"}
        cur.execute(f"INSERT INTO {TABLE} ({', '.join(names)}) VALUES ({', '.join('$' + n for n in names)})", values)
    else:
        changed = [c for c in columns if record.get(c) != published.get(c) and c != "lead_member_id"]
        sets = ", ".join(f'"{c}" = ${c}' for c in changed + ["last_updated"])
        cur.execute(f'UPDATE {TABLE} SET {sets} WHERE id = $id',
                    {"id": practice_id, "last_updated": now.date(), **{c: record.get(c) for c in changed}})
    for name, (bridge, parent, child) in list_columns().items():
        had = set((published or {}).get(name) or [])
        wanted = set(record.get(name) or [])
        for value in sorted(had - wanted):
            cur.execute(f'DELETE FROM "{bridge}" WHERE "{parent}" = $p AND "{child}" = $c', {"p": practice_id, "c": value})
        for value in sorted(wanted - had):
            cur.execute(f'INSERT INTO "{bridge}" ("{parent}", "{child}") VALUES ($p, $c)', {"p": practice_id, "c": value})
    db.refresh_search(cur)  # the catalogue search's folded texts (queries/ddl/99_practice_search.sql)

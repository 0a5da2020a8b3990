"""The single writer of self-assessments: every save, submission and validation goes through here.

Each call is one transaction on its own cursor: it checks everything first (who, which city, which round,
which dimensions, levels, evidence) and refuses bad input with `AssessmentRefused`, naming the field and the
reason, having written nothing. A save merges the given answers into the stored ones, so two editors saving
different dimensions at the same moment both keep their work, and appends the complete result as a new
version to `assessment_versions`: nothing is overwritten without trace.

The write statements live here, next to their transaction, rather than in queries/ where read-only tools
list the named queries.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from alliance import auth, db
from alliance.i18n import is_plural, t, tn

MIN_LEVEL, MAX_LEVEL = 0, 5
MAX_EVIDENCE = 4000
# An unsaved edit keeps pasted evidence up to this length, so that an editor can shorten it to MAX_EVIDENCE.
MAX_KEPT_EVIDENCE = 100_000
STATUSES = ("draft", "submitted", "validated")
# Serialises writers of this process; DuckDB conflicts from elsewhere are retried.
_WRITE_LOCK = threading.Lock()
_RETRIES = 5


class AssessmentRefused(ValueError):
    """A write was refused before anything was written. `field` names the input, `reason` is a key of the
    assess.refused catalogue; the message is the translated sentence."""

    def __init__(self, field: str, reason: str, **values):
        self.field, self.reason, self.values = field, reason, values
        key = f"assess.refused.{reason}"
        super().__init__(tn(key, values.pop("count"), field=field, **values) if is_plural(key) else
                         t(key, field=field, **values))


@dataclass(frozen=True)
class Answer:
    """One dimension's answer: a level 0-5, or not applicable, with optional evidence (text and links)."""
    level: int | None = None
    not_applicable: bool = False
    evidence: str | None = None

    @property
    def answered(self) -> bool:
        return self.level is not None or self.not_applicable

    def as_json(self, dimension_id: int) -> dict:
        return {"dimension_id": dimension_id, "level": self.level, "not_applicable": self.not_applicable,
                "evidence": self.evidence}


@dataclass(frozen=True)
class Assessment:
    id: int
    member_id: str
    round_year: int
    status: str
    provenance: str
    assessed_on: dt.date
    submitted_by: str | None
    answers: dict[int, Answer]
    version: int

    @property
    def editable_by_editors(self) -> bool:
        """Editors may change a draft or a submitted round until an admin validates it. Invented
        demonstration scores are never a city's answers: a first save replaces them."""
        return self.provenance == "invented" or self.status != "validated"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def answered_count(answers: Mapping[int, Answer], dimension_ids) -> int:
    return sum(1 for d in dimension_ids if d in answers and answers[d].answered)


def merge_answers(stored: dict, given: dict) -> dict:
    """`stored` answers with `given` laid over them: an answer with a level, "not applicable" or evidence
    replaces the stored one; an empty answer removes it."""
    merged = dict(stored)
    for dimension_id, answer in given.items():
        if answer.answered or answer.evidence:
            merged[dimension_id] = answer
        else:
            merged.pop(dimension_id, None)
    return merged


def missing_dimensions(answers: Mapping[int, Answer], dimension_ids) -> list[int]:
    return [d for d in dimension_ids if d not in answers or not answers[d].answered]


# ---------------------------------------------------------------------------------------------- reading

def _fetch(cur, member_id: str, round_year: int) -> Assessment | None:
    row = cur.execute(
        "SELECT id, status, provenance, assessed_on, submitted_by FROM assessments "
        "WHERE member_id = $m AND round_year = $r", {"m": member_id, "r": round_year}).fetchone()
    if row is None:
        return None
    answers = {d: Answer(level, bool(na), evidence) for d, level, na, evidence in cur.execute(
        "SELECT dimension_id, level, not_applicable, evidence FROM assessment_scores WHERE assessment_id = $a",
        {"a": row[0]}).fetchall()}
    version = cur.execute("SELECT coalesce(max(version), 0) FROM assessment_versions WHERE assessment_id = $a",
                          {"a": row[0]}).fetchone()[0]
    return Assessment(row[0], member_id, round_year, row[1], row[2], row[3], row[4], answers, version)


def under_review(cur, assessment_id: int) -> bool:
    """Whether a review of the round is open (alliance.round_review): its answers are then closed to edits."""
    return cur.execute("SELECT 1 FROM round_reviews WHERE assessment_id = $a AND state IN ('assigned', 'reviewed', "
                       "'answered')", {"a": assessment_id}).fetchone() is not None


def load(con: duckdb.DuckDBPyConnection, member_id: str, round_year: int) -> Assessment | None:
    """The stored assessment of a member for a round, with its answers; None when there is none yet."""
    cur = con.cursor()
    try:
        return _fetch(cur, member_id, round_year)
    finally:
        cur.close()


def versions(con: duckdb.DuckDBPyConnection, member_id: str, round_year: int) -> list[dict]:
    """Every saved version of the member's round, oldest first, answers decoded."""
    cur = con.cursor()
    try:
        rows = cur.execute(
            "SELECT v.version, v.saved_at, v.saved_by, v.action, v.status, v.provenance, v.scores "
            "FROM assessment_versions v JOIN assessments a ON a.id = v.assessment_id "
            "WHERE a.member_id = $m AND a.round_year = $r ORDER BY v.version", {"m": member_id, "r": round_year}
        ).fetchall()
    finally:
        cur.close()
    keys = ("version", "saved_at", "saved_by", "action", "status", "provenance", "scores")
    return [dict(zip(keys, r)) | {"scores": json.loads(r[6])} for r in rows]


# ---------------------------------------------------------------------------------------------- checking

def _check_level(dimension_id: int, level) -> None:
    # bool is an int in Python; True must not pass for level 1
    if isinstance(level, bool) or not isinstance(level, int):
        raise AssessmentRefused(f"level[{dimension_id}]", "level_not_integer", value=repr(level)[:40])
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise AssessmentRefused(f"level[{dimension_id}]", "level_range", value=level, low=MIN_LEVEL, high=MAX_LEVEL)


def check_answers(answers: Mapping, dimension_ids: set[int], max_evidence: int = MAX_EVIDENCE) -> dict[int, Answer]:
    """Refuse unknown dimensions, levels outside 0-5, a level together with "not applicable", and evidence
    that is not text or longer than `max_evidence` characters. Returns the answers with tidied evidence."""
    if not isinstance(answers, Mapping):
        raise AssessmentRefused("answers", "answers_not_mapping")
    tidy = {}
    for key, answer in answers.items():
        if isinstance(key, bool) or not isinstance(key, int) or key not in dimension_ids:
            raise AssessmentRefused(f"dimension[{str(key)[:40]}]", "unknown_dimension")
        if not isinstance(answer, Answer):
            raise AssessmentRefused(f"dimension[{key}]", "answer_type")
        if answer.level is not None:
            _check_level(key, answer.level)
        if answer.not_applicable and answer.level is not None:
            raise AssessmentRefused(f"level[{key}]", "level_and_not_applicable")
        evidence = answer.evidence
        if evidence is not None:
            if not isinstance(evidence, str):
                raise AssessmentRefused(f"evidence[{key}]", "evidence_not_text")
            evidence = evidence.strip().replace("\x00", "") or None
            if evidence is not None and len(evidence) > max_evidence:
                raise AssessmentRefused(f"evidence[{key}]", "evidence_too_long", length=len(evidence),
                                        limit=max_evidence)
        tidy[key] = Answer(answer.level, bool(answer.not_applicable), evidence)
    return tidy


def _check_target(cur, user: auth.User | None, member_id, round_year) -> set[int]:
    """Who writes for which member and round; returns the known dimension ids."""
    if user is None:
        raise AssessmentRefused("user", "not_signed_in")
    if not isinstance(member_id, str) or not cur.execute("SELECT 1 FROM members WHERE id = $m",
                                                         {"m": member_id}).fetchone():
        raise AssessmentRefused("city", "unknown_city", value=str(member_id)[:60])
    if not auth.can_edit(user, member_id):
        raise AssessmentRefused("city", "not_your_city", value=member_id, username=user.username)
    if isinstance(round_year, bool) or not isinstance(round_year, int) or not cur.execute(
            "SELECT 1 FROM rounds WHERE year = $y", {"y": round_year}).fetchone():
        raise AssessmentRefused("round", "unknown_round", value=str(round_year)[:20])
    return {r[0] for r in cur.execute("SELECT id FROM dimensions").fetchall()}


# ---------------------------------------------------------------------------------------------- writing

def _transaction(con: duckdb.DuckDBPyConnection, work):
    return db.write_transaction(con, work, lock=_WRITE_LOCK, retries=_RETRIES)


def _append_version(cur, assessment_id: int, user: str, action: str, status: str, provenance: str,
                    answers: Mapping[int, Answer], now: dt.datetime) -> int:
    version = cur.execute("SELECT coalesce(max(version), 0) + 1 FROM assessment_versions "
                          "WHERE assessment_id = $a", {"a": assessment_id}).fetchone()[0]
    scores = json.dumps([answers[d].as_json(d) for d in sorted(answers)], ensure_ascii=False)
    cur.execute("INSERT INTO assessment_versions VALUES ($a, $v, $t, $u, $action, $s, $p, $j)",
                {"a": assessment_id, "v": version, "t": now, "u": user, "action": action, "s": status,
                 "p": provenance, "j": scores})
    return version


# alliance.round_review validates a reviewed round in its own transaction and keeps the same history
append_version = _append_version


def _check_complete(answers: Mapping[int, Answer], dimension_ids: set[int]) -> None:
    missing = missing_dimensions(answers, sorted(dimension_ids))
    if missing:
        raise AssessmentRefused("answers", "incomplete", count=len(missing),
                                dimensions=", ".join(str(d) for d in missing))
    if all(answers[d].not_applicable for d in dimension_ids):
        raise AssessmentRefused("answers", "all_not_applicable")


def save(con: duckdb.DuckDBPyConnection, user: auth.User | None, member_id: str, round_year: int,
         answers: Mapping[int, Answer], *, submit: bool = False, now: dt.datetime | None = None) -> Assessment:
    """Save answers for a member's round (a draft), or submit the round with `submit=True`.

    `answers` maps dimension ids to Answer; dimensions not in it keep their stored answer, an Answer with
    neither level nor "not applicable" nor evidence clears that dimension. A submitted round stays submitted
    when saved again (and must stay complete); a validated one is closed to editors. Submission needs every
    dimension answered. Writes provenance 'reported'; invented demonstration scores in the round are
    replaced as a whole (kept in the history as their own version)."""
    now = now or _now()

    def work(cur) -> Assessment:
        dimension_ids = _check_target(cur, user, member_id, round_year)
        given = check_answers(answers, dimension_ids)
        current = _fetch(cur, member_id, round_year)
        if current is not None and not current.editable_by_editors and not user.is_admin:
            raise AssessmentRefused("round", "validated_closed", value=round_year)
        if current is not None and under_review(cur, current.id):  # the reviewer reads the answers as they are
            raise AssessmentRefused("round", "under_review", value=round_year)
        if current is None:
            assessment_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM assessments").fetchone()[0]
            cur.execute("INSERT INTO assessments (id, member_id, round_year, status, assessed_on, submitted_by, "
                        "provenance) VALUES ($a, $m, $r, 'draft', $d, $u, 'reported')",
                        {"a": assessment_id, "m": member_id, "r": round_year, "d": now.date(), "u": user.username})
            stored, status = {}, "draft"
        elif current.provenance == "invented":
            assessment_id = current.id
            _append_version(cur, assessment_id, current.submitted_by or "demo-generator", "replace_invented",
                            current.status, "invented", current.answers, now)
            cur.execute("DELETE FROM assessment_scores WHERE assessment_id = $a", {"a": assessment_id})
            stored, status = {}, "draft"
        else:
            assessment_id, stored, status = current.id, dict(current.answers), current.status

        merged = merge_answers(stored, given)
        if submit or status == "submitted" or (status == "validated" and user.is_admin):
            _check_complete(merged, dimension_ids)
        new_status = "submitted" if submit and status == "draft" else status

        for dimension_id in given:
            if dimension_id in merged:
                answer = merged[dimension_id]
                cur.execute("INSERT INTO assessment_scores (assessment_id, dimension_id, level, not_applicable, "
                            "evidence) VALUES ($a, $d, $l, $n, $e) ON CONFLICT (assessment_id, dimension_id) DO UPDATE SET level = excluded.level, "
                            "not_applicable = excluded.not_applicable, evidence = excluded.evidence",
                            {"a": assessment_id, "d": dimension_id, "l": answer.level,
                             "n": answer.not_applicable, "e": answer.evidence})
            else:
                cur.execute("DELETE FROM assessment_scores WHERE assessment_id = $a AND dimension_id = $d",
                            {"a": assessment_id, "d": dimension_id})
        cur.execute("UPDATE assessments SET status = $s, assessed_on = $d, submitted_by = $u, provenance = 'reported' "
                    "WHERE id = $a", {"s": new_status, "d": now.date(), "u": user.username, "a": assessment_id})
        _append_version(cur, assessment_id, user.username, "submit" if submit else "save", new_status,
                        "reported", merged, now)
        # what this user had kept unsaved for these dimensions is saved now
        cur.execute("DELETE FROM assessment_edits WHERE username = $u AND member_id = $m AND round_year = $r "
                    "AND list_contains($d, dimension_id)",
                    {"u": user.username, "m": member_id, "r": round_year, "d": sorted(given)})
        return _fetch(cur, member_id, round_year)

    return _transaction(con, work)


def _set_status(con, user: auth.User | None, member_id: str, round_year: int, action: str, from_status: str,
                to_status: str, now: dt.datetime | None) -> Assessment:
    now = now or _now()

    def work(cur) -> Assessment:
        _check_target(cur, user, member_id, round_year)
        if not user.is_admin:
            raise AssessmentRefused("user", "admin_only", username=user.username)
        current = _fetch(cur, member_id, round_year)
        if current is None or current.provenance != "reported" or current.status != from_status:
            raise AssessmentRefused("round", f"cannot_{action}", value=round_year,
                                    status=t(f"assess.status.{current.status}") if current else "–")
        cur.execute("UPDATE assessments SET status = $s WHERE id = $a", {"s": to_status, "a": current.id})
        _append_version(cur, current.id, user.username, action, to_status, "reported", current.answers, now)
        return _fetch(cur, member_id, round_year)

    return _transaction(con, work)


def mark_validated(con, user: auth.User | None, member_id: str, round_year: int,
                   now: dt.datetime | None = None) -> Assessment:
    """An admin validates a submitted round: editors can no longer change it."""
    return _set_status(con, user, member_id, round_year, "validate", "submitted", "validated", now)


def reopen(con, user: auth.User | None, member_id: str, round_year: int,
           now: dt.datetime | None = None) -> Assessment:
    """An admin reopens a validated round: it becomes submitted again and its editors may change it."""
    return _set_status(con, user, member_id, round_year, "reopen", "validated", "submitted", now)


# ------------------------------------------------------------------------------------- unsaved edits (autosave)

def _same(a: Answer | None, b: Answer | None) -> bool:
    def key(x):
        return (None, False, None) if x is None else (x.level, bool(x.not_applicable), x.evidence or None)
    return key(a) == key(b)


def keep_edit(con: duckdb.DuckDBPyConnection, user: auth.User | None, member_id: str, round_year: int,
              dimension_id: int, answer: Answer | None, *, now: dt.datetime | None = None) -> bool:
    """Keep one dimension's unsaved answer of `user` as it changes (autosave), so that it survives leaving
    the page, a reload or an ended sign-in. An answer equal to the stored one (or None) drops the kept edit.
    Checked like a save, except that evidence may run to MAX_KEPT_EVIDENCE characters: an over-long paste is
    kept for the editor to shorten, and refused only when saved. Returns whether an edit is kept."""
    now = now or _now()

    def work(cur) -> bool:
        dimension_ids = _check_target(cur, user, member_id, round_year)
        current = _fetch(cur, member_id, round_year)
        if current is not None and not current.editable_by_editors and not user.is_admin:
            raise AssessmentRefused("round", "validated_closed", value=round_year)
        where = {"u": user.username, "m": member_id, "r": round_year, "d": dimension_id}
        tidy = None
        if answer is not None:
            tidy = check_answers({dimension_id: answer}, dimension_ids, MAX_KEPT_EVIDENCE)[dimension_id]
        stored = current.answers.get(dimension_id) if current and current.provenance == "reported" else None
        if tidy is None or _same(tidy, stored):
            cur.execute("DELETE FROM assessment_edits WHERE username = $u AND member_id = $m AND round_year = $r "
                        "AND dimension_id = $d", where)
            return False
        cur.execute("INSERT INTO assessment_edits VALUES ($u, $m, $r, $d, $l, $n, $e, $t) "
                    "ON CONFLICT (username, member_id, round_year, dimension_id) DO UPDATE "
                    "SET level = excluded.level, not_applicable = excluded.not_applicable, "
                    "evidence = excluded.evidence, edited_at = excluded.edited_at",
                    where | {"l": tidy.level, "n": tidy.not_applicable, "e": tidy.evidence, "t": now})
        return True

    return _transaction(con, work)


def unsaved_edits(con: duckdb.DuckDBPyConnection, username: str, member_id: str,
                  round_year: int) -> tuple[dict[int, Answer], dt.datetime | None]:
    """The answers `username` changed and has not saved for a member's round, and when the last was kept."""
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT dimension_id, level, not_applicable, evidence, edited_at FROM assessment_edits "
                           "WHERE username = $u AND member_id = $m AND round_year = $r",
                           {"u": username, "m": member_id, "r": round_year}).fetchall()
    finally:
        cur.close()
    edits = {d: Answer(level, bool(na), evidence) for d, level, na, evidence, _ in rows}
    return edits, max((r[4] for r in rows), default=None)


def discard_edits(con: duckdb.DuckDBPyConnection, user: auth.User | None, member_id: str, round_year: int) -> None:
    """Drop the unsaved answers `user` kept for a member's round."""
    def work(cur) -> None:
        if user is None:
            raise AssessmentRefused("user", "not_signed_in")
        cur.execute("DELETE FROM assessment_edits WHERE username = $u AND member_id = $m AND round_year = $r",
                    {"u": user.username, "m": member_id, "r": round_year})

    _transaction(con, work)

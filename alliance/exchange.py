"""Offers and needs (issue 15): the single writer of offers, needs and exchange requests, the need proposed from
a city's weakest dimensions, and the matching of a need to offers and to strong peers. No Streamlit here.

- Offers and needs are checked by the import's table rules (alliance.tables: types, required values, CHECK
  constraints), plus known ids for every reference and list; then written in one transaction through
  alliance.db.write_transaction, with an app_audit row (alliance.submissions.audit).
- Editors act for their own cities only (auth.can_edit); admins for every city.
- Every record carries a version: a save or a step based on an older version is refused with `EditConflict`,
  which lists what changed, who changed it and when. Nothing is written then; the caller keeps its input.
- A request moves proposed -> accepted -> done, or to declined from proposed or accepted; each step keeps who
  and when. The offering city accepts; either city may decline or mark it done.
- The offering city's contact person is personal data (exchange_contacts, private in data/dictionary.csv):
  `contact_for` gives it to signed-in editors and admins only; withdrawing the offer deletes it.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import threading
import unicodedata
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from alliance import auth, db, scoring, tables
from alliance.i18n import t, tn
from alliance.submissions import audit

KINDS = ("study_visit", "mentoring", "training", "materials", "speaking")
REQUEST_STATES = ("proposed", "accepted", "done", "declined")
# request state -> the states it may move to
TRANSITIONS = {"proposed": ("accepted", "declined"), "accepted": ("done", "declined"), "done": (), "declined": ()}
OPEN_REQUEST_STATES = ("proposed", "accepted")
MAX_TITLE = 200
MAX_TEXT = 1500
NEED_PROPOSALS = 3  # weakest dimensions proposed for a need
STRONG_LEVEL = scoring.LEARN_FROM_MIN_LEVEL  # 4: "peers at level 4 or more"
OFFER_FIELDS = ("kind", "title", "summary", "languages", "available_from", "available_to", "dimensions",
                "approaches")
NEED_FIELDS = ("summary", "dimensions", "from_assessment", "round_year")
CONTACT_FIELDS = ("name", "role", "email")
_WRITE_LOCK = threading.Lock()
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ExchangeRefused(ValueError):
    """A write refused before anything was written: `field` names the input, `reason` a key of the
    exchange.refused catalogue; the message is the translated sentence."""

    def __init__(self, field: str, reason: str, **values):
        self.field, self.reason, self.values = field, reason, values
        super().__init__(t(f"exchange.refused.{reason}", field=field, **values))


class ExchangeInvalid(ValueError):
    """The record breaks the table rules: `problems` are (field, translated reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {r}" for f, r in problems))


class EditConflict(ExchangeRefused):
    """Someone saved the record since the caller read it: `changes` lists (field, now), `by` and `at` say who and
    when. Nothing was written."""

    def __init__(self, changes: list[tuple[str, object]], by: str, at: dt.datetime | None):
        self.changes, self.by, self.at = changes, by, at
        ValueError.__init__(self, tn("exchange.refused.conflict", len(changes), username=by))
        self.field, self.reason, self.values = "record", "conflict", {"username": by}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _transaction(con, work):
    return db.write_transaction(con, work, lock=_WRITE_LOCK)


def _check_user(user, member_id: str) -> None:
    if user is None:
        raise ExchangeRefused("user", "not_signed_in")
    if not auth.can_edit(user, member_id):
        raise ExchangeRefused("member_id", "not_your_city", value=member_id, username=user.username)


def _exists(cur, table: str, column: str, value) -> bool:
    return cur.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = $v LIMIT 1', {"v": value}).fetchone() is not None


def new_id(cur, table: str, member_id: str, text: str, fallback: str) -> str:
    """A readable, unused id: the city's id and the text's first words (e.g. aarhus-dk-study-visit-youth)."""
    words = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", words)[:5]) or fallback
    base = f"{member_id}-{slug}"[:60].rstrip("-")
    candidate, n = base, 1
    while _exists(cur, table, "id", candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# ------------------------------------------------------------------------------------------ the rules

_RULES = [  # the table rules' English reasons -> exchange.rule keys, so a form speaks the reader's language
    (re.compile(r"required value is empty|must not be blank"), "required"),
    (re.compile(r"must be a whole number"), "whole_number"),
    (re.compile(r"must be a date"), "date"),
    (re.compile(r"must be one of: (?P<values>.*)"), "one_of"),
]


def _reason(text: str) -> str:
    for pattern, key in _RULES:
        if m := pattern.search(text):
            return t(f"exchange.rule.{key}", **m.groupdict())
    if "available_to" in text and "available_from" in text:
        return t("exchange.rule.period")
    if "length(" in text:
        return t("exchange.rule.too_long", limit=MAX_TEXT)
    return text


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def _sheet_problems(table: str, record: dict) -> list[tuple[str, str]]:
    """What the import's table rules (alliance.tables) say of one row of `table`, as (field, reason)."""
    rule = tables.catalogue()[table]
    header = [c.name for c in rule.columns]
    cells = []
    for name in header:
        value = record.get(name)
        if isinstance(value, (list, tuple)):
            value = "; ".join(map(str, value))
        elif isinstance(value, bool):
            value = "true" if value else "false"
        cells.append(value)
    problems: list[tables.Problem] = []
    tables.validate_sheet(tables.Sheet("form", table, header, [(2, cells)]), table, problems)
    return [(p.column or "", _reason(p.reason)) for p in problems]


def _list_problems(cur, name: str, values, ref_table: str, ref_column: str) -> list[tuple[str, str]]:
    return [(name, t("exchange.rule.unknown", value=str(v)[:60])) for v in values
            if not _exists(cur, ref_table, ref_column, v)]


def tidy_offer(record: dict) -> dict:
    """An offer as stored: known fields, text stripped, lists sorted and unique, dates as dates."""
    out = {"kind": _text(record.get("kind")), "title": _text(record.get("title")),
           "summary": _text(record.get("summary"))}
    out["languages"] = sorted({str(v).strip().lower() for v in record.get("languages") or [] if str(v).strip()})
    for name in ("available_from", "available_to"):
        value = record.get(name)
        out[name] = value.date() if isinstance(value, dt.datetime) else (value or None)
    out["dimensions"] = sorted({int(v) for v in record.get("dimensions") or []})
    out["approaches"] = sorted({str(v) for v in record.get("approaches") or []})
    return out


def tidy_contact(contact: dict | None) -> dict | None:
    if not contact:
        return None
    out = {k: _text(contact.get(k)) for k in CONTACT_FIELDS}
    return out if any(out.values()) else None


def offer_problems(cur, offer_id: str, member_id: str, offer: dict, contact: dict | None) -> list[tuple[str, str]]:
    row = {"id": offer_id, "member_id": member_id, **offer, "state": "published", "provenance": "documented",
           "updated_on": dt.date.today(), "version": 1}
    found = _sheet_problems("offers", row)
    if not offer["languages"]:
        found.append(("languages", t("exchange.rule.required")))
    if not offer["dimensions"]:
        found.append(("dimensions", t("exchange.rule.pick_one")))
    found += _list_problems(cur, "dimensions", offer["dimensions"], "dimensions", "id")
    found += _list_problems(cur, "approaches", offer["approaches"], "approaches", "id")
    found += [("languages", t("exchange.rule.language", value=v[:20])) for v in offer["languages"]
              if not re.fullmatch(r"[a-z]{2}", v)]
    if offer["title"] and len(offer["title"]) > MAX_TITLE:
        found.append(("title", t("exchange.rule.too_long", limit=MAX_TITLE)))
    if offer["summary"] and len(offer["summary"]) > MAX_TEXT:
        found.append(("summary", t("exchange.rule.too_long", limit=MAX_TEXT)))
    if contact is None:
        found.append(("contact", t("exchange.rule.contact_needed")))
    else:
        if not contact["name"]:
            found.append(("contact_name", t("exchange.rule.required")))
        if not contact["email"] or not _EMAIL.fullmatch(contact["email"]):
            found.append(("contact_email", t("exchange.rule.email")))
        for name in CONTACT_FIELDS:
            if contact[name] and len(contact[name]) > 120 + 80 * (name == "email"):
                found.append((f"contact_{name}", t("exchange.rule.too_long", limit=120 + 80 * (name == "email"))))
    return found


# ------------------------------------------------------------------------------------------ reading

def _one(cur, sql: str, params: dict) -> dict | None:
    rel = cur.execute(sql, params)
    row = rel.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in rel.description], row))


def load_offer(cur, offer_id: str) -> dict | None:
    """An offer as a record (with its lists), or None."""
    row = _one(cur, "SELECT * FROM offers WHERE id = $id", {"id": offer_id})
    if row is None:
        return None
    row["languages"] = sorted(row["languages"] or [])
    row["dimensions"] = [r[0] for r in cur.execute(
        "SELECT dimension_id FROM offer_dimensions WHERE offer_id = $id ORDER BY 1", {"id": offer_id}).fetchall()]
    row["approaches"] = [r[0] for r in cur.execute(
        "SELECT approach_id FROM offer_approaches WHERE offer_id = $id ORDER BY 1", {"id": offer_id}).fetchall()]
    return row


def load_need(cur, need_id: str) -> dict | None:
    row = _one(cur, "SELECT * FROM needs WHERE id = $id", {"id": need_id})
    if row is None:
        return None
    row["dimensions"] = [r[0] for r in cur.execute(
        "SELECT dimension_id FROM need_dimensions WHERE need_id = $id ORDER BY 1", {"id": need_id}).fetchall()]
    return row


def load_request(cur, request_id: int) -> dict | None:
    return _one(cur, "SELECT * FROM exchange_requests WHERE id = $id", {"id": int(request_id)})


def _read(con, reader, key):
    cur = con.cursor()
    try:
        return reader(cur, key)
    finally:
        cur.close()


def offer(con, offer_id: str) -> dict | None:
    return _read(con, load_offer, offer_id)


def need(con, need_id: str) -> dict | None:
    return _read(con, load_need, need_id)


def request(con, request_id: int) -> dict | None:
    return _read(con, load_request, request_id)


def can_see_contacts(user: auth.User | None) -> bool:
    """Contact persons are for signed-in editors and admins only."""
    return user is not None and user.role in ("editor", "admin")


def contact_for(con, user: auth.User | None, offer_id: str) -> dict | None:
    """The offer's contact person (name, role, email) for a signed-in editor or admin; None for anyone else
    or when the offer has none."""
    if not can_see_contacts(user):
        return None
    cur = con.cursor()
    try:
        return _one(cur, "SELECT name, role, email FROM exchange_contacts WHERE offer_id = $id", {"id": offer_id})
    finally:
        cur.close()


def contacts_for(con, user: auth.User | None) -> dict[str, dict]:
    """Every published offer's contact person (offer id -> name, role, email) for a signed-in editor or admin,
    in one query; empty for anyone else."""
    if not can_see_contacts(user):
        return {}
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT c.offer_id, c.name, c.role, c.email FROM exchange_contacts c JOIN offers o ON "
                           "o.id = c.offer_id WHERE o.state = 'published'").fetchall()
    finally:
        cur.close()
    return {r[0]: {"name": r[1], "role": r[2], "email": r[3]} for r in rows}


def _last_change(cur, kind: str, object_id: str) -> tuple[str, dt.datetime | None]:
    row = cur.execute("SELECT username, done_at FROM app_audit WHERE object_kind = $k AND object_id = $o "
                      "ORDER BY id DESC LIMIT 1", {"k": kind, "o": str(object_id)}).fetchone()
    return (row[0], row[1]) if row else ("?", None)


def _check_version(cur, kind: str, object_id: str, current: dict, base_version: int, fields, before: dict | None):
    """Refuse a write based on an older version: the fields that differ from what the caller saw (`before`,
    when it gives it) are listed with their value now."""
    if int(current["version"]) == int(base_version):
        return
    changed = [(f, current.get(f)) for f in fields if before is None or before.get(f) != current.get(f)]
    by, at = _last_change(cur, kind, object_id)
    raise EditConflict(changed, by, at)


# kind -> (loader, refusal for an unknown id, the state in which it may change, refusal once it left that state)
_CHANGEABLE = {"offer": (load_offer, "unknown_offer", "published", "withdrawn"),
               "need": (load_need, "unknown_need", "open", "closed")}


def _changeable(cur, user, kind: str, record_id: str, base_version: int, fields, seen: dict | None) -> dict:
    """The offer or need a change is about, after the refusals every change shares: an unknown id, another
    city's record, a save based on an older version (naming what changed), a record no longer open."""
    load, unknown, live, gone = _CHANGEABLE[kind]
    current = load(cur, record_id)
    if current is None:
        raise ExchangeRefused("id", unknown, value=str(record_id)[:80])
    _check_user(user, current["member_id"])
    _check_version(cur, kind, record_id, current, base_version, fields, seen)
    if current["state"] != live:
        raise ExchangeRefused(kind, gone)
    return current


def _new_owner(cur, user, member_id) -> str:
    """The city a new record is posted for: a known member the user may write for."""
    if not isinstance(member_id, str) or not _exists(cur, "members", "id", member_id):
        raise ExchangeRefused("member_id", "unknown_city", value=str(member_id)[:60])
    _check_user(user, member_id)
    return member_id


# ------------------------------------------------------------------------------------------ offers

def save_offer(con, user: auth.User | None, member_id: str, record: dict, contact: dict | None, *,
               offer_id: str | None = None, base_version: int = 0, seen: dict | None = None,
               provenance: str = "documented", now: dt.datetime | None = None) -> dict:
    """Publish a new offer of `member_id` (offer_id None) or change one. `base_version` is the version the
    caller's form was drawn from and `seen` that version's record (to say what changed on a conflict).
    Refused, writing nothing: ExchangeRefused (who, state, concurrent save), ExchangeInvalid (the rules)."""
    now = now or _now()
    offer = tidy_offer(record)
    contact = tidy_contact(contact)

    def work(cur) -> dict:
        # an existing offer's city is a member (foreign key): only a new one's needs checking
        current = _changeable(cur, user, "offer", offer_id, base_version, OFFER_FIELDS, seen) if offer_id else None
        owner = current["member_id"] if current else _new_owner(cur, user, member_id)
        new = offer_id or new_id(cur, "offers", owner, offer["title"] or "", "offer")
        problems = offer_problems(cur, new, owner, offer, contact)
        if problems:
            raise ExchangeInvalid(problems)
        values = {**{k: offer[k] for k in OFFER_FIELDS if k not in ("dimensions", "approaches")},
                  "id": new, "member_id": owner, "updated_on": now.date()}
        if current is None:
            cur.execute("INSERT INTO offers (id, member_id, kind, title, summary, languages, available_from, "
                        "available_to, state, provenance, updated_on, version) VALUES ($id, $member_id, $kind, "
                        "$title, $summary, $languages, $available_from, $available_to, 'published', $p, "
                        "$updated_on, 1)", {**values, "p": provenance})
        else:
            changed = [k for k in ("kind", "title", "summary", "languages", "available_from", "available_to")
                       if current.get(k) != offer[k]]
            sets = ", ".join([f"{k} = ${k}" for k in changed] + ["updated_on = $updated_on", "version = version + 1"])
            cur.execute(f"UPDATE offers SET {sets} WHERE id = $id",
                        {"id": new, "updated_on": now.date(), **{k: offer[k] for k in changed}})
        _replace_list(cur, "offer_dimensions", "offer_id", "dimension_id", new, offer["dimensions"],
                      current["dimensions"] if current else [])
        _replace_list(cur, "offer_approaches", "offer_id", "approach_id", new, offer["approaches"],
                      current["approaches"] if current else [])
        cur.execute("DELETE FROM exchange_contacts WHERE offer_id = $id", {"id": new})
        cur.execute("INSERT INTO exchange_contacts VALUES ($id, $name, $role, $email, $at, $by)",
                    {"id": new, **contact, "at": now, "by": user.username})
        audit(cur, user.username, "offer_create" if current is None else "offer_save", "offer", new, owner, now)
        return load_offer(cur, new)

    return _transaction(con, work)


def _replace_list(cur, table: str, parent: str, child: str, key: str, wanted, had) -> None:
    for value in sorted(set(had) - set(wanted)):
        cur.execute(f'DELETE FROM "{table}" WHERE "{parent}" = $p AND "{child}" = $c', {"p": key, "c": value})
    for value in sorted(set(wanted) - set(had)):
        cur.execute(f'INSERT INTO "{table}" VALUES ($p, $c)', {"p": key, "c": value})


def withdraw_offer(con, user: auth.User | None, offer_id: str, base_version: int,
                   now: dt.datetime | None = None) -> dict:
    """Withdraw a published offer: it leaves the lists (kept for the counts) and its contact person is deleted
    (the retention rule). Open requests for it are declined."""
    now = now or _now()

    def work(cur) -> dict:
        current = _changeable(cur, user, "offer", offer_id, base_version, ("state",), None)
        cur.execute("UPDATE offers SET state = 'withdrawn', updated_on = $d, version = version + 1 WHERE id = $id",
                    {"id": offer_id, "d": now.date()})
        cur.execute("DELETE FROM exchange_contacts WHERE offer_id = $id", {"id": offer_id})
        for (rid,) in cur.execute("SELECT id FROM exchange_requests WHERE offer_id = $id AND state IN "
                                  "('proposed', 'accepted')", {"id": offer_id}).fetchall():
            cur.execute("UPDATE exchange_requests SET state = 'declined', declined_at = $at, declined_by = $by, "
                        "version = version + 1 WHERE id = $id", {"id": rid, "at": now, "by": user.username})
            audit(cur, user.username, "request_declined", "request", str(rid), "offer withdrawn", now)
        audit(cur, user.username, "offer_withdraw", "offer", offer_id, current["member_id"], now)
        return load_offer(cur, offer_id)

    return _transaction(con, work)


# ------------------------------------------------------------------------------------------ needs

@dataclass(frozen=True)
class NeedProposal:
    """The weakest dimensions of a city's latest self-assessment (not a draft): (dimension id, level) pairs,
    weakest first; round_year None when the city has no assessment."""
    round_year: int | None
    dimensions: tuple[tuple[int, int], ...]


def propose_need(con, member_id: str, limit: int = NEED_PROPOSALS, own_cursor: bool = True) -> NeedProposal:
    """The dimensions a need form proposes: the city's weakest in its latest round (scoring.weakest_dimensions:
    lowest level first, applicable and below the top level). `own_cursor` False reads on `con` itself (inside
    its open transaction, as the demo build)."""
    if own_cursor:
        levels = db.run_query(con, "exchange_latest_levels", member_id=member_id)
    else:
        query = db.load_query("exchange_latest_levels")
        levels = con.execute(query.sql, query.bind({"member_id": member_id})).df()
    return proposal_from_levels(levels, limit)


def proposal_from_levels(levels: pd.DataFrame, limit: int = NEED_PROPOSALS) -> NeedProposal:
    """propose_need on the rows of exchange_latest_levels (round_year, dimension_id, level)."""
    if levels.empty:
        return NeedProposal(None, ())
    by_dim = {int(d): (None if pd.isna(v) else int(v)) for d, v in zip(levels["dimension_id"], levels["level"])}
    weakest = scoring.weakest_dimensions(by_dim, limit=limit)
    return NeedProposal(int(levels["round_year"].iloc[0]), tuple((d, by_dim[d]) for d in weakest))


def tidy_need(record: dict) -> dict:
    return {"summary": _text(record.get("summary")),
            "dimensions": sorted({int(v) for v in record.get("dimensions") or []}),
            "from_assessment": bool(record.get("from_assessment")),
            "round_year": None if record.get("round_year") is None else int(record["round_year"])}


def save_need(con, user: auth.User | None, member_id: str, record: dict, *, need_id: str | None = None,
              base_version: int = 0, seen: dict | None = None, provenance: str = "documented",
              now: dt.datetime | None = None) -> dict:
    """Post a need of `member_id` (need_id None) or change one; see save_offer for the refusals."""
    now = now or _now()
    need = tidy_need(record)

    def work(cur) -> dict:
        current = _changeable(cur, user, "need", need_id, base_version, NEED_FIELDS, seen) if need_id else None
        owner = current["member_id"] if current else _new_owner(cur, user, member_id)
        new = need_id or new_id(cur, "needs", owner, "need " + (need["summary"] or ""), "need")
        row = {"id": new, "member_id": owner, **need, "state": "open", "provenance": provenance,
               "updated_on": now.date(), "version": 1}
        problems = _sheet_problems("needs", row)
        if not need["dimensions"] and not need["summary"]:
            problems.append(("dimensions", t("exchange.rule.pick_one")))
        problems += _list_problems(cur, "dimensions", need["dimensions"], "dimensions", "id")
        if need["summary"] and len(need["summary"]) > MAX_TEXT:
            problems.append(("summary", t("exchange.rule.too_long", limit=MAX_TEXT)))
        if need["round_year"] is not None and not _exists(cur, "rounds", "year", need["round_year"]):
            problems.append(("round_year", t("exchange.rule.unknown", value=str(need["round_year"]))))
        if problems:
            raise ExchangeInvalid(problems)
        if current is None:
            cur.execute("INSERT INTO needs VALUES ($id, $member_id, $summary, $from_assessment, $round_year, 'open', "
                        "$provenance, $updated_on, 1)",
                        {k: row[k] for k in ("id", "member_id", "summary", "from_assessment", "round_year",
                                             "provenance", "updated_on")})
        else:
            cur.execute("UPDATE needs SET summary = $summary, from_assessment = $from_assessment, round_year = $ry, "
                        "updated_on = $d, version = version + 1 WHERE id = $id",
                        {"id": new, "summary": need["summary"], "from_assessment": need["from_assessment"],
                         "ry": need["round_year"], "d": now.date()})
        _replace_list(cur, "need_dimensions", "need_id", "dimension_id", new, need["dimensions"],
                      current["dimensions"] if current else [])
        audit(cur, user.username, "need_create" if current is None else "need_save", "need", new, owner, now)
        return load_need(cur, new)

    return _transaction(con, work)


def close_need(con, user: auth.User | None, need_id: str, base_version: int, now: dt.datetime | None = None) -> dict:
    now = now or _now()

    def work(cur) -> dict:
        current = _changeable(cur, user, "need", need_id, base_version, ("state",), None)
        cur.execute("UPDATE needs SET state = 'closed', updated_on = $d, version = version + 1 WHERE id = $id",
                    {"id": need_id, "d": now.date()})
        audit(cur, user.username, "need_close", "need", need_id, current["member_id"], now)
        return load_need(cur, need_id)

    return _transaction(con, work)


# ------------------------------------------------------------------------------------------ matching

def matching_offers(offers: pd.DataFrame, dimensions, member_id: str) -> pd.DataFrame:
    """The published offers (exchange_offers rows) that cover any of `dimensions`, other cities' only and not
    ended: most dimensions covered first, then newest. Adds `covered` (how many of the need's dimensions)."""
    wanted = {int(d) for d in dimensions}
    if offers.empty or not wanted:
        return offers.iloc[0:0].assign(covered=pd.Series(dtype="int64"))
    covered = offers["dimension_ids"].map(lambda ids: len(wanted & {int(i) for i in ids}))
    found = offers.assign(covered=covered)
    found = found[(found["covered"] > 0) & (found["member_id"] != member_id) & ~found["ended"].astype(bool)]
    return found.sort_values(["covered", "updated_on", "id"], ascending=[False, False, True]).reset_index(drop=True)


def similarity_order(peers: pd.DataFrame, own_population, own_region) -> pd.DataFrame:
    """Peers ordered by how alike they are to the city: the same region first, then the closest size (log10
    population, as /benchmark's similar cities), then the higher level, then id. Adds `same_region` and
    `size_gap` (orders of magnitude; unknown sizes last)."""
    if peers.empty:
        return peers.assign(same_region=pd.Series(dtype=bool), size_gap=pd.Series(dtype=float))
    own = float(own_population) if own_population is not None and not pd.isna(own_population) and own_population > 0 \
        else None
    pop = pd.to_numeric(peers["population"], errors="coerce").astype(float)
    # vectorised: /plan orders all 10,000 cities of the scale dataset this way on every view
    gap = (np.log10(pop.clip(lower=1)) - math.log10(own)).abs().fillna(99.0) if own else \
        pd.Series(99.0, index=peers.index)
    out = peers.assign(same_region=peers["region"] == own_region, size_gap=gap)
    return out.sort_values(["same_region", "size_gap", "level", "member_id"],
                           ascending=[False, True, False, True]).reset_index(drop=True)


def strong_peers(con, dimension_id: int, member_id: str, members: pd.DataFrame | None = None,
                 limit: int = 5) -> pd.DataFrame:
    """Peers at level 4 or more in `dimension_id` (latest round each) with published practices on it (the
    dimension's approaches), the most similar to `member_id` first (similarity_order)."""
    peers = db.run_query(con, "exchange_peers", dimension_id=int(dimension_id), member_id=member_id,
                         min_level=STRONG_LEVEL)
    me = db.run_query(con, "exchange_member", member_id=member_id) if members is None else \
        members[members["id"] == member_id]
    population = me["population"].iloc[0] if len(me) else None
    region = me["region"].iloc[0] if len(me) else None
    return similarity_order(peers, population, region).head(limit)


# ------------------------------------------------------------------------------------------ requests

def request_exchange(con, user: auth.User | None, offer_id: str, requesting_member_id: str, *,
                     need_id: str | None = None, message: str | None = None, provenance: str = "documented",
                     now: dt.datetime | None = None) -> dict:
    """A city's interest in another city's published offer: a request, proposed. Refused for the offering city
    itself, for an offer no longer published, and when the city already has an open request for it."""
    now = now or _now()
    message = _text(message)
    if message and len(message) > MAX_TEXT:
        raise ExchangeRefused("message", "too_long", limit=MAX_TEXT)

    def work(cur) -> dict:
        offer = load_offer(cur, offer_id)
        if offer is None:
            raise ExchangeRefused("offer", "unknown_offer", value=str(offer_id)[:80])
        if not _exists(cur, "members", "id", requesting_member_id):
            raise ExchangeRefused("member_id", "unknown_city", value=str(requesting_member_id)[:60])
        _check_user(user, requesting_member_id)
        if offer["state"] != "published":
            raise ExchangeRefused("offer", "withdrawn")
        if offer["member_id"] == requesting_member_id:
            raise ExchangeRefused("offer", "own_offer")
        if need_id is not None:
            need = load_need(cur, need_id)
            if need is None or need["member_id"] != requesting_member_id:
                raise ExchangeRefused("need", "unknown_need", value=str(need_id)[:80])
        if cur.execute("SELECT 1 FROM exchange_requests WHERE offer_id = $o AND requesting_member_id = $m AND state "
                       "IN ('proposed', 'accepted')", {"o": offer_id, "m": requesting_member_id}).fetchone():
            raise ExchangeRefused("offer", "already_requested")
        new = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM exchange_requests").fetchone()[0]
        cur.execute("INSERT INTO exchange_requests (id, offer_id, need_id, requesting_member_id, offering_member_id, "
                    "message, state, proposed_at, proposed_by, provenance, version) VALUES ($id, $o, $n, $r, $f, $msg, "
                    "'proposed', $at, $by, $p, 1)",
                    {"id": new, "o": offer_id, "n": need_id, "r": requesting_member_id, "f": offer["member_id"],
                     "msg": message, "at": now, "by": user.username, "p": provenance})
        audit(cur, user.username, "request_proposed", "request", str(new), f"{requesting_member_id} -> {offer_id}", now)
        return load_request(cur, new)

    return _transaction(con, work)


def allowed_moves(user: auth.User | None, req: dict) -> tuple[str, ...]:
    """The states `user` may move the request to: the offering city accepts; either city declines (while
    proposed or accepted) and marks an accepted exchange done. Admins may do what either city may."""
    if user is None:
        return ()
    offering = auth.can_edit(user, req["offering_member_id"])
    requesting = auth.can_edit(user, req["requesting_member_id"])
    moves = []
    for target in TRANSITIONS.get(req["state"], ()):
        if target == "accepted" and offering:
            moves.append(target)
        elif target in ("done", "declined") and (offering or requesting):
            moves.append(target)
    return tuple(moves)


def move_request(con, user: auth.User | None, request_id: int, target: str, base_version: int,
                 now: dt.datetime | None = None) -> dict:
    """Move a request to `target` (see TRANSITIONS and allowed_moves), keeping who and when. A step based on an
    older version (the other city moved it meanwhile) is refused with EditConflict naming the state now."""
    now = now or _now()
    if target not in REQUEST_STATES:
        raise ExchangeRefused("state", "unknown_state", value=str(target)[:20])

    def work(cur) -> dict:
        req = load_request(cur, request_id)
        if req is None:
            raise ExchangeRefused("request", "unknown_request", value=str(request_id)[:20])
        if user is None:
            raise ExchangeRefused("user", "not_signed_in")
        if not (auth.can_edit(user, req["requesting_member_id"]) or auth.can_edit(user, req["offering_member_id"])):
            raise ExchangeRefused("member_id", "not_your_city", value=req["requesting_member_id"],
                                  username=user.username)
        if int(req["version"]) != int(base_version):
            by, at = _last_change(cur, "request", str(request_id))
            raise EditConflict([("state", req["state"])], by, at)
        if target not in TRANSITIONS[req["state"]]:
            raise ExchangeRefused("state", "bad_move", before=t(f"exchange.state.{req['state']}"),
                                  after=t(f"exchange.state.{target}"))
        if target not in allowed_moves(user, req):
            raise ExchangeRefused("state", "offering_city_accepts")
        cur.execute(f"UPDATE exchange_requests SET state = $s, {target}_at = $at, {target}_by = $by, "
                    "version = version + 1 WHERE id = $id",
                    {"s": target, "at": now, "by": user.username, "id": int(request_id)})
        audit(cur, user.username, f"request_{target}", "request", str(request_id), req["state"], now)
        return load_request(cur, request_id)

    return _transaction(con, work)


def inbox(con, user: auth.User | None) -> pd.DataFrame:
    """The requests `user` may see: those of the cities they edit (both sides), every one for an admin; empty
    for a viewer."""
    if user is None:
        return db.run_query(con, "exchange_inbox", member_ids=[]).iloc[0:0]
    members = None if user.is_admin else sorted(user.members)
    return db.run_query(con, "exchange_inbox", member_ids=members)


# ------------------------------------------------------------------------------------------ demonstration

DEMO_USER = auth.User("demo-seed", "admin", frozenset(), None)
_DEMO_KIND_TITLES = {
    "study_visit": "Study visit: {dimension}",
    "mentoring": "Mentoring on {dimension}",
    "training": "Training day: {dimension}",
    "materials": "Handbook and templates: {dimension}",
    "speaking": "A speaker on {dimension} for your event",
}


def seed_demo(con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None) -> dict[str, int]:
    """Invented offers, needs and requests (provenance 'invented'), in an open transaction of the demo build:
    on each dimension, the member with the highest level in its latest round (and practices on it) offers
    something; three other members post a need proposed from their weakest dimensions; a few requests are
    proposed, accepted and done. Counts written, per table."""
    now = now or dt.datetime(2026, 10, 1, 9, 0)
    dims = con.execute("SELECT id, label_en FROM dimensions ORDER BY sort_order").fetchall()
    languages = {"DK": "da", "FR": "fr", "BE": "fr", "DE": "de", "NL": "nl", "SE": "sv", "NO": "no", "FI": "fi",
                 "ES": "es", "IT": "it", "AT": "de", "CH": "de", "PT": "pt", "PL": "pl"}
    counts = {"offers": 0, "needs": 0, "requests": 0}
    offers: dict[int, tuple[str, str]] = {}
    for n, (dim, label) in enumerate(dims):
        peers = con.execute(
            "WITH latest AS (SELECT a.id, a.member_id, row_number() OVER (PARTITION BY a.member_id ORDER BY "
            "a.round_year DESC) AS n FROM assessments a WHERE a.status <> 'draft') "
            "SELECT l.member_id, s.level, m.country_code FROM latest l JOIN assessment_scores s ON s.assessment_id = l.id "
            "JOIN members m ON m.id = l.member_id WHERE l.n = 1 AND s.dimension_id = $d AND s.level >= 4 "
            "ORDER BY s.level DESC, l.member_id", {"d": dim}).fetchall()
        peers = [p for p in peers if p[0] not in {o[1] for o in offers.values()}] or peers
        if not peers:
            continue
        member_id, _, country = peers[0]
        kind = KINDS[n % len(KINDS)]
        offer_id = f"{member_id}-offer-{dim}"
        langs = sorted({"en", languages.get(country, "en")})
        approaches = [r[0] for r in con.execute("SELECT approach_id FROM dimension_approaches WHERE dimension_id = $d "
                                                "ORDER BY approach_id LIMIT 2", {"d": dim}).fetchall()]
        con.execute("INSERT INTO offers VALUES ($id, $m, $k, $title, $summary, $langs, $f, $to, 'published', "
                    "'invented', $d, 1)",
                    {"id": offer_id, "m": member_id, "k": kind,
                     "title": _DEMO_KIND_TITLES[kind].format(dimension=label[0].lower() + label[1:]) + " (invented)",
                     "summary": "Invented demonstration offer: what we learned on this dimension, shared with peers "
                                "in a format agreed together.",
                     "langs": langs, "f": dt.date(2026, 1, 1), "to": dt.date(2027, 12, 31), "d": now.date()})
        con.execute("INSERT INTO offer_dimensions VALUES ($o, $d)", {"o": offer_id, "d": dim})
        for approach in approaches:
            con.execute("INSERT INTO offer_approaches VALUES ($o, $a)", {"o": offer_id, "a": approach})
        con.execute("INSERT INTO exchange_contacts VALUES ($o, 'Alex Example (invented)', 'Prevention coordinator', "
                    "$e, $at, 'demo-seed')", {"o": offer_id, "e": f"exchange@{member_id}.example.org", "at": now})
        offers[dim] = (offer_id, member_id)
        counts["offers"] += 1
    needy = [r[0] for r in con.execute(
        "SELECT member_id FROM assessments WHERE status <> 'draft' GROUP BY member_id ORDER BY member_id").fetchall()]
    needy = [m for m in needy if m not in {o[1] for o in offers.values()} and m != "aarhus-dk"][:3]
    requests = []
    for member_id in needy:
        proposal = propose_need(con, member_id, limit=2, own_cursor=False)
        if not proposal.dimensions:
            continue
        need_id = f"{member_id}-need-{proposal.round_year}"
        con.execute("INSERT INTO needs VALUES ($id, $m, $s, true, $r, 'open', 'invented', $d, 1)",
                    {"id": need_id, "m": member_id, "r": proposal.round_year, "d": now.date(),
                     "s": "Invented demonstration need: we want to learn from cities further on these dimensions."})
        for dim, _ in proposal.dimensions:
            con.execute("INSERT INTO need_dimensions VALUES ($n, $d)", {"n": need_id, "d": dim})
            if dim in offers and offers[dim][1] != member_id:
                requests.append((offers[dim][0], need_id, member_id, offers[dim][1]))
        counts["needs"] += 1
    steps = ("done", "accepted", "proposed", "done")
    aarhus = propose_need(con, "aarhus-dk", limit=1, own_cursor=False) if "aarhus-dk" in {
        r[0] for r in con.execute("SELECT id FROM members").fetchall()} else NeedProposal(None, ())
    requests = requests[:3]
    if aarhus.dimensions and aarhus.dimensions[0][0] in offers:  # the demo editor's city has a past exchange
        offer_id, offering = offers[aarhus.dimensions[0][0]]
        requests.append((offer_id, None, "aarhus-dk", offering))
    for i, (offer_id, need_id, member_id, offering) in enumerate(requests):
        state = steps[i % len(steps)]
        at = now - dt.timedelta(days=30 - 7 * i)
        con.execute("INSERT INTO exchange_requests (id, offer_id, need_id, requesting_member_id, offering_member_id, "
                    "message, state, proposed_at, proposed_by, accepted_at, accepted_by, done_at, done_by, provenance, "
                    "version) VALUES ($id, $o, $n, $r, $f, 'Invented demonstration request.', $s, $at, 'demo-seed', "
                    "$acc, $accby, $done, $doneby, 'invented', $v)",
                    {"id": i + 1, "o": offer_id, "n": need_id, "r": member_id, "f": offering, "s": state, "at": at,
                     "acc": at + dt.timedelta(days=2) if state != "proposed" else None,
                     "accby": "demo-seed" if state != "proposed" else None,
                     "done": at + dt.timedelta(days=20) if state == "done" else None,
                     "doneby": "demo-seed" if state == "done" else None,
                     "v": {"proposed": 1, "accepted": 2, "done": 3}[state]})
        counts["requests"] += 1
    return counts

"""Action plans (issue 16): the single writer of a city's actions, and the rules read from them. No Streamlit.

An action says what a city will do about one dimension after a round: the level it aims for, what will be done,
the responsible service or role (a person's name only when the city chooses one, kept apart and never
exported), start and due dates, a status, links to practices and peer cities it learns from, evidence links.

Every write is one transaction (alliance.db.write_transaction with this module's lock): the public columns go
through the import's table rules and row writer (alliance.tables), each version is appended to
`action_history` (who, when, what changed) and recorded in `app_audit`. An update names the version the editor
started from; when someone saved since, `ActionConflict` lists what they changed and nothing is written.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass, field

import pandas as pd

from alliance import auth, db, exchange, submissions, tables
from alliance.i18n import t, tn
from alliance.paths import SEED_DIR

TABLE = "actions"
LINKS = "action_links"
STATUSES = ("not_started", "on_track", "at_risk", "late", "done", "dropped")
OPEN = ("not_started", "on_track", "at_risk", "late")  # not finished: may become late when overdue
LINK_KINDS = {"practices": "practice", "peers": "peer", "evidence": "evidence"}  # record field -> links kind
# the fields of an action's record, in form order; person_name is private, the lists are action_links rows
FIELDS = ("dimension_id", "from_round", "target_level", "description", "responsible_role", "person_name",
          "start_date", "due_date", "status", "status_reason", "practices", "peers", "evidence")
MAX_DESCRIPTION = 1000
MAX_ROLE = 120
MAX_NAME = 120
MAX_REASON = 1000
MAX_LINKS = 10
PEER_SUGGESTIONS = 20  # strong peers suggested for an action, the most alike first
FULL_PEER_LIST = 100  # up to this many other cities the peer list holds them all; above, only the relevant ones
DEFAULT_MONTHS = 12  # an action created from a next step is due a year later by default
_WRITE_LOCK = threading.Lock()


class ActionRefused(ValueError):
    """A write refused before anything was written: `field` names the input, `reason` a key of the
    actions.refused catalogue; the message is the translated sentence."""

    def __init__(self, field: str, reason: str, **values):
        self.field, self.reason, self.values = field, reason, values
        text = tn(f"actions.refused.{reason}", values["count"], **values) if "count" in values \
            else t(f"actions.refused.{reason}", **values)
        super().__init__(text)


class ActionInvalid(ValueError):
    """The record breaks the table rules: `problems` are (field, translated reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {r}" for f, r in problems))


class ActionConflict(ActionRefused):
    """Someone saved the action since the caller read it: `changes` lists (field, as the caller saw it, now),
    `by` and `at` say who saved last and when. Nothing was written; the caller keeps their values."""

    def __init__(self, changes: list[tuple[str, object, object]], by: str, at: dt.datetime):
        self.changes, self.by, self.at = changes, by, at
        super().__init__("action", "conflict", username=by, count=len(changes))


@dataclass(frozen=True)
class Change:
    version: int
    changed_at: dt.datetime
    changed_by: str
    change: str  # create, update
    changes: tuple[tuple[str, object, object], ...]  # (field, before, after)


@dataclass(frozen=True)
class Action:
    id: int
    member_id: str
    version: int
    record: dict
    provenance: str = "reported"
    history: tuple[Change, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------------------ the record

def field_label(name: str) -> str:
    return t(f"actions.field.{name}")


def _date(value) -> dt.date | None:
    if value is None or value == "" or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _int(value) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value) or value == "":
        return None
    return int(value)


def tidy(record: dict) -> dict:
    """The record as stored: known fields only, text stripped (empty text None), dates as dates, numbers as
    numbers, link lists unique and in the order given. Raises ActionRefused for a value of the wrong kind."""
    out: dict = {}
    for name in ("description", "responsible_role", "person_name", "status_reason", "status"):
        value = record.get(name)
        out[name] = (str(value).replace("\x00", "").strip() or None) if value is not None else None
    for name in ("dimension_id", "from_round", "target_level"):
        try:
            out[name] = _int(record.get(name))
        except (TypeError, ValueError):
            raise ActionRefused(name, "not_a_number", label=field_label(name)) from None
    for name in ("start_date", "due_date"):
        try:
            out[name] = _date(record.get(name))
        except (TypeError, ValueError):
            raise ActionRefused(name, "not_a_date", label=field_label(name)) from None
    for name in LINK_KINDS:
        values = record.get(name) or []
        if isinstance(values, str):
            values = re.split(r"[\s;]+", values)
        seen: list[str] = []
        for v in values:
            v = str(v).replace("\x00", "").strip()
            if v and v not in seen:
                seen.append(v)
        out[name] = seen
    return {name: out.get(name) for name in FIELDS}


def new_record(dimension_id: int, target_level: int, from_round: int | None, today: dt.date | None = None) -> dict:
    """The starting record of an action created from a next step: the dimension, the next level as target,
    the round it starts from, starting today and due a year later, not started."""
    today = today or dt.date.today()
    try:
        due = today.replace(year=today.year + DEFAULT_MONTHS // 12)
    except ValueError:  # 29 February
        due = today + dt.timedelta(days=365)
    return tidy({"dimension_id": dimension_id, "target_level": min(max(int(target_level), 1), 5),
                 "from_round": from_round, "start_date": today, "due_date": due, "status": "not_started"})


def changes(before: dict | None, after: dict) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field that differs, in form order."""
    before = before or {}
    return [(k, before.get(k), after.get(k)) for k in FIELDS if before.get(k) != after.get(k)]


def shown_status(status: str, due_date, today: dt.date | None = None) -> str:
    """The status a reader sees: an open action past its due date is late, whatever it was set to."""
    today = today or dt.date.today()
    due = _date(due_date)
    if status in OPEN and due is not None and due < today:
        return "late"
    return status


# ------------------------------------------------------------------------------------------ the rules

def _check_user(user, member_id: str) -> None:
    if user is None:
        raise ActionRefused("user", "not_signed_in")
    if not auth.can_edit(user, member_id):
        raise ActionRefused("member_id", "not_your_city", city=member_id, username=user.username)


def _exists(cur, table: str, column: str, value) -> bool:
    return cur.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = $v LIMIT 1', {"v": value}).fetchall() != []


def problems_of(cur, member_id: str, record: dict, action_id: int = 0) -> list[tuple[str, str]]:
    """What the table rules (alliance.tables: types, required values, CHECK constraints, known references)
    and the form's own rules say of a tidy record, as (field, translated reason)."""
    rules = tables.catalogue()[TABLE]
    header = [c.name for c in rules.columns]
    row = _row(action_id or 1, member_id, record, version=1, updated_on=dt.date.today(), provenance="reported")
    found: list[tuple[str, str]] = []
    problems: list[tables.Problem] = []
    tables.validate_sheet(tables.Sheet("form", TABLE, header, [(2, [row[c] for c in header])]), TABLE, problems)
    for p in problems:
        if p.column and "due_date" in p.column and "start_date" in p.column:  # CHECK (due_date >= start_date)
            found.append(("due_date", t("actions.rule.due_before_start")))
        else:
            found.append((p.column or "", submissions.rule_reason(p.reason)))
    bad = {f for f, _ in found}
    for column, ref_table, ref_column in rules.foreign:
        value = row.get(column)
        if column not in bad and value is not None and not _exists(cur, ref_table, ref_column, value):
            found.append((column, t("submit.rule.unknown", value=str(value)[:60])))
    if record.get("status") == "dropped" and not record.get("status_reason"):
        found.append(("status_reason", t("actions.rule.reason_needed")))
    for name, limit in (("description", MAX_DESCRIPTION), ("responsible_role", MAX_ROLE),
                        ("person_name", MAX_NAME), ("status_reason", MAX_REASON)):
        if len(record.get(name) or "") > limit:
            found.append((name, t("submit.rule.too_long", limit=limit, length=len(record[name]))))
    for name, kind in LINK_KINDS.items():
        values = record.get(name) or []
        if len(values) > MAX_LINKS:
            found.append((name, t("actions.rule.too_many_links", max=MAX_LINKS)))
        for value in values:
            if kind == "practice" and not _exists(cur, "activities", "id", value):
                found.append((name, t("submit.rule.unknown", value=value[:60])))
            elif kind == "peer" and (value == member_id or not _exists(cur, "members", "id", value)):
                found.append((name, t("submit.rule.unknown", value=value[:60])))
            elif kind == "evidence" and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value, flags=re.IGNORECASE):
                found.append((name, t("submit.rule.http_only")))
    return found


def _row(action_id: int, member_id: str, record: dict, *, version: int, updated_on: dt.date,
         provenance: str) -> dict:
    """The public `actions` row of a record (no person's name, no links)."""
    return {"id": action_id, "member_id": member_id, "dimension_id": record.get("dimension_id"),
            "from_round": record.get("from_round"), "target_level": record.get("target_level"),
            "description": record.get("description"), "responsible_role": record.get("responsible_role"),
            "start_date": record.get("start_date"), "due_date": record.get("due_date"),
            "status": record.get("status"), "status_reason": record.get("status_reason"), "version": version,
            "updated_on": updated_on, "provenance": provenance}


# ------------------------------------------------------------------------------------------ reading

def _fetch(cur, action_id: int) -> Action | None:
    row = cur.execute("SELECT id, member_id, dimension_id, from_round, target_level, description, responsible_role, "
                      "start_date, due_date, status, status_reason, version, provenance FROM actions WHERE id = $id",
                      {"id": action_id}).fetchall()
    if not row:
        return None
    row = row[0]
    record = dict(zip(("dimension_id", "from_round", "target_level", "description", "responsible_role",
                       "start_date", "due_date", "status", "status_reason"), row[2:11]))
    person = cur.execute("SELECT person_name FROM action_contacts WHERE action_id = $id", {"id": action_id}).fetchall()
    record["person_name"] = person[0][0] if person else None
    links = cur.execute("SELECT kind, target FROM action_links WHERE action_id = $id ORDER BY kind, target",
                        {"id": action_id}).fetchall()
    for name, kind in LINK_KINDS.items():
        record[name] = [target for k, target in links if k == kind]
    history = tuple(
        Change(v, at, by, change, tuple((c["field"], c["before"], c["after"]) for c in json.loads(js)))
        for v, at, by, change, js in cur.execute(
            "SELECT version, changed_at, changed_by, change, changes FROM action_history WHERE action_id = $id "
            "ORDER BY version", {"id": action_id}).fetchall())
    return Action(row[0], row[1], row[11], tidy(record), row[12], history)


def load(con, action_id: int) -> Action | None:
    """An action with its links, the private person's name and its history; None when unknown."""
    cur = con.cursor()
    try:
        return _fetch(cur, int(action_id))
    finally:
        cur.close()


def changed_since(action: Action, base_version: int) -> list[tuple[str, object, object]]:
    """(field, as it was at base_version, now) for every field changed by the versions after base_version."""
    first: dict[str, object] = {}
    for change in action.history:
        if change.version <= base_version:
            continue
        for name, before, _after in change.changes:
            first.setdefault(name, before)
    now = {k: _stored(v) for k, v in action.record.items()}
    return [(name, first[name], now.get(name)) for name in FIELDS if name in first and first[name] != now.get(name)]


def record_at(action: Action, version: int) -> dict:
    """The action's record as it was at `version` (the current one undone change by change, newest first)."""
    record = {k: _stored(v) for k, v in action.record.items()}
    for change in reversed(action.history):
        if change.version <= version:
            break
        for name, before, _after in change.changes:
            record[name] = before
    return tidy(record)


# ------------------------------------------------------------------------------------------ writing

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _stored(value):
    """A value as kept in the history's JSON (dates as ISO text)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _append_history(cur, action_id: int, version: int, change: str, diff, user: str, now: dt.datetime) -> None:
    cur.execute("INSERT INTO action_history VALUES ($id, $v, $at, $by, $c, $js)",
                {"id": action_id, "v": version, "at": now, "by": user, "c": change,
                 "js": json.dumps([{"field": f, "before": _stored(b), "after": _stored(a)} for f, b, a in diff],
                                  ensure_ascii=False)})
    submissions.audit(cur, user, f"action_{change}", "action", str(action_id), f"version {version}", now)


def _write_links(cur, action_id: int, record: dict, before: dict | None) -> None:
    """Replace the action's links that changed, through the row writer."""
    rules = tables.catalogue()[LINKS]
    for name, kind in LINK_KINDS.items():
        had, wanted = set((before or {}).get(name) or []), set(record.get(name) or [])
        for target in sorted(had - wanted):
            cur.execute("DELETE FROM action_links WHERE action_id = $a AND kind = $k AND target = $t",
                        {"a": action_id, "k": kind, "t": target})
        added = [target for target in record.get(name) or [] if target not in had]
        if added:
            tables.insert_rows(cur, LINKS, pd.DataFrame({"action_id": [action_id] * len(added),
                                                         "kind": [kind] * len(added), "target": added}), rules)


def _write_person(cur, action_id: int, name: str | None) -> None:
    cur.execute("DELETE FROM action_contacts WHERE action_id = $a", {"a": action_id})
    if name:
        cur.execute("INSERT INTO action_contacts VALUES ($a, $n)", {"a": action_id, "n": name})


def create(con, user: auth.User | None, member_id: str, record: dict, *, provenance: str = "reported",
           now: dt.datetime | None = None) -> Action:
    """A new action of `member_id`'s plan, written by an editor of that city (or an admin). Refused, writing
    nothing: ActionRefused (who), ActionInvalid (the table rules)."""
    now = now or _now()
    clean = tidy(record)
    clean["status"] = clean["status"] or "not_started"

    def work(cur) -> Action:
        if not isinstance(member_id, str) or not _exists(cur, "members", "id", member_id):
            raise ActionRefused("member_id", "unknown_city", city=str(member_id)[:60])
        _check_user(user, member_id)
        action_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM actions").fetchall()[0][0]
        problems = problems_of(cur, member_id, clean, action_id)
        if problems:
            raise ActionInvalid(problems)
        rules = tables.catalogue()[TABLE]
        tables.insert_rows(cur, TABLE, pd.DataFrame([_row(action_id, member_id, clean, version=1,
                                                          updated_on=now.date(), provenance=provenance)]), rules)
        _write_links(cur, action_id, clean, None)
        _write_person(cur, action_id, clean["person_name"])
        _append_history(cur, action_id, 1, "create", changes(None, clean), user.username, now)
        return _fetch(cur, action_id)

    return db.write_transaction(con, work, lock=_WRITE_LOCK)


def update(con, user: auth.User | None, action_id: int, record: dict, base_version: int, *,
           now: dt.datetime | None = None) -> Action:
    """Save the editor's version of an action, started from `base_version`. Nothing changed: the action as it
    is. Refused, writing nothing: ActionConflict (someone saved since), ActionRefused, ActionInvalid."""
    now = now or _now()
    clean = tidy(record)

    def work(cur) -> Action:
        current = _fetch(cur, int(action_id))
        if current is None:
            raise ActionRefused("id", "unknown_action", value=str(action_id)[:20])
        _check_user(user, current.member_id)
        if base_version != current.version:
            diff = changed_since(current, base_version)
            last = current.history[-1] if current.history else None
            raise ActionConflict(diff, last.changed_by if last else "?", last.changed_at if last else now)
        diff = changes(current.record, clean)
        if not diff:
            return current
        problems = problems_of(cur, current.member_id, clean, current.id)
        if problems:
            raise ActionInvalid(problems)
        version = current.version + 1
        rules = tables.catalogue()[TABLE]
        tables.update_rows(cur, TABLE, pd.DataFrame([_row(current.id, current.member_id, clean, version=version,
                                                          updated_on=now.date(), provenance=current.provenance)]),
                           rules)
        _write_links(cur, current.id, clean, current.record)
        if clean["person_name"] != current.record["person_name"]:
            _write_person(cur, current.id, clean["person_name"])
        _append_history(cur, current.id, version, "update", diff, user.username, now)
        return _fetch(cur, current.id)

    return db.write_transaction(con, work, lock=_WRITE_LOCK)


# ------------------------------------------------------------------------------------------ reading a plan

def level_change(plan: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Each action with the city's level before and after on its dimension: before is the level in the round
    the action started from (`from_round`), after the level in the city's next round (`after_round`, None
    while there is none). A comparison of the city's own rounds. `history`: bench_city_history's columns
    round_year, dimension_id, level, not_applicable (the city's submitted or validated rounds)."""
    out = plan.copy()
    levels: dict[tuple[int, int], int | None] = {}
    rounds: list[int] = []
    if history is not None and not history.empty:
        rounds = sorted({int(y) for y in history["round_year"]})
        for y, d, lv, na in zip(history["round_year"], history["dimension_id"], history["level"],
                                history["not_applicable"]):
            levels[(int(y), int(d))] = None if bool(na) or lv is None or lv != lv else int(lv)
    before, after, after_round = [], [], []
    for start, d in zip(out["from_round"], out["dimension_id"]):
        start = _int(start)
        later = [y for y in rounds if start is not None and y > start]
        before.append(levels.get((start, int(d))) if start is not None else None)
        after_round.append(later[0] if later else None)
        after.append(levels.get((later[0], int(d))) if later else None)
    out["level_before"] = pd.array(before, dtype="Int64")
    out["after_round"] = pd.array(after_round, dtype="Int64")
    out["level_after"] = pd.array(after, dtype="Int64")
    return out


def peer_choices(city_id: str, members: pd.DataFrame, strong: pd.DataFrame, *, limit: int = PEER_SUGGESTIONS,
                 full_list: int = FULL_PEER_LIST) -> tuple[list[str], list[str]]:
    """The peers suggested for an action and the peer list it offers, as (suggested, options).

    `members`: id, population, region (every member, in the pickers' order); `strong`: member_id, level of the
    cities strong in the action's dimension (level 4 or more). Suggested: the strong cities most alike to the
    city first (same region, closest size: exchange.similarity_order), at most `limit`. Options: the suggested
    ones first, then every other member while there are at most `full_list`; above that (10,000 cities at
    scale) only the `limit` cities most alike, of any level (the page adds the peers already chosen)."""
    others = members[members["id"] != city_id]
    own = members[members["id"] == city_id]
    population = own["population"].iloc[0] if len(own) else None
    region = own["region"].iloc[0] if len(own) else None
    peers = others[["id", "population", "region"]].rename(columns={"id": "member_id"})
    levels = dict(zip(strong["member_id"], strong["level"]))
    strong_peers = peers[peers["member_id"].isin(levels)]
    strong_peers = strong_peers.assign(level=strong_peers["member_id"].map(levels))
    suggested = list(exchange.similarity_order(strong_peers, population, region)["member_id"].head(limit))
    if len(others) <= full_list:
        taken = set(suggested)
        return suggested, suggested + [i for i in others["id"] if i not in taken]
    alike = exchange.similarity_order(peers.assign(level=0), population, region)["member_id"].head(limit)
    return suggested, list(dict.fromkeys([*suggested, *alike]))


def levels_text(row) -> str:
    """'2 → 3 (2025)', '2 → next round' while the city has no later round, a dash for an unknown level."""
    def level(value) -> str:
        return t("actions.level_none") if _int(value) is None else str(_int(value))

    if _int(row.get("after_round")) is None:
        return t("actions.levels_pending", before=level(row.get("level_before")))
    return t("actions.levels_value", before=level(row.get("level_before")), after=level(row.get("level_after")),
             round=_int(row["after_round"]))


def with_shown_status(plan: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """The plan with `shown_status` (an overdue open action is late)."""
    return plan.assign(shown_status=[shown_status(s, d, today) for s, d in zip(plan["status"], plan["due_date"])])


def aggregate(plan: pd.DataFrame, dimension_ids: list[int], today: dt.date | None = None) -> pd.DataFrame:
    """Actions per dimension and status across the alliance: one row per dimension (in `dimension_ids`
    order), one column per status, and `total`. Never per city: the input needs no member column."""
    counts = pd.DataFrame(0, index=pd.Index(dimension_ids, name="dimension_id"), columns=list(STATUSES))
    if not plan.empty:
        shown = with_shown_status(plan, today)
        grouped = shown.groupby(["dimension_id", "shown_status"]).size()
        for (d, status), n in grouped.items():
            if int(d) in counts.index:
                counts.loc[int(d), status] = int(n)
    counts["total"] = counts[list(STATUSES)].sum(axis=1)
    return counts.reset_index()


def export_columns() -> list[str]:
    """The columns an export of actions holds: the public table's, never a person's name."""
    return [c.name for c in tables.catalogue()[TABLE].columns]


# ------------------------------------------------------------------------------------------ demonstration

def seed_demo(con, now: dt.datetime | None = None) -> int:
    """Invented plans for a few cities (data/seed/action_plans.csv), marked provenance 'invented', loaded in
    the demo builder's open transaction through the row writer. The target is one level above the city's
    level in the round the action starts from; cities or rounds missing from a smaller build are left out."""
    now = now or dt.datetime(2026, 1, 5, 9, 0)
    frame = pd.read_csv(SEED_DIR / "action_plans.csv", dtype=str, keep_default_na=False)
    dimensions = dict(con.execute("SELECT code, id FROM dimensions").fetchall())
    rounds = {r[0] for r in con.execute("SELECT year FROM rounds").fetchall()}
    members = {r[0] for r in con.execute("SELECT id FROM members").fetchall()}
    rules = tables.catalogue()[TABLE]
    loaded = 0
    for row in frame.to_dict("records"):
        from_round = int(row["from_round"])
        if row["member_id"] not in members or from_round not in rounds:
            continue
        dimension = dimensions[row["dimension"]]
        level = con.execute("SELECT s.level FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id "
                            "WHERE a.member_id = $m AND a.round_year = $y AND s.dimension_id = $d",
                            {"m": row["member_id"], "y": from_round, "d": dimension}).fetchall()
        record = tidy({**row, "dimension_id": dimension, "from_round": from_round,
                       "target_level": min((level[0][0] if level and level[0][0] is not None else 0) + 1, 5),
                       "peers": [p for p in row["peers"].split(";") if p in members],
                       "evidence": [e for e in row["evidence"].split(";") if e]})
        action_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM actions").fetchall()[0][0]
        tables.insert_rows(con, TABLE, pd.DataFrame([_row(action_id, row["member_id"], record, version=1,
                                                          updated_on=now.date(), provenance="invented")]), rules)
        _write_links(con, action_id, record, None)
        con.execute("INSERT INTO action_history VALUES ($id, 1, $at, 'demo-generator', 'create', $js)",
                    {"id": action_id, "at": now, "js": json.dumps(
                        [{"field": f, "before": None, "after": _stored(a)} for f, _b, a in changes(None, record)],
                        ensure_ascii=False)})
        loaded += 1
    return loaded

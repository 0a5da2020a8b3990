"""The alliance's events (issue 15): seeding the demonstration calendar, filters kept in the URL, and the
iCalendar (.ics) export made with the `icalendar` library (RFC 5545), never written by hand."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import duckdb
import pandas as pd

from alliance.i18n import t
from alliance.paths import SEED_DIR

KINDS = ("conference", "study_visit", "webinar", "training")
WHEN = ("upcoming", "past", "all")
LIST_COLUMNS = {"dimensions": ("event_dimensions", "dimension_id"), "approaches": ("event_approaches", "approach_id"),
                "practices": ("event_practices", "activity_id")}
PRODID = "-//Alliance of European cities against violent extremism//Alliance Dashboard//EN"


def seed_demo(con: duckdb.DuckDBPyConnection) -> int:
    """Load data/seed/events.csv (real events and invented ones, marked so) into an open transaction; events
    whose host member is not in the database are left out (a smaller build). Returns the events loaded."""
    frame = pd.read_csv(SEED_DIR / "events.csv", dtype=str, keep_default_na=False)
    members = {r[0] for r in con.execute("SELECT id FROM members").fetchall()}
    dimensions = dict(con.execute("SELECT code, id FROM dimensions").fetchall())
    activities = {r[0] for r in con.execute("SELECT id FROM activities WHERE id IN (SELECT unnest($ids))",
                                            {"ids": [p for v in frame["practices"] for p in v.split(";") if p]}
                                            ).fetchall()}
    columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'events'").fetchall()}
    loaded = 0
    for row in frame.to_dict("records"):
        if row["host_member_id"] not in members:
            continue
        texts = [c for c in frame.columns if c in columns and re.fullmatch(r"(title|summary)_[a-z]{2}", c)]
        names = ["id", *texts, "kind", "host_member_id", "place", "starts_on", "ends_on", "languages", "url",
                 "provenance"]
        values = {c: row[c] or None for c in names} | {"languages": [v for v in row["languages"].split(";") if v]}
        con.execute(f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('$' + n for n in names)})", values)
        for code in filter(None, row["dimensions"].split(";")):
            con.execute("INSERT INTO event_dimensions VALUES ($e, $d)", {"e": row["id"], "d": dimensions[code]})
        for approach in filter(None, row["approaches"].split(";")):
            con.execute("INSERT INTO event_approaches VALUES ($e, $a)", {"e": row["id"], "a": approach})
        for practice in filter(None, row["practices"].split(";")):
            if practice in activities:
                con.execute("INSERT INTO event_practices VALUES ($e, $a)", {"e": row["id"], "a": practice})
        loaded += 1
    return loaded


def ics_bytes(events: pd.DataFrame, lang: str, base_url: str | None = None, now: dt.datetime | None = None) -> bytes:
    """An iCalendar file of the given events (one or many): all-day events in the reader's language, with
    the place, the link and a stable UID. `events` has id, title_<lang>, summary_<lang>, starts_on, ends_on,
    place, url, host_name."""
    from icalendar import Calendar, Event

    now = now or dt.datetime.now(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", t("events.title"))
    for row in events.to_dict("records"):
        event = Event()
        event.add("uid", f"{row['id']}@alliance-dashboard")
        event.add("dtstamp", now)
        event.add("summary", _text(row, "title", lang))
        event.add("dtstart", _date(row["starts_on"]))
        event.add("dtend", _date(row["ends_on"]) + dt.timedelta(days=1))  # DTEND of an all-day event is exclusive
        description = _text(row, "summary", lang)
        if row.get("host_name"):
            description = f"{description}\n\n{row['host_name']}".strip()
        if description:
            event.add("description", description)
        if row.get("place"):
            event.add("location", row["place"])
        if row.get("url"):
            event.add("url", row["url"])
        if base_url:
            event.add("attach", f"{base_url.rstrip('/')}/events?event={row['id']}")
        calendar.add_component(event)
    return calendar.to_ical()


def _text(row: Mapping, field: str, lang: str) -> str:
    value = row.get(f"{field}_{lang}") or row.get(f"{field}_en") or ""
    return "" if value != value else str(value)  # NaN from pandas


def _date(value) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value

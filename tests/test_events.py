"""The alliance's events: the seeded calendar (the real Aarhus conference), filters, and the .ics export parsed
back with the icalendar library."""
from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from alliance import db, events

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def con(demo_db):
    c = db.connect(demo_db, read_only=True)
    yield c
    c.close()


def test_the_real_aarhus_conference_is_seeded_with_its_date_place_and_practices(con):
    rows = db.run_query(con, "events_list", when="all", today=TODAY)
    aarhus = rows[rows["id"] == "aarhus-conference-2015"].iloc[0]
    assert aarhus["starts_on"].date() == dt.date(2015, 11, 18) == aarhus["ends_on"].date()
    assert aarhus["place"] == "Aarhus, Denmark" and aarhus["host_member_id"] == "aarhus-dk"
    assert aarhus["provenance"] == "documented" and bool(aarhus["is_past"])
    assert list(aarhus["practice_ids"]) == ["aarhus-model", "brent-toolkit"]
    invented = rows[rows["provenance"] == "invented"]
    assert len(invented) >= 3 and all("(invented)" in title for title in invented["title_en"])


def test_upcoming_and_past_and_filters(con):
    upcoming = db.run_query(con, "events_list", when="upcoming", today=TODAY)
    past = db.run_query(con, "events_list", when="past", today=TODAY)
    assert (upcoming["ends_on"].dt.date >= TODAY).all() and (past["ends_on"].dt.date < TODAY).all()
    assert list(upcoming["starts_on"]) == sorted(upcoming["starts_on"])  # soonest first
    assert list(past["starts_on"]) == sorted(past["starts_on"], reverse=True)  # newest first
    french = db.run_query(con, "events_list", when="all", today=TODAY, languages=["fr"])
    assert len(french) and all("fr" in list(langs) for langs in french["languages"])
    youth = db.run_query(con, "events_list", when="all", today=TODAY, dimensions=["youth"], kinds=["training"])
    assert list(youth["id"]) == ["liege-training-2026"]
    assert db.run_query(con, "events_list", when="all", today=TODAY, hosts=["aarhus-dk"])["id"].tolist() == [
        "aarhus-conference-2015"]


def test_ics_of_the_list_and_of_one_event_parse_back(con):
    rows = db.run_query(con, "events_list", when="all", today=TODAY)
    calendar = Calendar.from_ical(events.ics_bytes(rows, "fr", base_url="http://localhost:8501"))
    parsed = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(parsed) == len(rows)
    aarhus = parsed["aarhus-conference-2015@alliance-dashboard"]
    assert aarhus.decoded("dtstart") == dt.date(2015, 11, 18)
    assert aarhus.decoded("dtend") == dt.date(2015, 11, 19)  # exclusive end of an all-day event
    assert str(aarhus["summary"]).startswith("Conférence d'Aarhus")
    assert str(aarhus["location"]) == "Aarhus, Denmark"
    assert str(aarhus["url"]) == "http://citiesagainstextremism.eu/"
    one = Calendar.from_ical(events.ics_bytes(rows[rows["id"] == "mechelen-visit-2027"], "en"))
    (visit,) = one.walk("VEVENT")
    assert visit.decoded("dtstart") == dt.date(2027, 3, 16) and visit.decoded("dtend") == dt.date(2027, 3, 18)
    assert "Mechelen" in str(visit["summary"])

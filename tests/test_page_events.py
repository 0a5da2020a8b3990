"""AppTest of /events: upcoming by default, filters from and to the URL, past events with practices, EN and FR."""
from __future__ import annotations

from conftest import app_test


def run(query: dict | None = None):
    at = app_test("events", query)
    at.run()
    assert not at.exception, at.exception
    return at


def body(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_upcoming_by_default_with_an_ics_of_the_list(app_env):
    at = run()
    text = body(at)
    assert "upcoming event" in text and "Mechelen" in text
    assert "Aarhus conference" not in text  # a 2015 event is past
    assert any("invented" in c.value for c in at.caption)


def test_past_events_link_the_practices_presented_and_filters_stay_in_the_url(app_env):
    at = run({"when": "past", "host": "aarhus-dk"})
    text = body(at)
    assert "Aarhus conference" in text and "Rotterdam Summit" not in text
    assert "Practices presented" in text
    links = [p.label for p in at.get("page_link")] if hasattr(at, "get") else []
    assert any("Aarhus model" in str(link) for link in links), links
    at.multiselect(key="url_host").set_value([]).run()
    assert "host" not in at.query_params
    assert "Rotterdam Summit" in body(at)


def test_unknown_filter_values_are_dropped_and_french(app_env):
    at = run({"when": "nonsense", "kind": "party", "lang": "fr"})
    assert at.selectbox(key="url_when").value == "upcoming"
    assert at.multiselect(key="url_kind").value == []
    assert "Visite d'étude" in body(at)


def test_the_host_city_profile_lists_its_events(app_env):
    at = app_test("city", {"city": "aarhus-dk"})
    at.run()
    assert not at.exception, at.exception
    assert "Events hosted" in [s.value for s in at.subheader]
    at = app_test("city", {"city": "brno-cz"})
    at.run()
    assert "Events hosted" not in [s.value for s in at.subheader]

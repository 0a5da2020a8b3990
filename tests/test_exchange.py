"""Unit tests of alliance.exchange (issue 15, offers and needs): the table rules, editors limited to their own
cities, the need proposed from the weakest dimensions, matching to offers and to strong peers ordered by
similarity, request steps with who and when, concurrent changes refused with what changed, the audit, the
contact person shown to editors only and never exported, in the sandbox or in the API."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pandas as pd
import pytest

from alliance import api, auth, db, dictionary, exchange, exporter, sandbox
from alliance.i18n import set_language

EDITOR = auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}), None)
ADMIN = auth.User("admin", "admin", frozenset(), None)
NOW = dt.datetime(2026, 11, 26, 10, 0)


@pytest.fixture(autouse=True)
def english():
    set_language("en")


def other_editor(con, member_id: str) -> auth.User:
    return auth.User(f"editor-{member_id}", "editor", frozenset({member_id}), None)


def an_offer(con, member_id: str, dimension: int, title: str = "Study visit to our youth centre", **extra) -> dict:
    record = {"kind": "study_visit", "title": title, "summary": "Two days with our team.", "languages": ["en", "de"],
              "available_from": dt.date(2026, 12, 1), "available_to": dt.date(2027, 6, 30),
              "dimensions": [dimension], "approaches": ["community_engagement"]} | extra
    return exchange.save_offer(con, other_editor(con, member_id), member_id, record,
                               {"name": "Jo Contact", "role": "Coordinator", "email": "jo@example.org"}, now=NOW)


def weakest(con, member_id: str = "aarhus-dk") -> int:
    return exchange.propose_need(con, member_id).dimensions[0][0]


# ------------------------------------------------------------------------------------------ proposals

def test_the_need_is_proposed_from_the_weakest_dimensions_of_the_latest_round(con):
    proposal = exchange.propose_need(con, "aarhus-dk")
    latest = con.execute("SELECT max(round_year) FROM assessments WHERE member_id = 'aarhus-dk' AND status <> 'draft'"
                         ).fetchone()[0]
    levels = dict(con.execute(
        "SELECT s.dimension_id, s.level FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id "
        "WHERE a.member_id = 'aarhus-dk' AND a.round_year = $y AND s.level IS NOT NULL", {"y": latest}).fetchall())
    assert proposal.round_year == latest
    assert len(proposal.dimensions) == exchange.NEED_PROPOSALS
    proposed_levels = [level for _, level in proposal.dimensions]
    assert proposed_levels == sorted(proposed_levels)
    assert proposed_levels[0] == min(levels.values())
    assert all(levels[d] == level for d, level in proposal.dimensions)
    # a member without any assessment gets no proposal, not an error
    con.execute("DELETE FROM assessment_scores WHERE assessment_id IN (SELECT id FROM assessments WHERE member_id = "
                "'aarhus-dk')")
    con.execute("DELETE FROM assessments WHERE member_id = 'aarhus-dk'")
    assert exchange.propose_need(con, "aarhus-dk") == exchange.NeedProposal(None, ())


# ------------------------------------------------------------------------------------------ offers

def test_an_offer_is_checked_by_the_table_rules_and_written_with_its_lists_contact_and_audit(con):
    with pytest.raises(exchange.ExchangeInvalid) as refused:
        exchange.save_offer(con, EDITOR, "aarhus-dk", {"kind": "party", "title": " ", "languages": ["english"],
                                                       "available_from": dt.date(2027, 1, 1),
                                                       "available_to": dt.date(2026, 1, 1), "dimensions": [999],
                                                       "approaches": ["nope"]},
                            {"name": "", "email": "not-an-address"}, now=NOW)
    fields = {f for f, _ in refused.value.problems}
    assert {"kind", "title", "dimensions", "approaches", "languages", "contact_name", "contact_email"} <= fields
    assert any("available" in f for f in fields)  # the period's CHECK, from the DDL
    assert con.execute("SELECT count(*) FROM offers WHERE member_id = 'aarhus-dk'").fetchone()[0] == 0

    offer = an_offer(con, "aarhus-dk", 3)
    assert offer["id"].startswith("aarhus-dk-study-visit")
    assert offer["state"] == "published" and offer["version"] == 1 and offer["languages"] == ["de", "en"]
    assert offer["dimensions"] == [3] and offer["approaches"] == ["community_engagement"]
    assert con.execute("SELECT name, email FROM exchange_contacts WHERE offer_id = $o", {"o": offer["id"]}
                       ).fetchone() == ("Jo Contact", "jo@example.org")
    assert con.execute("SELECT username, action FROM app_audit WHERE object_id = $o", {"o": offer["id"]}
                       ).fetchall() == [("editor-aarhus-dk", "offer_create")]


def test_editors_act_for_their_own_cities_only(con):
    record = {"kind": "mentoring", "title": "Mentoring", "languages": ["en"], "dimensions": [1]}
    contact = {"name": "A", "email": "a@example.org"}
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.save_offer(con, EDITOR, "liege-be", record, contact)
    assert refused.value.reason == "not_your_city"
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.save_offer(con, None, "aarhus-dk", record, contact)
    assert refused.value.reason == "not_signed_in"
    with pytest.raises(exchange.ExchangeRefused):
        exchange.save_need(con, EDITOR, "liege-be", {"summary": "x", "dimensions": [1]})
    theirs = an_offer(con, "liege-be", 2)
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.withdraw_offer(con, EDITOR, theirs["id"], theirs["version"])
    assert refused.value.reason == "not_your_city"
    assert exchange.save_offer(con, ADMIN, "liege-be", record, contact)["member_id"] == "liege-be"  # admins may


def test_a_concurrent_save_is_refused_with_what_changed_and_nothing_is_lost(con):
    offer = an_offer(con, "liege-be", 2)
    liege = other_editor(con, "liege-be")
    seen = dict(offer)
    changed = exchange.save_offer(con, liege, "liege-be", {**offer, "title": "Study visit, new dates"},
                                  {"name": "Jo Contact", "email": "jo@example.org"}, offer_id=offer["id"],
                                  base_version=offer["version"], seen=seen, now=NOW)
    assert changed["version"] == 2
    with pytest.raises(exchange.EditConflict) as conflict:
        exchange.save_offer(con, liege, "liege-be", {**offer, "summary": "My own edit"},
                            {"name": "Jo Contact", "email": "jo@example.org"}, offer_id=offer["id"],
                            base_version=offer["version"], seen=seen)
    assert conflict.value.changes == [("title", "Study visit, new dates")]
    assert conflict.value.by == "editor-liege-be" and conflict.value.at == NOW
    assert "Study visit, new dates" == exchange.offer(con, offer["id"])["title"]
    assert exchange.offer(con, offer["id"])["summary"] == "Two days with our team."  # the refused save wrote nothing


def test_withdrawing_an_offer_deletes_its_contact_and_declines_open_requests(con):
    offer = an_offer(con, "liege-be", weakest(con))
    request = exchange.request_exchange(con, EDITOR, offer["id"], "aarhus-dk", now=NOW)
    exchange.withdraw_offer(con, other_editor(con, "liege-be"), offer["id"], offer["version"], now=NOW)
    assert exchange.offer(con, offer["id"])["state"] == "withdrawn"
    assert con.execute("SELECT count(*) FROM exchange_contacts WHERE offer_id = $o", {"o": offer["id"]}
                       ).fetchone()[0] == 0
    assert exchange.request(con, request["id"])["state"] == "declined"
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.request_exchange(con, EDITOR, offer["id"], "aarhus-dk")
    assert refused.value.reason == "withdrawn"


# ------------------------------------------------------------------------------------------ matching

def test_a_need_matches_the_offers_covering_it_and_the_strong_peers_on_it(con):
    dim = weakest(con)
    need = exchange.save_need(con, EDITOR, "aarhus-dk", {"summary": "Help on our weakest dimension",
                                                          "dimensions": [dim], "from_assessment": True,
                                                          "round_year": exchange.propose_need(con, "aarhus-dk").round_year})
    assert need["from_assessment"] and need["dimensions"] == [dim]
    covering = an_offer(con, "liege-be", dim, title="Covering offer")
    an_offer(con, "liege-be", 1 + dim % 14, title="Other dimension")
    an_offer(con, "aarhus-dk", dim, title="Our own offer")
    offers = db.run_query(con, "exchange_offers")
    matches = exchange.matching_offers(offers, need["dimensions"], "aarhus-dk")
    assert covering["id"] in set(matches["id"])
    assert all(dim in list(ids) for ids in matches["dimension_ids"])
    assert "aarhus-dk" not in set(matches["member_id"])  # never the city's own offers
    assert "Other dimension" not in set(matches["title"])

    peers = exchange.strong_peers(con, dim, "aarhus-dk", limit=50)
    assert not peers.empty and (peers["level"] >= 4).all() and (peers["n_practices"] > 0).all()
    assert "aarhus-dk" not in set(peers["member_id"])
    latest_levels = con.execute(
        "SELECT a.member_id, s.level FROM assessments a JOIN assessment_scores s ON s.assessment_id = a.id "
        "WHERE s.dimension_id = $d AND a.status <> 'draft' AND a.round_year = (SELECT max(round_year) FROM "
        "assessments b WHERE b.member_id = a.member_id AND b.status <> 'draft')", {"d": dim}).fetchall()
    strong = {m for m, level in latest_levels if level is not None and level >= 4}
    assert set(peers["member_id"]) <= strong
    # the same region first, then the closest size
    region = con.execute("SELECT c.region FROM members m JOIN countries c ON c.code = m.country_code WHERE m.id = "
                         "'aarhus-dk'").fetchone()[0]
    same = list(peers["region"] == region)
    assert same == sorted(same, reverse=True)


def test_similarity_order_puts_the_same_region_then_the_closest_size_first():
    peers = pd.DataFrame({"member_id": ["far-big", "near-small", "near-big", "far-alike"],
                          "region": ["southern", "northern", "northern", "southern"],
                          "population": [3_000_000, 20_000, 2_000_000, 300_000], "level": [5, 4, 4, 5]})
    ordered = exchange.similarity_order(peers, 280_000, "northern")
    assert list(ordered["member_id"]) == ["near-big", "near-small", "far-alike", "far-big"]


# ------------------------------------------------------------------------------------------ requests

def test_a_request_goes_proposed_accepted_done_with_who_and_when_and_only_the_offering_city_accepts(con):
    offer = an_offer(con, "liege-be", weakest(con))
    liege = other_editor(con, "liege-be")
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.request_exchange(con, liege, offer["id"], "liege-be")
    assert refused.value.reason == "own_offer"
    req = exchange.request_exchange(con, EDITOR, offer["id"], "aarhus-dk", message="<b>Hello</b>", now=NOW)
    assert (req["state"], req["proposed_by"], req["proposed_at"]) == ("proposed", "editor-aarhus", NOW)
    assert req["offering_member_id"] == "liege-be" and req["message"] == "<b>Hello</b>"
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.request_exchange(con, EDITOR, offer["id"], "aarhus-dk")
    assert refused.value.reason == "already_requested"
    assert exchange.allowed_moves(EDITOR, req) == ("declined",)
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.move_request(con, EDITOR, req["id"], "accepted", req["version"])
    assert refused.value.reason == "offering_city_accepts"
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.move_request(con, other_editor(con, "paris-fr"), req["id"], "declined", req["version"])
    assert refused.value.reason == "not_your_city"
    later = NOW + dt.timedelta(days=1)
    accepted = exchange.move_request(con, liege, req["id"], "accepted", req["version"], now=later)
    assert (accepted["state"], accepted["accepted_by"], accepted["accepted_at"]) == ("accepted", "editor-liege-be", later)
    with pytest.raises(exchange.ExchangeRefused) as refused:
        exchange.move_request(con, liege, req["id"], "proposed", accepted["version"])
    assert refused.value.reason == "bad_move"
    done = exchange.move_request(con, EDITOR, req["id"], "done", accepted["version"], now=later)
    assert (done["state"], done["done_by"]) == ("done", "editor-aarhus")
    assert exchange.allowed_moves(ADMIN, done) == ()
    actions = [r[0] for r in con.execute("SELECT action FROM app_audit WHERE object_kind = 'request' AND object_id = $i "
                                         "ORDER BY id", {"i": str(req["id"])}).fetchall()]
    assert actions == ["request_proposed", "request_accepted", "request_done"]
    # both cities see it in their inbox; a third city does not
    assert req["id"] in set(exchange.inbox(con, EDITOR)["id"])
    assert req["id"] in set(exchange.inbox(con, liege)["id"])
    assert req["id"] not in set(exchange.inbox(con, other_editor(con, "paris-fr"))["id"])
    assert exchange.inbox(con, None).empty


def test_a_step_on_a_request_the_other_city_moved_meanwhile_is_refused_naming_the_state_now(con):
    offer = an_offer(con, "liege-be", weakest(con))
    req = exchange.request_exchange(con, EDITOR, offer["id"], "aarhus-dk", now=NOW)
    exchange.move_request(con, other_editor(con, "liege-be"), req["id"], "accepted", req["version"], now=NOW)
    with pytest.raises(exchange.EditConflict) as conflict:
        exchange.move_request(con, EDITOR, req["id"], "declined", req["version"])  # drawn before the acceptance
    assert conflict.value.changes == [("state", "accepted")] and conflict.value.by == "editor-liege-be"
    assert exchange.request(con, req["id"])["state"] == "accepted"


# ------------------------------------------------------------------------------------------ private data

SECRET_NAME, SECRET_EMAIL = "Zoë Secretperson", "zoe.secret@example.org"


def with_secret_contact(con) -> dict:
    offer = exchange.save_offer(con, other_editor(con, "liege-be"), "liege-be",
                                {"kind": "training", "title": "Public training offer", "languages": ["fr"],
                                 "dimensions": [2]}, {"name": SECRET_NAME, "role": "Head of unit",
                                                      "email": SECRET_EMAIL}, now=NOW)
    exchange.request_exchange(con, EDITOR, offer["id"], "aarhus-dk", message="A private message", now=NOW)
    return offer


def test_the_contact_person_is_shown_to_signed_in_editors_and_admins_only(con):
    offer = with_secret_contact(con)
    assert exchange.contact_for(con, None, offer["id"]) is None
    assert exchange.contact_for(con, EDITOR, offer["id"])["email"] == SECRET_EMAIL
    assert exchange.contact_for(con, ADMIN, offer["id"])["name"] == SECRET_NAME
    assert exchange.contacts_for(con, None) == {}
    assert exchange.contacts_for(con, EDITOR)[offer["id"]]["email"] == SECRET_EMAIL
    assert "exchange_contacts" in dictionary.private_tables() and "exchange_requests" in dictionary.private_tables()
    assert set(dictionary.private_columns()["exchange_contacts"]) == {"name", "role", "email"}


def test_contacts_and_requests_never_leave_through_the_export_the_sandbox_or_the_api(con):
    offer = with_secret_contact(con)
    for fmt in ("csv", "xlsx"):
        blob = exporter.export_zip(con, fmt)
        texts = [zipfile.ZipFile(io.BytesIO(blob)).read(n) for n in zipfile.ZipFile(io.BytesIO(blob)).namelist()]
        joined = b"".join(texts)
        if fmt == "csv":
            assert offer["id"].encode() in joined  # the public offer is exported
            assert SECRET_NAME.encode() not in joined and SECRET_EMAIL.encode() not in joined
            assert b"A private message" not in joined
    box = sandbox.Sandbox(con)
    try:
        assert "offers" in box.tables and "exchange_contacts" not in box.tables
        assert "exchange_requests" not in box.tables
        with pytest.raises(sandbox.SandboxError):
            box.run("SELECT * FROM exchange_contacts")
    finally:
        box.close()
    version = "test-private"
    api.cache.__init__()
    for name in ("offers", "events"):
        response = api.answer(con, version, api.BY_NAME[name], {}, [("limit", "1000")],
                              f"http://x{api.PREFIX}/{name}?limit=1000")
        assert response.status_code == 200, response.body
        text = response.body.decode()
        assert SECRET_NAME not in text and SECRET_EMAIL not in text and "A private message" not in text
        if name == "offers":
            ids = {r["id"] for r in json.loads(text)["data"]}
            assert offer["id"] in ids
            assert not {"name", "email", "role"} & set(json.loads(text)["data"][0])

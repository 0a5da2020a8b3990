"""AppTest of /exchange and /inbox (issue 15): viewers see offers, needs and counts but no contact person; an
editor's need form is pre-filled from the city's weakest dimensions; the posted need lists matching offers and
strong peers; expressing interest makes a request both cities' editors see in /inbox, where the offering city
accepts it; filters stay in the URL; French texts."""
from __future__ import annotations

from alliance import auth, exchange
from alliance.app.session import SESSION_KEY
from alliance.i18n import set_language
from conftest import app_test


def opened(page: str, username: str | None = None, query: dict | None = None, lang: str | None = None):
    at = app_test("", {**(query or {}), **({"lang": lang} if lang else {})})
    if username:
        at.session_state[SESSION_KEY] = username
    if lang:
        at.session_state["language"] = lang
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    """Every text shown, with md_text's escapes taken out."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [x.value for x in at.text]
                     + [i.value for i in at.info] + [e.label for e in at.expander]).replace("\\", "")


def test_a_viewer_sees_offers_needs_and_counts_but_no_contact_person(own_db):
    contact = own_db.execute("SELECT name, email FROM exchange_contacts LIMIT 1").fetchone()
    at = opened("exchange", query={"view": "offers"})
    shown = texts(at)
    offers = own_db.execute("SELECT count(*) FROM offers WHERE state = 'published'").fetchone()[0]
    assert offers > 0 and f"{offers} offers" in shown
    assert contact[1] not in shown and contact[0] not in shown
    assert "The contact person is shown to signed-in city editors." in shown
    assert not any(b.label == "Express interest" for b in at.button)  # not for a viewer
    needs = opened("exchange")
    assert "open need" in texts(needs)
    counts = opened("exchange", query={"view": "counts"})
    assert "Exchanges between countries" in [s.value for s in counts.subheader]
    exchanges = own_db.execute("SELECT count(*) FROM exchange_requests WHERE state IN ('accepted', 'done')").fetchone()[0]
    assert exchanges > 0 and len(counts.dataframe) == 2  # per dimension, between countries
    assert int(counts.dataframe[1].value["Exchanges"].sum()) == exchanges
    assert len(counts.get("download_button")) == 2  # the data behind each


def test_filters_are_read_from_the_url(own_db):
    at = opened("exchange", query={"view": "offers", "kind": "mentoring"})
    expected = own_db.execute("SELECT count(*) FROM offers WHERE state = 'published' AND kind = 'mentoring'").fetchone()[0]
    assert at.multiselect(key="url_kind").value == ["mentoring"]
    shown = texts(at)
    assert (f"{expected} offers" if expected != 1 else "1 offer") in shown


def test_the_need_form_proposes_the_weakest_dimensions_and_the_posted_need_lists_its_matches(own_db):
    set_language("en")
    proposal = exchange.propose_need(own_db, "aarhus-dk")
    at = opened("exchange", "editor-aarhus")
    dims = at.multiselect(key="need_dims_aarhus-dk")
    assert dims.value == [d for d, _ in proposal.dimensions]
    assert f"self-assessment of {proposal.round_year}" in texts(at)
    next(b for b in at.button if b.label == "Post the need").click().run()
    assert not at.exception
    need = own_db.execute("SELECT id, from_assessment, round_year FROM needs WHERE member_id = 'aarhus-dk'").fetchone()
    assert need[1] is True and need[2] == proposal.round_year
    assert any("Your need is posted" in s.value for s in at.success)
    shown = texts(at)
    assert "Offers that cover this need" in shown and "Peers strong in these dimensions" in shown
    covering = own_db.execute("SELECT o.title FROM offers o JOIN offer_dimensions od ON od.offer_id = o.id "
                              "WHERE od.dimension_id = $d AND o.state = 'published' AND o.member_id <> 'aarhus-dk'",
                              {"d": proposal.dimensions[0][0]}).fetchall()
    assert covering and any(title in shown for (title,) in covering)
    peer_links = [p.label for p in at.get("page_link")]
    assert any(", level 4" in p or ", level 5" in p for p in peer_links)


def test_interest_makes_a_request_that_the_offering_city_accepts_in_its_inbox(own_db):
    offer_id, owner = own_db.execute("SELECT id, member_id FROM offers WHERE state = 'published' AND member_id <> "
                                     "'aarhus-dk' ORDER BY id LIMIT 1").fetchone()
    at = opened("exchange", "editor-aarhus", {"view": "offers", "country": owner[-2:].upper()})
    assert not at.get("popover") and not any(b.key == f"send_list_{offer_id}" for b in at.button)
    next(b for b in at.button if b.key == f"interest_list_{offer_id}").click().run()  # opens the message box
    next(a for a in at.text_area if a.key == f"msg_list_{offer_id}").input("We would like to visit in March.")
    next(b for b in at.button if b.key == f"send_list_{offer_id}").click().run()
    assert not at.exception
    assert any("Request sent" in s.value for s in at.success)
    row = own_db.execute("SELECT id, state, message FROM exchange_requests WHERE offer_id = $o AND "
                         "requesting_member_id = 'aarhus-dk'", {"o": offer_id}).fetchone()
    assert row[1:] == ("proposed", "We would like to visit in March.")

    mine = opened("inbox", "editor-aarhus")
    assert "We would like to visit in March." in texts(mine)
    assert not any(b.label == "Accept" for b in mine.button)  # the asking city does not accept its own request

    auth.add_user(own_db, f"editor-{owner}", "a-long-test-password-1", "editor", members=[owner])
    theirs = opened("inbox", f"editor-{owner}")
    assert "We would like to visit in March." in texts(theirs)
    next(b for b in theirs.button if b.key == f"move_{row[0]}_accepted").click().run()
    assert not theirs.exception
    assert own_db.execute("SELECT state, accepted_by FROM exchange_requests WHERE id = $i", {"i": row[0]}
                          ).fetchone() == ("accepted", f"editor-{owner}")
    assert any("Accepted" in s.value for s in theirs.success)


def test_inbox_needs_a_sign_in_and_is_empty_with_a_clear_message(own_db):
    at = opened("inbox")
    assert "Sign in" in " ".join(s.value for s in at.subheader) or at.text_input
    own_db.execute("DELETE FROM exchange_requests")
    mine = opened("inbox", "editor-aarhus")
    assert any("No exchange request yet" in i.value for i in mine.info)


def test_the_pages_in_french(own_db):
    at = opened("exchange", "editor-aarhus", lang="fr")
    shown = texts(at)
    assert "Proposé à partir de votre auto-évaluation" in shown
    assert "Publier le besoin" in [b.label for b in at.button]
    inbox = opened("inbox", "editor-aarhus", lang="fr")
    assert inbox.title[0].value == "Demandes d’échange"


def test_an_offer_edited_by_someone_else_meanwhile_is_refused_showing_what_changed(own_db):
    """Two editors of one city open the same offer; the second save is refused, naming the field the first
    changed, and the second editor's text stays in the form."""
    set_language("en")
    record = {"kind": "mentoring", "title": "Mentoring for new prevention officers", "languages": ["en"],
              "dimensions": [2]}
    contact = {"name": "Kim Contact", "email": "kim@example.org"}
    editor = auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}), None)
    offer = exchange.save_offer(own_db, editor, "aarhus-dk", record, contact)
    at = opened("exchange", "editor-aarhus", {"view": "offers", "offer": offer["id"]})
    title = next(w for w in at.text_input if w.key.endswith("_title"))
    assert title.value == "Mentoring for new prevention officers"
    assert next(w for w in at.text_input if w.key.endswith("_ce")).value == "kim@example.org"
    exchange.save_offer(own_db, editor, "aarhus-dk", {**record, "title": "Mentoring, now in spring"}, contact,
                        offer_id=offer["id"], base_version=offer["version"], seen=offer)
    next(w for w in at.text_area if w.key.endswith("_summary")).input("My own description")
    next(b for b in at.button if b.label == "Save the changes").click().run()
    assert not at.exception
    assert any("changed this after you opened it" in e.value for e in at.error)
    assert "Title: now “Mentoring, now in spring”" in texts(at)
    assert next(w for w in at.text_area if w.key.endswith("_summary")).value == "My own description"
    assert exchange.offer(own_db, offer["id"])["summary"] is None  # nothing of the refused save was written
    assert any(b.label == "Start again from the saved version" for b in at.button)


def test_the_overview_shows_the_exchange_in_counts(own_db):
    at = opened("overview")
    offers, needs, done = own_db.execute(
        "SELECT (SELECT count(*) FROM offers WHERE state = 'published'), (SELECT count(*) FROM needs WHERE state = "
        "'open'), (SELECT count(*) FROM exchange_requests WHERE state IN ('accepted', 'done'))").fetchone()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Offers"], metrics["Open needs"], metrics["Exchanges"]) == (str(offers), str(needs), str(done))
    assert done > 0 and "Peer exchange" in [s.value for s in at.subheader]


def test_an_incomplete_offer_is_refused_field_by_field_and_nothing_is_written(own_db):
    before = own_db.execute("SELECT count(*) FROM offers").fetchone()[0]
    at = opened("exchange", "editor-aarhus", {"view": "offers"})
    next(w for w in at.text_input if w.key.endswith("_ce")).input("not an address")
    next(b for b in at.button if b.label == "Publish the offer").click().run()
    assert not at.exception
    assert any("Please correct these fields" in e.value for e in at.error)
    shown = texts(at)
    for line in ("Title: a value is needed", "Dimensions: choose at least one", "Contact name: a value is needed",
                 "Contact e-mail: give a valid e-mail address"):
        assert line in shown, line
    assert own_db.execute("SELECT count(*) FROM offers").fetchone()[0] == before

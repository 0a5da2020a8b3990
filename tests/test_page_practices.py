"""AppTest of /practices: URL parameters reproduce a filtered view whose row count is the database's, widgets
write the URL, detail / comparison / charts / contacts render, bad links are explained, data stays text."""
from __future__ import annotations

import duckdb
import pytest

from alliance.app.ui import md_text
from conftest import app_test


def independent_count(demo_db, where: str = "TRUE", params: list | None = None) -> int:
    """Count non-archived activities with plain SQL, apart from the catalogue's own queries."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return con.execute(f"""
            SELECT count(*) FROM activities a JOIN members m ON m.id = a.lead_member_id
            WHERE a.status <> 'archived' AND {where}""", params or []).fetchone()[0]
    finally:
        con.close()


def url(at, name: str) -> list[str]:
    value = at.query_params[name]
    return value if isinstance(value, list) else [value]


def heading_count(at) -> int:
    for m in at.markdown:
        if m.value.startswith("### "):
            return int(m.value[4:].split()[0].replace(",", "").replace("\u202f", ""))
    raise AssertionError("no result count heading")


def card_ids(at) -> list[str]:
    return [c.key.removeprefix("pr_pick_") for c in at.checkbox if c.key.startswith("pr_pick_")]


def test_url_reproduces_a_filtered_view_with_the_database_count(app_env, demo_db):
    at = app_test("practices", {"approach": ["family_support", "youth_education"], "country": "BE"})
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="pr_approach").value == ["family_support", "youth_education"]
    assert at.multiselect(key="pr_country").value == ["BE"]
    expected = independent_count(demo_db, "m.country_code = 'BE' AND a.id IN (SELECT activity_id FROM "
                                          "activity_approaches WHERE approach_id IN ('family_support', "
                                          "'youth_education'))")
    assert expected > 0
    assert heading_count(at) == expected
    assert len(card_ids(at)) == min(expected, 12)


def test_search_ignores_accents_and_counts_match(app_env, demo_db):
    at = app_test("practices", {"q": "liege"})
    at.run()
    assert not at.exception, at.exception
    expected = independent_count(demo_db, "contains(strip_accents(lower(a.title || ' ' || m.name || ' ' || "
                                          "a.summary)), 'liege')")
    assert expected > 0 and heading_count(at) == expected
    titles = " ".join(m.value for m in at.markdown)
    assert "Liège" in titles


def test_table_layout_shows_one_page_of_rows(app_env, demo_db):
    at = app_test("practices", {"layout": "table", "size": "24", "page": "2", "sort": "title"})
    at.run()
    assert not at.exception, at.exception
    total = independent_count(demo_db)
    table = at.dataframe[0].value
    assert len(table) == min(24, total - 24)
    con = duckdb.connect(str(demo_db), read_only=True)
    titles = [r[0] for r in con.execute(
        "SELECT title FROM activities WHERE status <> 'archived' "
        "ORDER BY strip_accents(lower(title)), last_updated DESC, id LIMIT 24 OFFSET 24").fetchall()]
    con.close()
    assert table["title"].tolist() == titles


def test_choosing_a_facet_writes_the_url_and_refilters(app_env, demo_db):
    at = app_test("practices")
    at.run()
    before = heading_count(at)
    at.multiselect(key="pr_kind").select("training").run()
    assert not at.exception, at.exception
    assert url(at, "kind") == ["training"]
    expected = independent_count(demo_db, "a.kind = 'training'")
    assert heading_count(at) == expected < before
    at.text_input(key="pr_q").input("school").run()
    assert url(at, "q") == ["school"]
    assert heading_count(at) <= expected


def test_archived_entries_hidden_unless_asked(app_env, demo_db):
    at = app_test("practices", {"archived": "1"})
    at.run()
    con = duckdb.connect(str(demo_db), read_only=True)
    everything = con.execute("SELECT count(*) FROM activities").fetchone()[0]
    con.close()
    assert heading_count(at) == everything
    assert at.toggle(key="pr_archived").value is True


def test_empty_result_explains_and_offers_to_loosen(app_env):
    at = app_test("practices", {"q": "zzqqxx", "kind": "tool"})
    at.run()
    assert not at.exception, at.exception
    assert any("No practice matches" in i.value for i in at.info)
    loosen = [b for b in at.button if b.key and b.key.startswith("loosen_")]
    assert {b.key for b in loosen} == {"loosen_q", "loosen_kind"}
    at.button(key="loosen_q").click().run()
    assert "q" not in at.query_params
    assert url(at, "kind") == ["tool"]
    assert heading_count(at) > 0


def test_bad_link_values_are_reported_not_fatal(app_env):
    at = app_test("practices", {"approach": "no_such_approach", "years": "later", "page": "999", "sort": "x"})
    at.run()
    assert not at.exception, at.exception
    assert any("no_such_approach" in w.value and "years=later" in w.value for w in at.warning)
    assert heading_count(at) > 0


def test_detail_shows_every_field_and_links_the_lead(app_env):
    at = app_test("practices", {"id": "aarhus-model"})
    at.run()
    assert not at.exception, at.exception
    assert any("Aarhus model" in h.value for h in at.header)
    fields = at.table[0].value
    assert {"Title", "Lead member", "Approaches", "Source", "Last updated"} <= set(fields["field"])
    assert "Documented" in fields["value"].tolist()
    assert "aarhus\\-model" in fields["value"].tolist()  # Markdown-escaped, shown as aarhus-model
    lead_links = [p.proto for p in at.get("page_link") if p.proto.page == "city"]
    assert [link.query_string for link in lead_links] == ["city=aarhus-dk"]
    assert "Aarhus" in lead_links[0].label


def test_unknown_detail_id_says_so(app_env):
    at = app_test("practices", {"id": "nope"})
    at.run()
    assert not at.exception
    assert any("nope" in w.value for w in at.warning)


def test_comparison_from_the_url_marks_differences(app_env):
    at = app_test("practices", {"compare": "aarhus-model,rotterdam-radicalisation-advice-point,ghost"})
    at.run()
    assert not at.exception, at.exception
    assert any("ghost" in w.value for w in at.warning)
    table = at.table[0].value
    assert table.shape[1] == 4  # differs, field, A, B
    rows = table.set_index("Field")
    assert rows.iloc[:, 0]["Lead member"] == "≠"
    assert rows.iloc[:, 0]["Kind"] == ""  # both are practices
    assert "Aarhus model" in table.columns[2]
    assert rows.loc["Lead member"].tolist()[1:] == ["Aarhus", "Rotterdam"]


def test_picking_practices_builds_a_shareable_comparison(app_env):
    at = app_test("practices", {"country": "BE"})
    at.run()
    ids = card_ids(at)[:2]
    assert len(ids) == 2
    at.checkbox(key=f"pr_pick_{ids[0]}").check().run()
    at.checkbox(key=f"pr_pick_{ids[1]}").check().run()
    assert url(at, "pick") == [",".join(ids)]
    at.button(key="compare_go").click().run()
    assert url(at, "compare") == [",".join(ids)]
    assert not at.exception
    assert at.table[0].value.shape[1] == 4


def test_overview_charts_and_contacts(app_env):
    at = app_test("practices", {"view": "charts", "country": "FR"})
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 3
    at = app_test("practices", {"view": "contact", "contact": "family_support"})
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="pr_contact").value == "family_support"
    assert any("1." in m.value for m in at.markdown)


@pytest.fixture
def hostile_db(writable_db, monkeypatch):
    """A copy of the demonstration database with a practice whose title and summary are HTML and Markdown."""
    con = duckdb.connect(str(writable_db))
    con.execute("""INSERT INTO activities (id, title, summary, lead_member_id, kind, start_year, end_year,
                   status, evaluation, source_url, last_updated, provenance)
                   VALUES ('xss-1', '<script>alert(1)</script> **bold** [x](javascript:alert(2))',
                   '<img src=x onerror=alert(3)> :red[red]', 'aarhus-dk', 'practice', 2020, NULL, 'ongoing',
                   'none', 'javascript:alert(4)', current_date, 'invented')""")
    con.close()
    monkeypatch.setenv("ALLIANCE_DB", str(writable_db))
    return writable_db


def test_text_from_data_is_never_html(hostile_db):
    title = "<script>alert(1)</script> **bold** [x](javascript:alert(2))"
    at = app_test("practices", {"q": "script"})
    at.run()
    assert not at.exception, at.exception
    shown = [m for m in at.markdown if "script" in m.value]
    assert shown and all(md_text(title) in m.value for m in shown)
    assert not any(m.proto.allow_html for m in at.markdown)
    assert any("onerror" in t.value for t in at.text)  # the summary as plain text
    at = app_test("practices", {"id": "xss-1"})
    at.run()
    assert not at.exception, at.exception
    assert at.header[0].value == md_text(title)
    assert not at.get("link_button")  # a javascript: source is not a link
    assert any("Invented" in w.value for w in at.warning)


# --- French texts (issue 19, item 7) and the default order (issue 13) -----------------------------------------

def in_french(at, monkeypatch):
    """AppTest runs the page without app.py after switch_page: French is set as app.py would (see test_french)."""
    import types

    from alliance import i18n
    monkeypatch.setattr(i18n, "_state", types.SimpleNamespace(lang="fr"))
    at.session_state["lang"] = at.session_state["language"] = "fr"
    return at


def captions(at) -> list[str]:
    """Caption texts without md_text's escapes."""
    return [c.value.replace("\\", "") for c in at.caption]


def test_french_search_jeunes_finds_the_youth_practices_in_french(app_env, demo_db, monkeypatch):
    at = in_french(app_test("practices", {"q": "jeunes", "archived": "1", "source": "documented"}), monkeypatch)
    at.run()
    assert not at.exception, at.exception
    con = duckdb.connect(str(demo_db), read_only=True)
    expected = {r[0] for r in con.execute(
        "SELECT id FROM activities WHERE provenance = 'documented' "
        "AND contains(strip_accents(lower(title_fr || ' ' || summary_fr)), 'jeunes')").fetchall()}
    liege = con.execute("SELECT title_fr FROM activities WHERE id = 'liege-local-strategy'").fetchone()[0]
    con.close()
    assert len(expected) >= 5 and "liege-local-strategy" in expected
    assert heading_count(at) == len(expected)
    assert set(card_ids(at)) == expected
    titles = [m.value for m in at.markdown]
    assert f"**{md_text(liege)}**" in titles  # the card shows the French title
    assert not any("(texte en anglais)" in c for c in captions(at))  # all of them have French


def test_a_practice_without_french_says_it_is_shown_in_english(own_db, monkeypatch):
    own_db.execute("""INSERT INTO activities (id, title, summary, lead_member_id, kind, status, evaluation,
                      last_updated, provenance) VALUES ('only-en', 'Quiet English title', 'Only in English.',
                      'aarhus-dk', 'practice', 'ongoing', 'none', current_date, 'documented')""")
    own_db.execute("""INSERT INTO activities (id, title, summary, lead_member_id, kind, status, evaluation,
                      last_updated, provenance, original_language) VALUES ('only-fr', 'Titre discret', 'Seulement
                      en français.', 'aarhus-dk', 'practice', 'ongoing', 'none', current_date, 'documented', 'fr')""")
    own_db.execute("CHECKPOINT")
    at = in_french(app_test("practices", {"id": "only-en"}), monkeypatch)
    at.run()
    assert not at.exception, at.exception
    assert at.header[0].value == "Quiet English title"
    assert "(texte en anglais)" in captions(at)
    at = in_french(app_test("practices", {"q": "quiet"}), monkeypatch)
    at.run()
    assert "(texte en anglais)" in captions(at)  # on the card too
    at = app_test("practices", {"id": "only-fr"})  # an English reader of a French original
    at.run()
    assert at.header[0].value == "Titre discret"
    assert "(in French)" in captions(at)
    at = app_test("practices", {"id": "aarhus-model"})  # English original, English reader: no note
    at.run()
    assert not any("(in " in c for c in captions(at))


def test_default_order_shows_documented_practices_first(app_env, demo_db):
    at = app_test("practices")
    at.run()
    assert not at.exception, at.exception
    con = duckdb.connect(str(demo_db), read_only=True)
    provenance = dict(con.execute("SELECT id, provenance FROM activities").fetchall())
    documented = con.execute("SELECT count(*) FROM activities WHERE provenance = 'documented' "
                             "AND status <> 'archived'").fetchone()[0]
    con.close()
    shown = [provenance[i] for i in card_ids(at)]
    assert len(shown) == 12
    assert shown[:min(documented, 12)] == ["documented"] * min(documented, 12)


def test_comparing_three_marks_unique_and_partly_shared_items(app_env, demo_db):
    ids = ["aarhus-model", "liege-local-strategy", "kumanovo-community-action-team"]
    at = app_test("practices", {"compare": ",".join(ids)})
    at.run()
    assert not at.exception, at.exception
    row = [cell.replace("\\", "") for cell in at.table[0].value.set_index("Field").loc["Approaches"].tolist()[1:]]
    # youth education: Aarhus (A) and Liège (B) have it, Kumanovo (C) not: "also in", never "only here"
    assert all("only here: Youth resilience and education" not in cell for cell in row)
    assert "also in B: Frontline training, Youth resilience and education" in row[0]
    assert "also in A: Frontline training, Youth resilience and education" in row[1]
    assert "only here: Exit and reintegration, Family support" in row[0]
    assert all(cell.startswith("shared by all: Multi-agency cooperation — ") for cell in row)

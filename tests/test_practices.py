"""Unit tests of the practice catalogue: accent folding, search terms and ranking, facet counting, URL state,
comparison and exports. Ranking and facets are tested on the real SQL, on a small database built here with
known rows, and on the demonstration database against counts computed independently."""
from __future__ import annotations

import datetime as dt
import io

import duckdb
import pandas as pd
import pytest

from alliance import db
from alliance import practices as pr

TODAY = dt.date.today()


# --- a small database with known rows -------------------------------------------------------------------

ROWS = [
    # id, title, summary, lead, kind, status, evaluation, start, updated, provenance, approaches, targets
    ("a-liege", "Family support in Liège", "Parents get advice.", "liege-be", "practice", "ongoing", "external",
     2015, TODAY, "documented", ["family_support"], ["parents"]),
    ("b-youth", "Youth work", "Family support and liege youth clubs.", "ghent-be", "project", "completed", "none",
     2012, TODAY, "invented", ["youth", "family_support"], ["young"]),
    ("c-family", "Family help", "Support for families.", "ghent-be", "practice", "ongoing", "peer_reviewed",
     2018, TODAY - dt.timedelta(days=6 * 365), "documented", ["family_support"], ["parents"]),
    ("d-archived", "Liège family support archive", "Old.", "liege-be", "practice", "archived", "internal",
     2008, TODAY, "documented", ["family_support"], ["parents"]),
    ("e-lyon", "École et famille à Lyon", "Support scolaire pour les familles.", "lyon-fr", "training", "planned",
     "none", 2024, TODAY, "invented", ["youth"], ["young", "parents"]),
]


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("practices") / "small.duckdb"
    con = duckdb.connect(str(path))
    con.execute(db.schema_sql())
    con.execute("INSERT INTO regions (id, label_en, label_fr) VALUES ('western', 'Western Europe', 'Europe de l''Ouest')")
    con.execute("INSERT INTO countries (code, name_en, name_fr, region) VALUES ('BE', 'Belgium', 'Belgique', 'western'), "
                "('FR', 'France', 'France', 'western')")
    for member, name, country, population in [("liege-be", "Liège", "BE", 195_000), ("ghent-be", "Ghent", "BE", 262_000),
                                              ("lyon-fr", "Lyon", "FR", None)]:
        con.execute("INSERT INTO members VALUES (?, ?, ?, 'municipality', 50, 4, ?, DATE '2016-01-01', 'member', "
                    "NULL, NULL)", [member, name, country, population])
    for table, ids in [("approaches", ["family_support", "youth"]), ("target_groups", ["parents", "young"])]:
        for i in ids:
            con.execute(f"INSERT INTO {table} (id, label_en, label_fr) VALUES (?, ?, ?)", [i, i.title(), i.upper()])
    for r in ROWS:
        con.execute("INSERT INTO activities (id, title, summary, lead_member_id, kind, start_year, end_year, "
                    "status, evaluation, source_url, last_updated, provenance) "
                    "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?, ?)",
                    [r[0], r[1], r[2], r[3], r[4], r[7], r[5], r[6], r[8], r[9]])
        for a in r[10]:
            con.execute("INSERT INTO activity_approaches VALUES (?, ?)", [r[0], a])
        for g in r[11]:
            con.execute("INSERT INTO activity_target_groups VALUES (?, ?)", [r[0], g])
    con.close()
    con = db.connect(path, read_only=True)
    yield con
    con.close()


def ids(con, filters: pr.Filters, **kw) -> list[str]:
    return db.run_query(con, "practices_results", **filters.params(), limit=100, **kw)["id"].tolist()


# --- accent folding and search --------------------------------------------------------------------------

def test_fold_drops_case_and_accents():
    assert pr.fold("Liège") == "liege"
    assert pr.fold("ÉCOLE à Málaga") == "ecole a malaga"
    assert pr.fold("Setúbal, Düsseldorf") == "setubal, dusseldorf"


@pytest.mark.parametrize("text", ["Liège", "Málaga", "Reykjavík", "Düsseldorf", "L'Hospitalet de Llobregat",
                                  "Malmö", "Setúbal", "Brno", "Ελληνικά", "Çanakkale", "ŠKODA"])
def test_fold_agrees_with_duckdb(text):
    folded = duckdb.connect().execute("SELECT strip_accents(lower(?))", [text]).fetchone()[0]
    assert pr.fold(text) == folded


def test_search_terms_are_folded_words_without_noise():
    assert pr.search_terms("  Liège, LIEGE  l'Hospitalet ") == ["liege", "hospitalet"]
    assert pr.search_terms("") == []
    assert pr.search_terms("a") == ["a"]
    assert len(pr.search_terms(" ".join(f"w{i}" for i in range(20)))) == pr.MAX_TERMS


def test_liege_without_accent_finds_liege(small_db):
    found = ids(small_db, pr.Filters(q="liege"))
    assert "a-liege" in found  # title "Liège"
    assert "b-youth" in found  # summary "liege"
    assert "d-archived" not in found  # archived is hidden unless asked for
    assert "d-archived" in ids(small_db, pr.Filters(q="LIÈGE", include_archived=True))


def test_every_search_term_is_required(small_db):
    found = ids(small_db, pr.Filters(q="family liege"))
    assert set(found) == {"a-liege", "b-youth"}  # c-family has no "liege", e-lyon neither
    assert ids(small_db, pr.Filters(q="family nonexistentword")) == []


def test_title_hits_rank_above_summary_hits(small_db):
    found = ids(small_db, pr.Filters(q="family support liege"), sort="relevance")
    assert found == ["a-liege", "b-youth"]
    scores = db.run_query(small_db, "practices_results", **pr.Filters(q="family support liege").params(),
                          limit=10)["score"].tolist()
    assert scores[0] > scores[1] > 0


def test_accented_query_matches_unaccented_text_and_back(small_db):
    assert ids(small_db, pr.Filters(q="ecole")) == ["e-lyon"]
    assert ids(small_db, pr.Filters(q="École")) == ["e-lyon"]


def test_city_name_is_searched(small_db):
    assert set(ids(small_db, pr.Filters(q="ghent"))) == {"b-youth", "c-family"}


# --- facets ---------------------------------------------------------------------------------------------

def counts(con, filters: pr.Filters) -> dict[str, dict[str, int]]:
    return pr.facet_counts(db.run_query(con, "practices_facets", **filters.params()))


def test_facet_counts_leave_their_own_selection_out(small_db):
    f = pr.Filters(selected={"country": ("FR",), "approach": ("family_support",)})
    c = counts(small_db, f)
    # approach counted among FR activities (e-lyon: youth only); country counted among family_support ones
    assert c["approach"] == {"youth": 1}
    assert c["country"] == {"BE": 3}
    assert c["all"]["matches"] == 0
    # the status facet counts the archived entry that is hidden, under the other filters
    assert counts(small_db, pr.Filters())["status"]["archived"] == 1


def test_facet_counts_multi_valued_facets(small_db):
    c = counts(small_db, pr.Filters())
    assert c["approach"] == {"family_support": 3, "youth": 2}
    assert c["target_group"] == {"parents": 3, "young": 2}
    assert c["all"]["matches"] == 4
    assert c["provenance"] == {"documented": 2, "invented": 2}
    assert c["freshness"] == {"current": 3, "stale": 1}
    assert c["pop_band"] == {"0": 1, "3": 1, "4": 2}  # Lyon unknown, Liège 100-250k, Ghent (2) 250-500k


def test_options_within_a_facet_are_alternatives(small_db):
    f = pr.Filters(selected={"kind": ("project", "training")})
    assert set(ids(small_db, f)) == {"b-youth", "e-lyon"}
    assert counts(small_db, f)["kind"] == {"practice": 2, "project": 1, "training": 1}


def test_facet_counts_match_an_independent_count_on_the_demo_database(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        f = pr.Filters(selected={"approach": ("family_support",), "country": ("BE", "FR")})
        c = counts(con, f)
        frame = con.execute("""
            SELECT a.id, m.country_code, a.status, a.kind FROM activities a JOIN members m ON m.id = a.lead_member_id
            WHERE a.status <> 'archived'""").df()
        approaches = con.execute("SELECT activity_id, approach_id FROM activity_approaches").df()
        family = set(approaches.loc[approaches["approach_id"] == "family_support", "activity_id"])
        in_countries = frame[frame["country_code"].isin(["BE", "FR"])]
        expected_approach = approaches[approaches["activity_id"].isin(in_countries["id"])] \
            .groupby("approach_id").size().to_dict()
        expected_country = frame[frame["id"].isin(family)].groupby("country_code").size().to_dict()
        expected_kind = in_countries[in_countries["id"].isin(family)].groupby("kind").size().to_dict()
        assert c["approach"] == expected_approach
        assert c["country"] == expected_country
        assert c["kind"] == expected_kind
        assert c["all"]["matches"] == sum(expected_kind.values())
        total = db.run_query(con, "practices_count", **f.params())
        assert int(total["matches"].iloc[0]) == c["all"]["matches"]
    finally:
        con.close()


def test_facet_options_order_and_zero_counts():
    facet = pr.FACET_BY_KEY["kind"]
    options = pr.facet_options(facet, ["practice", "project", "tool"], {"practice": 2, "project": 5},
                               ["tool"], str.upper)
    assert [(o.value, o.count, o.selected) for o in options] == [("tool", 0, True), ("project", 5, False),
                                                                 ("practice", 2, False)]


# --- results: paging, order, staleness ------------------------------------------------------------------

def test_paging_never_returns_more_than_a_page(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        first = db.run_query(con, "practices_results", **pr.Filters().params(), sort="title", limit=12, offset=0)
        second = db.run_query(con, "practices_results", **pr.Filters().params(), sort="title", limit=12, offset=12)
        assert len(first) == 12 and len(second) == 12
        assert not set(first["id"]) & set(second["id"])
        assert first["position"].tolist() == list(range(1, 13))
        titles = first["title"].map(pr.fold).tolist() + second["title"].map(pr.fold).tolist()
        assert titles == sorted(titles)
        expected = con.execute("SELECT count(*) FROM activities WHERE status <> 'archived'").fetchone()[0]
        assert int(db.run_query(con, "practices_count", **pr.Filters().params())["matches"].iloc[0]) == expected
        last = db.run_query(con, "practices_results", **pr.Filters().params(), sort="title", limit=12,
                            offset=expected - 5)
        assert last["position"].tolist() == list(range(expected - 4, expected + 1))
    finally:
        con.close()


@pytest.mark.parametrize("sort,column,descending", [("updated", "last_updated", True), ("newest", "start_year", True),
                                                     ("oldest", "start_year", False),
                                                     ("evidence", "evidence_rank", True)])
def test_sort_orders(demo_db, sort, column, descending):
    con = db.connect(demo_db, read_only=True)
    try:
        rows = db.run_query(con, "practices_results", **pr.Filters().params(), sort=sort, limit=40)
        values = rows[column].dropna().tolist()
        assert values == sorted(values, reverse=descending)
    finally:
        con.close()


def test_stale_flag_follows_the_five_year_rule(small_db):
    rows = db.run_query(small_db, "practices_by_ids", ids=[r[0] for r in ROWS])
    for row in rows.to_dict("records"):
        assert bool(row["stale"]) == pr.is_stale(row["last_updated"]), row["id"]
    assert rows.set_index("id").at["c-family", "stale"]
    assert pr.is_stale(dt.date(2020, 1, 1), today=dt.date(2025, 1, 2))
    assert not pr.is_stale(dt.date(2020, 1, 3), today=dt.date(2025, 1, 2))


def test_peers_are_ranked_by_evidence(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        peers = db.run_query(con, "practices_peers", **pr.Filters().params(), approach="multi_agency", limit=50)
        assert not peers.empty
        ranks = peers["evidence_rank"].tolist()
        assert ranks == sorted(ranks, reverse=True)
        assert peers["member_id"].is_unique
        # only established or evaluated practices, all in the approach
        chosen = con.execute("""SELECT status, evaluation FROM activities WHERE id IN (SELECT unnest(?))""",
                             [peers["activity_id"].tolist()]).fetchall()
        assert all(s in ("ongoing", "completed") or e != "none" for s, e in chosen)
        inside = con.execute("SELECT count(*) FROM activity_approaches WHERE approach_id = 'multi_agency' "
                             "AND activity_id IN (SELECT unnest(?))", [peers["activity_id"].tolist()]).fetchone()[0]
        assert inside == len(peers)
    finally:
        con.close()


def test_similar_practices_share_approaches_or_target_groups(small_db):
    rows = db.run_query(small_db, "practices_similar", id="a-liege", limit=5)
    assert "a-liege" not in rows["id"].tolist()
    assert "d-archived" not in rows["id"].tolist()
    assert rows["id"].tolist()[0] == "c-family"  # same approach and target group: the closest
    assert all(len(a) + len(g) > 0 for a, g in zip(rows["shared_approaches"], rows["shared_target_groups"]))


# --- URL state ------------------------------------------------------------------------------------------

KNOWN = {"approach": ["family_support", "youth"], "country": ["BE", "FR"]}


def test_filters_round_trip_through_the_url():
    f = pr.Filters(q="liège", selected={"approach": ("youth", "family_support"), "kind": ("tool",)},
                   year_from=2010, year_to=2020, include_archived=True)
    back, problems = pr.filters_from_url(pr.filters_to_url(f), KNOWN)
    assert problems == []
    assert back == f


def test_bad_url_values_are_dropped_and_reported():
    f, problems = pr.filters_from_url({"approach": ["youth", "nope"], "kind": "rocket", "years": "20x0-2020",
                                       "country": "BE,FR"}, KNOWN)
    assert f.chosen("approach") == ("youth",)
    assert f.chosen("kind") == ()
    assert f.chosen("country") == ("BE", "FR")
    assert f.year_from is None
    assert set(problems) == {"approach=nope", "kind=rocket", "years=20x0-2020"}


def test_page_numbers_and_compare_ids_are_clamped():
    assert pr.page_number("7", total=30, page_size=12) == 3
    assert pr.page_number("x", total=30, page_size=12) == 1
    assert pr.page_number("-2", total=0, page_size=12) == 1
    assert pr.page_number("7", total=None, page_size=12) == 7  # the total not known yet: the page asked
    assert pr.page_number("-2", total=None, page_size=12) == 1
    assert pr.compare_ids(["a,b", "a", "c,d,e"]) == ["a", "b", "c", "d"]
    assert pr.page_window(3, 12, 30) == (25, 30)


def test_without_removes_one_filter():
    f = pr.Filters(q="x", selected={"kind": ("tool",), "country": ("BE",)}, year_from=2000, year_to=2001)
    assert f.active_keys() == ["q", "country", "kind", "years"]
    assert f.without("kind").chosen("kind") == ()
    assert f.without("q").q == ""
    assert f.without("years").year_from is None


def test_archived_entries_are_a_status_filter_unless_asked_for():
    assert "archived" not in pr.Filters().params()["statuses"]
    assert pr.Filters(include_archived=True).params()["statuses"] == []
    assert pr.Filters(selected={"status": ("archived",)}).params()["statuses"] == ["archived"]


# --- comparison -----------------------------------------------------------------------------------------

def test_compare_marks_differences_and_shared_items():
    a = {"kind": "practice", "start_year": 2015, "approaches": ["x", "y"], "end_year": None}
    b = {"kind": "practice", "start_year": 2016, "approaches": ["y", "x"], "end_year": float("nan")}
    c = {"kind": "tool", "start_year": 2015, "approaches": ["y"], "end_year": None}
    two = {r.field: r for r in pr.compare_records([a, b], ["kind", "start_year", "approaches", "end_year"])}
    assert not two["kind"].differs
    assert two["start_year"].differs
    assert not two["approaches"].differs  # same set, other order
    assert not two["end_year"].differs  # None and NaN are both missing
    three = {r.field: r for r in pr.compare_records([a, b, c], ["kind", "approaches"])}
    assert three["kind"].differs
    assert three["approaches"].differs and three["approaches"].shared == frozenset({"y"})


def test_compare_needs_two_to_four():
    with pytest.raises(ValueError):
        pr.compare_records([{"a": 1}], ["a"])
    with pytest.raises(ValueError):
        pr.compare_records([{"a": 1}] * 5, ["a"])


# --- export ---------------------------------------------------------------------------------------------

def sample_frame() -> pd.DataFrame:
    return pd.DataFrame({"title": ["Liège: à l'école", "=HYPERLINK(\"http://x\")", "<script>alert(1)</script>"],
                         "approaches": [["a", "b"], [], ["c"]],
                         "start": pd.array([2015, None, 2020], dtype="Int64"),
                         "updated": ["2024-01-02", "2019-05-06", None]})


def test_csv_has_a_bom_and_reads_back_with_accents():
    raw = pr.csv_bytes(sample_frame())
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["title"].tolist() == sample_frame()["title"].tolist()
    assert back["approaches"].tolist() == ["a; b", "", "c"]
    assert back["start"].tolist() == ["2015", "", "2020"]


def test_xlsx_is_formatted_and_holds_the_values():
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(pr.xlsx_bytes(sample_frame(), "Practices: all", note="Invented rows")))
    sheet = book["Practices  all"]
    assert [c.value for c in sheet[1]] == ["title", "approaches", "start", "updated"]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"
    assert sheet["A2"].value == "Liège: à l'école"
    assert sheet["A3"].value.startswith("'=")  # a formula from data stays text
    assert sheet["B2"].value == "a; b"
    assert sheet["C2"].value == 2015 and sheet["C3"].value is None
    assert book["Note"]["A1"].value == "Invented rows"


def test_display_frame_labels_codes_and_keeps_text(small_db):
    rows = db.run_query(small_db, "practices_results", **pr.Filters().params(), sort="title", limit=10)
    frame = pr.display_frame(rows, lambda key, value: f"{key}:{value}", pr.EXPORT_COLUMNS)
    assert list(frame.columns) == list(pr.EXPORT_COLUMNS)
    assert frame["id"].tolist() == rows["id"].tolist()
    first = frame.set_index("id").loc["a-liege"]
    assert first["country"] == "country:BE"
    assert first["approaches"] == "approach:family_support"
    assert first["source"] == "source:documented"
    assert first["freshness"] == "freshness:current"


def test_safe_url_only_lets_http_through():
    assert pr.safe_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    assert pr.safe_url("javascript:alert(1)") is None
    assert pr.safe_url(None) is None
    assert pr.safe_url("http://x y") is None


# --- texts in several languages (issue 19, item 7) ---------------------------------------------------------

def seed_practices() -> list[dict]:
    import csv

    from alliance.paths import SEED_DIR
    with open(SEED_DIR / "practices.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def found_ids(con, query: str, **extra) -> list[str]:
    params = {**pr.Filters(q=query, include_archived=True).params(), **extra}
    return db.run_query(con, "practices_results", **params, limit=1000)["id"].tolist()


def test_every_documented_practice_has_a_french_title_and_summary():
    rows = seed_practices()
    assert rows
    for row in rows:
        assert row["original_language"] == "en"
        assert row["title_fr"].strip() and row["summary_fr"].strip(), row["id"]
        assert row["title_fr"] != row["title"] and row["summary_fr"] != row["summary"], row["id"]


def test_french_search_jeunes_finds_the_youth_practices(demo_db):
    """Every documented practice whose English text speaks of young people or youth is found by 'jeunes'."""
    import re

    youth = {r["id"] for r in seed_practices() if re.search(r"young|youth", f"{r['title']} {r['summary']}", re.I)}
    assert {"liege-local-strategy", "amsterdam-key-figures-network", "antwerp-family-multi-agency-approach"} <= youth
    con = db.connect(demo_db, read_only=True)
    try:
        documented = set(found_ids(con, "jeunes", provenances=["documented"]))
        assert documented == youth
        assert set(found_ids(con, "Jeunes")) == set(found_ids(con, "jeunes"))  # case does not matter
        assert found_ids(con, "familles") and found_ids(con, "sortie")
    finally:
        con.close()


def test_french_phrase_soutien_aux_familles_finds_family_support_practices(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        found = found_ids(con, "soutien aux familles", provenances=["documented"])
        assert {"antwerp-family-multi-agency-approach", "malmo-coordination-and-consultation-teams"} <= set(found)
        family = set(con.execute("SELECT activity_id FROM activity_approaches "
                                 "WHERE approach_id = 'family_support'").df()["activity_id"])
        assert set(found) <= family
        # the practice whose French title holds the phrase ranks first
        assert found[0] == "antwerp-family-multi-agency-approach"
        # the English words still work, and accents do not matter either way
        assert "antwerp-family-multi-agency-approach" in found_ids(con, "family support")
        assert found_ids(con, "reseau strong cities") == found_ids(con, "Réseau Strong Cities")
    finally:
        con.close()


def test_a_title_in_any_language_that_is_exactly_the_phrase_gets_the_bonus(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute(db.schema_sql())
    con.execute("INSERT INTO regions (id, label_en, label_fr) VALUES ('western', 'W', 'O')")
    con.execute("INSERT INTO countries (code, name_en, name_fr, region) VALUES ('FR', 'France', 'France', 'western')")
    con.execute("INSERT INTO members VALUES ('lyon-fr', 'Lyon', 'FR', 'municipality', 45, 4, 500000, "
                "DATE '2016-01-01', 'member', NULL, NULL)")
    for i, (title, title_fr) in enumerate([("Parent circles", "Cercles de parents"),
                                           ("Cercles de parents et ateliers", None)]):
        con.execute("INSERT INTO activities (id, title, summary, lead_member_id, kind, status, evaluation, "
                    "last_updated, provenance, title_fr) VALUES (?, ?, '', 'lyon-fr', 'practice', 'ongoing', "
                    "'none', current_date, 'documented', ?)", [f"p{i}", title, title_fr])
    ranked = db.run_query(con, "practices_results", **pr.Filters(q="cercles de parents").params())
    assert ranked["id"].tolist() == ["p0", "p1"]
    assert ranked["score"].iloc[0] - ranked["score"].iloc[1] == 20
    con.close()


def test_localized_text_prefers_the_readers_language_then_english_then_the_original():
    english = {"title": "Parent circles", "summary": "Groups.", "original_language": "en",
               "title_fr": "Cercles de parents", "summary_fr": None, "title_en": None}
    assert pr.localized_text(english, "title", "fr") == ("Cercles de parents", "fr")
    assert pr.localized_text(english, "summary", "fr") == ("Groups.", "en")  # no French summary yet
    assert pr.localized_text(english, "title", "en") == ("Parent circles", "en")
    assert pr.localized_text(english, "title", "de") == ("Parent circles", "en")
    french = {"title": "Cercles de parents", "summary": "Groupes.", "original_language": "fr",
              "title_en": "Parent circles", "summary_en": "  "}
    assert pr.localized_text(french, "title", "en") == ("Parent circles", "en")
    assert pr.localized_text(french, "summary", "en") == ("Groupes.", "fr")  # blank counts as missing
    assert pr.localized_text(french, "title", "fr") == ("Cercles de parents", "fr")
    assert pr.localized_text({"title": "Old row"}, "title", "fr") == ("Old row", "en")  # no language columns


def test_localized_series_agrees_with_localized_text_row_by_row():
    rows = pd.DataFrame([
        {"title": "Parent circles", "original_language": "en", "title_fr": "Cercles de parents", "title_en": None},
        {"title": "Cercles", "original_language": "fr", "title_fr": None, "title_en": "Circles"},
        {"title": "Kreise", "original_language": "de", "title_fr": None, "title_en": None},
        {"title": "No language", "original_language": None, "title_fr": "", "title_en": None},
    ])
    for lang in ("en", "fr", "de"):
        texts, shown = pr.localized_series(rows, "title", lang)
        expected = [pr.localized_text(r, "title", lang) for r in rows.to_dict("records")]
        assert list(zip(texts, shown)) == expected
    assert pr.text_languages(["title", "title_en", "summary_fr", "title_fr", "name_fr", "title_de"]) == \
        ["en", "fr", "de"]


def test_language_note_says_when_a_text_is_in_another_language():
    assert pr.language_note("en", "fr") == "(texte en anglais)"
    assert pr.language_note("fr", "en") == "(in French)"
    assert pr.language_note("fr", "fr") == ""


def test_display_frame_gives_texts_in_the_language_and_marks_fallbacks():
    rows = pd.DataFrame([{"id": "a", "title": "Parent circles", "summary": "Groups.", "original_language": "en",
                          "title_fr": "Cercles de parents", "summary_fr": "Des groupes."},
                         {"id": "b", "title": "Exit work", "summary": "Help.", "original_language": "en",
                          "title_fr": None, "summary_fr": None}])
    plain = pr.display_frame(rows, lambda k, v: v, ("id", "title", "summary", "original_language"), lang="fr")
    assert plain["title"].tolist() == ["Cercles de parents", "Exit work"]
    assert plain["summary"].tolist() == ["Des groupes.", "Help."]
    assert plain["original_language"].tolist() == ["anglais", "anglais"]
    marked = pr.display_frame(rows, lambda k, v: v, ("title",), lang="fr", mark_language=True)
    assert marked["title"].tolist() == ["Cercles de parents", "Exit work (texte en anglais)"]


def test_an_older_database_gets_the_language_columns_on_open(tmp_path):
    """A file built before the feature (activities without the text columns) is brought up to date by
    apply_schema, its rows become English originals, and the search runs on it."""
    from alliance.paths import DDL_DIR

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute((DDL_DIR / "00_core.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO regions (id, label_en, label_fr) VALUES ('western', 'W', 'O')")
    con.execute("INSERT INTO countries (code, name_en, name_fr, region) VALUES ('FR', 'France', 'France', 'western')")
    con.execute("INSERT INTO members VALUES ('lyon-fr', 'Lyon', 'FR', 'municipality', 45, 4, 500000, "
                "DATE '2016-01-01', 'member', NULL, NULL)")
    con.execute("INSERT INTO activities VALUES ('old', 'Youth club', 'Sport.', 'lyon-fr', 'practice', 2015, NULL, "
                "'ongoing', 'none', NULL, DATE '2024-01-01', 'documented')")
    assert "title_fr" not in [c[0] for c in con.execute("DESCRIBE activities").fetchall()]
    con.close()
    con = db.connect(path)
    db.apply_schema(con)
    columns = [c[0] for c in con.execute("DESCRIBE activities").fetchall()]
    assert {"original_language", "title_en", "summary_en", "title_fr", "summary_fr"} <= set(columns)
    assert con.execute("SELECT original_language FROM activities").fetchone()[0] == "en"
    con.execute("UPDATE activities SET title_fr = 'Club de jeunes'")
    db.refresh_search(con)  # as every writer does after changing activities
    assert found_ids(con, "jeunes") == ["old"] and found_ids(con, "youth") == ["old"]
    db.apply_schema(con)  # idempotent
    con.close()


def test_a_language_column_added_later_is_searched_without_code_changes(small_db, tmp_path):
    """Adding German is a DDL line: the search macro finds title_de / summary_de by their names."""
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(small_db.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                .fetchone()[0], copy)
    con = duckdb.connect(str(copy))
    con.execute("ALTER TABLE activities ADD COLUMN IF NOT EXISTS title_de VARCHAR")
    con.execute("ALTER TABLE activities ADD COLUMN IF NOT EXISTS summary_de VARCHAR")
    con.execute("UPDATE activities SET summary_de = 'Elternberatung' WHERE id = 'a-liege'")
    assert found_ids(con, "elternberatung") == ["a-liege"]
    row = db.run_query(con, "practices_by_ids", ids=["a-liege"]).iloc[0].to_dict()
    assert pr.localized_text(row, "summary", "de") == ("Elternberatung", "de")
    con.close()


# --- default order (issue 13, section 5) ------------------------------------------------------------------

def test_without_search_documented_practices_come_before_invented_ones(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        for filters in (pr.Filters(), pr.Filters(include_archived=True),
                        pr.Filters(selected={"approach": ("family_support",)})):
            rows = db.run_query(con, "practices_results", **filters.params(), sort="relevance", limit=1000)
            provenance = rows["provenance"].tolist()
            assert "documented" in provenance and "invented" in provenance
            first_invented = provenance.index("invented")
            assert set(provenance[first_invented:]) == {"invented"}, "a documented entry after an invented one"
        page_one = db.run_query(con, "practices_results", **pr.Filters().params(), limit=12)
        assert page_one["provenance"].iloc[0] == "documented"
    finally:
        con.close()


# --- comparison of three (issue 19, item 14) ----------------------------------------------------------------

def test_comparing_three_tells_unique_items_from_partly_shared_ones():
    a = {"approaches": ["multi_agency", "youth_education", "online"]}
    b = {"approaches": ["multi_agency", "youth_education"]}
    c = {"approaches": ["multi_agency", "family_support"]}
    (row,) = pr.compare_records([a, b, c], ["approaches"])
    assert row.shared == frozenset({"multi_agency"})
    # youth_education is in A and B: shared by some, unique to neither
    assert row.unique_to(0) == ["online"]
    assert row.unique_to(1) == []
    assert row.unique_to(2) == ["family_support"]
    assert row.partly_shared(0) == {"youth_education": frozenset({1})}
    assert row.partly_shared(1) == {"youth_education": frozenset({0})}
    assert row.partly_shared(2) == {}
    assert row.holders["youth_education"] == frozenset({0, 1})


def test_stored_folded_texts_and_live_folding_find_the_same(demo_db, tmp_path):
    """activity_search (the folded texts kept for speed) gives the same results as folding on the fly, and a
    row whose text changed is folded again when the database is opened."""
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    con = db.connect(copy)
    db.apply_schema(con)
    assert con.execute("SELECT count(*) FROM activity_search").fetchone()[0] == \
        con.execute("SELECT count(*) FROM activities").fetchone()[0]
    queries = ["jeunes", "liege", "soutien aux familles", "exit", "Malmö"]
    stored = {q: db.run_query(con, "practices_results", **pr.Filters(q=q).params(), limit=500)[["id", "score"]]
              for q in queries}
    con.execute("DELETE FROM activity_search")
    for q in queries:
        live = db.run_query(con, "practices_results", **pr.Filters(q=q).params(), limit=500)[["id", "score"]]
        pd.testing.assert_frame_equal(live, stored[q])
    db.refresh_search(con)
    con.execute("UPDATE activities SET title_fr = 'Modèle d''Aarhus : quartiers apaisés' WHERE id = 'aarhus-model'")
    db.apply_schema(con)  # as on the next open
    assert found_ids(con, "apaises") == ["aarhus-model"]
    assert "aarhus-model" not in found_ids(con, "discriminations")
    con.close()


def test_a_renamed_lead_city_is_found_by_its_new_name_once_the_search_texts_are_refreshed(demo_db, tmp_path):
    """activity_search keeps each practice's lead city name folded; a rename changes the row's hash, so the next
    refresh (an import, an undo, the next open) folds it again."""
    import shutil

    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    con = db.connect(copy)
    try:
        db.apply_schema(con)
        led = sorted(r[0] for r in con.execute(
            "SELECT id FROM activities WHERE lead_member_id = 'aarhus-dk'").fetchall())
        assert led and set(led) <= set(found_ids(con, "aarhus"))
        con.execute("UPDATE members SET name = 'Århusköping' WHERE id = 'aarhus-dk'")
        db.refresh_search(con)
        assert sorted(found_ids(con, "arhuskoping")) == led
        stored = con.execute("SELECT DISTINCT f_city FROM activity_search WHERE id IN (SELECT unnest(?))",
                             [led]).fetchall()
        assert stored == [(" arhuskoping ",)]
    finally:
        con.close()


def test_sorting_by_title_follows_the_title_shown_in_the_readers_language(demo_db):
    con = db.connect(demo_db, read_only=True)
    try:
        for lang in ("en", "fr"):
            rows = db.run_query(con, "practices_results", **pr.Filters(include_archived=True).params(), sort="title",
                                lang=lang, limit=5000)
            titles, _ = pr.localized_series(rows, "title", lang)
            keys = [pr.fold(x) for x in titles]
            assert keys == sorted(keys), lang
        first_fr = db.run_query(con, "practices_results", **pr.Filters(selected={"source": ("documented",)}).params(),
                                sort="title", lang="fr", limit=1)
        assert pr.localized_text(first_fr.iloc[0].to_dict(), "title", "fr")[0].startswith("Amsterdam : ")
    finally:
        con.close()

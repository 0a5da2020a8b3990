"""The open-data API /api/v1/ (alliance.api, served by alliance.app.routes): every endpoint in JSON and CSV,
paging, the ETag round trip, the rate limit, refusals (400 naming the parameter, 404 for an unknown id), and
that nothing private ever leaves, on a real DuckDB copy of the demonstration data."""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from starlette.requests import Request

from alliance import api, db, dictionary, scoring
from alliance.app import routes
from alliance import practices as pr
from conftest import run_coroutine

SECRETS = ("zz-private-user", "secret.person@example.org", "zz-auditor", "ZZ-PRIVATE-EVIDENCE", "zz-draft-editor",
           "ZZ-DRAFT-PRACTICE", "zz-app-auditor", "ZZ-CONTACT-PERSON", "zz.contact@example.org", "ZZ-REQUEST-MESSAGE",
           "ZZ-WITHDRAWN-OFFER")


@pytest.fixture(scope="module")
def con(tmp_path_factory, demo_db):
    """A copy with private rows planted everywhere the API must not look: an account, an import audit entry,
    a participant's evidence text and a draft assessment (whose scores must count nowhere)."""
    import shutil

    from alliance import auth

    path = tmp_path_factory.mktemp("api") / "alliance.duckdb"
    shutil.copyfile(demo_db, path)
    connection = db.connect(path)
    db.apply_schema(connection)
    auth.add_user(connection, "zz-private-user", "a long enough password 1", "admin",
                  email="secret.person@example.org")
    connection.execute("INSERT INTO import_audit VALUES (999, now(), 'zz-auditor', 'cli', 'x.csv', 1, 0, 0, NULL, NULL)")
    connection.execute("UPDATE assessment_scores SET evidence = 'ZZ-PRIVATE-EVIDENCE' WHERE assessment_id = "
                       "(SELECT min(assessment_id) FROM assessment_scores)")
    connection.execute("UPDATE assessments SET status = 'draft', submitted_by = 'zz-draft-editor' "
                       "WHERE id = (SELECT max(id) FROM assessments)")
    # a practice draft (issue 15: the catalogue holds published versions only) and the app's own audit
    connection.execute("INSERT INTO practice_revisions VALUES ('act-zz-draft', 1, 'aarhus-dk', 'draft', 'create', "
                       "'{\"title\": \"ZZ-DRAFT-PRACTICE\"}', NULL, NULL, now(), 'zz-private-user')")
    connection.execute("INSERT INTO app_audit VALUES (999, now(), 'zz-app-auditor', 'save', 'practice', "
                       "'act-zz-draft', 'ZZ-DRAFT-PRACTICE')")
    # issue 15: a contact person and a request's message (private), and a withdrawn offer (not served)
    offer = connection.execute("SELECT id FROM offers WHERE state = 'published' ORDER BY id LIMIT 1").fetchone()[0]
    connection.execute("UPDATE exchange_contacts SET name = 'ZZ-CONTACT-PERSON', email = 'zz.contact@example.org' "
                       "WHERE offer_id = $o", {"o": offer})
    connection.execute("UPDATE exchange_requests SET message = 'ZZ-REQUEST-MESSAGE'")
    connection.execute("UPDATE offers SET state = 'withdrawn', title = 'ZZ-WITHDRAWN-OFFER' WHERE id = (SELECT max(id) "
                       "FROM offers)")
    api.cache._items.clear()
    yield connection
    connection.close()


VERSION = "test-version-1"


def get(con, name: str, query: str = "", path: dict | None = None, version: str = VERSION, etag: str | None = None):
    endpoint = api.BY_NAME[name]
    url = "http://testserver" + endpoint.full_path.replace("{id}", (path or {}).get("id", "")) + (f"?{query}" if query else "")
    return api.answer(con, version, endpoint, path or {}, parse_qsl(query, keep_blank_values=True), url, etag)


def body(response) -> dict:
    return json.loads(response.body)


def csv_rows(response) -> list[dict]:
    text = response.body.decode("utf-8")
    assert not text.startswith("\ufeff")  # plain CSV for tools, no Excel byte order mark
    return list(csv.DictReader(io.StringIO(text)))


def sample_path(con, endpoint: api.Endpoint) -> dict:
    if endpoint.kind != "item":
        return {}
    return {"id": api.sample_ids(con, VERSION)[endpoint.name]}


@pytest.mark.parametrize("endpoint", api.ENDPOINTS, ids=lambda e: e.name)
def test_every_endpoint_answers_json_and_the_same_rows_in_csv(con, endpoint):
    path = sample_path(con, endpoint)
    response = get(con, endpoint.name, "", path)
    assert response.status_code == 200, response.body
    assert response.headers["content-type"] == "application/json"
    data = body(response)["data"]
    assert data
    if endpoint.kind == "document":
        assert set(data) == {"dimension_groups", "dimensions", "levels", "descriptors"}
        assert get(con, endpoint.name, "_format=csv").status_code == 400
        return
    csv_response = get(con, endpoint.name, "_format=csv", path)
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = csv_rows(csv_response)
    expected = [data] if endpoint.kind == "item" else data
    assert [r[next(iter(r))] for r in rows] == [str(d[next(iter(d))]) for d in expected]
    assert list(rows[0]) == list(expected[0])


def test_the_framework_comes_in_every_language_the_app_has(con):
    from alliance.i18n import available_languages

    data = body(get(con, "framework"))["data"]
    assert len(data["dimensions"]) == con.execute("SELECT count(*) FROM dimensions").fetchone()[0]
    assert len(data["levels"]) == 6
    for lang in available_languages():
        assert data["dimensions"][0][f"label_{lang}"]
        assert data["descriptors"][0][f"descriptor_{lang}"]


def test_paging_walks_every_member_once_with_the_cursor(con):
    seen, query, pages = [], "limit=7&status=member", 0
    while True:
        page = body(get(con, "members", query))
        seen += [m["id"] for m in page["data"]]
        pages += 1
        if not page["next"]:
            break
        assert page["next_cursor"] in page["next"]
        query = urlsplit(page["next"]).query
    expected = [r[0] for r in con.execute("SELECT id FROM members WHERE status = 'member' ORDER BY id").fetchall()]
    assert seen == expected and page["total"] == len(expected)
    assert pages == -(-len(expected) // 7)
    # the CSV form pages the same way, its next page in a Link header
    first = get(con, "members", "limit=7&status=member&_format=csv")
    assert 'rel="next"' in first.headers["link"] and first.headers["x-total-count"] == str(len(expected))
    assert [r["id"] for r in csv_rows(first)] == expected[:7]


def test_practices_are_the_catalogues_own_results_with_its_filters_and_search(con):
    filters, _ = pr.filters_from_url({"q": "youth", "approach": ["family_support"]}, {"approach": ["family_support"]})
    expected = db.run_query(con, "practices_results", **filters.params(), sort="relevance", limit=1000, offset=0)
    page = body(get(con, "practices", "q=youth&approach=family_support&limit=1000"))
    assert page["total"] == len(expected) > 0
    assert [p["id"] for p in page["data"]] == expected["id"].tolist()
    assert all("family_support" in p["approaches"] for p in page["data"])
    # archived entries are left out unless asked for, as in the catalogue
    unarchived = body(get(con, "practices", "limit=1000"))["data"]
    assert unarchived and all(p["status"] != "archived" for p in unarchived)
    archived = body(get(con, "practices", "status=archived&limit=1000"))
    assert archived["total"] == con.execute("SELECT count(*) FROM activities WHERE status = 'archived'").fetchone()[0]


def test_distributions_withhold_small_groups_like_the_benchmark(con):
    year = con.execute("SELECT max(year) FROM rounds").fetchone()[0]
    rows = body(get(con, "distributions", f"round={year}&dimension=1"))["data"]
    assert len(rows) == 1
    answers = db.run_query(con, "bench_round_scores", round_year=year)
    expected = scoring.distribution(scoring.score_matrix(answers)[1])
    assert rows[0]["n"] == expected.n and rows[0]["median"] == round(expected.median, 2) and rows[0]["shown"]
    small = con.execute("SELECT country_code FROM members GROUP BY 1 ORDER BY count(*), 1 LIMIT 1").fetchone()[0]
    for row in body(get(con, "distributions", f"round={year}&country={small}"))["data"]:
        assert row["n"] < scoring.MIN_PEER_GROUP
        assert (row["q1"], row["median"], row["q3"], row["shown"]) == (None, None, None, False)


def test_an_etag_round_trip_gives_304_until_the_data_change(con):
    first = get(con, "practices", "q=youth")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    again = get(con, "practices", "q=youth", etag=etag)
    assert again.status_code == 304 and again.body == b"" and again.headers["etag"] == etag
    assert get(con, "practices", "q=youth", etag='"other", ' + etag).status_code == 304
    changed = get(con, "practices", "q=youth", version="test-version-2", etag=etag)
    assert changed.status_code == 200 and changed.headers["etag"] != etag


@pytest.mark.parametrize("name, query, parameter", [
    ("members", "limit=0", "limit"),
    ("members", f"limit={api.MAX_LIMIT + 1}", "limit"),
    ("members", "limit=ten", "limit"),
    ("members", "cursor=not-a-cursor", "cursor"),
    ("members", "kind=village", "kind"),
    ("members", "colour=red", "colour"),
    ("members", "_format=xml", "_format"),
    ("members", "limit=5&limit=6", "limit"),
    ("practices", "approach=no_such_approach", "approach"),
    ("practices", "country=ZZ", "country"),
    ("practices", "years=twenty", "years"),
    ("practices", "sort=random", "sort"),
    ("practices", "archived=maybe", "archived"),
    ("distributions", "round=1999", "round"),
    ("distributions", "dimension=98", "dimension"),
    ("framework_descriptors", "dimension=x", "dimension"),
])
def test_a_bad_parameter_gets_400_naming_it_and_the_reason(con, name, query, parameter):
    response = get(con, name, query)
    assert response.status_code == 400
    error = body(response)
    assert error["error"] == "bad_parameter" and error["parameter"] == parameter and len(error["reason"]) > 5
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("name", ["member", "practice"])
def test_an_unknown_id_gets_404(con, name):
    response = get(con, name, "", {"id": "no-such-id-zz"})
    assert response.status_code == 404
    assert "no-such-id-zz" in body(response)["reason"]


def _every_response(con) -> list:
    out = []
    for endpoint in api.ENDPOINTS:
        path = sample_path(con, endpoint)
        for query in ("limit=1000", "limit=1000&_format=csv", "limit=1000&archived=true") if endpoint.kind == "list" \
                else ("", "_format=csv"):
            if "archived" in query and endpoint.name != "practices":
                continue
            response = get(con, endpoint.name, query, path)
            if response.status_code == 200:
                out.append((endpoint, response))
    return out


def test_no_private_column_or_value_appears_in_any_response(con):
    described = dictionary.describe(con)
    public = set(described["column"]) | set(api.PRACTICE_DERIVED) | set(api.DISTRIBUTION_COLUMNS) | \
        set(api.OFFER_DERIVED) | {
        "round_year", "opened_on", "assessments_counted"}
    private = {"username", "password_hash", "email", "failed_attempts", "locked_until", "imported_by",
               "submitted_by", "evidence", "saved_by", "token", "rows_json", "role", "message",
               "proposed_by", "accepted_by", "updated_by"}
    responses = _every_response(con)
    assert len(responses) >= 2 * len(api.ENDPOINTS) - 2
    for endpoint, response in responses:
        text = response.body.decode("utf-8")
        for secret in SECRETS:
            assert secret not in text, (endpoint.name, secret)
        if response.headers["content-type"].startswith("text/csv"):
            columns = set(next(csv.reader(io.StringIO(text))))
        else:
            data = body(response)["data"]
            rows = [r for part in data.values() for r in part] if endpoint.kind == "document" else \
                ([data] if endpoint.kind == "item" else data)
            columns = {k for r in rows for k in r}
        assert columns <= public, (endpoint.name, columns - public)
        assert not columns & private


def test_drafts_count_nowhere(con):
    draft = con.execute("SELECT round_year FROM assessments WHERE status = 'draft' AND submitted_by = "
                        "'zz-draft-editor'").fetchone()[0]
    counted = con.execute("SELECT count(*) FROM assessments WHERE round_year = $y AND status <> 'draft'",
                          {"y": draft}).fetchone()[0]
    rounds = {r["round_year"]: r["assessments_counted"] for r in body(get(con, "rounds"))["data"]}
    assert rounds[draft] == counted


# ------------------------------------------------------------------------------ through the HTTP handler
def _request(path: str, query: str = "", method: str = "GET", client: str = "10.0.0.1", headers=()) -> Request:
    return Request({"type": "http", "method": method, "path": path, "raw_path": path.encode(),
                    "query_string": query.encode(), "headers": [(k.encode(), v.encode()) for k, v in headers],
                    "client": (client, 40000), "server": ("testserver", 80), "scheme": "http", "root_path": "",
                    "path_params": {}})


def _route(path: str):
    for route in routes.ROUTES:
        if route.path == path:
            return route.endpoint
    raise AssertionError(f"no route {path}")


@pytest.fixture
def served(con, monkeypatch):
    monkeypatch.setattr(routes, "_api_connection", lambda: con)
    monkeypatch.setattr(routes, "_api_version", lambda: VERSION)
    monkeypatch.setattr(api, "limiter", api.RateLimit(3, 60))
    return con


def test_the_rate_limit_refuses_with_a_clear_429_per_address(served):
    handler = _route("/api/v1/members")
    for _ in range(3):
        assert run_coroutine(handler(_request("/api/v1/members", "limit=1"))).status_code == 200
    refused = run_coroutine(handler(_request("/api/v1/members", "limit=1")))
    assert refused.status_code == 429
    error = json.loads(refused.body)
    assert error["error"] == "rate_limited" and "minute" in error["reason"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60 and error["retry_after"] == int(refused.headers["retry-after"])
    # another address is not held back
    assert run_coroutine(handler(_request("/api/v1/members", "limit=1", client="10.0.0.2"))).status_code == 200


def test_cors_preflight_and_headers(served):
    handler = _route("/api/v1/practices")
    pre = run_coroutine(handler(_request("/api/v1/practices", method="OPTIONS")))
    assert pre.status_code == 204 and "GET" in pre.headers["access-control-allow-methods"]
    assert "If-None-Match" in pre.headers["access-control-allow-headers"]
    ok = run_coroutine(handler(_request("/api/v1/practices", "q=youth")))
    assert ok.headers["access-control-allow-origin"] == "*" and "ETag" in ok.headers["access-control-expose-headers"]


def test_openapi_describes_every_endpoint_and_parameter(served):
    spec = json.loads(run_coroutine(_route("/api/v1/openapi.json")(_request("/api/v1/openapi.json"))).body)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {e.full_path for e in api.ENDPOINTS}
    for endpoint in api.ENDPOINTS:
        operation = spec["paths"][endpoint.full_path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {p.name for p in endpoint.params} <= names
        assert ("404" in operation["responses"]) == (endpoint.kind == "item")


@pytest.mark.parametrize("lang, heading", [("en", "Alliance open data"), ("fr", "Données ouvertes")])
def test_the_human_page_lists_every_endpoint_with_working_examples(served, lang, heading):
    page = run_coroutine(_route("/api/v1/")(_request("/api/v1/", f"lang={lang}"))).body.decode()
    assert heading in page and f'lang="{lang}"' in page
    for endpoint in api.ENDPOINTS:
        assert endpoint.full_path in page
        example = api.example_url(endpoint, api.sample_ids(served, VERSION))
        split = urlsplit(example)
        path = {"id": split.path.rsplit("/", 1)[-1]} if endpoint.kind == "item" else {}
        assert get(served, endpoint.name, split.query, path).status_code == 200, example


def test_every_endpoint_has_its_description_in_every_language():
    from alliance.i18n import available_languages, catalogue

    for lang in available_languages():
        assert all(f"api.endpoint.{e.name}" in catalogue(lang) for e in api.ENDPOINTS), lang

"""The open-data API, `/api/v1/...`: read-only JSON and CSV beside the pages (served by alliance.app.routes).

Each endpoint is declared once (`Endpoint`: path, parameters, fetch function); the parameter check, the
OpenAPI description and the human page are all read from those declarations, so they cannot drift apart.
- Only public data leaves: table columns are those of data/dictionary.csv (the list the export and the SQL
  sandbox use); accounts, the audit, drafts and participants' texts are never read here.
- Practices come from the catalogue's own filter (alliance.practices.Filters and its practice_matches
  queries), so the API lists exactly what /practices lists.
- Distributions follow /benchmark's rule: quartiles of fewer than scoring.MIN_PEER_GROUP scored members are
  withheld.
- A response is computed once per data version and request (then served from memory); its ETag is derived
  from the data version, so a client revalidating gets a 304 without any query running.

`answer()` is the whole behaviour on plain values (a connection, a version, the query's items) and returns a
Starlette Response; alliance.app.routes adds the rate limit and runs it in the thread pool.
"""
from __future__ import annotations

import base64
import binascii
import collections
import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from starlette.datastructures import URL
from starlette.responses import JSONResponse, Response

from alliance import db, dictionary, scoring
from alliance.vote import RateLimit
from alliance import practices as pr

PREFIX = "/api/v1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_AGE_S = 60  # browsers and proxies reuse a response this long, then revalidate with the ETag
RATE_PER_MINUTE = int(os.environ.get("ALLIANCE_API_RATE", "600") or 600)
CACHE_ENTRIES = 512

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, X-Total-Count, Retry-After",
}
BASE_HEADERS = {**CORS_HEADERS, "X-Content-Type-Options": "nosniff"}


class ApiError(Exception):
    """A refused request: `status` 400 names the `parameter` and the reason; 404 an unknown id."""

    def __init__(self, status: int, reason: str, parameter: str | None = None):
        super().__init__(reason)
        self.status, self.reason, self.parameter = status, reason, parameter

    def body(self) -> dict:
        error = {400: "bad_parameter", 404: "not_found"}.get(self.status, "error")
        out = {"error": error, "reason": self.reason}
        if self.parameter:
            out["parameter"] = self.parameter
        return out


# ------------------------------------------------------------------------------------------- schema
@dataclass(frozen=True)
class Param:
    """One query parameter: type 'string', 'integer' or 'boolean'; `many` takes repeated or comma-separated
    values; `choices` the allowed values; `minimum`/`maximum` bound an integer."""
    name: str
    description: str
    type: str = "string"
    many: bool = False
    choices: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    default: object = None
    example: str | None = None

    def parse(self, values: list[str]):
        if not self.many and len(values) > 1:
            raise ApiError(400, f"given {len(values)} times; give it once", self.name)
        items = [part.strip() for v in values for part in (v.split(",") if self.many else [v])]
        items = [i for i in items if i != ""]
        if not items:
            return [] if self.many else self.default
        parsed = [self._one(i) for i in items]
        return list(dict.fromkeys(parsed)) if self.many else parsed[0]

    def _one(self, text: str):
        if len(text) > 200:
            raise ApiError(400, "longer than 200 characters", self.name)
        value: object = text
        if self.type == "integer":
            try:
                value = int(text)
            except ValueError:
                raise ApiError(400, f"'{text}' is not a whole number", self.name) from None
            if self.minimum is not None and value < self.minimum:
                raise ApiError(400, f"{value} is below the minimum {self.minimum}", self.name)
            if self.maximum is not None and value > self.maximum:
                raise ApiError(400, f"{value} is above the maximum {self.maximum}", self.name)
        elif self.type == "boolean":
            if text.lower() not in ("true", "false", "1", "0"):
                raise ApiError(400, f"'{text}' is not true or false", self.name)
            value = text.lower() in ("true", "1")
        if self.choices and value not in self.choices:
            raise ApiError(400, f"'{text}' is not one of: {', '.join(map(str, self.choices))}", self.name)
        return value

    def openapi(self) -> dict:
        schema: dict = {"type": self.type}
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.default is not None:
            schema["default"] = self.default
        if self.many:
            schema = {"type": "array", "items": schema}
        out = {"name": self.name, "in": "query", "required": False, "description": self.description,
               "schema": schema}
        if self.many:
            out.update(style="form", explode=False)
        return out


FORMAT = Param("_format", "json (default) or csv (plain comma-separated, UTF-8, header row)",
               choices=("json", "csv"), default="json")
LIMIT = Param("limit", f"rows per page, 1-{MAX_LIMIT}", type="integer", minimum=1, maximum=MAX_LIMIT,
              default=DEFAULT_LIMIT)
CURSOR = Param("cursor", "where the next page starts: the next_cursor of the previous page")
PAGING = (FORMAT, LIMIT, CURSOR)


@dataclass
class Result:
    """What a fetch returns: rows (all, or one page when `total` is given), or one record."""
    frame: pd.DataFrame | None = None
    total: int | None = None
    record: dict | None = None
    document: dict | None = None  # a nested JSON document (no CSV form)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # under PREFIX, e.g. "/members/{id}"
    summary: str
    params: tuple[Param, ...]
    fetch: Callable  # (con, params, path_params, offset, limit) -> Result
    kind: str = "list"  # list (paged), item (one record, 404 when unknown), document (JSON only)
    example: str = ""  # a query string for the docs

    @property
    def full_path(self) -> str:
        return PREFIX + self.path

    def parse(self, items: Sequence[tuple[str, str]]) -> dict:
        declared = {p.name: p for p in self.params}
        given: dict[str, list[str]] = {}
        for key, value in items:
            if key not in declared:
                known = ", ".join(sorted(declared)) or "none"
                raise ApiError(400, f"unknown parameter; this endpoint takes: {known}", key)
            given.setdefault(key, []).append(value)
        return {name: p.parse(given.get(name, [])) for name, p in declared.items()}


# ------------------------------------------------------------------------------------------- values
def plain(value):
    """A value as JSON and CSV take it: None for missing, ISO dates, Python numbers, lists of those."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    columns = [str(c) for c in frame.columns]
    return [dict(zip(columns, map(plain, row))) for row in frame.itertuples(index=False, name=None)]


def csv_text(frame: pd.DataFrame) -> str:
    """Plain comma CSV with a header row; lists joined with '; '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for value in map(plain, row):
            if isinstance(value, list):
                value = "; ".join("" if v is None else str(v) for v in value)
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return buffer.getvalue()


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> int:
    if not text:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ApiError(400, "not a cursor this API gave out", "cursor") from None
    if not isinstance(offset, int) or offset < 0:
        raise ApiError(400, "not a cursor this API gave out", "cursor")
    return offset


# ------------------------------------------------------------------------------------------- data
def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    cursor = con.cursor()
    try:
        return cursor.execute(sql, params or {}).df()
    finally:
        cursor.close()


_memo: dict = {}
_memo_lock = threading.Lock()


def _memoised(key: tuple, version: str, build: Callable):
    """Per-data-version memory of what several requests share (public columns, full tables, facet values)."""
    with _memo_lock:
        if _memo.get("version") != version:
            _memo.clear()
            _memo["version"] = version
        if key in _memo:
            return _memo[key]
    value = build()
    with _memo_lock:
        _memo[key] = value
    return value


def public_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of `table` the data dictionary lists as public and the database has (in table order)."""
    described = dictionary.describe(con)
    return described.loc[described["table"] == table, "column"].tolist()


def _table(con, table: str, order: str, version: str) -> pd.DataFrame:
    def build():
        columns = public_columns(con, table)
        if not columns:
            return pd.DataFrame()
        names = ", ".join(f'"{c}"' for c in columns)
        return _run(con, f'SELECT {names} FROM "{table}" ORDER BY {order}')

    return _memoised(("table", table), version, build)


def _page(frame: pd.DataFrame, offset: int, limit: int) -> Result:
    return Result(frame.iloc[offset:offset + limit].reset_index(drop=True), total=len(frame))


def _in(frame: pd.DataFrame, column: str, values: list) -> pd.DataFrame:
    return frame[frame[column].isin(values)] if values else frame


def table_endpoint(name: str, path: str, table: str, order: str, summary: str, filters: tuple = (),
                   example: str = "") -> Endpoint:
    """A paged list of a public table's public columns; `filters` are (Param, column) pairs."""
    def fetch(con, params, _path, offset, limit, version):
        frame = _table(con, table, order, version)
        for param, column in filters:
            frame = _in(frame, column, params[param.name])
        return _page(frame, offset, limit)

    return Endpoint(name, path, summary, PAGING + tuple(p for p, _ in filters), fetch, example=example)


# --- members
MEMBER_FILTERS = (
    (Param("country", "ISO 3166-1 alpha-2 country codes of the members", many=True, example="FR"), "country_code"),
    (Param("kind", "member kinds", many=True, choices=("municipality", "region", "association")), "kind"),
    (Param("status", "membership status", many=True, choices=("member", "observer", "former")), "status"),
)


def fetch_member(con, _params, path, _offset, _limit, version):
    frame = _table(con, "members", "id", version)
    found = frame[frame["id"] == path["id"]]
    return Result(record=records(found)[0] if len(found) else None)


# --- practices
PRACTICE_DERIVED = ("lead_name", "country_code", "country_name_en", "country_name_fr", "region", "stale",
                    "approaches", "target_groups", "stakeholders", "partners")
FACET_PARAMS = {
    "approach": "approach ids (see /api/v1/approaches)",
    "target": "target group ids (see /api/v1/target-groups)",
    "stakeholder": "stakeholder ids (see /api/v1/stakeholders)",
    "country": "ISO country codes of the lead member",
    "region": "European regions (northern, western, southern, eastern)",
    "pop": "population bands of the lead member: 0 unknown, 1 under 50,000 ... 6 over 1 million",
    "kind": "activity kinds",
    "status": "statuses (archived ones only with archived=true or status=archived)",
    "evaluation": "evaluation levels",
    "source": "documented (from public material) or invented (demonstration)",
    "freshness": "current, or stale (not updated for 5 years)",
}
PRACTICE_PARAMS = PAGING + (
    Param("q", "search words, all required (titles, lead city, summaries; accents and case ignored)",
          example="youth"),
    *(Param(f.key, FACET_PARAMS[f.key], many=True, choices=f.codes) for f in pr.FACETS),
    Param("years", "start years, FROM-TO", example="2015-2020"),
    Param("archived", "include archived entries", type="boolean", default=False),
    Param("sort", "order of the results", choices=pr.SORTS, default="relevance"),
)


def _practice_columns(con, frame: pd.DataFrame) -> list[str]:
    public = public_columns(con, "activities")
    return [c for c in frame.columns if c in public] + [c for c in PRACTICE_DERIVED if c in frame.columns]


def _facet_values(con, version: str) -> dict[str, list[str]]:
    def build():
        options = db.run_query(con, "practices_options")
        keys = {f.name: f.key for f in pr.FACETS}
        return {keys[name]: group["value"].astype(str).tolist() for name, group in options.groupby("facet")}

    return _memoised(("facets",), version, build)


def practice_filters(con, params: dict, version: str) -> pr.Filters:
    """The catalogue's Filters from API parameters; an unknown facet value is a 400 naming its parameter."""
    url = {f.key: params[f.key] for f in pr.FACETS if params[f.key]}
    if params["q"]:
        url["q"] = params["q"]
    if params["years"]:
        url["years"] = params["years"]
    if params["archived"]:
        url["archived"] = "1"
    filters, problems = pr.filters_from_url(url, _facet_values(con, version))
    if problems:
        name, _, value = problems[0].partition("=")
        raise ApiError(400, f"'{value}' is not a known value" if name != "years" else
                       f"'{value}' is not a year range like 2015-2020", name)
    return filters


def fetch_practices(con, params, _path, offset, limit, version):
    filters = practice_filters(con, params, version)
    query = filters.params()
    total = int(db.run_query(con, "practices_count", **query)["matches"].iloc[0])
    rows = db.run_query(con, "practices_results", **query, sort=params["sort"], limit=limit, offset=offset)
    return Result(rows[_practice_columns(con, rows)], total=total)


def fetch_practice(con, _params, path, _offset, _limit, _version):
    rows = db.run_query(con, "practices_by_ids", ids=[path["id"]])
    if rows.empty:
        return Result(record=None)
    return Result(record=records(rows[_practice_columns(con, rows)])[0])


# --- events and offers (issue 15): public columns only; offers published only, never their contact persons
EVENT_FILTERS = (
    (Param("kind", "event kinds", many=True, choices=("conference", "study_visit", "webinar", "training")), "kind"),
    (Param("host", "host member ids", many=True), "host_member_id"),
)
OFFER_KINDS = ("study_visit", "mentoring", "training", "materials", "speaking")
OFFER_DERIVED = ("dimension_ids", "approach_ids")
OFFER_PARAMS = PAGING + (
    Param("kind", "offer kinds", many=True, choices=OFFER_KINDS),
    Param("member", "offering member ids", many=True),
    Param("dimension", "dimension ids the offer covers (any of)", type="integer", many=True, minimum=1, maximum=99),
    Param("language", "ISO 639-1 language codes (any of)", many=True, example="fr"),
)


def _published_offers(con, version: str) -> pd.DataFrame:
    def build():
        offers = _table(con, "offers", "updated_on DESC, id", version)
        if offers.empty:
            return offers.assign(dimension_ids=[], approach_ids=[])
        offers = offers[offers["state"] == "published"].reset_index(drop=True)
        dims = _table(con, "offer_dimensions", "offer_id, dimension_id", version)
        approaches = _table(con, "offer_approaches", "offer_id, approach_id", version)
        by_dim = dims.groupby("offer_id")["dimension_id"].agg(lambda v: [int(i) for i in v]).to_dict()
        by_approach = approaches.groupby("offer_id")["approach_id"].agg(list).to_dict()
        return offers.assign(dimension_ids=offers["id"].map(lambda i: by_dim.get(i, [])),
                             approach_ids=offers["id"].map(lambda i: by_approach.get(i, [])))

    return _memoised(("offers",), version, build)


def fetch_offers(con, params, _path, offset, limit, version):
    frame = _published_offers(con, version)
    frame = _in(frame, "kind", params["kind"])
    frame = _in(frame, "member_id", params["member"])
    if params["dimension"]:
        wanted = set(params["dimension"])
        frame = frame[frame["dimension_ids"].map(lambda ids: bool(wanted & set(ids)))]
    if params["language"]:
        wanted_languages = set(params["language"])
        frame = frame[frame["languages"].map(lambda codes: bool(wanted_languages & set(codes)))]
    return _page(frame, offset, limit)


def fetch_offer(con, _params, path, _offset, _limit, version):
    frame = _published_offers(con, version)
    found = frame[frame["id"] == path["id"]]
    return Result(record=records(found)[0] if len(found) else None)


# --- framework
def fetch_framework(con, _params, _path, _offset, _limit, version):
    return Result(document={
        "dimension_groups": records(_table(con, "dimension_groups", "sort_order, id", version)),
        "dimensions": records(_table(con, "dimensions", "sort_order, id", version)),
        "levels": records(_table(con, "maturity_levels", "level", version)),
        "descriptors": records(_table(con, "level_descriptors", "dimension_id, level", version)),
    })


# --- rounds and distributions
def fetch_rounds(con, _params, _path, offset, limit, version):
    frame = _memoised(("rounds",), version, lambda: db.run_query(con, "bench_rounds"))
    return _page(frame.rename(columns={"assessments": "assessments_counted"}), offset, limit)


DISTRIBUTION_PARAMS = PAGING + (
    Param("round", "assessment round years", type="integer", many=True, minimum=2000, maximum=2100,
          example="2024"),
    Param("dimension", "dimension ids", type="integer", many=True, minimum=1, maximum=99),
    Param("country", "only members of these countries (ISO codes)", many=True),
)
DISTRIBUTION_COLUMNS = ["round_year", "dimension_id", "dimension_code", "n", "q1", "median", "q3", "shown"]


def _round_spread(con, year: int, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _memoised(("round", year), version, lambda: (
        scoring.score_matrix(db.run_query(con, "bench_round_scores", round_year=year)),
        _table(con, "members", "id", version)[["id", "country_code"]]))


def fetch_distributions(con, params, _path, offset, limit, version):
    rounds = db.run_query(con, "bench_rounds")["round_year"].astype(int).tolist()
    for year in params["round"]:
        if year not in rounds:
            raise ApiError(400, f"no assessment round {year}; rounds: {', '.join(map(str, sorted(rounds)))}",
                           "round")
    dimensions = _table(con, "dimensions", "sort_order, id", version)
    codes = dict(zip(dimensions["id"].astype(int), dimensions["code"]))
    for dim in params["dimension"]:
        if dim not in codes:
            raise ApiError(400, f"no dimension {dim}", "dimension")
    rows = []
    for year in sorted(params["round"] or rounds):
        matrix, members = _round_spread(con, year, version)
        if params["country"]:
            keep = members.loc[members["country_code"].isin(params["country"]), "id"]
            matrix = matrix[matrix.index.isin(keep)]
        spread = scoring.dimension_spread(matrix.reindex(columns=list(codes)))
        for dim, s in spread.iterrows():
            if params["dimension"] and int(dim) not in params["dimension"]:
                continue
            shown = int(s["n"]) >= scoring.MIN_PEER_GROUP  # /benchmark's rule: no small group's answers
            rows.append([year, int(dim), codes[int(dim)], int(s["n"]),
                         *((round(float(s[k]), 2) if shown else None) for k in ("q1", "median", "q3")), shown])
    return _page(pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS), offset, limit)


# ------------------------------------------------------------------------------------------- endpoints
ENDPOINTS: tuple[Endpoint, ...] = (
    table_endpoint("members", "/members", "members", "id", "Members of the alliance (public fields)",
                   MEMBER_FILTERS, example="country=FR&limit=5"),
    Endpoint("member", "/members/{id}", "One member by id", (FORMAT,), fetch_member, kind="item"),
    Endpoint("practices", "/practices", "Practices of the catalogue, with its filters and search",
             PRACTICE_PARAMS, fetch_practices, example="q=youth&limit=5"),
    Endpoint("practice", "/practices/{id}", "One practice by id", (FORMAT,), fetch_practice, kind="item"),
    Endpoint("framework", "/framework", "The self-assessment framework: dimension groups, dimensions, "
             "maturity levels and level descriptors, in every language", (), fetch_framework, kind="document"),
    table_endpoint("framework_dimensions", "/framework/dimensions", "dimensions", "sort_order, id",
                   "Dimensions of the framework"),
    table_endpoint("framework_levels", "/framework/levels", "maturity_levels", "level", "Maturity levels 0-5"),
    table_endpoint("framework_descriptors", "/framework/descriptors", "level_descriptors", "dimension_id, level",
                   "What each level means on each dimension",
                   ((Param("dimension", "dimension ids", type="integer", many=True, minimum=1, maximum=99),
                     "dimension_id"),)),
    Endpoint("rounds", "/rounds", "Assessment rounds, with the number of submitted or validated assessments",
             PAGING, fetch_rounds),
    Endpoint("distributions", "/distributions", "Scores (0-100) per dimension and round: count, quartiles "
             f"and median; withheld for fewer than {scoring.MIN_PEER_GROUP} members",
             DISTRIBUTION_PARAMS, fetch_distributions, example="round={round}&dimension=1,2"),
    table_endpoint("events", "/events", "events", "starts_on DESC, id", "The alliance's events: conferences, study "
                   "visits, webinars and trainings", EVENT_FILTERS, example="kind=conference"),
    Endpoint("offers", "/offers", "Published offers of members (study visits, mentoring, trainings, materials, "
             "speakers), with the dimensions and approaches they cover; never their contact persons",
             OFFER_PARAMS, fetch_offers, example="kind=study_visit&limit=5"),
    Endpoint("offer", "/offers/{id}", "One published offer by id", (FORMAT,), fetch_offer, kind="item"),
    table_endpoint("countries", "/countries", "countries", "code", "Countries"),
    table_endpoint("regions", "/regions", "regions", "id", "European regions"),
    table_endpoint("approaches", "/approaches", "approaches", "id", "Approaches a practice takes"),
    table_endpoint("target_groups", "/target-groups", "target_groups", "id", "Groups a practice serves"),
    table_endpoint("stakeholders", "/stakeholders", "stakeholders", "id", "Stakeholders a practice involves"),
    table_endpoint("networks", "/networks", "networks", "id", "Networks members belong to"),
)
BY_NAME = {e.name: e for e in ENDPOINTS}


# ------------------------------------------------------------------------------------------- answers
class ResponseCache:
    """Finished 200 responses per (data version, request), least recently used dropped first."""

    def __init__(self, entries: int = CACHE_ENTRIES):
        self.entries = entries
        self._items: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)


cache = ResponseCache()


def etag_of(version: str, url: str) -> str:
    return '"' + hashlib.sha256(f"{version}\n{url}".encode()).hexdigest()[:24] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def error_response(error: ApiError) -> Response:
    return JSONResponse(error.body(), status_code=error.status, headers={**BASE_HEADERS, "Cache-Control": "no-store"})


def _key(version: str, items: Sequence[tuple[str, str]], url: URL) -> tuple[tuple, str]:
    canonical = str(url.replace(query="&".join(f"{k}={v}" for k, v in sorted(items))))
    return (version, canonical), etag_of(version, canonical)


def _headers(etag: str) -> dict:
    return {**BASE_HEADERS, "ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE_S}"}


def ready_answer(version: str, items: Sequence[tuple[str, str]], url: URL | str,
                 if_none_match: str | None = None) -> Response | None:
    """The answer when no query is needed: 304 for a current ETag, or a response already made for this data
    version; None otherwise. Cheap enough for the event loop itself (no thread hand-off)."""
    key, etag = _key(version, items, URL(str(url)))
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=_headers(etag))
    cached = cache.get(key)
    if cached is None:
        return None
    body, media_type, extra = cached
    return Response(body, media_type=media_type, headers={**_headers(etag), **extra})


def answer(con: duckdb.DuckDBPyConnection, version: str, endpoint: Endpoint, path_params: dict,
           items: Sequence[tuple[str, str]], url: URL | str, if_none_match: str | None = None) -> Response:
    """The response to GET `url` on `endpoint`: 200 (JSON or CSV), 304, 400 or 404."""
    ready = ready_answer(version, items, url, if_none_match)
    if ready is not None:
        return ready
    url = URL(str(url))
    key, etag = _key(version, items, url)
    try:
        made = _build(con, version, endpoint, path_params, items, url)
    except ApiError as error:
        return error_response(error)
    cache.put(key, made)
    body, media_type, extra = made
    return Response(body, media_type=media_type, headers={**_headers(etag), **extra})


def _build(con, version, endpoint: Endpoint, path_params, items, url: URL) -> tuple[bytes, str, dict]:
    params = endpoint.parse(items)
    fmt = params.get("_format") or "json"
    offset = decode_cursor(params.get("cursor")) if endpoint.kind == "list" else 0
    limit = params.get("limit") or DEFAULT_LIMIT
    result = endpoint.fetch(con, params, path_params, offset, limit, version)
    if endpoint.kind == "document":
        return _json({"data": result.document}), "application/json", {}
    if endpoint.kind == "item":
        if result.record is None:
            raise ApiError(404, f"no {endpoint.name} with id '{path_params.get('id')}'")
        if fmt == "csv":
            frame = pd.DataFrame([result.record])
            return csv_text(frame).encode(), "text/csv; charset=utf-8", {}
        return _json({"data": result.record}), "application/json", {}
    total = result.total if result.total is not None else len(result.frame)
    more = offset + len(result.frame) < total
    next_url = str(url.include_query_params(cursor=encode_cursor(offset + limit))) if more else None
    extra = {"X-Total-Count": str(total)}
    if next_url:
        extra["Link"] = f'<{next_url}>; rel="next"'
    if fmt == "csv":
        return csv_text(result.frame).encode(), "text/csv; charset=utf-8", extra
    return _json({"data": records(result.frame), "total": total, "limit": limit,
                  "next_cursor": encode_cursor(offset + limit) if more else None, "next": next_url}), \
        "application/json", extra


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=plain).encode()


# ------------------------------------------------------------------------------------------- rate limit
limiter = RateLimit(RATE_PER_MINUTE, 60)  # per client address


def too_many(wait_s: float) -> Response:
    seconds = max(1, math.ceil(wait_s))
    body = {"error": "rate_limited", "retry_after": seconds,
            "reason": f"more than {limiter.limit} requests a minute from this address; try again in {seconds} s"}
    return JSONResponse(body, status_code=429, headers={**BASE_HEADERS, "Retry-After": str(seconds),
                                                        "Cache-Control": "no-store"})


def preflight() -> Response:
    return Response(status_code=204, headers={**CORS_HEADERS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                                              "Access-Control-Allow-Headers": "If-None-Match",
                                              "Access-Control-Max-Age": "86400"})


# ------------------------------------------------------------------------------------------- description
def openapi() -> dict:
    """The OpenAPI 3 description, read from the endpoint declarations."""
    error = {"description": "a bad parameter (400), an unknown id (404) or too many requests (429)",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths: dict = {}
    for e in ENDPOINTS:
        parameters = [p.openapi() for p in e.params]
        if "{id}" in e.path:
            parameters.insert(0, {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/" +
                                                   {"list": "Page", "item": "Item", "document": "Item"}[e.kind]}}}
        if e.kind != "document":
            content["text/csv"] = {"schema": {"type": "string"}}
        responses = {"200": {"description": "OK", "content": content},
                     "304": {"description": "not modified since the ETag given in If-None-Match"},
                     "400": error, "429": error}
        if e.kind == "item":
            responses["404"] = error
        paths[e.full_path] = {"get": {"operationId": e.name, "summary": e.summary, "parameters": parameters,
                                      "responses": responses}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Alliance Dashboard open data", "version": "1",
                 "description": "Read-only public data of the alliance: members, practices, the framework, rounds "
                                "and score distributions. JSON by default, CSV with _format=csv; paged with "
                                "limit and cursor; ETag and If-None-Match; CORS for GET; a rate limit per "
                                "client address (429 with Retry-After)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {
            "Page": {"type": "object", "properties": {
                "data": {"type": "array", "items": {"type": "object"}}, "total": {"type": "integer"},
                "limit": {"type": "integer"}, "next_cursor": {"type": "string", "nullable": True},
                "next": {"type": "string", "nullable": True}}},
            "Item": {"type": "object", "properties": {"data": {"type": "object"}}},
            "Error": {"type": "object", "properties": {
                "error": {"type": "string"}, "reason": {"type": "string"}, "parameter": {"type": "string"},
                "retry_after": {"type": "integer"}}},
        }},
    }


def example_url(endpoint: Endpoint, sample_ids: dict[str, str] | None = None) -> str:
    samples = sample_ids or {}
    path = endpoint.full_path.replace("{id}", samples.get(endpoint.name, "ID"))
    query = endpoint.example.replace("{round}", samples.get("round", "2025"))
    return path + (f"?{query}" if query else "")


def docs_page(lang: str, sample_ids: dict[str, str] | None = None) -> str:
    """The human page at /api/v1/: what the API is, every endpoint with a working example, in `lang`."""
    import html

    from alliance.i18n import LANGUAGE_NAMES, available_languages, set_language, t

    set_language(lang)
    e = html.escape
    items = []
    for endpoint in ENDPOINTS:
        url = example_url(endpoint, sample_ids)
        params = ", ".join(f"<code>{e(p.name)}</code>" for p in endpoint.params if p not in PAGING)
        items.append(f"<tr><td><code>{e(endpoint.full_path)}</code></td><td>{e(t(f'api.endpoint.{endpoint.name}'))}"
                     + (f"<br><small>{e(t('api.filters'))}: {params}</small>" if params else "")
                     + f"</td><td><a href=\"{e(url)}\">{e(url)}</a></td></tr>")
    languages = " · ".join(f'<a href="?lang={code}" lang="{code}">{e(LANGUAGE_NAMES.get(code, code))}</a>'
                           for code in available_languages() if code != lang)
    csv_example = e(PREFIX + "/practices?q=youth&_format=csv")
    return f"""<!doctype html><html lang="{e(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(t('api.title'))}</title>
<style>body{{font:17px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#0E1117}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ccd;padding:.4rem;text-align:left;
vertical-align:top}}code{{background:#eef;padding:0 .2rem}}</style></head><body>
<p>{languages}</p><h1>{e(t('api.title'))}</h1><p>{e(t('api.intro'))}</p>
<ul><li>{e(t('api.formats'))} <a href="{csv_example}"><code>{csv_example}</code></a></li>
<li>{e(t('api.paging', max=MAX_LIMIT))}</li><li>{e(t('api.caching'))}</li>
<li>{e(t('api.limits', n=limiter.limit))}</li><li>{e(t('api.errors'))}</li></ul>
<p><a href="{PREFIX}/openapi.json">{e(t('api.openapi'))}</a></p>
<table><thead><tr><th>{e(t('api.col_path'))}</th><th>{e(t('api.col_what'))}</th><th>{e(t('api.col_example'))}</th>
</tr></thead><tbody>{''.join(items)}</tbody></table>
<p>{e(t('api.back'))} <a href="/">{e(t('api.dashboard'))}</a></p></body></html>"""


def sample_ids(con: duckdb.DuckDBPyConnection, version: str) -> dict[str, str]:
    """A real member, practice (the catalogue's first) and round for the docs' examples, so every example
    link works."""
    def build():
        members = _table(con, "members", "id", version)
        practice = db.run_query(con, "practices_results", **pr.Filters().params(), sort="updated", limit=1, offset=0)
        rounds = db.run_query(con, "bench_rounds")
        offers = _published_offers(con, version)
        return {"member": members["id"].iloc[0] if len(members) else "ID",
                "offer": offers["id"].iloc[0] if len(offers) else "ID",
                "practice": practice["id"].iloc[0] if len(practice) else "ID",
                "round": str(rounds["round_year"].iloc[0]) if len(rounds) else "2025"}

    return _memoised(("samples",), version, build)

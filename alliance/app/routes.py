"""Plain HTTP routes served beside the Streamlit pages by app.py's `st.App` (one process, one port).

ROUTES is the one list: later routes (open data, health) are added here. Handlers run their DuckDB work in
Starlette's thread pool, each call on its own cursor of the app's one connection (alliance.app.data), and every
write goes through alliance.poll's single writer (one transaction under its lock).
"""
from __future__ import annotations

from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from alliance import api, embed, maps, store, vote

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _connection():
    from alliance.app import data

    return data.connection()


def _with_live_connection(work, *args):
    """The light poll page's work on the live poll tables (PostgreSQL in cluster mode, alliance.store)."""
    from alliance.app import data

    return work(data.live_connection(), *args)


def _response(request: Request, reply: vote.Reply) -> Response:
    headers = {**SECURITY_HEADERS, **reply.headers}
    if reply.status in (301, 302, 303, 307):
        response: Response = RedirectResponse(headers["Location"], status_code=reply.status, headers=headers)
    else:
        response = HTMLResponse(reply.body, status_code=reply.status, headers=headers)
    if reply.cookie:
        response.set_cookie(vote.COOKIE, reply.cookie, max_age=vote.COOKIE_MAX_AGE_S, path="/",
                            httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


async def vote_page(request: Request) -> Response:
    """GET and POST /vote/{code}: the participants' light page."""
    code = request.path_params["code"]
    lang = vote.choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    token = request.cookies.get(vote.COOKIE)
    if request.method == "POST":
        declared = request.headers.get("content-length")
        if declared and (not declared.isdigit() or int(declared) > vote.MAX_BODY_BYTES):
            form = None
        else:
            body = await request.body()
            form = vote.parse_form(body)
        if form and form.get("lang"):
            lang = vote.choose_language(form.get("lang"), request.headers.get("accept-language"))
        work, args = vote.submit, (code, lang, token, form)
    else:
        work, args = vote.page, (code, lang, token, request.query_params.get("sent"))
    try:
        reply = await run_in_threadpool(_with_live_connection, work, *args)
    except store.StoreUnavailable:  # cluster mode, PostgreSQL away: said plainly, nothing was stored
        reply = vote.unavailable(lang, code)
    return _response(request, reply)


async def basemap(request: Request) -> Response:
    """GET /geo/countries.geojson?v=VERSION&members=DK,NO: the maps' country outlines, members shaded. The
    URL changes with the outlines file and the member countries, so a browser may keep the answer."""
    codes = [c for c in request.query_params.get("members", "").split(",") if c]
    if len(codes) > 300 or not all(maps.COUNTRY_CODE.fullmatch(c) for c in codes):
        return PlainTextResponse("members: a comma-separated list of ISO 3166 alpha-2 codes", status_code=400)
    body = await run_in_threadpool(maps.basemap_geojson, tuple(sorted(set(codes))))
    current = request.query_params.get("v") == maps.basemap_version()
    return Response(body, media_type="application/geo+json", headers={
        "Cache-Control": "public, max-age=31536000, immutable" if current else "no-cache",
        "X-Content-Type-Options": "nosniff"})


async def readyz(_request: Request) -> Response:
    """503 while the server still warms itself up after a start (caches, and one visit of the main pages), then
    200: a proxy or a deploy script sends visitors only once the first of them will not wait for it."""
    from alliance.app import data

    if data.READY.is_set():
        return PlainTextResponse("ready")
    return PlainTextResponse("warming up", status_code=503, headers={"Retry-After": "2"})


async def healthz(_request: Request) -> Response:
    """The database answers a trivial query (the app's own /_stcore/health only says the server is up)."""
    def check():
        cur = _connection().cursor()
        try:
            cur.execute("SELECT 1").fetchone()
        finally:
            cur.close()

    try:
        await run_in_threadpool(check)
    except Exception:  # noqa: BLE001 - a health check reports, it does not raise
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


def _api_version() -> str:
    """The data version the API answers for (tests give their own)."""
    from alliance.app import data

    return data.data_version()


def _api_connection():
    return _connection()


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def api_handler(endpoint: api.Endpoint):
    """GET /api/v1/...: rate limit first (nothing else runs for a refused client); a 304 or an answer already
    made for this data version straight from the event loop; only new answers take the thread pool."""
    async def handle(request: Request) -> Response:
        if request.method == "OPTIONS":
            return api.preflight()
        wait = api.limiter.wait_s(_client(request))
        if wait:
            return api.too_many(wait)
        version, items = _api_version(), request.query_params.multi_items()
        ready = api.ready_answer(version, items, request.url, request.headers.get("if-none-match"))
        if ready is not None:
            return ready
        return await run_in_threadpool(
            lambda: api.answer(_api_connection(), version, endpoint, dict(request.path_params), items, request.url,
                               request.headers.get("if-none-match")))

    handle.__name__ = f"api_{endpoint.name}"
    return handle


async def api_openapi(request: Request) -> Response:
    if request.method == "OPTIONS":
        return api.preflight()
    return JSONResponse(api.openapi(), headers={**api.BASE_HEADERS, "Cache-Control": "public, max-age=3600"})


async def api_docs(request: Request) -> Response:
    """The human page listing the endpoints, in the reader's language."""
    lang = vote.choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))

    def render():
        return api.docs_page(lang, api.sample_ids(_api_connection(), _api_version()))

    body = await run_in_threadpool(render)
    return HTMLResponse(body, headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=300",
                                       "Content-Language": lang})


ROUTES = [
    Route("/vote/{code}", vote_page, methods=["GET", "POST"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route(maps.BASEMAP_ROUTE, basemap, methods=["GET"]),
    Route(api.PREFIX, api_docs, methods=["GET"]),
    Route(api.PREFIX + "/", api_docs, methods=["GET"]),
    Route(api.PREFIX + "/openapi.json", api_openapi, methods=["GET", "OPTIONS"]),
    *(Route(e.full_path, api_handler(e), methods=["GET", "OPTIONS"]) for e in api.ENDPOINTS),
]


class FramingHeaders:
    """Who may show our pages in a frame: any website for the embeddable views (/city, /map with
    embed=true), only this site itself for every other HTML answer (X-Frame-Options and CSP frame-ancestors;
    'self' so that Streamlit's own same-origin component frames keep working). Answers that already say
    (the /vote page's CSP) are left alone. Streamlit serves one HTML document for every page and then moves
    between pages without loading another, so the check is on the document a frame loads first."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or may_be_framed(scope.get("path", ""), scope.get("query_string", b"")):
            await self.app(scope, receive, send)
            return

        async def send_guarded(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html") and \
                        "frame-ancestors" not in headers.get("content-security-policy", ""):
                    headers.append("X-Frame-Options", "SAMEORIGIN")
                    headers.append("Content-Security-Policy", "frame-ancestors 'self'")
            await send(message)

        await self.app(scope, receive, send_guarded)


def may_be_framed(path: str, query_string: bytes) -> bool:
    """An embeddable page asked for with embed=true."""
    page = path.rstrip("/").rsplit("/", 1)[-1]
    values = parse_qs(query_string.decode("latin-1")).get("embed", [])
    return page in embed.EMBEDDABLE and any(v.lower() == "true" for v in values)


MIDDLEWARE = [Middleware(FramingHeaders)]

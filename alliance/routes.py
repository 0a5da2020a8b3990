"""Plain HTTP routes served beside the Streamlit pages by app.py's `st.App` (one process, one port).

ROUTES is the one list: later routes (open data, health) are added here. Handlers run their DuckDB work in
Starlette's thread pool, each call on its own cursor of the app's one connection (alliance.data), and every
write goes through alliance.poll's single writer (one transaction under its lock).
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from alliance import vote

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _connection():
    from alliance import data

    return data.connection()


def _with_connection(work, *args):
    return work(_connection(), *args)


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
        reply = await run_in_threadpool(_with_connection, vote.submit, code, lang, token, form)
    else:
        sent = request.query_params.get("sent") == "1"
        reply = await run_in_threadpool(_with_connection, vote.page, code, lang, token, sent)
    return _response(request, reply)


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


ROUTES = [
    Route("/vote/{code}", vote_page, methods=["GET", "POST"]),
    Route("/healthz", healthz, methods=["GET"]),
]

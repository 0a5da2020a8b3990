"""Embeddable views: the iframe snippet, the base address, and which answers other websites may frame."""
from __future__ import annotations


from alliance import embed
from alliance.app import routes
from conftest import run_coroutine


def test_the_snippet_points_at_the_embedded_view_and_escapes_the_title():
    code = embed.snippet("https://dash.example.org", "city", {"city": "liege-be", "lang": "fr"},
                         'Liège "<b>"')
    assert 'src="https://dash.example.org/city?city=liege-be&amp;lang=fr&amp;embed=true"' in code
    assert 'title="Liège &quot;&lt;b&gt;&quot;"' in code and "<b>" not in code
    assert embed.page_url("", "map", {"embed": "true", "measure": "index", "lang": None}) == "/map?measure=index"


def test_the_base_address_drops_the_page_or_takes_the_public_one():
    assert embed.base_url("http://10.0.0.5:8501/city?city=x") == "http://10.0.0.5:8501"
    assert embed.base_url("https://host/prefix/map") == "https://host/prefix"
    assert embed.base_url("http://h/city", override="https://public.example.org/") == "https://public.example.org"
    assert embed.base_url(None) is None


def _headers_for(path: str, query: bytes, content_type: bytes = b"text/html", extra=()):
    sent = []

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), *extra]})
        await send({"type": "http.response.body", "body": b"x"})

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "query_string": query, "headers": []}
    run_coroutine(routes.FramingHeaders(inner)(scope, None, send))
    return {k.decode().lower(): v.decode() for k, v in sent[0]["headers"]}


def test_only_embeddable_pages_with_embed_true_may_be_framed_elsewhere():
    for path, query in (("/city", b"city=x&embed=true"), ("/map", b"embed=True&measure=index")):
        assert "x-frame-options" not in _headers_for(path, query)
    for path, query in (("/city", b"city=x"), ("/benchmark", b"embed=true"), ("/", b""), ("/city", b"embed=false")):
        headers = _headers_for(path, query)
        assert headers["x-frame-options"] == "SAMEORIGIN"
        assert headers["content-security-policy"] == "frame-ancestors 'self'"
    # scripts and data are not pages; a page that already says who may frame it keeps its own rule
    assert "x-frame-options" not in _headers_for("/static/app.js", b"", b"application/javascript")
    own = _headers_for("/vote/ABC", b"", extra=[(b"content-security-policy", b"frame-ancestors 'none'")])
    assert own["content-security-policy"] == "frame-ancestors 'none'" and "x-frame-options" not in own

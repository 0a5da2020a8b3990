"""Embeddable views: /city?city=ID&embed=true and /map?...&embed=true in another website's iframe.

Streamlit's own embed mode (`?embed=true`) drops its toolbar and padding; app.py then hides the navigation
and the sidebar too, and the page shows a link back to its full version. Framing of every other page is
refused by the server (alliance.app.routes.FramingHeaders). Pure builders here; the Streamlit calls are in
alliance.app.embed_view.
"""
from __future__ import annotations

import html
from urllib.parse import urlencode

EMBEDDABLE = ("city", "map")  # the pages another website may frame (with embed=true)
WIDTH, HEIGHT = 800, 600


def page_url(base: str, page: str, params: dict) -> str:
    """The full page's address (embed left out), e.g. https://host/city?city=liege-be."""
    query = urlencode({k: v for k, v in params.items() if k not in ("embed", "embed_options") and v not in (None, "")},
                      doseq=True)
    return f"{base.rstrip('/')}/{page}" + (f"?{query}" if query else "")


def snippet(base: str, page: str, params: dict, title: str) -> str:
    """The iframe a member pastes into its website: fixed size, no border, lazy, titled (for screen readers)."""
    src = page_url(base, page, params) + ("&" if "?" in page_url(base, page, params) else "?") + "embed=true"
    return (f'<iframe src="{html.escape(src)}" width="{WIDTH}" height="{HEIGHT}" style="border:0;max-width:100%" '
            f'loading="lazy" title="{html.escape(title)}"></iframe>')


def base_url(page_address: str | None, override: str | None = None) -> str | None:
    """The app's base address: ALLIANCE_PUBLIC_URL when set, else the browser's address minus the page path."""
    from alliance.poll import base_url_from

    base = base_url_from(page_address, override)
    for page in EMBEDDABLE:
        if base and not override and base.endswith("/" + page):
            base = base[: -len(page) - 1]
    return base

"""Embeddable views: /city?city=ID&embed=true and /map?...&embed=true in another website's iframe.

Streamlit's own embed mode (`?embed=true`) drops its toolbar and padding; app.py then hides the navigation
and the sidebar too, and the page shows a link back to its full version. Framing of every other page is
refused by the server (alliance.routes.FramingHeaders). Pure builders here, the few Streamlit calls at the end.
"""
from __future__ import annotations

import html
import os
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


# ------------------------------------------------------------------------------------------ Streamlit
def is_embedded() -> bool:
    import streamlit as st

    return bool(st.context.is_embedded)


def back_link(page: str, params: dict) -> None:
    """In an embedded view: the way to the full page, opened in a new tab (the visitor leaves the host site)."""
    import streamlit as st

    from alliance.i18n import t

    st.link_button(t("embed.open_full"), page_url("", page, params) or "/", icon=":material/open_in_new:",
                   help=t("embed.open_full_help"))


def snippet_box(page: str, params: dict, title: str) -> None:
    """'Put this on your website': the iframe to copy, and where it leads."""
    import streamlit as st

    from alliance.i18n import t

    base = base_url(st.context.url, os.environ.get("ALLIANCE_PUBLIC_URL")) or ""
    with st.expander(t("embed.box_title"), icon=":material/code:"):
        st.caption(t("embed.box_intro", width=WIDTH, height=HEIGHT))
        st.code(snippet(base, page, params, title), language="html", wrap_lines=True)
        preview = page_url(base, page, params)
        st.link_button(t("embed.box_preview"), preview + ("&" if "?" in preview else "?") + "embed=true",
                       icon=":material/preview:")

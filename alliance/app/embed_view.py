"""The Streamlit side of embeddable views (alliance.embed holds the pure builders and the list of pages)."""
from __future__ import annotations

import os

import streamlit as st

from alliance.embed import HEIGHT, WIDTH, base_url, page_url, snippet
from alliance.i18n import t


def is_embedded() -> bool:
    return bool(st.context.is_embedded)


def back_link(page: str, params: dict) -> None:
    """In an embedded view: the way to the full page, opened in a new tab (the visitor leaves the host site)."""
    st.link_button(t("embed.open_full"), page_url("", page, params) or "/", icon=":material/open_in_new:",
                   help=t("embed.open_full_help"))


def snippet_box(page: str, params: dict, title: str) -> None:
    """'Put this on your website': the iframe to copy, and where it leads."""
    base = base_url(st.context.url, os.environ.get("ALLIANCE_PUBLIC_URL")) or ""
    with st.expander(t("embed.box_title"), icon=":material/code:"):
        st.caption(t("embed.box_intro", width=WIDTH, height=HEIGHT))
        st.code(snippet(base, page, params, title), language="html", wrap_lines=True)
        preview = page_url(base, page, params)
        st.link_button(t("embed.box_preview"), preview + ("&" if "?" in preview else "?") + "embed=true",
                       icon=":material/preview:")

"""Entry point: page configuration, the shared sidebar (language, data badge) and navigation; and the server's
plain HTTP routes (alliance.app.routes, e.g. the light poll page /vote/CODE) beside the pages.

`streamlit run app.py` finds the `st.App` below and imports this file once as the server's module; every page
view then runs this file as `__main__`, which draws the shell and never builds the App again."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent

# (file in pages/, URL path, icon, navigation section). A page is registered only when its file exists.
PAGE_SPECS = [
    ("overview", "", ":material/dashboard:", "section_discover"),
    ("map", "map", ":material/map:", "section_discover"),
    ("practices", "practices", ":material/menu_book:", "section_discover"),
    ("city", "city", ":material/location_city:", "section_discover"),
    ("benchmark", "benchmark", ":material/bar_chart:", "section_compare"),
    ("assess", "assess", ":material/checklist:", "section_compare"),
    ("round_review", "round-review", ":material/fact_check:", "section_compare"),
    ("plan", "plan", ":material/flag:", "section_compare"),
    ("submit", "submit", ":material/post_add:", "section_exchange"),
    ("review", "review", ":material/rate_review:", "section_exchange"),
    ("events", "events", ":material/event:", "section_exchange"),
    ("exchange", "exchange", ":material/handshake:", "section_exchange"),
    ("inbox", "inbox", ":material/inbox:", "section_exchange"),
    ("explore", "explore", ":material/table_view:", "section_data"),
    ("admin", "admin", ":material/admin_panel_settings:", "section_data"),
    ("present", "present", ":material/slideshow:", "section_data"),
    ("poll", "poll", ":material/how_to_vote:", "section_data"),
]


def main() -> None:
    # imported here, not at the top: the server's import of this file must not touch Streamlit's caches
    # before its runtime exists
    from alliance import store
    from alliance.app import data, embed_view, ui, url
    from alliance.i18n import LANGUAGE_NAMES, available_languages, set_language, t

    embedded = embed_view.is_embedded()  # ?embed=true: inside another website's iframe, the page alone
    st.set_page_config(page_title="Alliance Dashboard", page_icon=str(ROOT / "static" / "icon.png"), layout="wide",
                       initial_sidebar_state="collapsed" if embedded else "auto")

    # The language lives in ?lang=<code>, so shared links keep it, and in session state ("language", which unlike a
    # widget's state survives page switches). Not bind="query-params": Streamlit 1.67 binds a selectbox by its
    # shown label (?lang=Français), which would break the documented ?lang=fr.
    languages = available_languages()
    if st.session_state.get("language") not in languages:
        requested = url.shell().raw("lang") or st.session_state.get("lang")
        st.session_state["language"] = requested if requested in languages else languages[0]
    st.session_state["lang"] = st.session_state["language"]
    set_language(st.session_state["language"])
    if not embedded:
        with st.sidebar:
            st.selectbox(t("common.language"), languages, key="lang",
                         format_func=lambda code: LANGUAGE_NAMES.get(code, code), help=t("common.language_help"),
                         on_change=lambda: st.session_state.update(language=st.session_state["lang"]))
    set_language(st.session_state["language"])
    url.shell().set("lang", None if st.session_state["language"] == languages[0] else st.session_state["language"])

    sections: dict[str, list] = {}
    for name, url_path, icon, section in PAGE_SPECS:
        if (ROOT / "pages" / f"{name}.py").exists():
            page = st.Page(f"pages/{name}.py", title=t(f"common.nav.{name}"), icon=icon,
                           url_path=url_path or None, default=not url_path)
            sections.setdefault(t(f"common.nav.{section}"), []).append(page)
    navigation = st.navigation(sections, position="hidden" if embedded else "sidebar",
                               expanded=True)  # every page listed: no "View 3 more" from 13 pages on

    try:
        if not embedded:
            with st.sidebar:
                if data.is_demo_data():
                    st.caption(f":material/science: **{t('common.demo_badge')}**")
        navigation.run()
    except store.StoreUnavailable:  # cluster mode, PostgreSQL away: the write was refused whole, say so
        st.error(t("common.store_unavailable"), icon=":material/cloud_off:")
    except data.DatabaseUnavailable as error:  # the file cannot be opened: say which and why, no traceback
        st.error(ui.md_text(error), icon=":material/database:")


if __name__ == "__main__":  # a page view (Streamlit runs the script as __main__)
    main()
else:  # the server importing this file for its ASGI app
    import contextlib
    import threading

    from alliance import startup
    from alliance.app.routes import MIDDLEWARE, ROUTES

    startup.lean_allocators()  # before the first page view: freed memory goes back to the system

    @contextlib.asynccontextmanager
    async def warm_caches(_app):
        """Streamlit's runtime is up here: warm its caches in the background, so the first visitors after a
        start do not wait for imports and queries (alliance.app.data.warm_up), and the server answers at once."""
        import logging

        from alliance.app import data

        def warm():
            try:
                data.warm_up()
            except Exception:  # noqa: BLE001 - a failed warm-up only means slower first visits
                logging.getLogger("alliance").exception("warming the caches failed")
            visits = os.environ.get("ALLIANCE_WARM_VISITS", "1")
            if visits == "0":  # no visit: ready at once
                data.READY.set()
                return
            import asyncio

            from alliance.app import load

            address = st.get_option("server.address") or "127.0.0.1"
            host = "127.0.0.1" if address in ("0.0.0.0", "::", "localhost") else address
            # "entry" (the test servers): only the overview, the first run of this file, after which a first
            # visit straight to a sub-page runs inside the shell; it costs a fraction of the whole visit
            pages = load.ENTRY_PAGES if visits == "entry" else None
            asyncio.run(load.visit_own_pages(f"http://{host}:{st.get_option('server.port')}", data.READY, pages))

        threading.Thread(target=warm, name="warm-up", daemon=True).start()
        yield

    app = st.App(__file__, routes=ROUTES, middleware=MIDDLEWARE, lifespan=warm_caches)

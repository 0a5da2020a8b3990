"""Entry point: page configuration, the shared sidebar (language, data badge) and navigation."""
from __future__ import annotations

import streamlit as st

from alliance import data
from alliance.i18n import LANGUAGE_NAMES, available_languages, set_language, t

st.set_page_config(page_title="Alliance Dashboard", page_icon=":material/location_city:", layout="wide")

# The language widget is bound to ?lang=..., so it survives page switches and shared links.
languages = available_languages()
lang = st.session_state.get("lang") if st.session_state.get("lang") in languages else languages[0]
set_language(lang)
with st.sidebar:
    st.selectbox(t("common.language"), languages, key="lang", bind="query-params",
                 format_func=lambda code: LANGUAGE_NAMES.get(code, code), help=t("common.language_help"))
set_language(st.session_state.get("lang", lang))

PAGES = {
    "section_discover": [
        st.Page("pages/overview.py", title=t("common.nav.overview"), icon=":material/dashboard:", default=True),
    ],
}
navigation = st.navigation({t(f"common.nav.{section}"): pages for section, pages in PAGES.items()})

with st.sidebar:
    if data.is_demo_data():
        st.caption(f":material/science: **{t('common.demo_badge')}**")

navigation.run()

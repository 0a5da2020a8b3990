"""Small Streamlit pieces every page shares: the demonstration notice and the page header."""
from __future__ import annotations

import streamlit as st

from alliance import data
from alliance.i18n import t


def demo_notice(scores: bool = False) -> None:
    """The plain statement that scores (and invented activities) are made up, wherever they are shown."""
    if data.is_demo_data():
        st.info(t("common.demo_scores_notice") if scores else t("common.demo_notice"), icon=":material/science:")


def page_header(title: str, intro: str | None = None) -> None:
    st.title(title)
    if intro:
        st.caption(intro)

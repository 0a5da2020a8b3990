"""Making sure every page runs inside app.py's shell (language, sidebar, navigation)."""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_app_shell() -> None:
    """Call first in every page. When a freshly started server's first visitor opens a sub-page URL,
    Streamlit still believes in its old pages/-folder mode and runs the page file on its own, without app.py.
    Leave that mode (st.navigation would have) and rerun, so that app.py runs and then this page."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()

"""Running pages with Streamlit's AppTest the way the live server runs them (used by tests and the bench)."""
from __future__ import annotations


def run_pages_through_app_py() -> None:
    """AppTest makes a new PagesManager for every run and resets Streamlit's old pages-folder mode with it, so
    each run after switch_page would execute the page file alone, without app.py, and each page's
    ensure_app_shell() would rerun (losing the run's clicks). Make every AppTest run start as a live server
    runs after its first st.navigation: app.py first, then the page."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test as app_test_module

    class AppShellPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    app_test_module.PagesManager = AppShellPagesManager

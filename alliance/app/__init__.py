"""The Streamlit-facing side of the app: caching, widgets, page shell, session, the HTTP routes served by st.App,
and the harnesses that speak Streamlit's protocol (AppTest set-up, the load command).

Only this subpackage imports Streamlit (the import-linter contract in .importlinter); the rest of alliance/ is
plain functions that tests and the CLI call without a Streamlit runtime.
"""

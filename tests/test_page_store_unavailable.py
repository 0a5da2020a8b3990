"""Cluster mode: a write refused because PostgreSQL is away (alliance.store.StoreUnavailable) is said on the page in
the reader's language, never shown as a traceback (app.py catches it around the page)."""
from __future__ import annotations

from alliance import store
from conftest import app_test


def test_a_refused_write_is_said_on_the_page_not_as_a_traceback(app_env, monkeypatch):
    from alliance.i18n import set_language

    set_language("en")  # whatever an earlier test of this worker left
    at = app_test("events")
    at.run()
    assert not at.exception

    def refused(*_args, **_kwargs):
        raise store.StoreUnavailable("connection refused")

    monkeypatch.setattr("alliance.app.ui.page_header", refused)  # the page's first call, as a write would fail
    at.run()
    assert not at.exception
    assert any("shared database cannot be reached" in e.value for e in at.error), [e.value for e in at.error]

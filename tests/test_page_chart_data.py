"""AppTest: beside every plotly chart and map of /, /map, /city and /practices, a 'Data (CSV)' download
(/benchmark's are in test_page_benchmark). Files are built only when pressed; their content is checked in
test_chart_data and, through a real click, in tests/e2e/test_chart_data_browser.py."""
from __future__ import annotations

import pytest

from conftest import app_test


def _data_buttons(at) -> list:
    return [b for b in at.get("download_button") if b.proto.label in ("Data (CSV)", "Données (CSV)")]


@pytest.mark.parametrize("page, query, plotly, maps", [
    ("overview", {}, 2, 0),
    ("map", {}, 0, 1),
    ("city", {"city": "aarhus-dk"}, 2, 1),
    ("practices", {"view": "charts"}, 3, 0),
])
def test_each_chart_has_a_data_download(app_env, page, query, plotly, maps):
    at = app_test(page, query)
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == plotly
    if maps:
        assert len(at.get("deck_gl_json_chart")) == maps
    assert len(_data_buttons(at)) == plotly + maps


def test_the_download_speaks_the_readers_language(app_env):
    at = app_test("overview", {"lang": "fr"})
    at.run()
    assert [b.proto.label for b in _data_buttons(at)] == ["Données (CSV)"] * 2

"""Embeddable views (issue 17): a member's website frames /city?city=ID&embed=true; other pages refuse to be
framed by another site."""
from __future__ import annotations

import urllib.request

import pytest

from e2e.helpers import keep_shot, wait_idle

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>A member's website</title></head>
<body style="margin:0;font-family:sans-serif"><h1 style="font-size:16px">Our city in the alliance</h1>
<iframe id="frame" src="{src}" width="800" height="600" style="border:0" title="embedded"></iframe></body></html>"""


def _host(page, src: str):
    page.set_viewport_size({"width": 900, "height": 720})
    page.set_content(HOST_PAGE.format(src=src), wait_until="domcontentloaded")
    return page.frame_locator("#frame")


def test_an_embedded_city_profile_renders_inside_another_page(page, app_url):
    frame_locator = _host(page, f"{app_url}/city?city=aarhus-dk&embed=true")
    heading = frame_locator.locator("h1", has_text="Aarhus")
    heading.wait_for(timeout=90_000)
    frame = page.frame(url=lambda u: "/city" in u)
    wait_idle(frame, 90_000)
    assert heading.is_visible()
    # embed mode: no navigation, no sidebar; a way back to the full page, opened in a new tab
    assert frame.locator("[data-testid='stSidebar'], [data-testid='stSidebarNav']").count() == 0
    assert frame.locator("[data-testid='stSelectbox']").count() == 0  # its own profile, no city picker
    back = frame_locator.get_by_role("link", name="Open the full page")
    assert back.get_attribute("target") == "_blank"
    assert back.get_attribute("href").endswith("/city?city=aarhus-dk")
    # the offer to embed is for the full page, not for the embedded view itself
    assert frame_locator.get_by_text("Put this on your website").count() == 0
    assert not frame.locator("[data-testid='stException']").count()
    keep_shot(page, "embedded-city-profile")


def test_only_the_embeddable_views_may_be_framed_by_another_site(app_url):
    def headers(path: str):
        with urllib.request.urlopen(app_url + path, timeout=30) as response:
            return response.headers

    for path in ("/city?city=aarhus-dk&embed=true", "/map?embed=true&measure=index"):
        assert headers(path).get("X-Frame-Options") is None, path
    for path in ("/city?city=aarhus-dk", "/benchmark?city=aarhus-dk&embed=true", "/", "/explore"):
        sent = headers(path)
        assert sent["X-Frame-Options"] == "SAMEORIGIN", path
        assert "frame-ancestors 'self'" in sent["Content-Security-Policy"], path


def test_a_page_that_is_not_embeddable_stays_empty_in_a_foreign_frame(page, app_url):
    _host(page, f"{app_url}/benchmark?city=aarhus-dk&embed=true")
    page.wait_for_timeout(3000)
    frame = page.frame(url=lambda u: "/benchmark" in u)
    assert frame is None or frame.locator("[data-testid='stApp']").count() == 0

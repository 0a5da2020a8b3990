"""The presentation's pure logic: URL parameters, the slide cycle, the projector charts."""
from __future__ import annotations

import pandas as pd
import pytest

from alliance import present


@pytest.mark.parametrize("value, expected", [
    ("map,figures,poll", ("map", "figures", "poll")),
    (" Poll , MAP ", ("poll", "map")),
    ("map,map,nonsense,figures", ("map", "figures")),
    ("", present.DEFAULT_SLIDES),
    ("nothing,useful", present.DEFAULT_SLIDES),
    (None, present.DEFAULT_SLIDES),
    (["figures", "poll"], ("figures", "poll")),
    ("<script>alert(1)</script>", present.DEFAULT_SLIDES),
])
def test_parse_slides_never_fails(value, expected):
    assert present.parse_slides(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("20", 20), ("7", 7), ("12.4", 12), ("1", present.MIN_EVERY), ("-5", present.MIN_EVERY),
    ("100000", present.MAX_EVERY), ("abc", present.DEFAULT_EVERY), ("", present.DEFAULT_EVERY),
    (None, present.DEFAULT_EVERY), ("nan", present.DEFAULT_EVERY), ("inf", present.DEFAULT_EVERY),
])
def test_parse_every_clamps_or_falls_back(value, expected):
    assert present.parse_every(value) == expected


def test_start_index():
    slides = ("map", "figures", "poll")
    assert present.start_index(slides, "poll") == 2
    assert present.start_index(slides, "POLL ") == 2
    assert present.start_index(slides, "practices") == 0
    assert present.start_index(slides, None) == 0


def test_step_wraps_both_ways():
    assert [present.step(i, 3) for i in range(3)] == [1, 2, 0]
    assert present.step(0, 3, -1) == 2
    assert present.step(0, 0) == 0


def test_a_full_cycle_visits_every_slide_once():
    slides = present.parse_slides("map,figures,practices,assessment,poll")
    index, seen = 0, []
    for _ in slides:
        seen.append(slides[index])
        index = present.step(index, len(slides))
    assert seen == list(slides) and index == 0


def test_is_due():
    assert present.is_due(100.0, 120.0, 20, paused=False)
    assert present.is_due(100.0, 119.5, 20, paused=False)  # the timer may wake a little early
    assert not present.is_due(100.0, 110.0, 20, paused=False)
    assert not present.is_due(100.0, 500.0, 20, paused=True)


def test_the_poll_slide_holds_while_its_poll_is_open():
    assert present.holds("poll", poll_open=True)
    assert not present.holds("poll", poll_open=False)  # closed: the cycle goes on
    assert not present.holds("figures", poll_open=True)


def test_the_poll_slide_refreshes_within_five_seconds():
    assert present.refresh_seconds("poll", 60) <= 5
    assert present.refresh_seconds("map", 60) == 60
    assert present.refresh_seconds("poll", 5) <= 5


def test_index_distribution_counts_every_band_and_names_no_one():
    frame = present.index_distribution([0, 19.9, 20, 55, 99, 100, None, float("nan")])
    assert frame["band"].tolist() == ["0–20", "20–40", "40–60", "60–80", "80–100"]
    assert frame["members"].tolist() == [2, 1, 1, 0, 2]
    assert list(frame.columns) == ["band", "members"]
    assert present.index_distribution([])["members"].sum() == 0


def test_round_indices_use_the_weights():
    answers = pd.DataFrame({"member_id": ["a", "a", "b", "b"], "dimension_id": [1, 2, 1, 2],
                            "level": [5, 0, None, 5], "not_applicable": [False, False, True, False]})
    dims = pd.DataFrame({"dimension_id": [1, 2], "weight": [3.0, 1.0]})
    indices = present.round_indices(answers, dims)
    assert indices["a"] == pytest.approx(75.0)
    assert indices["b"] == pytest.approx(100.0)


def _font_sizes(fig) -> list[float]:
    layout = fig.layout
    sizes = [layout.font.size, layout.title.font.size, layout.xaxis.tickfont.size, layout.yaxis.tickfont.size,
             layout.xaxis.title.font.size]
    sizes += [trace.textfont.size for trace in fig.data]
    return sizes


def test_projector_charts_have_no_text_under_24_px():
    bars = present.bars(["A", "B"], [3, 1], "Title", "Count")
    columns = present.distribution_columns(present.index_distribution([10, 50]), "T", "x", "y")
    for fig in (bars, columns):
        sizes = _font_sizes(fig)
        assert all(size is not None and size >= 24 for size in sizes), sizes
        assert fig.layout.font.color == present.INK


def test_bars_keep_the_given_order_top_down():
    fig = present.bars(["first", "second", "third"], [1, 5, 2], "T", "V")
    assert list(fig.data[0].y) == ["third", "second", "first"]  # plotly draws the last category on top


@pytest.mark.parametrize("top", [0, 1, 2, 3, 5, 6, 7, 12, 30, 31, 99, 140, 500, 12_345])
def test_count_axes_tick_whole_numbers_only(top):
    step = present.whole_number_step(top)
    assert isinstance(step, int) and step >= 1
    assert top / step <= 6  # at most 7 ticks
    smaller = [s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if s < step]
    assert all(top / s > 6 for s in smaller), "a finer whole step would have fitted"


def test_level_bars_put_each_label_above_its_bar_with_whole_number_ticks():
    labels = ["0 · Absent", "1 · Ad hoc", "2 · Planned"]
    fig = present.level_bars(labels, [2, 0, 1], "Answers", height=560)
    assert [a.text for a in fig.layout.annotations] == labels  # first on top
    ys = [a.y for a in fig.layout.annotations]
    assert ys == sorted(ys, reverse=True)
    bar_ys = list(fig.data[0].y)
    for label_y, bar_y in zip(ys, bar_ys):
        assert label_y - 1 < bar_y < label_y  # the bar sits under its own label, inside its band
    assert fig.layout.xaxis.dtick == 1 and fig.layout.xaxis.tickformat == ",d"
    assert fig.layout.yaxis.showticklabels is False  # the labels no longer eat half the width
    sizes = _font_sizes(fig) + [a.font.size for a in fig.layout.annotations]
    assert all(size is not None and size >= 24 for size in sizes), sizes


def test_projector_charts_write_numbers_the_french_way_in_french():
    from alliance import i18n

    i18n.set_language("fr")
    try:
        assert present.bars(["A"], [0.5], "T", "V").layout.separators[0] == ","  # 0,5
    finally:
        i18n.set_language("en")
    assert present.bars(["A"], [0.5], "T", "V").layout.separators[0] == "."


def test_the_join_url_never_breaks_inside_the_code():
    html = present.unbroken_url_html("http://127.0.0.1:34305/poll?code=6M8Z2D&lang=fr")
    pieces = html.split("<wbr>")
    assert [p.split(">", 1)[1].rsplit("<", 1)[0] for p in pieces] == [
        "127.0.0.1:34305", "/poll?code=6M8Z2D", "&amp;lang=fr"]
    assert all("white-space:nowrap" in p for p in pieces)
    assert "&lt;b&gt;" in present.unbroken_url_html("http://host/poll?code=<b>")  # escaped, never markup


def test_markdown_text_shows_data_as_typed():
    escaped = present.markdown_text("**Bold** [x](http://evil) <b>")
    assert "\\*\\*Bold\\*\\*" in escaped and "\\[x\\]\\(http" in escaped and "\\<b\\>" in escaped
    assert present.markdown_text(None) == ""


def test_display_url():
    assert present.display_url("http://10.0.0.2:8501/poll?code=AB23CD") == "10.0.0.2:8501/poll?code=AB23CD"


def test_every_slide_has_a_title_in_every_language():
    from alliance import i18n

    for lang in i18n.available_languages():
        missing = [s for s in present.SLIDES if f"present.title.{s}" not in i18n.catalogue(lang)]
        assert not missing, (lang, missing)


def test_every_poll_error_has_a_message_in_every_language():
    import re
    from pathlib import Path

    from alliance import i18n

    source = Path(present.__file__).with_name("poll.py").read_text()
    reasons = set(re.findall(r'PollError\("([a-z_]+)"', source))
    assert len(reasons) >= 6
    for lang in i18n.available_languages():
        missing = sorted(r for r in reasons if f"poll.error.{r}" not in i18n.catalogue(lang))
        assert not missing, (lang, missing)

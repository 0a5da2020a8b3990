"""Chart builders: what each figure holds, independent of how plotly draws it."""
from __future__ import annotations

import json
import math

import pandas as pd
import plotly.graph_objects as go

from alliance import charts


def strips_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "label": ["Overall", "Governance", "Prevention"],
        "minimum": [10.0, 5.0, None], "q1": [30.0, 20.0, None], "median": [45.0, 40.0, None],
        "q3": [60.0, 55.0, None], "maximum": [90.0, 80.0, None], "value": [50.0, None, 70.0],
    })


def test_position_strips_draw_one_trace_per_series_with_a_break_between_rows():
    fig = charts.position_strips(strips_frame(), title="Scores", city_name="Aarhus", median_name="Median",
                                 band_name="Middle half", range_name="Range")
    assert [trace.name for trace in fig.data] == ["Range", "Middle half", "Median", "Aarhus"]
    band = fig.data[1]
    assert list(band.x) == [20.0, 55.0, None, 30.0, 60.0, None]  # rows drawn bottom-up; Prevention has no peers
    assert list(band.y) == ["Governance", "Governance", None, "Overall", "Overall", None]
    city = fig.data[3]
    assert list(zip(city.y, city.x)) == [("Prevention", 70.0), ("Overall", 50.0)]
    # the first row of the frame is at the top, even though no peer trace mentions "Prevention"
    assert list(fig.layout.yaxis.categoryarray) == ["Prevention", "Governance", "Overall"]


def test_position_strips_without_any_peers_show_only_the_city():
    frame = strips_frame().assign(minimum=math.nan, q1=math.nan, median=math.nan, q3=math.nan, maximum=math.nan)
    fig = charts.position_strips(frame, title="Scores", city_name="Aarhus", median_name="Median",
                                 band_name="Middle half", range_name="Range")
    assert [trace.name for trace in fig.data] == ["Aarhus"]


def test_a_cached_chart_is_the_same_figure_as_a_fresh_one():
    from alliance.app.ui import cached_chart

    gaps = pd.DataFrame({"label": ["Strategy", "Training", "Evaluation"], "gap": [-12.0, 3.0, 0.0]})
    fresh = charts.gap_bars(gaps, "label", "gap", title="Gaps", value_title="points")
    first = cached_chart("gap_bars", gaps, "label", "gap", title="Gaps", value_title="points")
    again = cached_chart("gap_bars", gaps, "label", "gap", title="Gaps", value_title="points")
    as_sent = [json.loads(f.to_json()) for f in (fresh, first, again)]  # key order may differ, content not
    assert as_sent[0] == as_sent[1] == as_sent[2]
    other = cached_chart("gap_bars", gaps.assign(gap=[1.0, 2.0, 3.0]), "label", "gap", title="Gaps",
                         value_title="points")
    assert json.loads(other.to_json()) != as_sent[1]  # a different input is not served from the cache


def test_wrap_label_breaks_at_words_and_escapes_markup():
    assert charts.wrap_label("Frontline training", 11) == "Frontline<br>training"
    assert charts.wrap_label("Information sharing and referral, with safeguards", 24) == \
        "Information sharing and<br>referral, with<br>safeguards"
    assert charts.wrap_label("Youth", 11) == "Youth"
    assert charts.wrap_label("Contre-discours", 11) == "Contre-<br>discours"
    assert charts.wrap_label("Human-rights-based approach", 24) == "Human-rights-based<br>approach"
    assert charts.wrap_label("<b>x</b> & y", 40) == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_radar_labels_fit_a_phone_and_its_ticks_leave_the_first_axis():
    """Issue 19, items 6 and 10: on a phone "Frontline trainin" and "xit programmes" were cut, and the
    radial ticks 20-100 were drawn on the first axis (Leadership)."""
    labels = ["Leadership", "Strategy", "Frontline training", "Exit programmes"]
    fig = charts.score_radar(labels, [20, 40, None, 60], [40] * 4, [30] * 4, [50] * 4, title="t", city_name="c",
                             median_name="m", band_name="b")
    city_trace = fig.data[-1]
    assert list(city_trace.theta) == ["Leadership", "Strategy", "Frontline<br>training", "Exit<br>programmes",
                                      "Leadership"]
    assert max(len(part) for label in city_trace.theta for part in label.split("<br>")) <= charts.RADAR_LABEL_WIDTH
    radial = fig.layout.polar.radialaxis
    assert radial.angle == 90 - 180 / 4  # halfway between the first spoke (top) and the second
    assert [text for text in radial.ticktext if text] == ["50", "100"]  # few enough not to overlap on a phone
    assert fig.layout.margin.l <= 110 and fig.layout.margin.r <= 110


def test_gap_bars_wrap_long_names_and_keep_long_values_inside_their_bars():
    gaps = pd.DataFrame({"label": ["Information sharing and referral, with safeguards", "Family support"],
                         "gap": [-40.0, 5.0]})
    fig = charts.gap_bars(gaps, "label", "gap", title="Gaps", value_title="Points (score minus peer median)")
    bar = fig.data[0]
    assert list(bar.y) == ["Family support", "Information sharing and<br>referral, with<br>safeguards"]
    assert list(bar.textposition) == ["outside", "inside"]  # rows bottom-up: +5 beside, -40 inside
    assert "<br>" in fig.layout.xaxis.title.text


def test_charts_write_numbers_the_reader_s_way_even_from_the_cache():
    """Issue 19, item 8: '0.5' on a French page. A figure cached for an English reader is served to a
    French one with French separators."""
    from alliance import i18n
    from alliance.app.ui import cached_chart

    gaps = pd.DataFrame({"label": ["Strategy", "Training"], "gap": [0.5, -1.5]})
    english = cached_chart("gap_bars", gaps, "label", "gap", title="Gaps", value_title="points")
    assert english.layout.separators == ".,"
    i18n.set_language("fr")
    try:
        french = cached_chart("gap_bars", gaps, "label", "gap", title="Gaps", value_title="points")
        assert french.layout.separators.startswith(",")
        assert charts.gap_bars(gaps, "label", "gap", title="T", value_title="v").layout.separators.startswith(",")
    finally:
        i18n.set_language("en")


def test_a_long_title_goes_on_lines_that_fit_a_phone_and_the_top_margin_grows():
    from alliance.charts import TITLE_WIDTH, base_layout

    short = base_layout(go.Figure(), "Scores 2025", height=400)
    long = base_layout(go.Figure(), "Scores 2025 face aux villes de même taille", height=400)
    assert short.layout.title.text == "Scores 2025" and short.layout.margin.t == 56
    lines = long.layout.title.text.split("<br>")
    assert len(lines) == 2 and all(len(line) <= TITLE_WIDTH for line in lines)
    assert long.layout.margin.t == 56 + 24 and long.layout.height == 424
    assert base_layout(go.Figure(), "<b>x</b>").layout.title.text == "&lt;b&gt;x&lt;/b&gt;"  # names from data are text

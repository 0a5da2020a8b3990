"""Chart builders: what each figure holds, independent of how plotly draws it."""
from __future__ import annotations

import json
import math

import pandas as pd

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
    from alliance.ui import cached_chart

    gaps = pd.DataFrame({"label": ["Strategy", "Training", "Evaluation"], "gap": [-12.0, 3.0, 0.0]})
    fresh = charts.gap_bars(gaps, "label", "gap", title="Gaps", value_title="points")
    first = cached_chart("gap_bars", gaps, "label", "gap", title="Gaps", value_title="points")
    again = cached_chart("gap_bars", gaps, "label", "gap", title="Gaps", value_title="points")
    as_sent = [json.loads(f.to_json()) for f in (fresh, first, again)]  # key order may differ, content not
    assert as_sent[0] == as_sent[1] == as_sent[2]
    other = cached_chart("gap_bars", gaps.assign(gap=[1.0, 2.0, 3.0]), "label", "gap", title="Gaps",
                         value_title="points")
    assert json.loads(other.to_json()) != as_sent[1]  # a different input is not served from the cache

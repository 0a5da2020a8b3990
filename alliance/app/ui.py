"""Small Streamlit pieces every page shares: the demonstration notice and the page header."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance import chart_data
from alliance.app import data
from alliance.exporter import csv_bytes
from alliance.i18n import number_separators, t


def demo_notice(scores: bool = False) -> None:
    """The plain statement that scores (and invented activities) are made up, wherever they are shown."""
    if data.is_demo_data():
        st.info(t("common.demo_scores_notice") if scores else t("common.demo_notice"), icon=":material/science:")


def page_header(title: str, intro: str | None = None) -> None:
    st.title(title)
    if intro:
        st.caption(intro)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~$:")


def md_text(value) -> str:
    """Text from data made inert for st.markdown: every Markdown/HTML punctuation mark backslash-escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(value)).replace("\n", " ")


def unknown_member_warning(message: str, members, display, page: str, param: str = "city") -> None:
    """The warning for a link whose ``?param=`` names no member, with links to the members closest by name
    ("Did you mean Aarhus?", matched without regard to accents or case). The link's value is never echoed:
    it may be anything. ``members``: id, name; ``display``: id -> label; other URL parameters are kept."""
    from alliance.city import closest_members

    st.warning(message, icon=":material/travel_explore:")
    found = closest_members(st.query_params.get(param), members)
    if found:
        keep = {k: v for k, v in st.query_params.to_dict().items() if k != param}
        row = st.container(horizontal=True, vertical_alignment="center", key=f"did_you_mean_{param}")
        row.markdown(f"**{t('common.did_you_mean')}**")
        for member_id in found:
            row.page_link(page, label=md_text(display[member_id]), query_params={**keep, param: member_id},
                          icon=":material/location_city:")


def url_selectbox(label: str, options: list, param: str, *, default=None, format_func=str, **kwargs):
    """A selectbox whose value lives in the URL as ``?param=<option>`` (the raw option, e.g. a member id).

    Streamlit's own ``bind="query-params"`` stores the *formatted* label, which would put translated text
    in the URL; this keeps links language-independent. An unknown URL value falls back to ``default``
    (None: the placeholder) without an error. Returns the chosen option.
    """
    widget_key = f"url_{param}"
    by_text = {str(o): o for o in options}
    wanted = st.query_params.get(param)
    if wanted is not None:  # the URL wins: a shared link, the back button, a switch_page with parameters
        value = by_text.get(wanted, default)
    else:
        current = st.session_state.get(widget_key)
        value = current if current in options else default
    st.session_state[widget_key] = value

    def _to_url():
        chosen = st.session_state.get(widget_key)
        if chosen is None or chosen == default:
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = str(chosen)

    return st.selectbox(label, options, index=None if default is None else options.index(default),
                        key=widget_key, format_func=format_func, on_change=_to_url, **kwargs)


def url_segmented(label: str, options: list, param: str, *, default, format_func=str, **kwargs):
    """A segmented control (one choice, e.g. a page's view) whose value lives in the URL as ``?param=<option>``,
    as ``url_selectbox``; the default is left out of the URL. Never empty: a click on the chosen segment keeps it."""
    widget_key = f"url_{param}"
    wanted = st.query_params.get(param)
    by_text = {str(o): o for o in options}
    current = st.session_state.get(widget_key)
    value = by_text.get(wanted, default) if wanted is not None else (current if current in options else default)
    st.session_state[widget_key] = value

    def _to_url():
        chosen = st.session_state.get(widget_key)
        if chosen is None:  # a click on the chosen segment unselects it: keep showing that view
            st.session_state[widget_key] = by_text.get(st.query_params.get(param), default)
        elif chosen == default:
            st.query_params.pop(param, None)
        else:
            st.query_params[param] = str(chosen)

    st.segmented_control(label, options, key=widget_key, format_func=format_func, on_change=_to_url, **kwargs)
    return st.session_state.get(widget_key) or default


def url_multiselect(label: str, options: list, param: str, *, format_func=str, **kwargs) -> list:
    """A multiselect whose choices live in the URL as repeated ``?param=<option>`` (raw options, e.g. country
    codes), like ``url_selectbox``: links stay language-independent. Unknown URL values are dropped from the
    choice and the URL, without an error. Returns the chosen options.
    """
    widget_key = f"url_{param}"
    by_text = {str(o): o for o in options}
    if param in st.query_params:  # the URL wins: a shared link, the back button
        wanted = st.query_params.get_all(param)
        value = [by_text[w] for w in dict.fromkeys(wanted) if w in by_text]
        if len(value) != len(wanted):
            _set_url_list(param, value)
    else:
        value = [v for v in (st.session_state.get(widget_key) or []) if v in options]
    st.session_state[widget_key] = value

    def _to_url():
        _set_url_list(param, st.session_state.get(widget_key) or [])

    return st.multiselect(label, options, key=widget_key, format_func=format_func, on_change=_to_url, **kwargs)


def _set_url_list(param: str, values: list) -> None:
    if values:
        st.query_params[param] = [str(v) for v in values]
    else:
        st.query_params.pop(param, None)


@st.cache_data(show_spinner=False, max_entries=256)
def _figure_dict(builder: str, args: tuple, kwargs: tuple) -> dict:
    from alliance import charts

    return getattr(charts, builder)(*args, **dict(kwargs)).to_plotly_json()


def cached_chart(builder: str, *args, **kwargs):
    """alliance.charts.<builder>(*args, **kwargs), built once per distinct input. Building a figure validates
    every property (20-80 ms a chart); rebuilding it from the cached dict without validation takes ~1 ms."""
    import plotly.graph_objects as go

    fig = go.Figure(_figure_dict(builder, args, tuple(sorted(kwargs.items()))), _validate=False)
    fig.layout.separators = number_separators()  # the reader's, whoever built the cached figure
    return fig


def chart_download(frame: pd.DataFrame, title: str, key: str, where=None) -> None:
    """A 'Data (CSV)' button under a chart; `frame` already has the reader's column names (alliance.chart_data)."""
    (where or st).download_button(t("chart_data.download"), data=lambda: csv_bytes(frame),
                                  file_name=chart_data.file_name(title), mime="text/csv", key=f"chart_data_{key}",
                                  icon=":material/download:", type="tertiary", help=t("chart_data.download_help"),
                                  on_click="ignore")

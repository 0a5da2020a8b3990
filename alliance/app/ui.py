"""Small Streamlit pieces every page shares: the demonstration notice and the page header."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance import chart_data
from alliance.app import data
from alliance.exporter import csv_bytes
from alliance.i18n import number_separators, t


def demo_notice(scores: bool = False, one_city: bool = False) -> None:
    """The plain statement that scores (and invented activities) are made up, wherever they are shown;
    `one_city`: the scores shown are one city's (its profile)."""
    if data.is_demo_data():
        key = ("common.demo_city_scores_notice" if one_city else "common.demo_scores_notice") if scores \
            else "common.demo_notice"
        st.info(t(key), icon=":material/science:")


def page_header(title: str, intro: str | None = None) -> None:
    st.title(title)
    if intro:
        st.caption(intro)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~$:")


def show_flash(page: str, toast: bool = False) -> None:
    """The outcome of the last write, kept in `st.session_state[f"{page}_flash"]` as (kind, message, icon) across
    the rerun that follows it; `toast` repeats it for a user scrolled down to the buttons."""
    flash = st.session_state.pop(f"{page}_flash", None)
    if flash:
        getattr(st, flash[0])(flash[1], icon=flash[2])
        if toast:
            st.toast(flash[1], icon=flash[2])


def css_string(text: str) -> str:
    """Our own text (a catalogue entry, never data) as the inside of a CSS string: quotes and backslashes
    escaped, and no '<' that could end the <style> element."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")


def uploader_in_language(key: str, types: list[str]) -> None:
    """Streamlit writes its file uploader's button ("Upload") and limit line ("200MB per file • CSV") in English
    on every page: draw them in the reader's language instead, over the hidden originals (scoped to `key`)."""
    limit_mb = st.get_option("server.maxUploadSize")
    button = css_string(t("common.upload_button"))
    limit = css_string(t("common.upload_limit", size=limit_mb, types=", ".join(x.upper() for x in types)))
    zone = f'.st-key-{key} [data-testid="stFileUploaderDropzone"]'
    st.markdown(f"""<style>
{zone} button p, {zone} [data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
{zone} button p::after {{ content: "{button}"; font-size: 0.875rem; }}
{zone} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{limit}"; font-size: 0.875rem; }}
</style>""", unsafe_allow_html=True)


def md_text(value) -> str:
    """Text from data made inert for st.markdown: every Markdown/HTML punctuation mark backslash-escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(value)).replace("\n", " ")


def unknown_member_warning(message: str, members, display, page: str, requested: str, keep: dict,
                           param: str = "city") -> None:
    """The warning for a link whose ``?param=`` names no member (``requested``), with links to the members
    closest by name ("Did you mean Aarhus?", matched without regard to accents or case). The link's value is
    never echoed: it may be anything. ``members``: id, name; ``display``: id -> label; ``keep``: the other URL
    parameters, kept in the links."""
    from alliance.city import closest_members

    st.warning(message, icon=":material/travel_explore:")
    found = closest_members(requested, members)
    if found:
        row = st.container(horizontal=True, vertical_alignment="center", key=f"did_you_mean_{param}")
        row.markdown(f"**{t('common.did_you_mean')}**")
        for member_id in found:
            row.page_link(page, label=md_text(display[member_id]), query_params={**keep, param: member_id},
                          icon=":material/location_city:")


def lazy_expander(label: str, key: str):
    """An expander whose content is drawn only once it is opened (opening it reruns the page): a table below
    the fold otherwise costs every view its Arrow serialisation. Returns the expander when open, else None:
    `if box := lazy_expander(...): box.dataframe(...)`."""
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


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

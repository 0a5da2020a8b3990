"""/map: every member on a map of Europe, filtered by URL-bound widgets; click a circle for details."""
import hashlib

import pandas as pd
import streamlit as st

from alliance import chart_data, maps, round_review, scoring
from alliance.app import data, embed_view, url
from alliance.app.map_assist import map_assist, reported_width
from alliance.i18n import fmt_number, get_language, is_missing, localized_column, t
from alliance.app.ui import chart_download, demo_notice, md_text, page_header
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

MULTI_FILTERS = ("country", "region", "network", "status", "approach")
STATUSES = ("member", "observer", "former")
MAP_HEIGHT = 540  # with the title above, the whole map fits a 1440x900 screen
# The outlines stop at 25°W and 45°E: a map much wider than it is tall would show those cut edges, so its
# width is capped (it is narrower than this on a 1440 px screen anyway).
MAP_MAX_WIDTH = 730
FIT_WIDTH = 620  # the map's width on a 1440 px screen: the view is fitted for it until the browser reports its own
BANDS = {key: (low, high) for key, low, high in scoring.POPULATION_BANDS}


def reset_filters() -> None:
    for param in (*MULTI_FILTERS, "population"):
        q.pop(param)
        st.session_state[f"url_{param}"] = None if param == "population" else []


def load_members(params: tuple) -> pd.DataFrame:
    frame = data.query("map_members", **dict(params))
    return frame.assign(country=frame[localized_column("country")])


# a resource cache, shared by every viewer (read it, never change it): st.cache_data gave each viewer its own
# unpickled copy of the 10,000 points' JSON and table, 10 viewers at once 70 MB more
@st.cache_resource(show_spinner=False, max_entries=24)
def build_map(params: tuple, measure: str, dimension: str | None, network: str | None, network_label: str,
              country_mode: str, fit_width: int, lang: str, version: str):
    """Colour scale, country shading, the serialised deck of one view and its points as the CSV download gives
    them, cached per view, language and data version: at 10,000 members the points and their JSON take about
    half a second to build."""
    members = load_members(params)
    levels = level_labels = None
    if measure == "dimension":
        levels = data.query("map_dimension_levels", dimension_id=int(dimension),
                            validated_only=dict(params).get("validated_only", False)).set_index("member_id")["level"]
        level_rows = data.query("map_maturity_levels")
        level_labels = dict(zip(level_rows["level"].astype(int), level_rows[localized_column("label")]))
    scale = maps.measure_scale(measure, members, levels=levels, level_labels=level_labels, network=network,
                               network_label=network_label)
    shading = maps.country_shading(country_mode, members)
    points = maps.member_points(members, scale.rgba(), invented_scores=data.is_demo_data())
    view = maps.fit_view(members["longitude"], members["latitude"], width_px=fit_width, height_px=MAP_HEIGHT)
    deck = maps.FrozenDeck(maps.members_deck(points, set(members["country_code"]), view, shading))
    return scale, shading, deck, chart_data.map_frame(members, scale)


page_header(t("map.title"), t("map.intro"))
q = url.page("map")
if embed_view.is_embedded():
    embed_view.back_link("map", q.items())
demo_notice(scores=True)

choices = data.choices_by_kind("map_filter_options", localized_column("label"))
countries, regions, networks = (choices.get(kind, {}) for kind in ("country", "region", "network"))
approaches, dimensions = (choices.get(kind, {}) for kind in ("approach", "dimension"))

with st.sidebar:
    st.subheader(t("map.filters"), help=t("map.filters_help"))
    # ids in the URL (?country=DK&country=NO), so that a link works in every language
    chosen_countries = q.multiselect(t("map.country"), list(countries), "country", format_func=countries.get,
                                       placeholder=t("map.any"))
    chosen_regions = q.multiselect(t("map.region"), list(regions), "region", format_func=regions.get,
                                     placeholder=t("map.any"))
    chosen_networks = q.multiselect(t("map.network"), list(networks), "network", format_func=networks.get,
                                      placeholder=t("map.any"))
    chosen_statuses = q.multiselect(t("map.status"), list(STATUSES), "status", placeholder=t("map.any"),
                                      format_func=lambda s: t(f"map.status_label.{s}"))
    band = q.selectbox(t("map.population"), list(BANDS), "population", format_func=lambda b: t(f"map.band.{b}"),
                         placeholder=t("map.any_size"))
    chosen_approaches = q.multiselect(t("map.approach"), list(approaches), "approach", format_func=approaches.get,
                                        placeholder=t("map.any"), help=t("map.approach_help"))
    filtered = bool(chosen_countries or chosen_regions or chosen_networks or chosen_statuses or band
                    or chosen_approaches)
    st.button(t("map.reset"), on_click=reset_filters, disabled=not filtered, icon=":material/restart_alt:")
    # which rounds give the index and levels: every submitted one, or only validated ones (agreed levels)
    rounds_choice = q.selectbox(t("round_review.rounds_counted"), list(round_review.ROUND_CHOICES), "rounds",
                                default="all", format_func=lambda c: t(f"round_review.rounds_{c}"),
                                help=t("round_review.rounds_help"))

low, high = BANDS.get(band, (None, None))
params = (("countries", tuple(chosen_countries)), ("regions", tuple(chosen_regions)),
          ("networks", tuple(chosen_networks)), ("statuses", tuple(chosen_statuses)),
          ("approaches", tuple(chosen_approaches)), ("pop_min", low),
          ("pop_max", None if high is None or high == float("inf") else int(high))) if filtered else ()
params += (("validated_only", True),) if rounds_choice == "validated" else ()
members = load_members(params)
total = len(data.query("map_members"))

map_col, side_col = st.columns([2, 1], gap="medium")
details_slot = side_col.container()  # filled after the map reports a click: on top, where the eye goes

with side_col:
    st.caption(maps.showing_caption(members["status"], total))
    measure = q.selectbox(t("map.colour_by"), list(maps.MEASURES), "colour", default="index",
                            format_func=lambda m: t(f"map.measure.{m}"), help=t("map.colour_by_help"))
    dimension, network = None, None
    if measure == "dimension":
        dimension_ids = sorted(dimensions, key=int)
        dimension = q.selectbox(t("map.colour_dimension"), dimension_ids, "dimension", default=dimension_ids[0],
                                  format_func=dimensions.get)
    elif measure == "network":
        network = q.selectbox(t("map.colour_network"), list(networks), "in_network", default=list(networks)[0],
                                format_func=networks.get)
    if rounds_choice == "validated" and measure in ("index", "dimension"):  # chosen in the sidebar: say so here
        st.caption(f":material/verified: {t('round_review.rounds_validated')}", help=t("round_review.rounds_help"))
    country_mode = q.selectbox(t("map.country_layer"), list(maps.COUNTRY_MODES), "countries", default="outline",
                                 format_func=lambda m: t(f"map.layer.{m}"), help=t("map.country_layer_help"))

fit_width = min(reported_width() or FIT_WIDTH, MAP_MAX_WIDTH)
scale, shading, deck, map_table = build_map(params, measure, dimension, network, networks.get(network, ""),
                                            country_mode, fit_width, get_language(), data.data_version())

with map_col:
    if members.empty:
        st.warning(t("map.empty"), icon=":material/filter_alt_off:")
        st.button(t("map.reset"), on_click=reset_filters, key="reset_empty", type="primary",
                  icon=":material/restart_alt:")
    # the key follows the filters: a new set of points starts with no selection
    filter_hash = hashlib.sha1(repr((chosen_countries, chosen_regions, chosen_networks, chosen_statuses, band,
                                     chosen_approaches)).encode()).hexdigest()[:10]
    event = st.pydeck_chart(deck, height=MAP_HEIGHT, width=MAP_MAX_WIDTH, on_select="rerun",
                            selection_mode="single-object", key=f"members_map_{filter_hash}",
                            alt=t("map.map_alt", measure=scale.title))
    if not members.empty:
        chart_download(map_table, t("map.title"), "members_map")

with side_col:
    st.markdown(maps.LEGEND_CSS + maps.legend_html(
        scale.title, scale.legend_entries(), t("map.legend_size"), maps.size_legend(),
        shading.scale.title if shading else None, shading.scale.legend_entries() if shading else None),
        unsafe_allow_html=True)

selected = event.selection.objects.get(maps.MEMBERS_LAYER, []) if event else []
selected_id = str(selected[0].get("id")) if selected else None
shown_id = selected_id if selected_id and (members["id"] == selected_id).any() else None
if shown_id:
    row = members[members["id"] == selected_id].iloc[0]
    with details_slot.container(border=True, key="map_details"):
        st.caption(t("map.details_title"))
        st.subheader(md_text(row["name"]), anchor=False)
        facts = [
            (t("map.col_country"), row["country"]),
            (t("map.col_kind"), t(f"common.kind.{row['kind']}")),
            (t("map.col_population"), fmt_number(row["population"])),
            (t("map.col_joined"), str(row["joined_year"])),
            (t("map.col_status"), t(f"map.status_label.{row['status']}")),
            (t("map.col_networks"),
             ", ".join(networks.get(n, n) for n in maps.network_ids(row["networks"])) or "–"),
            (t("map.col_activities"), fmt_number(row["activities"])),
            (t("map.col_index"), t("map.no_index") if is_missing(row["overall_index"]) else
             t("map.index_value", value=fmt_number(row["overall_index"]), year=int(row["latest_round"]))
             + (f" ({t('map.invented')})" if data.is_demo_data() else "")),
        ]
        # values from the data go through md_text: shown as written, never as Markdown or HTML
        st.markdown("\n".join(f"- **{md_text(label)}:** {md_text(value)}" for label, value in facts))
        st.page_link("pages/city.py", label=t("map.profile_link", name=md_text(row["name"])),
                     query_params={"city": selected_id}, icon=":material/location_city:")

if not members.empty and st.toggle(t("map.table_toggle"), key="table", bind="query-params"):
    st.caption(t("map.table_caption"))
    table = pd.DataFrame({
        "name": members["name"],
        "country": members["country"],
        "population": members["population"],
        "joined": members["joined_year"],
        "status": members["status"].map(lambda s: t(f"map.status_label.{s}")),
        "networks": members["networks"].map(
            lambda ids: ", ".join(networks.get(n, n) for n in maps.network_ids(ids))),
        "activities": members["activities"],
        "index": members["overall_index"].round(0),
        "round": members["latest_round"],
        "profile": "city?city=" + members["id"],
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "name": t("map.col_name"), "country": t("map.col_country"),
        "population": st.column_config.NumberColumn(t("map.col_population"), format="localized"),
        "joined": st.column_config.NumberColumn(t("map.col_joined"), format="%d"),
        "status": t("map.col_status"), "networks": t("map.col_networks"),
        "activities": st.column_config.NumberColumn(t("map.col_activities")),
        "index": st.column_config.NumberColumn(t("map.col_index"), format="%d"),
        "round": st.column_config.NumberColumn(t("map.col_round"), format="%d"),
        "profile": st.column_config.LinkColumn(t("map.col_profile"), display_text=t("map.open_profile")),
    })

map_assist(shown_id)  # fits the view to the map's real width, brings the details into view

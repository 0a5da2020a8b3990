"""/city?city=ID: one member's profile (facts, small map, activities, self-assessment against cities of similar
size, index trend, similar cities). A missing or unknown id shows a city picker, never an error."""
import pandas as pd
import streamlit as st

from alliance import chart_data, city, comparison, scoring
from alliance.app import city_view, data, embed_view, plan_view, url
from alliance.i18n import fmt_date, fmt_number, get_language, is_missing, localized_column, t, tn
from alliance.practices import localized_series
from alliance.app.ui import cached_chart, chart_download, demo_notice, md_text, page_header, unknown_member_warning
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

members = data.query("city_members")
country_col = localized_column("country")
labels = data.member_labels("city_members", country_col)
names, display = labels["name"], labels["display"]

q = url.page("city")
requested = q.raw("city")
header = st.container()  # the title goes above the picker, once the picker has said which city it is
if embed_view.is_embedded() and requested in names:  # a member's website shows its own profile, no picker
    city_id = requested
else:
    picker_col, _ = st.columns([2, 3])
    with picker_col:
        city_id = q.selectbox(t("city.pick"), labels["ids"], "city", format_func=display.get,
                              placeholder=t("city.pick_placeholder"), help=t("city.pick_help"), quiet=True)

if city_id is None:
    with header:
        page_header(t("city.title"), t("city.intro"))
    if requested:
        unknown_member_warning(t("city.unknown"), members, display, "pages/city.py", requested,
                               q.items(exclude=("city",)))
    st.info(t("city.choose"), icon=":material/location_city:")
    st.page_link("pages/map.py", label=t("city.browse_map"), icon=":material/map:")
    st.stop()

row = members[members["id"] == city_id].iloc[0]
with header:
    page_header(md_text(row["name"]), t("city.kind_status", kind=t(f"common.kind.{row['kind']}"),
                                        country=md_text(row[country_col]),
                                        status=t(f"city.status_label.{row['status']}")))
if embed_view.is_embedded():
    embed_view.back_link("city", {"city": city_id, "lang": q.raw("lang")})
demo_notice(scores=True, one_city=True)

activities = data.query("city_activities", member_id=city_id)
history = data.query("bench_city_history", member_id=city_id)
rounds = comparison.city_rounds(history)
framework = data.load_framework()
result = None
if rounds:
    result = city_view.profile_comparison(city_id, rounds[0], data.data_version())  # None: a former member
latest_index = None
if result is not None and not is_missing(result.city_indices.get(comparison.OVERALL)):
    latest_index = float(result.city_indices[comparison.OVERALL])
standing = standing_lines = None
if result is not None:
    dimension_names = dict(zip(framework.dimensions["dimension_id"].astype(int),
                               framework.dimensions[localized_column("label")]))
    not_applicable = result.answers.loc[result.answers["not_applicable"].fillna(False).astype(bool), "dimension_id"]
    standing = city.standing(framework.dimension_ids, result.city_scores,
                             result.spread["median"] if result.shown else None, not_applicable)
    band_key = result.group.detail.get("band")
    band = t(f"city.band.{band_key}") if band_key else ""
    standing_lines = city.standing_text(
        standing, dimension_names, index=latest_index,
        index_median=result.positions.loc[comparison.OVERALL, "median"] if result.shown else None, band=band)

# ---------------------------------------------------------------------------------- facts and small map
facts_col, map_col = st.columns([1, 1], gap="large")
with facts_col:
    figures_row = st.container(horizontal=True, gap="medium")  # wraps, never clips a figure
    figures_row.metric(t("city.population"), fmt_number(row["population"]), help=t("city.population_help"),
                       width="content")
    figures_row.metric(t("city.activities_count"), fmt_number(city.current_activity_count(activities)),
                       help=t("city.activities_count_help"), width="content")
    shown_index = t("city.not_assessed") if latest_index is None else fmt_number(latest_index)
    figures_row.metric(t("city.latest_index"), shown_index,
                       delta=None if latest_index is None else str(rounds[0]), delta_color="off",
                       delta_arrow="off", help=t("city.latest_index_help"), width="content")
    if standing_lines:  # says whether the index is good: against cities of similar size
        st.markdown(" ".join(md_text(line) for line in standing_lines))
    facts = [(t("city.country"), row[country_col]), (t("city.joined"), fmt_date(row["joined_on"], "long")),
             (t("city.status"), t(f"city.status_label.{row['status']}")),
             (t("city.networks"), row[localized_column("networks")] or t("city.no_networks"))]
    # values from the data go through md_text: shown as written, never as Markdown or HTML
    st.markdown("\n".join(f"- **{md_text(label)}:** {md_text(value)}" for label, value in facts))
    website = city.safe_website(row["website"])
    if website:
        st.link_button(t("city.website"), website, icon=":material/open_in_new:")
with map_col:
    st.pydeck_chart(city_view.small_map(city_id, data.data_version()), height=340,
                    alt=t("city.map_alt", name=row["name"]))
    chart_download(city_view.small_map_table(city_id, country_col, get_language(), data.data_version()),
                   f"{row['name']} {t('embed.map_title')}", "city_map")
    st.page_link("pages/map.py", label=t("city.open_map"), icon=":material/map:",
                 query_params={"country": row["country_code"]})

# ---------------------------------------------------------------------------------------- activities
st.subheader(t("city.activities"), anchor=False)
if activities.empty:
    st.info(t("city.activities_none"), icon=":material/inventory_2:")
else:
    st.caption(t("city.activities_caption"))
    years = [city.year_span(s, e) for s, e in zip(activities["start_year"], activities["end_year"])]
    table = pd.DataFrame({
        "title": city.titled_links(activities["id"], localized_series(activities, "title")[0], get_language()),
        "role": activities["role"].map(lambda r: t(f"city.role.{r}")),
        "kind": activities["kind"].map(lambda k: t(f"common.activity_kind.{k}")),
        "years": years,
        "status": activities["status"].map(lambda s: t(f"city.activity_status.{s}")),
        "evaluation": activities["evaluation"].map(lambda e: t(f"city.evaluation.{e}")),
        "approaches": activities[localized_column("approaches")].map(lambda a: ", ".join(a)),
        "source": activities["provenance"].map(lambda p: t(f"city.source.{p}")),
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "title": st.column_config.LinkColumn(t("city.col_title"), display_text=city.LINK_TEXT_PATTERN, width="large",
                                             help=t("city.col_title_help")),
        "role": t("city.col_role"), "kind": t("city.col_kind"), "years": t("city.col_years"),
        "status": t("city.col_status"), "evaluation": t("city.col_evaluation"),
        "approaches": t("city.col_approaches"), "source": t("city.col_source"),
    })

# ---------------------------------------------------------------------------------- self-assessment
st.subheader(t("city.assessment"), anchor=False)
if not rounds:
    st.info(t("city.no_assessment"), icon=":material/pending_actions:")
elif result is None:
    st.info(t("city.not_comparable"), icon=":material/info:")
else:
    year = result.round_year
    series = city.radar_series(framework.dimensions, result.city_scores, result.spread if result.shown else None,
                               localized_column("short"))
    radar_col, trend_col = st.container(), st.container()
    with radar_col:
        st.plotly_chart(cached_chart("score_radar", 
            series["labels"], series["city"], series["median"], series["q1"], series["q3"],
            title=t("city.radar_title", year=year), city_name=t("city.radar_city", name=row["name"], year=year),
            median_name=t("city.radar_median", band=band), band_name=t("city.radar_band", band=band), height=520),
            config={"displayModeBar": False})
        gap_note = city.not_applicable_text(standing, dimension_names, row["name"])
        if gap_note:
            st.caption(md_text(gap_note))
        if result.shown:
            st.caption(tn("city.peers_note", result.group.size, band=band, year=year))
        else:
            st.caption(t("city.peers_too_small", min=scoring.MIN_PEER_GROUP, band=band))
        with st.expander(t("city.table_alternative")):
            st.dataframe(pd.DataFrame({"dimension": series["labels"], "score": series["city"],
                                       "median": series["median"]}), hide_index=True, width="stretch",
                         column_config={"dimension": t("city.col_dimension"),
                                        "score": st.column_config.NumberColumn(t("city.col_score"), format="%.0f"),
                                        "median": st.column_config.NumberColumn(t("city.col_median"), format="%.0f")})
        chart_download(chart_data.table({
            t("city.col_dimension"): series["labels"], t("city.col_score"): series["city"],
            t("city.col_median"): series["median"], t("chart_data.col_peer_q1"): series["q1"],
            t("chart_data.col_peer_q3"): series["q3"]}), t("city.radar_title", year=year), "city_radar")
    with trend_col:
        trend = result.trend
        st.plotly_chart(cached_chart("trend_line", trend, "round_year", "value", title=t("city.trend_title"),
                                          value_title=t("city.trend_axis"), name=row["name"]),
                        config={"displayModeBar": False})
        if len(trend) < 2:
            st.caption(t("city.trend_single"))
        with st.expander(t("city.table_alternative")):
            st.dataframe(trend[["round_year", "value"]], hide_index=True, width="stretch", column_config={
                "round_year": st.column_config.NumberColumn(t("city.col_round"), format="%d"),
                "value": st.column_config.NumberColumn(t("city.col_index"), format="%.0f")})
        chart_download(chart_data.trend_frame(trend, None), t("city.trend_title"), "city_trend")
        st.page_link("pages/benchmark.py", label=t("city.benchmark_link"), icon=":material/bar_chart:",
                     query_params={"city": city_id, "peers": city.PROFILE_PEERS})

# ------------------------------------------------------------------------------------------ action plan
plan_view.city_plan_section(city_id, framework)

# ------------------------------------------------------------------------------------- events hosted
hosted = data.query("city_events", member_id=city_id)
if len(hosted):  # a small section, only for hosts: most members have none
    st.subheader(t("events.city_section"), anchor=False)
    lang_now = get_language()
    for _, event in hosted.head(5).iterrows():
        title = event.get(f"title_{lang_now}") if not is_missing(event.get(f"title_{lang_now}")) else event["title_en"]
        st.page_link("pages/events.py", query_params={"when": "past" if event["is_past"] else "upcoming",
                                                      "host": city_id},
                     label=f"{md_text(title)} · {fmt_date(event['starts_on'])}", icon=":material/event:")

# ------------------------------------------------------------------------------------- similar cities
st.subheader(t("city.similar"), anchor=False)
similar, basis = city_view.similar_to(city_id, rounds[0] if result is not None else None, data.data_version())
if not similar:
    st.info(t("city.similar_none"))
else:
    st.caption(t(f"city.similar_{basis}", name=row["name"]))
    by_id = members.set_index("id")
    for other in similar:
        other_row = by_id.loc[other]
        st.page_link("pages/city.py", label=t("city.similar_item", name=md_text(other_row["name"]),
                                               country=md_text(other_row[country_col]),
                                               population=fmt_number(other_row["population"])),
                      query_params={"city": other}, icon=":material/location_city:")

if not embed_view.is_embedded():
    embed_view.snippet_box("city", {"city": city_id, "lang": q.raw("lang")},
                      t("embed.iframe_title", name=row["name"]))

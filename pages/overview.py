"""/ : the alliance at a glance."""
import streamlit as st

from alliance import chart_data
from alliance.app import data
from alliance.i18n import fmt_date, fmt_number, localized_column, t, tn
from alliance.practices import language_note, localized_series
from alliance.app.ui import cached_chart, chart_download, demo_notice, page_header
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

page_header(t("overview.title"), t("overview.intro"))
demo_notice()

figures = data.query("overview_figures").iloc[0]
row = st.container(horizontal=True, gap="medium")  # wraps on narrow screens, never clips a figure
row.metric(t("overview.members"), fmt_number(figures["members"]), help=t("overview.members_help"),
           delta=t("overview.members_delta", observers=fmt_number(figures["observers"])), delta_color="off",
           delta_arrow="off", width="content")
row.metric(t("overview.countries"), fmt_number(figures["countries"]), help=t("overview.countries_help"),
           width="content")
row.metric(t("overview.activities"), fmt_number(figures["activities"]), help=t("overview.activities_help"),
           width="content")
row.metric(t("overview.evaluated"), fmt_number(figures["evaluated_activities"]), help=t("overview.evaluated_help"),
           width="content")
row.metric(t("overview.latest_round"), str(figures["latest_round"] or "–"),
           delta=tn("overview.latest_round_delta", figures["assessed_in_latest_round"]),
           delta_color="off", delta_arrow="off", help=t("overview.latest_round_help"), width="content")

left, right = st.columns(2)
per_country = data.query("members_per_country")
per_country["country"] = per_country[localized_column("name")]
left.plotly_chart(cached_chart("horizontal_bars", per_country, "country", "members", t("overview.members_per_country"),
                                         t("overview.axis_members")), config={"displayModeBar": False})
by_approach = data.query("activities_by_approach")
by_approach["approach"] = by_approach[localized_column("label")]
right.plotly_chart(cached_chart("horizontal_bars", by_approach, "approach", "activities", t("overview.activities_by_approach"),
                                          t("overview.axis_activities")), config={"displayModeBar": False})
with left.expander(t("overview.table_alternative")):
    st.dataframe(per_country[["country", "members"]], hide_index=True,
                 column_config={"country": t("overview.col_country"), "members": t("overview.axis_members")})
with right.expander(t("overview.table_alternative")):
    st.dataframe(by_approach[["approach", "activities"]], hide_index=True,
                 column_config={"approach": t("overview.col_approach"), "activities": t("overview.axis_activities")})
chart_download(chart_data.labelled(per_country, {"country": t("overview.col_country"),
                                                    "members": t("overview.axis_members")}),
                     t("overview.members_per_country"), "members_per_country", left)
chart_download(chart_data.labelled(by_approach, {"approach": t("overview.col_approach"),
                                                     "activities": t("overview.axis_activities")}),
                     t("overview.activities_by_approach"), "activities_by_approach", right)

st.subheader(t("overview.exchange"))  # the peer exchange in counts, never a ranking of cities
exchange_totals = data.query("exchange_totals").iloc[0]
c1, c2, c3 = st.columns(3)
c1.metric(t("overview.exchange_offers"), fmt_number(exchange_totals["offers"]), help=t("overview.exchange_offers_help"))
c2.metric(t("overview.exchange_needs"), fmt_number(exchange_totals["needs"]), help=t("overview.exchange_needs_help"))
c3.metric(t("overview.exchange_done"), fmt_number(exchange_totals["exchanges"]),
          help=t("overview.exchange_done_help"))
st.page_link("pages/exchange.py", query_params={"view": "counts"}, icon=":material/handshake:",
             label=t("overview.exchange_link"))

st.subheader(t("overview.newest"))
newest = data.query("newest_activities", limit=8)
titles, shown = localized_series(newest, "title")  # in the reader's language where translated, else marked
table = newest.assign(
    title=[f"{text} {language_note(code)}".rstrip() for text, code in zip(titles, shown)],
    kind=newest["kind"].map(lambda k: t(f"common.activity_kind.{k}")),
    last_updated=newest["last_updated"].map(fmt_date),
    provenance=newest["provenance"].map(lambda p: t(f"common.{p}_label")),
)
st.dataframe(
    table[["title", "member_name", "country_code", "kind", "start_year", "last_updated", "provenance"]],
    hide_index=True, width="stretch",
    column_config={
        "title": t("overview.col_title"), "member_name": t("overview.col_member"),
        "country_code": t("overview.col_country"), "kind": t("overview.col_kind"),
        "start_year": st.column_config.NumberColumn(t("overview.col_start"), format="%d"),
        "last_updated": t("overview.col_updated"), "provenance": t("overview.col_provenance"),
    },
)

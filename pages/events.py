"""/events?when=upcoming&kind=webinar&language=fr&dimension=youth&host=ID: the alliance's calendar of conferences,
study visits, webinars and trainings; filters in the URL; .ics for one event and for the filtered list."""
import streamlit as st

from alliance import events
from alliance.app import data, url
from alliance.i18n import fmt_date, get_language, is_missing, label, t, tn
from alliance.practices import language_name, localized_text
from alliance.app.shell import ensure_app_shell
from alliance.app.ui import md_text, page_header

ensure_app_shell()  # first, before anything is drawn

page_header(t("events.title"), t("events.intro"))
q = url.page("events")
lang = get_language()
options = data.query("events_options")


def values(facet: str) -> list[str]:
    return list(options.loc[options["facet"] == facet, "value"])


dimension_labels = {r["value"]: label(r) for _, r in options[options["facet"] == "dimension"].iterrows()}
host_labels = {r["value"]: r["label_en"] for _, r in options[options["facet"] == "host"].iterrows()}

c1, _ = st.columns([1, 2])
with c1:
    when = q.selectbox(t("events.when"), list(events.WHEN), "when", default="upcoming",
                         format_func=lambda w: t(f"events.when_{w}"))
filtered = any(p in q for p in ("kind", "language", "dimension", "host"))
with st.expander(t("events.filters"), expanded=filtered, icon=":material/filter_list:"):
    c2, c3 = st.columns(2)
    c4, c5 = st.columns(2)
    with c2:
        kinds = q.multiselect(t("events.kind"), values("kind"), "kind", format_func=lambda k: t(f"events.kinds.{k}"),
                                placeholder=t("events.any"))
    with c3:
        languages = q.multiselect(t("events.language"), values("language"), "language", format_func=language_name,
                                    placeholder=t("events.any"))
    with c4:
        dimensions = q.multiselect(t("events.dimension"), values("dimension"), "dimension",
                                     format_func=lambda d: dimension_labels.get(d, d), placeholder=t("events.any"),
                                     help=t("events.dimension_help"))
    with c5:
        hosts = q.multiselect(t("events.host"), values("host"), "host", format_func=lambda h: host_labels.get(h, h),
                                placeholder=t("events.any"))

found = data.query("events_list", when=when, kinds=kinds, languages=languages, dimensions=dimensions, hosts=hosts)
approach_labels = {r["value"]: label(r) for _, r in data.query("practices_options").iterrows()
                   if r["facet"] == "approach"}
titles = {}
if len(found):
    ids = sorted({p for ps in found["practice_ids"] for p in ps})
    if ids:
        presented = data.query("practices_by_ids", ids=ids)
        titles = {r["id"]: localized_text(r, "title")[0] for r in presented.to_dict("records")}  # reader's language

if len(found):
    head = st.container(horizontal=True, vertical_alignment="center")
    head.markdown("**" + tn(f"events.count_{when}", len(found)) + "**")
    head.download_button(t("events.ics_list"), lambda: events.ics_bytes(found, lang), file_name="alliance-events.ics",
                         mime="text/calendar", icon=":material/calendar_add_on:", help=t("events.ics_help"),
                         on_click="ignore", key="ics_all")
if found.empty:
    st.info(t(f"events.none_{when}"), icon=":material/event_busy:")
if (found["provenance"] == "invented").any():
    st.caption(t("events.invented_note"))


def dates(row) -> str:
    start, end = row["starts_on"], row["ends_on"]
    return fmt_date(start, "long") if start == end else f"{fmt_date(start, 'long')} – {fmt_date(end, 'long')}"


for _, row in found.iterrows():
    with st.container(border=True):
        title = row.get(f"title_{lang}") if not is_missing(row.get(f"title_{lang}")) else row["title_en"]
        st.markdown(f"#### {md_text(title)}")
        facts = [t(f"events.kinds.{row['kind']}"), dates(row),
                 t("events.online") if is_missing(row["place"]) else md_text(row["place"]),
                 t("events.languages", names=", ".join(language_name(c) for c in row["languages"]))]
        st.markdown(" · ".join(facts))
        summary = next((v for v in (row.get(f"summary_{lang}"), row.get("summary_en")) if not is_missing(v) and v), None)
        if summary:
            st.text(summary)
        st.page_link("pages/city.py", query_params={"city": row["host_member_id"]}, icon=":material/location_city:",
                     label=t("events.hosted_by", city=md_text(row["host_name"])))
        covered = list(dict.fromkeys([dimension_labels.get(d, d) for d in row["dimension_codes"]] +
                                     [approach_labels.get(a, a) for a in row["approach_ids"]]))
        if covered:
            st.caption(t("events.covers", topics=md_text("; ".join(covered))))
        if row["is_past"] and len(row["practice_ids"]):
            st.markdown(f"**{t('events.presented')}**")
            for practice_id in row["practice_ids"]:
                st.page_link("pages/practices.py", query_params={"id": practice_id}, icon=":material/menu_book:",
                             label=md_text(titles.get(practice_id, practice_id)))
        if not is_missing(row["poll_code"]):
            st.page_link("pages/present.py", query_params={"slides": "poll", "poll": row["poll_code"], "lang": lang},
                         icon=":material/how_to_vote:", label=t("events.poll", code=row["poll_code"]))
        actions = st.container(horizontal=True)
        if not is_missing(row["url"]):
            actions.link_button(t("events.open_link"), row["url"], icon=":material/open_in_new:")
        one = found[found["id"] == row["id"]]
        actions.download_button(t("events.ics_one"), lambda one=one: events.ics_bytes(one, lang),  # built when pressed
                                file_name=f"{row['id']}.ics", mime="text/calendar", on_click="ignore",
                                icon=":material/event:", key=f"ics_{row['id']}")

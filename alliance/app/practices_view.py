"""The Streamlit side of /practices: URL state, filter widgets, results, detail, comparison, charts, contacts.

Every piece of state lives in the URL with language-independent values (ids and codes), so a link
reproduces the view in any language. Widgets are not bound with `bind="query-params"`, because Streamlit
would store the formatted option (a translated label with its count) in the URL; instead each widget is
set from the URL on every run and writes the URL back in its on_change callback.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from alliance import chart_data, charts, db
from alliance.app import data, url
from alliance import practices as pr
from alliance.i18n import fmt_date, fmt_number, get_language, is_missing, label, set_language, t, tn
from alliance.scoring import POPULATION_BANDS
from alliance.app.ui import chart_download, md_text

PAGE = "pages/practices.py"
CITY_PAGE = "pages/city.py"
KEY = "pr_"  # widget keys; URL parameters are the bare names
EXPORT_MAX_ROWS = 1_000_000
XLSX_MAX_ROWS = 50_000  # openpyxl needs about half a second per 1,000 rows: beyond this, CSV
MAX_COVERAGE_CITIES = 30
NON_FILTER_PARAMS = {"page", "view", "layout", "pick", "size", "sort", "contact", "id", "compare", "lang"}


# --- URL state ------------------------------------------------------------------------------------------

def _url() -> url.PageURL:
    return url.current("practices")


def set_param(name: str, value) -> None:
    """Write one URL parameter; None, '' or an empty list removes it."""
    _url().set(name, value)


def _url_changed(name: str, key: str, dump) -> None:
    set_param(name, dump(st.session_state.get(key)))
    if name not in NON_FILTER_PARAMS:
        set_param("page", None)  # a new filter starts at the first page


def _url_params() -> dict:
    return _url().items()


@dataclass
class State:
    filters: pr.Filters
    problems: list[str]
    sort: str
    layout: str
    size: int
    page: str | None
    view: str
    pick: list[str]
    compare: list[str] | None
    detail_id: str | None
    contact: str | None


def read_state(options: pd.DataFrame) -> State:
    """The view from the link: parameters declared in alliance.urlstate (sort, layout, size, view ... typed and
    checked there), the facet values checked against the data by practices.filters_from_url. Everything not
    understood is in `problems`, for one message."""
    q = url.page("practices", warn=False)
    known = {facet: options.loc[options["facet"] == facet_name, "value"].tolist()
             for facet, facet_name in (("approach", "approach"), ("target", "target_group"),
                                       ("stakeholder", "stakeholder"), ("country", "country"), ("region", "region"))}
    filters, problems = pr.filters_from_url(q.items(), known)
    return State(
        filters=filters, problems=[*map(str, q.problems), *problems],
        sort=q["sort"], layout=q["layout"], size=q["size"], page=q.raw("page"), view=q["view"],
        pick=pr.compare_ids(q["pick"]),
        compare=pr.compare_ids(q["compare"]) if "compare" in q else None,
        detail_id=(q.raw("id") or "").strip() or None, contact=q.raw("contact"))


# --- labels ---------------------------------------------------------------------------------------------

class Labels:
    """Every label of a code or id, in the current language: taxonomies from the database, codes from the
    catalogue. A callable (facet key, value) -> text, as alliance.practices.display_frame wants."""

    def __init__(self, options: pd.DataFrame, partner_names: dict[str, str] | None = None):
        self.rows = {(r["facet"], r["value"]): r for r in options.to_dict("records")}
        self.partner_names = partner_names or {}

    def __call__(self, key: str, value: str) -> str:
        if is_missing(value):
            return "–"
        value = str(value)
        if key in ("approach", "target", "stakeholder", "country", "region"):
            facet = {"target": "target_group"}.get(key, key)
            row = self.rows.get((facet, value))
            return label(row) if row else value
        if key == "kind":
            return t(f"common.activity_kind.{value}")
        if key == "pop":
            return population_band_label(int(value))
        if key == "partner":
            return self.partner_names.get(value, value)
        return t(f"practices.{key}.{value}")

    def description(self, key: str, value: str) -> str:
        facet = {"target": "target_group"}.get(key, key)
        row = self.rows.get((facet, value))
        return label(row, "description") if row else ""


def population_band_label(number: int) -> str:
    if number <= 0 or number > len(POPULATION_BANDS):
        return t("practices.pop_band.unknown")
    _, low, high = POPULATION_BANDS[number - 1]
    if low <= 0:
        return t("practices.pop_band.under", high=fmt_number(high))
    if high == float("inf"):
        return t("practices.pop_band.over", low=fmt_number(low))
    return t("practices.pop_band.between", low=fmt_number(low), high=fmt_number(high))


def load_options() -> pd.DataFrame:
    return data.query("practices_options")


# --- filters --------------------------------------------------------------------------------------------

def filter_sidebar(state: State, labels: Labels, counts: dict[str, dict[str, int]], options: pd.DataFrame,
                   bounds: tuple[int, int]) -> None:
    """The facets in the sidebar, grouped, each option with its count under the other filters."""
    f = state.filters
    with st.sidebar:
        st.header(t("practices.filters"), help=t("practices.filters_help"))
        if f.is_filtered():
            st.button(t("practices.clear_all"), icon=":material/filter_alt_off:", on_click=clear_filters,
                      width="stretch")
        for group in ("what", "where", "quality"):
            st.subheader(t(f"practices.group.{group}"))
            for facet in (x for x in pr.FACETS if x.group == group):
                values = list(facet.codes) if facet.codes else \
                    options.loc[options["facet"] == facet.name, "value"].tolist()
                if facet.key == "status" and not f.shows_archived():
                    values = [v for v in values if v != "archived"]
                opts = pr.facet_options(facet, values, counts.get(facet.name, {}), f.chosen(facet.key),
                                        lambda v, k=facet.key: labels(k, v))
                facet_widget(facet, opts, f.chosen(facet.key))
            if group == "quality":
                year_widget(f, bounds)


def facet_widget(facet: pr.Facet, options: list[pr.FacetOption], chosen: tuple[str, ...]) -> None:
    key = KEY + facet.key
    shown = {o.value: f"{o.label} ({fmt_number(o.count)})" for o in options}
    st.session_state[key] = list(chosen)  # in the link's order
    st.multiselect(t(f"practices.facet.{facet.key}"), [o.value for o in options], key=key,
                   format_func=lambda v: shown.get(v, v), on_change=_url_changed, args=(facet.key, key, list),
                   placeholder="–", select_all=False)


def year_widget(f: pr.Filters, bounds: tuple[int, int]) -> None:
    first, last = bounds
    if first >= last:
        return
    key = KEY + "years"
    start = max(first, f.year_from) if f.year_from is not None else first
    end = min(last, f.year_to) if f.year_to is not None else last
    st.session_state[key] = (min(start, end), max(start, end))

    def dump(value):
        return None if value is None or tuple(value) == (first, last) else f"{value[0]}-{value[1]}"

    st.slider(t("practices.years"), first, last, key=key, help=t("practices.years_help"),
              on_change=_url_changed, args=("years", key, dump))


def clear_filters() -> None:
    _url().clear(keep=NON_FILTER_PARAMS - {"page"})


def search_box(f: pr.Filters) -> None:
    key = KEY + "q"
    st.session_state[key] = f.q
    st.text_input(t("practices.search"), key=key, placeholder=t("practices.search_placeholder"),
                  help=t("practices.search_help"), on_change=_url_changed,
                  args=("q", key, lambda v: (v or "").strip()[:200] or None), icon=":material/search:")


def archived_toggle(f: pr.Filters, hidden: int) -> None:
    key = KEY + "archived"
    st.session_state[key] = f.include_archived
    st.toggle(t("practices.include_archived"), key=key, help=t("practices.include_archived_help"),
              on_change=_url_changed, args=("archived", key, lambda v: "1" if v else None))
    if not f.include_archived and hidden:
        st.caption(tn("practices.archived_hidden", hidden))


def choice_widget(kind: str, label_text: str, options, value, name: str, default, format_func, **kwargs):
    """A selectbox or segmented control whose raw option lives in ?name=..."""
    key = KEY + name
    st.session_state[key] = value
    dump = (lambda v: None if v is None or v == default else str(v))
    common = dict(key=key, format_func=format_func, on_change=_url_changed, args=(name, key, dump), **kwargs)
    if kind == "segmented":
        return st.segmented_control(label_text, list(options), required=True, **common)
    return st.selectbox(label_text, list(options), **common)


# --- queries --------------------------------------------------------------------------------------------

def facet_counts(f: pr.Filters) -> dict[str, dict[str, int]]:
    return pr.facet_counts(data.query("practices_facets", **f.params()))


def count(f: pr.Filters) -> int:
    return int(data.query("practices_count", **f.params())["matches"].iloc[0])


def results_params(state: State, page: int) -> dict:
    return dict(**state.filters.params(), sort=state.sort, lang=get_language(), limit=state.size,
                offset=(page - 1) * state.size)


def prefetch_results(state: State) -> None:
    """Start the asked page of results in a second thread while the page counts the facets: a new search runs
    both queries (20-30 ms each on demo data, mostly DuckDB planning), side by side on two cores instead of one
    after the other. results() then finds it cached, or waits for it (Streamlit's per-key lock); a page
    number past the end is clamped there and asked again."""
    if state.view != "results":
        return
    params = results_params(state, pr.page_number(state.page, None, state.size))  # clamped in results()

    def fetch() -> None:
        try:
            data.query("practices_results", **params)
        except Exception:  # noqa: BLE001 - results() runs it again and shows what went wrong
            pass

    thread = threading.Thread(target=fetch, name="practices-prefetch", daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())  # the cache's lock lets a stopped run go on
    thread.start()


# --- results --------------------------------------------------------------------------------------------

def results(state: State, labels: Labels, total: int) -> None:
    f = state.filters
    top = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    top[0].markdown(f"### {tn('practices.matches', total)}")
    with top[1]:
        choice_widget("select", t("practices.sort"), pr.SORTS, state.sort, "sort", "relevance",
                      lambda v: t(f"practices.sort_by.{v}"))
    with top[2]:
        choice_widget("segmented", t("practices.layout"), pr.LAYOUTS, state.layout, "layout", "cards",
                      lambda v: t(f"practices.layout_{v}"))
    with top[3]:
        choice_widget("select", t("practices.page_size"), pr.PAGE_SIZES, state.size, "size", pr.DEFAULT_PAGE_SIZE,
                      lambda v: fmt_number(v))
    if total == 0:
        empty_state(f, labels)
        return
    page = pr.page_number(state.page, total, state.size)
    rows = data.query("practices_results", **results_params(state, page))
    compare_bar(state)
    if state.layout == "table":
        result_table(rows, labels)
    else:
        result_cards(rows, labels, state)
    pager(page, total, state.size)
    export_buttons(state, labels, total)


def empty_state(f: pr.Filters, labels: Labels) -> None:
    """Say why nothing matched and offer to remove each active filter, with what that would bring back."""
    st.info(t("practices.no_matches"), icon=":material/search_off:")
    keys = f.active_keys()
    if not keys:
        return
    st.write(t("practices.no_matches_hint"))
    cols = st.columns(min(3, len(keys)))
    for i, key in enumerate(keys):
        n = count(f.without(key))
        text = md_text(filter_name(f, key, labels))
        message = tn("practices.loosen", n, filter=text) if n else \
            t("practices.loosen_zero", filter=text)
        cols[i % len(cols)].button(message, key=f"loosen_{key}", on_click=remove_filter, args=(key,),
                                   disabled=not n, icon=":material/filter_alt_off:")
    st.button(t("practices.clear_all"), on_click=clear_filters, key="clear_empty")


def filter_name(f: pr.Filters, key: str, labels: Labels) -> str:
    if key == "q":
        return t("practices.search_filter", q=f.q.strip())
    if key == "years":
        return t("practices.years_filter", start=f.year_from, end=f.year_to)
    chosen = ", ".join(labels(key, v) for v in f.chosen(key))
    return f"{t(f'practices.facet.{key}')}: {chosen}"


def remove_filter(key: str) -> None:
    _url().pop(key, "page")


def compare_bar(state: State) -> None:
    if not state.pick:
        return
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        st.markdown(f"**{t('practices.compare_bar', count=len(state.pick))}**")
        st.button(t("practices.compare_go"), type="primary", icon=":material/compare_arrows:",
                  disabled=len(state.pick) < pr.MIN_COMPARE, on_click=set_param,
                  args=("compare", ",".join(state.pick)), key="compare_go")
        st.button(t("practices.compare_clear"), on_click=set_param, args=("pick", None), key="compare_clear")


def toggle_pick(activity_id: str, key: str) -> None:
    picks = pr.compare_ids(_url().raw_all("pick"))
    if st.session_state.get(key) and activity_id not in picks:
        picks = (picks + [activity_id])[:pr.MAX_COMPARE]
    elif not st.session_state.get(key):
        picks = [p for p in picks if p != activity_id]
    set_param("pick", ",".join(picks) or None)


def quality_badges(row) -> None:
    """Kind, status, evidence, freshness and provenance, as small badges (labels from the catalogue)."""
    with st.container(horizontal=True, gap="small"):
        if row["provenance"] == "invented":
            st.badge(t("practices.invented_badge"), icon=":material/science:", color="orange",
                     help=t("practices.invented_help"))
        if row["evaluation"] == "peer_reviewed":
            st.badge(t("practices.quality_peer_reviewed"), icon=":material/verified:", color="green")
        elif row["evaluation"] in ("external", "internal"):
            st.badge(t("practices.quality_evaluated"), icon=":material/fact_check:", color="blue",
                     help=t(f"practices.evaluation.{row['evaluation']}"))
        st.badge(t(f"common.activity_kind.{row['kind']}"), color="gray")
        st.badge(t(f"practices.status.{row['status']}"), color="gray" if row["status"] != "archived" else "red")
        if bool(row["stale"]):
            st.badge(t("practices.stale", date=fmt_date(row["last_updated"])), icon=":material/history:",
                     color="yellow", help=t("practices.stale_help"))


def detail_params(activity_id: str) -> dict:
    """The current URL plus ?id=: the detail keeps the filters, so going back restores the list."""
    params = {k: v for k, v in _url_params().items() if k not in ("id", "compare", "lang")}
    params["id"] = activity_id
    return params


def result_cards(rows: pd.DataFrame, labels: Labels, state: State) -> None:
    records = rows.to_dict("records")
    for start in range(0, len(records), 3):  # row by row, so that reading order is the result order
        for column, row in zip(st.columns(3), records[start:start + 3]):
            result_card(column, row, labels, state)


def result_card(column, row: dict, labels: Labels, state: State) -> None:
    with column.container(border=True, key=f"card_{row['id']}", height="stretch"):
        title_shown = localized_title(row)
        quality_badges(row)
        place = f"{row['lead_name']} · {labels('country', row['country_code'])}"
        years = "" if is_missing(row["start_year"]) else f" · {int(row['start_year'])}"
        st.caption(md_text(place + years))
        summary, shown = pr.localized_text(row, "summary")
        st.text(summary if len(summary) <= 260 else summary[:257].rsplit(" ", 1)[0] + "…")
        if shown != title_shown:
            language_caption(shown)
        approaches = ", ".join(labels("approach", a) for a in row["approaches"])
        if approaches:
            st.caption(md_text(approaches))
        key = f"{KEY}pick_{row['id']}"
        picked = row["id"] in state.pick
        st.session_state[key] = picked
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.page_link(PAGE, label=t("practices.open"), query_params=detail_params(row["id"]),
                         icon=":material/description:")
            compare_checkbox(row["id"], key, picked, state)


def localized_title(row, header: bool = False) -> str:
    """A practice's title in the reader's language (or English, or its original), marked "(in English)" when it
    is in another language; returns the language shown."""
    title, shown = pr.localized_text(row, "title")
    if header:
        st.header(md_text(title), anchor=False)
    else:
        st.markdown(f"**{md_text(title)}**")
    if shown != get_language():
        language_caption(shown)
    return shown


def language_caption(shown: str) -> None:
    note = pr.language_note(shown)
    if note:
        st.caption(md_text(note))


def compare_checkbox(activity_id: str, key: str, picked: bool, state: State) -> None:
    full = not picked and len(state.pick) >= pr.MAX_COMPARE
    st.checkbox(t("practices.compare_pick"), key=key, on_change=toggle_pick, args=(activity_id, key), disabled=full,
                help=t("practices.compare_full") if full else t("practices.compare_pick_help"))


def result_table(rows: pd.DataFrame, labels: Labels) -> None:
    table = pr.display_frame(rows, labels, mark_language=True)
    table.insert(1, "open", ["?" + "&".join(f"{k}={v}" for k, v in [("id", i)]) for i in table["id"]])
    st.dataframe(table, hide_index=True, width="stretch", key="results_table", column_config={
        "id": t("practices.col.id"), "title": st.column_config.TextColumn(t("practices.col.title"), width="large"),
        "open": st.column_config.LinkColumn(t("practices.col.open"), display_text=t("practices.open"),
                                            width="small"),
        "city": t("practices.col.city"), "country": t("practices.col.country"), "kind": t("practices.col.kind"),
        "status": t("practices.col.status"), "evaluation": t("practices.col.evaluation"),
        "start_year": st.column_config.NumberColumn(t("practices.col.start_year"), format="%d"),
        "last_updated": t("practices.col.last_updated"), "freshness": t("practices.col.freshness"),
        "source": t("practices.col.source")})


def pager(page: int, total: int, size: int) -> None:
    pages = max(1, -(-total // size))
    first, last = pr.page_window(page, size, total)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(t("practices.previous"), icon=":material/chevron_left:", disabled=page <= 1,
                  on_click=set_param, args=("page", str(page - 1) if page > 2 else None), key="page_prev")
        st.markdown(t("practices.page_of", page=fmt_number(page), pages=fmt_number(pages)))
        st.button(t("practices.next"), icon=":material/chevron_right:", disabled=page >= pages,
                  on_click=set_param, args=("page", str(page + 1)), key="page_next")
        st.caption(t("practices.results_shown", first=fmt_number(first), last=fmt_number(last),
                     total=fmt_number(total)))


# --- export ---------------------------------------------------------------------------------------------

def export_rows(con, params: dict, sort: str, lang: str, options: pd.DataFrame) -> pd.DataFrame:
    """All filtered rows in the export's columns and language (runs outside the script thread)."""
    set_language(lang)
    rows = db.run_query(con, "practices_results", **params, sort=sort, lang=lang, limit=EXPORT_MAX_ROWS, offset=0)
    partner_ids = sorted({p for ids in rows["partners"] for p in ids})
    names = {}
    if partner_ids:
        found = db.run_query(con, "practices_member_names", ids=partner_ids)
        names = dict(zip(found["id"], found["name"]))
    return pr.display_frame(rows, Labels(options, names), pr.EXPORT_COLUMNS,
                            header=lambda c: t(f"practices.col.{c}"), lang=lang)


def export_buttons(state: State, labels: Labels, total: int) -> None:
    con, params, sort, lang = data.connection(), state.filters.params(), state.sort, get_language()
    options = labels_frame(labels)
    note = t("practices.export_note", source=t("practices.col.source"), invented=t("practices.source.invented"))
    stamp = dt.date.today().isoformat()

    def csv_file():
        return pr.csv_bytes(export_rows(con, params, sort, lang, options), lang)

    def xlsx_file():
        return pr.xlsx_bytes(export_rows(con, params, sort, lang, options), t("practices.title"), note=note)

    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(tn("practices.export", total))
        st.download_button(t("practices.export_csv"), csv_file, file_name=f"practices-{stamp}.csv",
                           mime="text/csv", icon=":material/download:", on_click="ignore", key="export_csv",
                           help=t("practices.export_csv_help"))
        too_many = total > XLSX_MAX_ROWS
        st.download_button(t("practices.export_xlsx"), xlsx_file, file_name=f"practices-{stamp}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/download:", on_click="ignore", key="export_xlsx", disabled=too_many,
                           help=t("practices.export_xlsx_too_many", limit=fmt_number(XLSX_MAX_ROWS))
                           if too_many else None)


def labels_frame(labels: Labels) -> pd.DataFrame:
    return pd.DataFrame(list(labels.rows.values()))


# --- detail ---------------------------------------------------------------------------------------------

def member_link(member_id: str, name: str, country: str | None = None) -> None:
    """A link to the member's profile page."""
    text = name if not country else f"{name} ({country})"
    st.page_link(CITY_PAGE, label=md_text(text), query_params={"city": member_id}, icon=":material/location_city:")


def back_button(name: str) -> None:
    st.button(t("practices.back"), icon=":material/arrow_back:", on_click=set_param, args=(name, None),
              key=f"back_{name}")


def detail(activity_id: str, labels: Labels, state: State) -> None:
    back_button("id")
    rows = data.query("practices_by_ids", ids=[activity_id])
    if rows.empty:
        st.warning(t("practices.not_found", id=activity_id), icon=":material/help:")
        return
    row = rows.iloc[0].to_dict()
    title_shown = localized_title(row, header=True)
    quality_badges(row)
    if row["provenance"] == "invented":
        st.warning(t("practices.invented_help"), icon=":material/science:")
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("practices.summary"), anchor=False)
        summary, shown = pr.localized_text(row, "summary")
        st.text(summary)
        if shown != title_shown:
            language_caption(shown)
        st.subheader(t("practices.lead"), anchor=False)
        member_link(row["lead_member_id"], row["lead_name"], labels("country", row["country_code"]))
        st.subheader(t("practices.partners"), anchor=False)
        partners = list(row["partner_members"])
        if not partners:
            st.caption(t("practices.no_partners"))
        for p in partners:
            member_link(p["id"], p["name"], labels("country", p["country_code"]))
        st.subheader(t("practices.source_link"), anchor=False)
        url = pr.safe_url(row["source_url"])
        if url:
            st.link_button(t("practices.source_open"), url, icon=":material/open_in_new:")
            st.text(url)
        else:
            st.caption(t("practices.no_source") if is_missing(row["source_url"]) else str(row["source_url"]))
    with right:
        st.subheader(t("practices.detail_fields"), anchor=False)
        names = {p["id"]: p["name"] for p in partners}
        fields = pr.display_frame(rows, Labels(labels_frame(labels), names), pr.EXPORT_COLUMNS)
        record = fields.iloc[0]
        # st.table wraps long values; it renders Markdown, so every cell is escaped
        table = pd.DataFrame({"field": [md_text(t(f"practices.col.{c}")) for c in fields.columns],
                              "value": ["–" if is_missing(v) else md_text(v) for v in record.tolist()]})
        st.table(table, hide_index=True, hide_header=True, border="horizontal")
        review = data.query("submit_last_review", id=activity_id)  # entered in the app: who published it, when
        if not review.empty:
            st.caption(t("submit.reviewed", username=md_text(review["saved_by"][0]), date=fmt_date(review["saved_at"][0]),
                         label=t(f"practices.evaluation.{review['evaluation'][0]}")))
        picked = activity_id in state.pick
        if not picked and len(state.pick) < pr.MAX_COMPARE:
            st.button(t("practices.add_to_compare"), icon=":material/add:", on_click=set_param,
                      args=("pick", ",".join(state.pick + [activity_id])), key="detail_pick")
    similar(activity_id, labels)


def similar(activity_id: str, labels: Labels) -> None:
    st.subheader(t("practices.similar"), help=t("practices.similar_help"), anchor=False)
    rows = data.query("practices_similar", id=activity_id, limit=6)
    if rows.empty:
        st.caption(t("practices.similar_none"))
        return
    records = rows.to_dict("records")
    for start in range(0, len(records), 3):
        for column, row in zip(st.columns(3), records[start:start + 3]):
            similar_card(column, row, labels)


def similar_card(column, row: dict, labels: Labels) -> None:
    with column.container(border=True, height="stretch"):
        localized_title(row)
        shared = [labels("approach", a) for a in row["shared_approaches"]] + \
                 [labels("target", g) for g in row["shared_target_groups"]]
        st.caption(md_text(f"{row['lead_name']} · {labels('country', row['country_code'])} · "
                           + t("practices.similar_shared", items=", ".join(shared))))
        with st.container(horizontal=True, gap="small"):
            if row["provenance"] == "invented":
                st.badge(t("practices.invented_badge"), icon=":material/science:", color="orange")
            st.badge(t(f"practices.evaluation.{row['evaluation']}"), color="gray")
        st.page_link(PAGE, label=t("practices.open"), query_params=detail_params(row["id"]),
                     icon=":material/description:")


# --- comparison -----------------------------------------------------------------------------------------

COMPARE_FIELDS = ("city", "country", "region", "kind", "status", "evaluation", "start_year", "end_year",
                  "approaches", "target_groups", "stakeholders", "partners", "last_updated", "freshness", "source",
                  "source_url", "summary")
LIST_FIELDS = {"approaches": "approach", "target_groups": "target", "stakeholders": "stakeholder",
               "partners": "partner"}


def comparison(ids: list[str], labels: Labels) -> None:
    back_button("compare")
    st.header(t("practices.compare_title"), anchor=False)
    st.caption(t("practices.compare_intro"))
    rows = data.query("practices_by_ids", ids=ids) if ids else pd.DataFrame()
    found = [] if rows.empty else rows["id"].tolist()
    unknown = [i for i in ids if i not in found]
    if unknown:
        st.warning(t("practices.compare_unknown", ids=", ".join(unknown)), icon=":material/help:")
    if len(found) < pr.MIN_COMPARE:
        st.info(t("practices.compare_need_two"), icon=":material/compare_arrows:")
        return
    names = {p["id"]: p["name"] for ps in rows["partner_members"] for p in ps}
    lab = Labels(labels_frame(labels), names)
    shown = pr.display_frame(rows, lab, ("title",) + COMPARE_FIELDS)
    records = rows.to_dict("records")
    compared = pr.compare_records(
        [{**{c: shown.at[i, c] for c in COMPARE_FIELDS if c not in LIST_FIELDS},
          **{c: list(records[i][c]) for c in LIST_FIELDS}} for i in range(len(records))], COMPARE_FIELDS)
    headers = []
    for i, rec in enumerate(records):
        mark = f" ({t('practices.invented_badge')})" if rec["provenance"] == "invented" else ""
        title, shown = pr.localized_text(rec, "title")
        note = pr.language_note(shown)
        headers.append(f"{chr(65 + i)}. {title}{' ' + note if note else ''}{mark}")
    table_rows = []
    for item in compared:
        cells = []
        for i, value in enumerate(item.values):
            if item.field in LIST_FIELDS:
                cells.append(list_cell(item, i, LIST_FIELDS[item.field], lab))
            else:
                cells.append("–" if is_missing(value) else str(value))
        table_rows.append([t("practices.compare_differs") if item.differs else "",
                           t(f"practices.col.{item.field}")] + cells)
    # st.table wraps long text (a dataframe would cut it); it renders Markdown, so every cell is escaped
    columns = [" ", t("practices.compare_field")] + headers
    table = pd.DataFrame([[md_text(c) for c in row] for row in table_rows], columns=[md_text(c) for c in columns])
    styled = table.style.apply(
        lambda r: ["background-color: #FFF3CD" if r.iloc[0] else "" for _ in r], axis=1)
    st.table(styled, hide_index=True, border="horizontal", alt=t("practices.compare_differs_help"))
    cols = st.columns(len(records))
    for i, rec in enumerate(records):
        with cols[i]:
            st.page_link(PAGE, label=md_text(headers[i]), query_params={"id": rec["id"]},
                         icon=":material/description:")


def list_cell(item: pr.ComparedField, index: int, key: str, lab: Labels) -> str:
    """A list field of one compared practice: what all share ("shared by all: ...", when they differ), then what
    it shares with some of the others ("also in B: ..."), then what only this one has ("only here: ...")."""
    mine = list(dict.fromkeys(str(v) for v in item.values[index]))
    common = [lab(key, v) for v in mine if v in item.shared]
    parts = [] if not common else [t("practices.compare_shared", items=", ".join(common))] if item.differs \
        else [", ".join(common)]
    partly = item.partly_shared(index)
    by_others: dict[frozenset[int], list[str]] = {}
    for v in mine:
        if v in partly:
            by_others.setdefault(partly[v], []).append(lab(key, v))
    for others, items in sorted(by_others.items(), key=lambda kv: sorted(kv[0])):
        letters = ", ".join(chr(65 + o) for o in sorted(others))
        parts.append(t("practices.compare_also", others=letters, items=", ".join(items)))
    only = [lab(key, v) for v in item.unique_to(index) if v in mine]
    if only:
        parts.append(t("practices.compare_only", items=", ".join(only)))
    return " — ".join(parts) or "–"


# --- overview charts ------------------------------------------------------------------------------------

def overview_charts(f: pr.Filters, labels: Labels, total: int) -> None:
    if total == 0:
        st.info(t("practices.charts_empty"), icon=":material/bar_chart:")
        return
    params = f.params()
    per_year = data.query("practices_per_year", **params)
    invented = int(per_year["invented"].sum()) if not per_year.empty else 0
    if invented:
        st.caption(tn("practices.chart_invented_share", invented, total=fmt_number(total)))
    heat = data.query("practices_heatmap", **params)
    if not heat.empty:
        heat = heat.assign(approach=[labels("approach", a) for a in heat["approach_id"]],
                           country=[labels("country", c) for c in heat["country_code"]])
        matrix = heat.pivot_table(index="approach", columns="country", values="activities", aggfunc="sum",
                                  fill_value=0)
        st.plotly_chart(charts.count_heatmap(matrix, title=t("practices.chart_heatmap"),
                                             x_title=t("practices.axis_country"), y_title=t("practices.axis_approach"),
                                             value_title=t("practices.axis_practices")),
                        config={"displayModeBar": False}, key="chart_heatmap")
        st.caption(t("practices.chart_heatmap_help"))
        with st.expander(t("practices.table_alternative")):
            st.dataframe(matrix, width="stretch")
        chart_download(chart_data.matrix_frame(matrix, t("practices.axis_approach")), t("practices.chart_heatmap"),
                            "practices_heatmap")
    coverage = data.query("practices_coverage", **params, max_cities=MAX_COVERAGE_CITIES)
    if not coverage.empty:
        coverage = coverage.assign(approach=[labels("approach", a) for a in coverage["approach_id"]],
                                   city=[f"{n} ({c})" for n, c in zip(coverage["name"], coverage["country_code"])])
        order = list(dict.fromkeys(coverage["city"]))
        matrix = coverage.pivot_table(index="city", columns="approach", values="activities", aggfunc="sum",
                                      fill_value=0).reindex(order)
        st.plotly_chart(charts.count_heatmap(matrix, title=t("practices.chart_coverage"),
                                             x_title=t("practices.axis_approach"), y_title=t("practices.axis_city"),
                                             value_title=t("practices.axis_practices")),
                        config={"displayModeBar": False}, key="chart_coverage")
        st.caption(tn("practices.chart_coverage_help", len(order),
                     total=fmt_number(int(coverage["cities_in_set"].iloc[0]))))
        with st.expander(t("practices.table_alternative")):
            st.dataframe(matrix, width="stretch")
        chart_download(chart_data.matrix_frame(matrix, t("practices.axis_city")), t("practices.chart_coverage"),
                            "practices_coverage")
    if not per_year.empty:
        per_year = per_year.assign(documented=per_year["activities"] - per_year["invented"])
        series = [("documented", t("practices.documented_series"))]
        if invented:
            series.append(("invented", t("practices.invented_series")))
        st.plotly_chart(charts.stacked_year_bars(per_year, "start_year", series, title=t("practices.chart_years"),
                                                 x_title=t("practices.axis_year"),
                                                 value_title=t("practices.axis_practices")),
                        config={"displayModeBar": False}, key="chart_years")
        with st.expander(t("practices.table_alternative")):
            st.dataframe(per_year[["start_year", "documented", "invented", "activities"]], hide_index=True,
                         column_config={"start_year": st.column_config.NumberColumn(t("practices.axis_year"),
                                                                                    format="%d"),
                                        "documented": t("practices.documented_series"),
                                        "invented": t("practices.invented_series"),
                                        "activities": t("practices.axis_practices")})
        headers = {"start_year": t("practices.axis_year"), **dict(series)}
        chart_download(chart_data.labelled(per_year, headers), t("practices.chart_years"), "practices_years")


# --- peer exchange --------------------------------------------------------------------------------------

def contacts(state: State, labels: Labels, options: pd.DataFrame) -> None:
    st.subheader(t("practices.contact_title"), anchor=False)
    st.caption(t("practices.contact_intro"))
    approaches = options.loc[options["facet"] == "approach", "value"].tolist()
    chosen = state.filters.chosen("approach")
    default = chosen[0] if chosen else (approaches[0] if approaches else None)
    if default is None:
        return
    value = state.contact if state.contact in approaches else default
    approach = choice_widget("select", t("practices.contact_approach"), approaches, value, "contact", default,
                             lambda v: labels("approach", v))
    description = labels.description("approach", approach)
    if description:
        st.caption(md_text(description))
    f = state.filters.without("approach")
    peers = data.query("practices_peers", **f.params(), approach=approach, limit=20)
    if peers.empty:
        st.info(t("practices.contact_none"), icon=":material/group_off:")
        return
    for rank, row in enumerate(peers.to_dict("records"), start=1):
        with st.container(border=True, horizontal=True, vertical_alignment="center", key=f"peer_{rank}"):
            st.markdown(f"**{rank}.**", width=30)
            with st.container():
                member_link(row["member_id"], row["member_name"], labels("country", row["country_code"]))
                title, shown = pr.localized_text(row, "title")
                note = pr.language_note(shown)
                st.page_link(PAGE, label=md_text(f"{title} {note}" if note else title),
                             query_params={"id": row["activity_id"]}, icon=":material/description:")
            with st.container(horizontal=True, gap="small"):
                st.badge(t(f"practices.evaluation.{row['evaluation']}"),
                         color="green" if row["evaluation"] == "peer_reviewed" else
                         "blue" if row["evaluation"] in ("external", "internal") else "gray")
                st.badge(t(f"practices.status.{row['status']}"), color="gray")
                if row["provenance"] == "invented":
                    st.badge(t("practices.invented_badge"), icon=":material/science:", color="orange")
                if bool(row["stale"]):
                    st.badge(t("practices.stale", date=fmt_date(row["last_updated"])), color="yellow")
                if int(row["practices"]) > 1:
                    st.caption(tn("practices.contact_practices", int(row["practices"])))


def year_bounds() -> tuple[int, int]:
    row = data.query("practices_year_bounds").iloc[0]
    first = int(row["first_year"]) if not is_missing(row["first_year"]) else dt.date.today().year
    last = int(row["last_year"]) if not is_missing(row["last_year"]) else first
    return first, last


def archived_hidden(f: pr.Filters, counts: dict[str, dict[str, int]]) -> int:
    """How many archived entries the current filters hide (the status facet counts them under the others)."""
    return 0 if f.shows_archived() else counts.get("status", {}).get("archived", 0)

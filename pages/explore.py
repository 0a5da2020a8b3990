"""/explore: named queries with a form, the schema with meanings, and ad-hoc SQL in a locked-down sandbox."""
import pandas as pd
import streamlit as st

from alliance import charts, db, explore, exporter
from alliance.app import data, url
from alliance.city import closest_members
from alliance.dictionary import meaning
from alliance.i18n import decimal_comma, fmt_number, get_language, label, t, tn
from alliance.sandbox import Sandbox, SandboxError
from alliance.app.ui import demo_notice, md_text, page_header
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_resource(show_spinner=False, max_entries=1)
def sandbox(version: str) -> Sandbox:
    """A fresh copy of the public tables whenever the data changes (the version is the cache key)."""
    return Sandbox(data.connection())


def downloads(frame: pd.DataFrame, stem: str, key: str) -> None:
    """The result's downloads, each file built only when its button is pressed (Streamlit calls `data`
    then, on another thread: the frame and the language are bound here). In a language that writes
    decimal commas, a CSV for that language's Excel (';') comes first; the plain CSV stays for tools."""
    lang = get_language()
    plain = (t("explore.download_csv"), t("explore.download_csv_help"))
    buttons = []
    if decimal_comma(lang):
        buttons.append((t("explore.download_csv_excel"), lambda: exporter.csv_bytes(frame, spreadsheet_lang=lang),
                        f"{stem}.csv", "text/csv", "csv_excel", t("explore.download_csv_excel_help")))
        plain = (t("explore.download_csv_plain"), t("explore.download_csv_plain_help"))
    buttons.append((plain[0], lambda: exporter.csv_bytes(frame), f"{stem}.csv", "text/csv", "csv", plain[1]))
    buttons.append((t("explore.download_xlsx"), lambda: exporter.xlsx_bytes(frame, stem[:31]), f"{stem}.xlsx",
                    XLSX_MIME, "xlsx", None))
    with st.container(horizontal=True):
        for text, build, name, mime, suffix, help_text in buttons:
            st.download_button(text, build, name, mime, key=f"{key}_{suffix}", icon=":material/download:",
                               help=help_text, on_click="ignore")


def show_result(result, stem: str, key: str) -> None:
    frame = result.frame
    st.caption(tn("explore.rows", len(frame), seconds=fmt_number(result.seconds, 2)))
    if result.truncated:
        st.warning(t("explore.truncated", cap=fmt_number(result.row_cap)), icon=":material/content_cut:")
    if frame.empty:
        st.info(t("explore.no_rows"))
        return
    st.dataframe(frame, hide_index=True, width="stretch")
    columns = explore.quick_chart_columns(frame, get_language())
    if columns:  # only a measure by a column of plain names or dates: never lists, ids or years
        name, value = columns
        with st.expander(t("explore.quick_chart"), expanded=len(frame) <= 40):
            chart = frame[[name, value]].dropna().astype({name: str})
            st.plotly_chart(charts.horizontal_bars(chart, name, value,
                                                   t("explore.chart_title", value=value, label=name),
                                                   value, max_rows=30),
                            config={"displayModeBar": False}, key=f"{key}_chart")
    downloads(frame, stem, key)


def show_error(error: SandboxError) -> None:
    st.error(t("explore.refused") if error.refused else t("explore.failed"), icon=":material/block:")
    st.code(str(error), language=None, wrap_lines=True)


@st.cache_data(show_spinner=False, ttl=600)
def member_choices(version: str, lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Every member (former ones too), by name: id -> 'Name (Country)', and id -> name."""
    members = data.query("city_members").to_dict("records")
    return ({r["id"]: f"{r['name']} ({label(r, 'country')})" for r in members},
            {r["id"]: r["name"] for r in members})


def param_input(param, key: str, members: dict[str, str]):
    """The form field of one parameter: a member picker (by name, storing the id) for member ids."""
    text = explore.param_label(param)
    hint = t("explore.param_help", name=param.name, type=param.type)
    default = param.default if param.default and param.default.upper() != "NULL" else None
    kind = param.type.upper()
    if explore.is_member_param(param.name):  # chosen by name, stored as the id
        if explore.is_list_param(param):
            return st.multiselect(text, list(members), format_func=members.get, key=key, help=hint,
                                  placeholder=t("explore.members_placeholder"), select_all=False)
        return st.selectbox(text, list(members), index=None, key=key, help=hint, accept_new_options=True,
                            format_func=lambda v: members.get(v, v), placeholder=t("explore.member_placeholder"))
    if kind in ("INTEGER", "BIGINT", "INT"):
        value = st.number_input(text, value=int(default) if default else None, step=1, key=key, help=hint)
        return None if value is None else int(value)
    if kind in ("DOUBLE", "FLOAT"):
        return st.number_input(text, value=float(default) if default else None, key=key, help=hint)
    if kind == "BOOLEAN":
        return st.checkbox(text, value=(default or "").lower() in ("true", "1"), key=key, help=hint)
    typed = st.text_input(text, value=(default or "").strip("'\""), key=key, help=hint)
    if explore.is_list_param(param):
        return typed  # parsed on Run, where a bad item can be named
    return typed if typed or default is not None else None


def run_named(box: Sandbox, query, values: dict, members: tuple[dict[str, str], dict[str, str]]) -> None:
    """Check the form in plain words (a missing value, a list item that is no number, an unknown member),
    then run."""
    values = dict(values)
    for param in query.params:
        if explore.is_list_param(param) and isinstance(values.get(param.name), str):
            try:
                values[param.name] = explore.parse_list(values[param.name], param)
            except ValueError as bad:
                st.warning(t("explore.bad_number", item=md_text(bad), name=explore.param_label(param)),
                           icon=":material/edit:")
                return
    missing = explore.missing_params(query, values)
    if missing:
        names = ", ".join(f"“{explore.param_label(p)}”" for p in missing)
        st.warning(t("explore.missing", names=names), icon=":material/edit:")
        return
    shown, names = members
    unknown = []
    for param, value in explore.unknown_members(query, values, set(shown)):
        member_id = explore.member_by_name(value, names)  # a name typed instead of an id
        if member_id is None:
            unknown.append(value)
            continue
        typed = values[param.name]
        values[param.name] = ([member_id if v == value else v for v in typed] if isinstance(typed, list)
                              else member_id)
        st.caption(t("explore.member_resolved", value=md_text(value), member=md_text(shown[member_id]),
                     id=member_id))
    if unknown:
        frame = pd.DataFrame({"id": list(names), "name": list(names.values())})
        for value in unknown:
            close = closest_members(value, frame)
            suggestion = (t("explore.did_you_mean", members=", ".join(md_text(f"{shown[i]}: {i}") for i in close))
                          if close else t("explore.pick_member"))
            st.warning(t("explore.unknown_member", value=md_text(value)) + " " + suggestion,
                       icon=":material/travel_explore:")
        return
    try:
        # an empty field takes the query's default
        show_result(box.run_named(query, {k: v for k, v in values.items() if not explore.is_empty(v)}),
                    query.name, "named")
    except (SandboxError, db.QueryError) as error:
        show_error(error if isinstance(error, SandboxError) else SandboxError(str(error), refused=True))


page_header(t("explore.title"), t("explore.intro"))
q = url.page("explore")
demo_notice()
with st.spinner(t("explore.preparing")):
    box = sandbox(data.data_version())

tab_queries, tab_schema, tab_sql = st.tabs([t("explore.tab_queries"), t("explore.tab_schema"), t("explore.tab_sql")])

with tab_queries:
    queries = {q.name: q for q in db.list_queries() if box.runnable(q)}
    name = q.selectbox(t("explore.query"), list(queries), "query", default=next(iter(queries), None),
                         help=t("explore.query_help"))
    if name:
        query = queries[name]
        st.markdown(f"**{name}**")
        st.caption(explore.description(query))
        members = member_choices(data.data_version(), get_language()) if any(
            explore.is_member_param(p.name) for p in query.params) else ({}, {})
        with st.form("named_query"):
            values = {p.name: param_input(p, f"param_{name}_{p.name}", members[0]) for p in query.params}
            run = st.form_submit_button(t("explore.run"), type="primary", icon=":material/play_arrow:")
        if run:
            run_named(box, query, values, members)

with tab_schema:
    schema = box.schema(get_language())
    counts = box.row_counts()
    st.caption(t("explore.schema_intro"))
    # one table at a time: a page of 22 tables cost ~100 ms a rerun, and one table is what an analyst reads
    table = q.selectbox(t("explore.schema_table"), box.tables, "table", default=box.tables[0] if box.tables else None,
                          format_func=lambda n: f"{n} · {tn('explore.table_rows', counts[n])}")
    if table:
        st.caption(meaning(table, "", get_language()))
        st.dataframe(schema[schema["table"] == table][["column", "type", "meaning"]], hide_index=True,
                     width="stretch", column_config={"column": t("explore.col_column"), "type": t("explore.col_type"),
                                                     "meaning": t("explore.col_meaning")})

with tab_sql:
    st.caption(t("explore.sql_intro", seconds=f"{box.time_limit_s:g}", cap=fmt_number(box.row_cap)))
    with st.form("adhoc_sql"):
        sql = st.text_area(t("explore.sql"), value="SELECT country_code, count(*) AS members\nFROM members\n"
                           "GROUP BY country_code\nORDER BY members DESC", height=180, key="sql_text")
        submitted = st.form_submit_button(t("explore.run"), type="primary", icon=":material/play_arrow:")
    if submitted:
        try:
            show_result(box.run(sql), "query", "adhoc")
        except SandboxError as error:
            show_error(error)

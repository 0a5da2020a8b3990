"""/explore: named queries with a form, the schema with meanings, and ad-hoc SQL in a locked-down sandbox."""
import io

import pandas as pd
import streamlit as st

from alliance import charts, data, db, exporter
from alliance.dictionary import meaning
from alliance.i18n import fmt_number, get_language, t, tn
from alliance.sandbox import Sandbox, SandboxError
from alliance.ui import demo_notice, page_header, url_selectbox
from alliance.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn


@st.cache_resource(show_spinner=False, max_entries=1)
def sandbox(version: str) -> Sandbox:
    """A fresh copy of the public tables whenever the data changes (the version is the cache key)."""
    return Sandbox(data.connection())


def downloads(frame: pd.DataFrame, stem: str, key: str) -> None:
    left, right = st.columns(2)
    left.download_button(t("explore.download_csv"), frame.to_csv(index=False).encode("utf-8-sig"),
                         f"{stem}.csv", "text/csv", key=f"{key}_csv", icon=":material/download:",
                         help=t("explore.download_csv_help"))
    buffer = io.BytesIO()
    exporter.write_xlsx({stem[:31]: frame}, buffer)
    right.download_button(t("explore.download_xlsx"), buffer.getvalue(), f"{stem}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}_xlsx", icon=":material/download:")


def show_result(result, stem: str, key: str) -> None:
    frame = result.frame
    st.caption(tn("explore.rows", len(frame), seconds=f"{result.seconds:.2f}"))
    if result.truncated:
        st.warning(t("explore.truncated", cap=fmt_number(result.row_cap)), icon=":material/content_cut:")
    if frame.empty:
        st.info(t("explore.no_rows"))
        return
    st.dataframe(frame, hide_index=True, width="stretch")
    labels = [c for c in frame.columns if frame[c].dtype == object]
    numbers = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not
               pd.api.types.is_bool_dtype(frame[c])]
    if labels and numbers and len(frame) > 1:
        with st.expander(t("explore.quick_chart"), expanded=len(frame) <= 40):
            chart = frame[[labels[0], numbers[0]]].dropna().astype({labels[0]: str})
            st.plotly_chart(charts.horizontal_bars(chart, labels[0], numbers[0],
                                                   t("explore.chart_title", value=numbers[0], label=labels[0]),
                                                   numbers[0], max_rows=30),
                            config={"displayModeBar": False}, key=f"{key}_chart")
    downloads(frame, stem, key)


def show_error(error: SandboxError) -> None:
    st.error(t("explore.refused") if error.refused else t("explore.failed"), icon=":material/block:")
    st.code(str(error), language=None, wrap_lines=True)


def param_input(param, key: str):
    label = f"{param.name} ({param.type})"
    default = param.default if param.default and param.default.upper() != "NULL" else None
    kind = param.type.upper()
    if kind in ("INTEGER", "BIGINT", "INT"):
        return int(st.number_input(label, value=int(default) if default else 0, step=1, key=key,
                                   help=param.description or None))
    if kind in ("DOUBLE", "FLOAT"):
        return st.number_input(label, value=float(default) if default else 0.0, key=key,
                               help=param.description or None)
    if kind == "BOOLEAN":
        return st.checkbox(label, value=(default or "").lower() in ("true", "1"), key=key,
                           help=param.description or None)
    text = st.text_input(label, value=(default or "").strip("'\""), key=key, help=param.description or None)
    if kind.endswith("[]"):
        return [v.strip() for v in text.split(",") if v.strip()]
    return text if text or default is not None else None


page_header(t("explore.title"), t("explore.intro"))
demo_notice()
with st.spinner(t("explore.preparing")):
    box = sandbox(data.data_version())

tab_queries, tab_schema, tab_sql = st.tabs([t("explore.tab_queries"), t("explore.tab_schema"), t("explore.tab_sql")])

with tab_queries:
    queries = {q.name: q for q in db.list_queries() if box.runnable(q)}
    name = url_selectbox(t("explore.query"), list(queries), "query", default=next(iter(queries), None),
                         help=t("explore.query_help"))
    if name:
        query = queries[name]
        st.markdown(f"**{name}**")
        st.caption(query.description)
        with st.form("named_query"):
            values = {p.name: param_input(p, f"param_{name}_{p.name}") for p in query.params}
            run = st.form_submit_button(t("explore.run"), type="primary", icon=":material/play_arrow:")
        if run:
            try:
                show_result(box.run_named(query, {k: v for k, v in values.items() if v is not None}), name, "named")
            except (SandboxError, db.QueryError) as error:
                show_error(error if isinstance(error, SandboxError) else SandboxError(str(error), refused=True))

with tab_schema:
    schema = box.schema(get_language())
    counts = box.row_counts()
    st.caption(t("explore.schema_intro"))
    # one table at a time: a page of 22 tables cost ~100 ms a rerun, and one table is what an analyst reads
    table = url_selectbox(t("explore.schema_table"), box.tables, "table", default=box.tables[0] if box.tables else None,
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

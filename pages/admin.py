"""/admin (administrators only): import with validation and a dry run, export, templates, the import log."""
import io
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from alliance import dictionary, encoding, exporter, importer, undo
from alliance.app import data
from alliance.i18n import get_language, t, tn
from alliance.app.session import require_role
from alliance.app.ui import md_text, page_header, uploader_in_language
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

page_header(t("admin.title"), t("admin.intro"))
user = require_role("admin")

tab_import, tab_export, tab_templates, tab_log = st.tabs(
    [t("admin.tab_import"), t("admin.tab_export"), t("admin.tab_templates"), t("admin.tab_log")])

UPLOAD_TYPES = ["csv", "xlsx"]


def plan_table(plan: importer.Plan) -> pd.DataFrame:
    return pd.DataFrame([{"table": name, "added": c["added"], "updated": c["updated"], "unchanged": c["unchanged"]}
                         for name, c in plan.counts.items()])


def changes_table(plan: importer.Plan) -> pd.DataFrame:
    """Each changed field of each updated row, old and new value as text (data, shown literally)."""
    return pd.DataFrame([{"table": c.table, "key": c.key, "column": c.column, "old": importer.shown(c.old),
                          "new": importer.shown(c.new)} for c in plan.changes])


with tab_import:
    st.caption(t("admin.import_help"))
    uploads = st.file_uploader(t("admin.upload"), type=UPLOAD_TYPES, accept_multiple_files=True,
                               key="admin_uploads")
    uploader_in_language("admin_uploads", UPLOAD_TYPES)
    chosen = st.selectbox(t("admin.encoding"), [""] + list(encoding.CHOICES), key="admin_encoding",
                          format_func=lambda e: encoding.name_of(e) if e else t("admin.encoding_auto"),
                          help=t("admin.encoding_help"))
    if uploads:
        sources = [(f.name, f.getvalue()) for f in uploads]
        con = data.connection()
        try:
            with st.spinner(t("admin.validating")):
                plan, _ = importer.import_files(con, sources, user.username, "admin", dry_run=True,
                                                encoding_name=chosen or None)
        except importer.ImportRejected as rejected:
            st.error(tn("admin.rejected", len(rejected.problems)), icon=":material/block:")
            whole_files = [p for p in rejected.problems if p.row is None and p.column is None]
            for problem in whole_files:  # long advice (encoding, unreadable file): in full, not in a grid cell
                st.markdown(f"**{md_text(problem.file)}** {md_text(problem.reason)}")
            if cells := [p for p in rejected.problems if p not in whole_files]:
                st.dataframe(pd.DataFrame([p.__dict__ for p in cells]), hide_index=True, width="stretch",
                             column_config={"file": t("admin.col_file"), "row": t("admin.col_row"),
                                            "column": t("admin.col_column"), "value": t("admin.col_value"),
                                            "reason": t("admin.col_reason")})
        else:
            total = plan.totals()
            st.success(t("admin.valid", added=tn("admin.n_added", total["added"]),
                         updated=tn("admin.n_updated", total["updated"]),
                         unchanged=tn("admin.n_unchanged", total["unchanged"])), icon=":material/check_circle:")
            for name, used in plan.encodings.items():
                st.caption(t("admin.read_as", file=md_text(name), encoding=encoding.name_of(used)))
            st.dataframe(plan_table(plan), hide_index=True, width="stretch",
                         column_config={"table": t("admin.col_table"), "added": t("admin.col_added"),
                                        "updated": t("admin.col_updated"), "unchanged": t("admin.col_unchanged")})
            if plan.changes:
                st.markdown(f"**{t('admin.changes_heading')}**")
                st.caption(t("admin.changes_help"))
                st.dataframe(changes_table(plan), hide_index=True, width="stretch", key="admin_changes",
                             column_config={"table": t("admin.col_table"), "key": t("admin.col_key"),
                                            "column": t("admin.col_column"), "old": t("admin.col_old"),
                                            "new": t("admin.col_new")})
            if st.button(t("admin.do_import"), type="primary", icon=":material/upload:",
                         disabled=not (total["added"] or total["updated"])):
                try:
                    with st.spinner(t("admin.importing")):
                        _, audit_id = importer.import_files(con, sources, user.username, "admin")
                except importer.ImportRejected as rejected:
                    st.error("\n".join(str(p) for p in rejected.problems))
                else:
                    data.mark_changed()
                    st.success(t("admin.imported", id=audit_id), icon=":material/done_all:")

with tab_export:
    st.caption(t("admin.export_help"))
    st.info(t("admin.privacy_note", tables=", ".join(dictionary.private_tables())), icon=":material/shield_person:")
    fmt = st.radio(t("admin.format"), list(exporter.FORMATS), horizontal=True, key="export_format")
    if st.button(t("admin.prepare_export"), icon=":material/inventory_2:"):
        with st.spinner(t("admin.exporting")):
            st.session_state["export_blob"] = (fmt, exporter.export_zip(data.connection(), fmt, get_language()))
    blob = st.session_state.get("export_blob")
    if blob and blob[0] == fmt:
        name = "alliance.xlsx" if fmt == "xlsx" else f"alliance-{fmt}.zip"
        st.download_button(t("admin.download_export", name=name), blob[1], name, key="export_download",
                           icon=":material/download:")

with tab_templates:
    st.caption(t("admin.templates_help"))
    table = st.selectbox(t("admin.template_table"), importer.TEMPLATE_TABLES +
                         [n for n in importer.catalogue() if n not in importer.TEMPLATE_TABLES], key="template_table")
    with tempfile.TemporaryDirectory() as folder:
        csv_bytes = importer.write_template(table, Path(folder) / f"{table}.csv").read_bytes()
        xlsx_bytes = importer.write_template(table, Path(folder) / f"{table}.xlsx").read_bytes()
    left, right = st.columns(2)
    left.download_button(t("admin.template_csv"), csv_bytes, f"{table}.csv", "text/csv", key="template_csv",
                         icon=":material/download:")
    right.download_button(t("admin.template_xlsx"), io.BytesIO(xlsx_bytes).getvalue(), f"{table}.xlsx",
                          key="template_xlsx", icon=":material/download:")

with tab_log:
    if message := st.session_state.pop("undo_message", None):
        st.success(message, icon=":material/undo:")
    log = data.query("admin_import_log", limit=100)
    if log.empty:
        st.info(t("admin.log_empty"))
    else:
        if log["undone"].isna().all():  # no undo yet: an empty column would only push the table wider
            log = log.drop(columns=["undone"])
        else:
            log["undone"] = log["undone"].fillna("")
        st.dataframe(log, hide_index=True, width="stretch",
                     column_config={"id": st.column_config.NumberColumn(t("admin.col_id"), width="small"),
                                    "added": t("admin.col_added"), "updated": t("admin.col_updated"),
                                    "unchanged": t("admin.col_unchanged"), "imported_at": t("admin.col_when"), "imported_by": t("admin.col_who"),
                                    "channel": t("admin.col_channel"), "files": t("admin.col_files"),
                                    "undone": t("admin.col_undone")})
        last = undo.last_undoable(data.connection())
        if last:
            last_id, _, last_who, last_files = last
            st.markdown(f"**{t('admin.undo_heading')}**")
            st.caption(t("admin.undo_help", id=last_id, files=md_text(last_files), who=md_text(last_who)))
            confirmed = st.checkbox(t("admin.undo_confirm", id=last_id), key="undo_confirm")
            if st.button(t("admin.undo", id=last_id), disabled=not confirmed, icon=":material/undo:",
                         key="undo_button"):
                try:
                    with st.spinner(t("admin.undoing")):
                        result = undo.undo_last(data.connection(), user.username)
                except undo.UndoRefused as refused:
                    st.error(t("admin.undo_refused", id=last_id), icon=":material/block:")
                    st.dataframe(pd.DataFrame({t("admin.col_reason"): refused.reasons}), hide_index=True,
                                 width="stretch")
                else:
                    data.mark_changed()
                    st.session_state["undo_message"] = t(
                        "admin.undone", id=result.audit_id, restored=tn("admin.n_restored", result.restored),
                        deleted=tn("admin.n_removed", result.deleted), relinked=tn("admin.n_relinked", result.relinked))
                    st.session_state.pop("undo_confirm", None)
                    st.rerun()

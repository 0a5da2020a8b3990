"""/review?id=PRACTICE: administrators review submitted practices: publish with the evidence label they set,
return with a comment, or decline. Every write goes through alliance.submissions (the single writer)."""
import pandas as pd
import streamlit as st

from alliance import submissions
from alliance.app import data, session, url
from alliance.i18n import fmt_date, label, t
from alliance.practices import language_name
from alliance.app.shell import ensure_app_shell
from alliance.app.ui import md_text, page_header, show_flash

ensure_app_shell()  # first, before anything is drawn

page_header(t("submit.review.title"), t("submit.review.intro"))
q = url.page("review")
user = session.require_role("admin")

show_flash("review")

queue = data.query("submit_entries", states=["submitted"]).sort_values("saved_at", kind="stable")
st.subheader(t("submit.review.queue", count=len(queue)))
if queue.empty:
    st.info(t("submit.review.queue_empty"), icon=":material/inbox:")
else:
    st.dataframe(pd.DataFrame({
        t("submit.col_title"): queue["title"],
        t("submit.col_city"): queue["member_name"] + " (" + queue["country_code"] + ")",
        t("submit.col_who"): queue["saved_by"],
        t("submit.col_when"): [fmt_date(v) for v in queue["saved_at"]],
        t("submit.col_state"): [t("submit.review.kind_change") if c else t("submit.review.kind_new")
                                for c in queue["in_catalogue"]],
    }), hide_index=True, width="stretch")
    rows = {r["practice_id"]: r for _, r in queue.iterrows()}
    practice_id = q.selectbox(
        t("submit.review.open"), list(rows), "id", default=next(iter(rows)), help=t("submit.review.open_help"),
        format_func=lambda i: t("submit.review.entry_option", title=rows[i]["title"], city=rows[i]["member_name"],
                                date=fmt_date(rows[i]["saved_at"])))
    con = data.connection()
    entry = submissions.load(con, practice_id)
    options = data.query("practices_options")
    labels = {(f, v): label(r) for f, v, (_, r) in zip(options["facet"], options["value"], options.iterrows())}
    names = data.member_labels("assess_members")["name"]
    facets = {"approaches": "approach", "target_groups": "target_group", "stakeholders": "stakeholder"}

    def shown(column: str, value) -> str:
        """A field's value as plain words: taxonomy and member labels, translated codes."""
        if value is None or value == [] or value == "":
            return t("submit.empty_value")
        if column in facets:
            return "; ".join(labels.get((facets[column], v), v) for v in value)
        if column == "partner_member_ids":
            return "; ".join(names.get(v, v) for v in value)
        if column == "lead_member_id":
            return names.get(value, value)
        if column == "kind":
            return t(f"common.activity_kind.{value}")
        if column == "status":
            return t(f"practices.status.{value}")
        if column == "original_language":
            return language_name(value)
        if column == "evaluation":
            return t(f"practices.evaluation.{value}")
        return str(value)

    st.subheader(entry.record.get("title") or practice_id, anchor=False)
    st.caption(t("submit.review.changed_entry") if entry.published else t("submit.review.new_entry"))
    st.markdown("#### " + t("submit.review.differences"))
    fields = [c for c in entry.record if c != "evaluation"]
    before = entry.published or {}
    changed = [c for c in fields if before.get(c) != entry.record.get(c)]
    if entry.published and not changed:
        st.info(t("submit.review.no_differences"))
    for column in changed:  # each value as plain text (st.text): never Markdown or HTML, however it is written
        with st.container(border=True):
            st.markdown(f"**{md_text(submissions.field_label(column))}**")
            cells = st.columns(2 if entry.published else 1)
            if entry.published:  # each cell names its version: on a phone the columns stack
                cells[0].caption(t("submit.col_published"))
                cells[0].text(shown(column, before.get(column)))
            cells[-1].caption(t("submit.col_proposed"))
            cells[-1].text(shown(column, entry.record.get(column)))
    st.caption(md_text(t("submit.review.proposed_label",
                         label=t(f"practices.evaluation.{entry.proposed_evaluation or 'none'}"))))

    prefix = f"review_{practice_id}_{entry.revision}"
    with st.form(f"{prefix}_form", enter_to_submit=False):
        evaluation = st.selectbox(t("submit.review.evaluation"), submissions.EVALUATIONS,
                                  index=submissions.EVALUATIONS.index(entry.proposed_evaluation or "none"),
                                  format_func=lambda e: t(f"practices.evaluation.{e}"),
                                  help=t("submit.review.evaluation_help"), key=f"{prefix}_evaluation")
        comment = st.text_area(t("submit.review.comment"), max_chars=submissions.MAX_COMMENT,
                               help=t("submit.review.comment_help"), key=f"{prefix}_comment")
        b1, b2, b3 = st.columns(3)
        publish = b1.form_submit_button(t("submit.review.publish"), type="primary", icon=":material/public:",
                                        width="stretch")
        send_back = b2.form_submit_button(t("submit.review.return_entry"), icon=":material/undo:", width="stretch")
        decline = b3.form_submit_button(t("submit.review.decline"), icon=":material/block:", width="stretch")
    decision = "publish" if publish else "return" if send_back else "decline" if decline else None
    if decision:
        try:
            after = submissions.review(con, user, practice_id, entry.revision, decision, comment=comment,
                                       evaluation=evaluation)
        except submissions.SubmissionInvalid as error:
            st.error("\n".join(f"{f}: {r}" for f, r in error.problems), icon=":material/error:")
        except submissions.SubmissionRefused as error:
            st.error(str(error), icon=":material/block:")
        else:
            message = {"publish": t("submit.review.published", title=after.record.get("title") or practice_id),
                       "return": t("submit.review.returned", city=names.get(after.member_id, after.member_id)),
                       "decline": t("submit.review.declined")}[decision]
            st.session_state["review_flash"] = ("success", message, ":material/task_alt:")
            q.pop("id")
            st.session_state.pop("url_id", None)
            data.mark_changed()
            st.rerun()

with st.expander(t("submit.review.audit"), icon=":material/history:"):
    audit = data.query("review_audit")
    if audit.empty:
        st.caption(t("submit.review.audit_empty"))
    else:
        st.dataframe(pd.DataFrame({
            t("submit.col_when"): audit["done_at"].dt.strftime("%Y-%m-%d %H:%M"),
            t("submit.col_who"): audit["username"],
            t("submit.col_action"): [t(f"submit.action.{a.removeprefix('practice_')}") for a in audit["action"]],
            t("submit.col_title"): audit["object_id"],
        }), hide_index=True, width="stretch")

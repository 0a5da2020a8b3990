"""/assess?city=ID&round=YEAR: a city editor answers the 14 dimensions, saves drafts, submits the round;
an administrator validates it. Every write goes through alliance.assessments (the single writer)."""
import streamlit as st

from alliance import assessments, auth, round_review
from alliance.app import data, plan_view, session, url
from alliance.assessments import Answer, AssessmentRefused
from alliance.i18n import fmt_date, fmt_number, label, t, tn
from alliance.paths import REPO_ROOT
from alliance.app.ui import md_text, page_header, show_flash
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

NOT_APPLICABLE = "na"
LEVEL_OPTIONS = ["0", "1", "2", "3", "4", "5", NOT_APPLICABLE]
STATUS_COLOURS = {"none": "gray", "draft": "orange", "submitted": "blue", "validated": "green"}

page_header(t("assess.title"), t("assess.intro"))
q = url.page("assess")
user = session.require_role("editor")

show_flash("assess", toast=True)

# ----------------------------------------------------------------------------------------- city and round
if user.is_admin:
    waiting = data.query("assess_awaiting_validation")
    if not waiting.empty:
        with st.expander(t("assess.awaiting", count=fmt_number(len(waiting))), icon=":material/pending_actions:"):
            for _, row in waiting.iterrows():
                st.page_link("pages/assess.py", query_params={"city": row["member_id"], "round": str(row["round_year"])},
                             label=t("assess.awaiting_item", city=md_text(row["name"]), country=row["country_code"],
                                     round=row["round_year"], user=md_text(row["submitted_by"] or "–"),
                                     date=fmt_date(row["assessed_on"])))

labels = data.member_labels("assess_members")
known_ids = set(labels["ids"])
editable = [m for m in labels["ids"] if auth.can_edit(user, m)]
display = labels["display"]
if not editable:
    st.warning(t("assess.no_cities"), icon=":material/block:")
    st.stop()

requested_city = q.raw("city")
if requested_city is not None and requested_city not in editable:
    # a forged or stale link: say so, write nothing, fall back to the editor's own city
    reason = t("assess.forged_not_yours") if requested_city in known_ids else t("assess.forged_unknown")
    st.error(t("assess.forged_city", value=md_text(requested_city[:80]), reason=reason), icon=":material/gpp_bad:")
    q.pop("city")

rounds = [int(y) for y in data.query("assess_rounds")["round_year"]]
requested_round = q.raw("round")
if requested_round is not None and requested_round not in {str(y) for y in rounds}:
    st.warning(t("assess.forged_round", value=md_text(requested_round[:20])), icon=":material/event_busy:")
    q.pop("round")

# The city and round chosen last in this session come back after a visit to another page (a widget's own state
# does not survive it), and stay in the link so that a reload opens them too.
last_city, last_round = st.session_state.get("assess_last", (None, None))
left, right = st.columns([3, 1])
with left:
    city = q.selectbox(t("assess.city"), editable, "city", format_func=display.get, help=t("assess.city_help"),
                         default=last_city if last_city in editable else editable[0])
with right:
    round_year = q.selectbox(t("assess.round"), rounds, "round", help=t("assess.round_help"),
                               default=last_round if last_round in rounds else rounds[0])
st.session_state["assess_last"] = (city, round_year)
for param, value, first in (("city", city, editable[0]), ("round", round_year, rounds[0])):
    if value != first and q.raw(param) != str(value):
        q.set(param, value)

# ----------------------------------------------------------------------------------------- the stored round
con = data.connection()
current = assessments.load(con, city, round_year)
reported = current is not None and current.provenance == "reported"
stored = current.answers if reported else {}
status = current.status if reported else "none"
closed = reported and not current.editable_by_editors and not user.is_admin
review = round_review.for_round(con, city, round_year) if reported else None
under_review = review is not None and review.state in round_review.OPEN_STATES
closed = closed or under_review  # the reviewer reads the answers as they are (the writer refuses changes too)

questionnaire = data.query("assess_questionnaire")
dimension_rows = questionnaire.drop_duplicates("dimension_id")
dimension_ids = [int(d) for d in dimension_rows["dimension_id"]]
dimension_name = {int(r["dimension_id"]): label(r) for _, r in dimension_rows.iterrows()}

# What this user changed and has not saved is kept in the database as it changes (autosave): leaving the page,
# a reload or an ended sign-in loses nothing. A save sends only those changes, so a colleague's save in the
# meantime is merged, not overwritten. The widgets are drawn afresh from stored answers and kept edits
# whenever a save (anyone's) makes a new version, or the edits are discarded.
discards = st.session_state.get("assess_discards", 0)
prefix = f"a_{city}_{round_year}_{current.version if current else 0}_{discards}"


def widget_answer(d: int) -> Answer:
    choice = st.session_state.get(f"{prefix}_level_{d}")
    evidence = st.session_state.get(f"{prefix}_evidence_{d}") or None
    if choice == NOT_APPLICABLE:
        return Answer(None, True, evidence)
    return Answer(int(choice) if choice is not None else None, False, evidence)


def normalised(answer: Answer | None) -> tuple:
    if answer is None:
        return (None, False, None)
    return (answer.level, answer.not_applicable, (answer.evidence or "").strip() or None)


def kept_edits() -> tuple[dict, object]:
    return ({}, None) if closed else assessments.unsaved_edits(con, user.username, city, round_year)


edits, edited_at = kept_edits()
if not closed:
    # Widget callbacks keep each change (below), but Streamlit may cut a callback short when clicks come
    # faster than reruns: every run also keeps whatever the widgets hold that is not kept yet.
    shown = {**stored, **edits}
    behind = [d for d in dimension_ids if f"{prefix}_level_{d}" in st.session_state
              and normalised(widget_answer(d)) != normalised(shown.get(d))]
    for d in behind:
        try:
            assessments.keep_edit(con, user, city, round_year, d, widget_answer(d))
        except AssessmentRefused as refused:
            st.session_state["assess_autosave_error"] = str(refused)
    if behind:
        edits, edited_at = kept_edits()
shown = {**stored, **edits}

on_screen = assessments.merge_answers(stored, edits)
answered = assessments.answered_count(on_screen, dimension_ids)
missing = assessments.missing_dimensions(on_screen, dimension_ids)

status_row = st.container(horizontal=True, vertical_alignment="center")
status_row.badge(t(f"assess.status.{status}"), color=STATUS_COLOURS[status])
if reported:
    status_row.caption(t("assess.last_saved", user=md_text(current.submitted_by or "–"),
                             date=fmt_date(current.assessed_on), version=current.version))
st.progress(answered / len(dimension_ids), text=t("assess.progress", answered=answered, total=len(dimension_ids)))
if missing and answered:
    st.caption(t("assess.unanswered", names=", ".join(md_text(dimension_name[d]) for d in missing)))
elif status == "draft":
    st.caption(t("assess.all_answered"))

if current is not None and current.provenance == "invented":
    st.info(t("assess.invented_notice"), icon=":material/science:")
elif status == "draft":
    st.caption(t("assess.draft_notice"))
elif status == "validated" and not user.is_admin:
    st.info(t("assess.validated_notice"), icon=":material/verified:")
if under_review:
    st.info(t("round_review.under_review_notice"), icon=":material/fact_check:")
if review is not None:
    st.page_link("pages/round_review.py", label=t("round_review.open_review"), icon=":material/fact_check:",
                 query_params={"review": str(review.id)})
if status in ("submitted", "validated") and (REPO_ROOT / "pages" / "benchmark.py").exists():
    st.page_link("pages/benchmark.py", label=t("assess.see_benchmark"), icon=":material/bar_chart:",
                 query_params={"city": city, "round": str(round_year)})
if status in ("submitted", "validated"):
    plan_view.assess_next_steps(city, round_year)  # turn the round's next steps into actions


def finish(message: tuple[str, str, str]) -> None:
    data.mark_changed()
    st.session_state["assess_flash"] = message
    st.rerun()


# ----------------------------------------------------------------------------------------- administrator
if user.is_admin and reported and status in ("submitted", "validated"):
    admin_box = st.container(border=True, horizontal=True, vertical_alignment="center")
    admin_box.markdown(f":material/admin_panel_settings: **{t('assess.admin_actions')}**")
    try:
        if status == "submitted" and not under_review and admin_box.button(t("assess.validate"), help=t("assess.validate_help"),
                                               icon=":material/verified:", key="assess_validate"):
            assessments.mark_validated(con, user, city, round_year)
            finish(("success", t("assess.validated_done", round=round_year, city=md_text(display[city])),
                    ":material/verified:"))
        if status == "validated" and admin_box.button(t("assess.reopen"), help=t("assess.reopen_help"),
                                               icon=":material/lock_open:", key="assess_reopen"):
            assessments.reopen(con, user, city, round_year)
            finish(("success", t("assess.reopened_done", round=round_year, city=md_text(display[city])),
                    ":material/lock_open:"))
    except AssessmentRefused as refused:
        st.error(md_text(str(refused)), icon=":material/error:")


# ----------------------------------------------------------------------------------------- the form
def option_text(dimension_id: int):
    rows = questionnaire[questionnaire["dimension_id"] == dimension_id].set_index("level")

    def fmt(option: str) -> str:
        if option == NOT_APPLICABLE:
            return t("assess.not_applicable")
        row = rows.loc[int(option)]
        return t("assess.level_option", level=option, label=md_text(label(row, "level_label")),
                 descriptor=md_text(label(row, "descriptor")))
    return fmt


def initial_option(answer: Answer | None):
    if answer is None or not answer.answered:
        return None
    return LEVEL_OPTIONS.index(NOT_APPLICABLE if answer.not_applicable else str(answer.level))


def autosave(d: int) -> None:
    """Keep the dimension's changed answer at once (a widget's callback, run even when the editor has just
    clicked away to another page)."""
    try:
        assessments.keep_edit(con, user, city, round_year, d, widget_answer(d))
        st.session_state.pop("assess_autosave_error", None)
    except AssessmentRefused as refused:
        st.session_state["assess_autosave_error"] = str(refused)


def discard() -> None:
    assessments.discard_edits(con, user, city, round_year)
    st.session_state["assess_discards"] = discards + 1  # fresh widgets, drawn from the stored answers


for _, group in dimension_rows.groupby(["group_order", "group_id"], sort=True):
    group_ids = [int(d) for d in group["dimension_id"]]
    done = assessments.answered_count(on_screen, group_ids)
    st.subheader(f"{md_text(label(group.iloc[0], 'group'))} · "
                 f"{t('assess.group_progress', answered=done, total=len(group_ids))}")
    for _, row in group.iterrows():
        d = int(row["dimension_id"])
        with st.container(border=True):
            st.markdown(f"**{int(row['sort_order'])}. {md_text(label(row))}**"
                        + (f" · :orange[{t('assess.unsaved_mark')}]" if d in edits else ""))
            st.caption(md_text(label(row, "question")))
            st.radio(t("assess.choose"), LEVEL_OPTIONS, index=initial_option(shown.get(d)),
                     format_func=option_text(d), key=f"{prefix}_level_{d}", disabled=closed,
                     help=t("assess.choose_help"), on_change=autosave, args=(d,))
            # no max_chars: Streamlit drops a longer paste whole and silently; the length is checked here
            text = st.text_area(t("assess.evidence"), value=(shown[d].evidence if d in shown else None) or "",
                                key=f"{prefix}_evidence_{d}", disabled=closed, on_change=autosave, args=(d,),
                                placeholder=t("assess.evidence_placeholder"), help=t("assess.evidence_help"),
                                height=90)
            if len(text.strip()) > assessments.MAX_EVIDENCE:
                st.error(t("assess.evidence_too_long", length=fmt_number(len(text.strip())),
                           limit=fmt_number(assessments.MAX_EVIDENCE)), icon=":material/content_cut:")

autosave_error = st.session_state.get("assess_autosave_error")
if autosave_error:
    st.error(md_text(autosave_error), icon=":material/error:")
if edits:
    st.info(t("assess.unsaved", count=len(edits), time=edited_at.strftime("%H:%M")), icon=":material/cloud_done:")
elif not closed:
    st.caption(t("assess.autosave_note"))
buttons = st.container(horizontal=True)  # keys without the version: a colleague's save must not lose a click
save_label = t("assess.save") if status in ("none", "draft") else t("assess.save_changes")
save_clicked = buttons.button(save_label, disabled=closed, icon=":material/save:", key=f"assess_save_{city}_{round_year}")
submit_clicked = False
if status in ("none", "draft"):
    submit_clicked = buttons.button(t("assess.submit"), type="primary", disabled=closed, icon=":material/send:",
                                    key=f"assess_submit_{city}_{round_year}")
if edits:
    buttons.button(t("assess.discard"), on_click=discard, icon=":material/undo:", key=f"assess_discard_{city}_{round_year}",
                   help=t("assess.discard_help"))


if save_clicked or submit_clicked:
    changed = {d: a for d, a in edits.items() if normalised(a) != normalised(stored.get(d))}
    after = assessments.merge_answers(stored, changed)
    still_missing = assessments.missing_dimensions(after, dimension_ids)
    missing_names = ", ".join(md_text(dimension_name[d]) for d in still_missing)
    too_long = [d for d, a in changed.items() if len(normalised(a)[2] or "") > assessments.MAX_EVIDENCE]
    try:
        if too_long:  # refused before writing; the text stays in its box and in the kept edits
            st.error(t("assess.not_saved_too_long", limit=fmt_number(assessments.MAX_EVIDENCE),
                       names=", ".join(md_text(dimension_name[d]) for d in too_long)), icon=":material/content_cut:")
        elif submit_clicked and not still_missing:
            assessments.save(con, user, city, round_year, changed, submit=True)
            finish(("success", t("assess.submitted", round=round_year), ":material/task_alt:"))
        elif changed:
            saved = assessments.save(con, user, city, round_year, changed)
            if submit_clicked:  # the work is kept; say what is missing before the round can be submitted
                finish(("warning", tn("assess.saved_not_submitted", len(still_missing), names=missing_names),
                        ":material/warning:"))
            finish(("success", tn("assess.saved", len(changed), version=saved.version), ":material/save:"))
        elif submit_clicked:
            st.warning(tn("assess.refused.incomplete", len(still_missing), field=t("assess.submit"),
                         dimensions=missing_names), icon=":material/warning:")
        else:
            st.info(t("assess.nothing_changed"), icon=":material/info:")
    except AssessmentRefused as refused:
        st.error(md_text(str(refused)), icon=":material/error:")

# ----------------------------------------------------------------------------------------- history
history = assessments.versions(con, city, round_year)
with st.expander(t("assess.history", count=fmt_number(len(history)))):
    if not history:
        st.caption(t("assess.history_empty"))
    else:
        st.dataframe(
            [{"version": v["version"], "saved_at": v["saved_at"].strftime("%Y-%m-%d %H:%M"), "saved_by": v["saved_by"],
              "action": t(f"assess.action.{v['action']}"), "status": t(f"assess.status.{v['status']}"),
              "answered": sum(1 for s in v["scores"] if s["level"] is not None or s["not_applicable"])}
             for v in reversed(history)],
            hide_index=True, width="stretch",
            column_config={"version": t("assess.col_version"), "saved_at": t("assess.col_saved_at"),
                           "saved_by": t("assess.col_saved_by"), "action": t("assess.col_action"),
                           "status": t("assess.col_status"), "answered": t("assess.col_answered")})
        numbers = [v["version"] for v in reversed(history)]
        shown = st.selectbox(t("assess.show_version"), numbers, key=f"assess_version_{city}_{round_year}",
                             format_func=lambda n: t("assess.version_option", version=n))
        chosen = next(v for v in history if v["version"] == shown)
        by_dimension = {s["dimension_id"]: s for s in chosen["scores"]}

        def answer_text(score) -> str:
            if score is None or (score["level"] is None and not score["not_applicable"]):
                return "–"
            return t("assess.not_applicable_short") if score["not_applicable"] else str(score["level"])

        st.dataframe(
            [{"dimension": dimension_name[d], "answer": answer_text(by_dimension.get(d)),
              "evidence": (by_dimension.get(d) or {}).get("evidence") or ""} for d in dimension_ids],
            hide_index=True, width="stretch",
            column_config={"dimension": t("assess.col_dimension"), "answer": t("assess.col_answer"),
                           "evidence": st.column_config.TextColumn(t("assess.evidence"), width="large")})

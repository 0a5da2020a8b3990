"""/submit?city=ID&id=PRACTICE: a city editor writes a new practice or changes one of the city's, saves drafts,
undoes a change, submits it for review. Every write goes through alliance.submissions (the single writer)."""
import pandas as pd
import streamlit as st

from alliance import auth, submissions
from alliance.app import data, session, url
from alliance.i18n import available_languages, fmt_date, get_language, label, t, tn
from alliance.practices import language_name, text_languages
from alliance.app.shell import ensure_app_shell
from alliance.app.ui import md_text, page_header, show_flash

ensure_app_shell()  # first, before anything is drawn

NEW = "__new__"
KINDS = ("practice", "project", "training", "event", "exit_programme", "network", "tool")
STATUSES = ("planned", "ongoing", "completed", "archived")
STATE_ICONS = {"draft": ":material/edit_note:", "submitted": ":material/pending:", "returned": ":material/undo:",
               "published": ":material/public:", "declined": ":material/block:"}

page_header(t("submit.title"), t("submit.intro"))
q = url.page("submit")
user = session.require_role("editor")

show_flash("submit")

cities = data.member_labels("assess_members")
display = cities["display"]
editable = [m for m in cities["ids"] if auth.can_edit(user, m)]
if not editable:
    st.warning(t("submit.no_cities"), icon=":material/block:")
    st.stop()

left, right = st.columns([1, 2])
with left:
    city = q.selectbox(t("submit.city"), editable, "city", default=editable[0], format_func=display.get,
                         help=t("submit.city_help"))
practices = data.query("submit_city_practices", city=city)
titles = dict(zip(practices["id"], practices["title"]))
states = dict(zip(practices["id"], practices["state"]))
with right:
    practice_id = q.selectbox(
        t("submit.practice"), [NEW, *practices["id"]], "id", default=NEW, help=t("submit.practice_help"),
        format_func=lambda i: t("submit.new_practice") if i == NEW else t(
            "submit.practice_option", title=titles[i], state=t(f"submit.state.{states[i]}")))

def state_label(state: str) -> str:
    return t(f"submit.state.{state}")


waiting = data.query("submit_entries", members=[city], states=["draft", "submitted", "returned"])
with st.expander(t("submit.your_entries") + f" ({len(waiting)})", expanded=not waiting.empty and practice_id == NEW,
                 icon=":material/assignment:"):
    if waiting.empty:
        st.caption(t("submit.your_entries_empty"))
    for _, row in waiting.iterrows():
        st.page_link("pages/submit.py", query_params={"city": city, "id": row["practice_id"]},
                     icon=STATE_ICONS[row["state"]],
                     label=md_text(f"{row['title'] or row['practice_id']} · {state_label(row['state'])} · "
                                   f"{fmt_date(row['saved_at'])}"))

con = data.connection()
entry = None if practice_id == NEW else submissions.load(con, practice_id)
base_key = f"submit_base_{city}_{practice_id}"
if base_key not in st.session_state:  # the revision the form was drawn from: a save against an older one is refused
    st.session_state[base_key] = entry.revision if entry else 0
if entry and submissions.base_record(entry, st.session_state[base_key]) == entry.record:
    st.session_state[base_key] = entry.revision  # only a review decision since: nothing to reconcile
base = st.session_state[base_key]
shown = entry.record if entry else submissions.empty_record(city)
if entry and base != entry.revision:  # someone saved since: keep showing what this user started from
    shown = submissions.base_record(entry, base) or entry.record


def when(value) -> str:
    return fmt_date(value) if value is not None else "–"


# ----------------------------------------------------------------------------------------- the entry's state
state = entry.state if entry else "draft"
if entry:
    st.markdown(f"**{t(f'submit.state.{state}')}** · " + md_text(
        t("submit.last_saved", username=entry.history[-1].saved_by if entry.history else "–",
          date=when(entry.history[-1].saved_at) if entry.history else "–", revision=entry.revision)))
    if state == "submitted":
        st.info(t("submit.under_review", date=when(entry.history[-1].saved_at),
                  username=entry.history[-1].saved_by), icon=STATE_ICONS["submitted"])
    elif state == "returned" or (state == "draft" and entry.review_comment):
        note = entry.review_comment
        st.warning(t("submit.returned", username=note.saved_by, date=when(note.saved_at)), icon=STATE_ICONS["returned"])
        st.text(note.comment)  # the reviewer's words, as written
    elif state == "declined":
        note = entry.last_review
        st.error(t("submit.declined", username=note.saved_by, date=when(note.saved_at)), icon=STATE_ICONS["declined"])
        if note.comment:
            st.text(note.comment)
    elif state == "published":
        st.success(t("submit.published_notice"), icon=STATE_ICONS["published"])
    if state == "draft" and entry.published:
        st.caption(t("submit.draft_of_published"))
    review = entry.last_review
    if entry.published and review and review.action == "publish":
        st.caption(t("submit.reviewed", username=review.saved_by, date=when(review.saved_at),
                     label=t(f"practices.evaluation.{entry.published['evaluation']}")))
else:
    st.caption(t("submit.draft_notice"))

# ----------------------------------------------------------------------------------------- the form
options = data.query("practices_options")


def facet(name: str) -> tuple[list[str], dict[str, str]]:
    rows = options[options["facet"] == name]
    return list(rows["value"]), {v: label(r) for v, (_, r) in zip(rows["value"], rows.iterrows())}


locked = state == "submitted"
prefix = f"sub_{practice_id}_{base}"
languages = text_languages(submissions.form_columns())
with st.form(f"{prefix}_form", enter_to_submit=False):
    title = st.text_input(t("submit.form_title"), value=shown.get("title") or "", max_chars=submissions.MAX_TITLE,
                          help=t("submit.form_title_help"), disabled=locked, key=f"{prefix}_title")
    summary = st.text_area(t("submit.form_summary"), value=shown.get("summary") or "", height=160,
                           max_chars=submissions.MAX_SUMMARY, help=t("submit.form_summary_help"), disabled=locked,
                           key=f"{prefix}_summary")
    c1, c2, c3, c4 = st.columns(4)
    kind = c1.selectbox(t("submit.form_kind"), KINDS, index=KINDS.index(shown.get("kind") or "practice"),
                        format_func=lambda k: t(f"common.activity_kind.{k}"), disabled=locked, key=f"{prefix}_kind")
    status = c2.selectbox(t("submit.form_status"), STATUSES, index=STATUSES.index(shown.get("status") or "ongoing"),
                          format_func=lambda s: t(f"practices.status.{s}"), disabled=locked, key=f"{prefix}_status")
    start_year = c3.number_input(t("submit.form_start_year"), value=shown.get("start_year"), step=1, format="%d",
                                 help=t("submit.form_years_help"), disabled=locked, key=f"{prefix}_start")
    end_year = c4.number_input(t("submit.form_end_year"), value=shown.get("end_year"), step=1, format="%d",
                               help=t("submit.form_years_help"), disabled=locked, key=f"{prefix}_end")
    source_url = st.text_input(t("submit.form_source_url"), value=shown.get("source_url") or "",
                               placeholder="https://", help=t("submit.form_source_url_help"), disabled=locked,
                               key=f"{prefix}_url")
    chosen = {}
    for name, facet_name, text_key in (("approaches", "approach", "form_approaches"),
                                       ("target_groups", "target_group", "form_target_groups"),
                                       ("stakeholders", "stakeholder", "form_stakeholders")):
        values, labels = facet(facet_name)
        chosen[name] = st.multiselect(t(f"submit.{text_key}"), values,
                                      default=[v for v in shown.get(name) or [] if v in labels],
                                      format_func=labels.get, placeholder=t("submit.form_pick"), disabled=locked,
                                      key=f"{prefix}_{name}", select_all=False)
    partner_options = [m for m in cities["ids"] if m != city]
    chosen["partner_member_ids"] = st.multiselect(
        t("submit.form_partners"), partner_options,
        default=[m for m in shown.get("partner_member_ids") or [] if m in display], format_func=display.get,
        placeholder=t("submit.form_pick"), help=t("submit.form_partners_help"), disabled=locked,
        key=f"{prefix}_partners", select_all=False)
    translated = {}
    if "original_language" in shown:  # asked, never left empty: a new entry starts in the reader's language
        written_in = list(dict.fromkeys([get_language(), *available_languages(), *languages]))
        original = shown.get("original_language") or get_language()
        if original not in written_in:
            written_in.append(original)
        translated["original_language"] = st.selectbox(
            t("submit.form_original_language"), written_in, index=written_in.index(original),
            format_func=language_name, help=t("submit.form_original_help"),
            disabled=locked, key=f"{prefix}_original_language")
    if languages:
        with st.expander(t("submit.form_translations")):
            for code in languages:
                name = language_name(code)
                translated[f"title_{code}"] = st.text_input(
                    t("submit.form_title_in", language=name), value=shown.get(f"title_{code}") or "",
                    max_chars=submissions.MAX_TITLE, disabled=locked, key=f"{prefix}_title_{code}")
                translated[f"summary_{code}"] = st.text_area(
                    t("submit.form_summary_in", language=name), value=shown.get(f"summary_{code}") or "",
                    max_chars=submissions.MAX_SUMMARY, disabled=locked, key=f"{prefix}_summary_{code}")
    proposal = entry.proposed_evaluation if entry and entry.proposed_evaluation else shown.get("evaluation") or "none"
    proposed = st.selectbox(t("submit.form_evaluation"), submissions.EVALUATIONS,
                            index=submissions.EVALUATIONS.index(proposal),
                            format_func=lambda e: t(f"practices.evaluation.{e}"), help=t("submit.form_evaluation_help"),
                            disabled=locked, key=f"{prefix}_evaluation")
    b1, b2 = st.columns(2)
    save_clicked = b1.form_submit_button(t("submit.save"), icon=":material/save:", disabled=locked,
                                         width="stretch")
    submit_clicked = b2.form_submit_button(t("submit.save_submit"), icon=":material/send:", type="primary",
                                           disabled=locked, width="stretch")


def done(kind: str, message: str, icon: str, entry_after) -> None:
    """After a write: forget the form's base (it is redrawn from the new revision) and show the outcome."""
    st.session_state.pop(base_key, None)
    st.session_state["submit_flash"] = (kind, message, icon)
    data.mark_changed()
    if entry_after is not None and practice_id == NEW:
        st.session_state.pop(f"submit_base_{city}_{entry_after.practice_id}", None)
        q.set("id", entry_after.practice_id)
        st.session_state.pop("url_id", None)
    st.rerun()


def conflict(error: submissions.EditConflict) -> None:
    st.error(str(error), icon=":material/sync_problem:")
    lines = [t("submit.conflict_changes", username=error.by, date=when(error.at))]
    for column, _, now in error.changes:
        value = ", ".join(map(str, now)) if isinstance(now, list) else ("" if now is None else str(now))
        lines.append("- " + md_text(t("submit.conflict_field", field=submissions.field_label(column), value=value[:300])))
    st.markdown("\n".join(lines))
    st.info(t("submit.conflict_keep"), icon=":material/content_copy:")


if save_clicked or submit_clicked:
    record = {**shown, "title": title, "summary": summary, "kind": kind, "status": status,
              "start_year": None if start_year is None else int(start_year),
              "end_year": None if end_year is None else int(end_year), "source_url": source_url,
              **chosen, **translated, "lead_member_id": city}
    try:
        after = submissions.save(con, user, None if practice_id == NEW else practice_id, record, base,
                                 proposed_evaluation=proposed, submit=submit_clicked)
    except submissions.EditConflict as error:
        conflict(error)
    except submissions.SubmissionInvalid as error:
        st.error(t("submit.invalid"), icon=":material/error:")
        st.markdown("\n".join("- **" + md_text(submissions.field_label(f)) + "**: " + md_text(r) for f, r in error.problems))
    except submissions.SubmissionRefused as error:
        st.error(str(error), icon=":material/block:")
    else:
        if submit_clicked:
            done("success", t("submit.submitted"), ":material/send:", after)
        elif entry is not None and after.revision == entry.revision:
            done("info", t("submit.nothing_changed"), ":material/info:", after)
        else:
            done("success", t("submit.saved", revision=after.revision), ":material/save:", after)

row = st.container(horizontal=True)
if entry and entry.can_undo and base == entry.revision:
    if row.button(t("submit.undo"), icon=":material/undo:", help=t("submit.undo_help")):
        try:
            after = submissions.undo(con, user, practice_id, base)
        except submissions.EditConflict as error:
            conflict(error)
        except submissions.SubmissionRefused as error:
            st.error(str(error), icon=":material/block:")
        else:
            done("success", t("submit.undone", revision=after.revision), ":material/undo:", after)
if entry and base != entry.revision:
    if row.button(t("submit.reload"), icon=":material/refresh:"):
        st.session_state.pop(base_key, None)
        st.rerun()

# ----------------------------------------------------------------------------------------- history
if entry and entry.history:
    with st.expander(tn("submit.history", len(entry.history)), icon=":material/history:"):
        st.dataframe(pd.DataFrame({
            t("submit.col_revision"): [r.revision for r in entry.history],
            t("submit.col_when"): [r.saved_at.strftime("%Y-%m-%d %H:%M") for r in entry.history],
            t("submit.col_who"): [r.saved_by for r in entry.history],
            t("submit.col_action"): [t(f"submit.action.{r.action}") for r in entry.history],
            t("submit.col_state"): [t(f"submit.state.{r.state}") for r in entry.history],
            t("submit.col_title"): [r.record.get("title") for r in entry.history],
            t("submit.col_comment"): [r.comment or "" for r in entry.history],
        }).iloc[::-1], hide_index=True, width="stretch")

"""/round-review?review=ID: review of a submitted self-assessment round (issue 16). An administrator assigns
the round to a reviewer (an admin, or an editor of another city who agreed to review); the reviewer agrees,
proposes another level with a reason, or asks for evidence on each dimension; the city answers; an
administrator validates with the agreed levels. Every write goes through alliance.round_review."""
import re

import pandas as pd
import streamlit as st

from alliance import auth
from alliance import round_review as R
from alliance.app import data, session, url
from alliance.app.shell import ensure_app_shell
from alliance.app.ui import md_text, page_header, show_flash
from alliance.i18n import fmt_date, label, t, tn

ensure_app_shell()  # first, before anything is drawn

NOT_APPLICABLE = "na"
STATE_COLOURS = {"assigned": "orange", "reviewed": "orange", "answered": "blue", "validated": "green",
                 "withdrawn": "gray"}

page_header(t("round_review.title"), t("round_review.intro"))
q = url.page("round_review")
user = session.require_role("editor")
con = data.connection()

show_flash("round_review")

city_name = data.member_labels("city_members")["display"]
questionnaire = data.query("assess_questionnaire")
dimension_rows = questionnaire.drop_duplicates("dimension_id")
dimension_name = {int(r["dimension_id"]): f"{int(r['sort_order'])}. {label(r)}" for _, r in dimension_rows.iterrows()}
level_name = {(int(r["dimension_id"]), int(r["level"])): label(r, "level_label") for _, r in questionnaire.iterrows()}
short_name = {int(r["dimension_id"]): label(r, "short") for _, r in data.load_framework().dimensions.iterrows()}


def finish(message: str, icon: str) -> None:
    for key in [k for k in st.session_state if str(k).startswith("rr_")]:  # the next run shows the new version
        del st.session_state[key]
    data.mark_changed()
    st.session_state["round_review_flash"] = ("success", message, icon)
    st.rerun()


def level_text(d: int, level, not_applicable=False) -> str:
    if not_applicable or level is None or level != level:
        return t("round_review.not_applicable")
    return t("round_review.level_text", level=int(level), label=level_name[(d, int(level))])


def reviewer_text(review: R.Review) -> str:
    return R.reviewer_text(review, lambda i: city_name.get(i, i))


def show_conflict(conflict: R.ReviewConflict) -> None:
    """The refusal, what changed (each value as plain text) and the way on; the form keeps its inputs."""
    st.error(md_text(str(conflict)), icon=":material/sync_problem:")
    if conflict.changes:
        st.markdown(f"**{t('round_review.conflict_heading')}**")

        def value(field, v):
            if v is None:
                return "–"
            if field == "state":
                return t(f"round_review.state.{v}")
            if field == "review_action":
                return t(f"round_review.action.{v}")
            if field == "city_response":
                return t(f"round_review.response.{v}")
            return str(v)

        st.dataframe(pd.DataFrame([{
            "dimension": dimension_name.get(d, "–") if d is not None else "–",
            "field": t(f"round_review.field.{f}"), "before": value(f, b), "now": value(f, n)}
            for d, f, b, n in conflict.changes]), hide_index=True, width="stretch",
            column_config={"dimension": t("round_review.conflict_col_dimension"),
                           "field": t("round_review.conflict_col_field"),
                           "before": t("round_review.conflict_col_before"), "now": t("round_review.conflict_col_now")})
    st.info(t("round_review.conflict_keep"), icon=":material/edit_note:")


def attempt(write, message: str, icon: str) -> None:
    try:
        write()
    except R.ReviewConflict as conflict:
        show_conflict(conflict)
    except R.ReviewRefused as refused:
        message = str(refused)
        if match := re.search(r"\[(\d+)\]", refused.field):  # "comment[3]": say the dimension's name instead
            message = message.replace(refused.field, dimension_name.get(int(match[1]), refused.field), 1)
        st.error(md_text(message), icon=":material/error:")
    else:
        finish(message, icon)


# ----------------------------------------------------------------------------------------- consent (editors)
def consent_box() -> None:
    """An editor agrees to review other cities' rounds, or withdraws (at the end: their own review comes first)."""
    if user.is_admin:
        return
    with st.container(border=True):
        st.markdown(f"**{t('round_review.consent_heading')}**")
        agreed = R.has_consented(con, user.username)
        wanted = st.toggle(t("round_review.consent"), value=agreed, key="round_review_consent",
                           help=t("round_review.consent_help"))
        if wanted != agreed:
            R.set_consent(con, user, wanted)
            finish(t("round_review.consent_saved") if wanted else t("round_review.consent_withdrawn"),
                   ":material/handshake:")


# ----------------------------------------------------------------------------------------- assignment (admins)
if user.is_admin:
    waiting = R.awaiting_assignment(con)
    with st.expander(t("round_review.assign_heading"), icon=":material/assignment_ind:", expanded=bool(waiting)):
        if not waiting:
            st.caption(t("round_review.assign_none"))
        else:
            chosen = st.selectbox(t("round_review.assign_round"), waiting, key="round_review_assign_round",
                                  format_func=lambda w: t("round_review.assign_round_option",
                                                          city=city_name.get(w[0], w[0]), round=w[1]))
            people = R.candidates(con, chosen[0])
            if not people:
                st.warning(t("round_review.assign_no_reviewer"), icon=":material/person_off:")
            else:
                def person_text(u: auth.User) -> str:
                    if u.is_admin:
                        return t("round_review.reviewer_option_admin", username=u.username)
                    return t("round_review.reviewer_option_peer", username=u.username,
                             city=city_name.get(sorted(u.members)[0], sorted(u.members)[0]))

                reviewer = st.selectbox(t("round_review.assign_reviewer"), people, key="round_review_assign_who",
                                        format_func=person_text, help=t("round_review.assign_reviewer_help"))
                if st.button(t("round_review.assign"), type="primary", icon=":material/person_add:",
                             key="round_review_assign"):
                    attempt(lambda: R.assign(con, user, chosen[0], chosen[1], reviewer.username),
                            t("round_review.assigned_done", round=chosen[1], city=md_text(city_name.get(chosen[0], chosen[0]))),
                            ":material/assignment_ind:")

# ----------------------------------------------------------------------------------------- the review
reviews = {r.id: r for r in R.listing(con, user)}
if not reviews:
    st.info(t("round_review.none"), icon=":material/inbox:")
    consent_box()
    st.stop()
requested = q.raw("review")
if requested is not None and requested not in {str(i) for i in reviews}:
    st.warning(t("round_review.unknown_review"), icon=":material/link_off:")
review_id = q.selectbox(
    t("round_review.choose"), list(reviews), "review", default=next(iter(reviews)), help=t("round_review.choose_help"),
    quiet=True,
    format_func=lambda i: t("round_review.review_option", city=city_name.get(reviews[i].member_id, reviews[i].member_id),
                            round=reviews[i].round_year, state=t(f"round_review.state.{reviews[i].state}")))
review = reviews[review_id]
is_reviewer = user.username == review.reviewer
is_city = auth.can_edit(user, review.member_id) and not user.is_admin
ready = review.state == "answered" or (review.state == "reviewed" and not review.needs_city_answer)
reviewing = is_reviewer and review.state == "assigned"
answering = is_city and review.state == "reviewed" and review.needs_city_answer
validating = user.is_admin and ready
prefix = f"rr_{review.id}"  # no version in the keys: a refused write keeps what was typed
# The version this session was shown: writes are checked against it, so a change by someone else since (which
# may also take this form away) is refused and shown, with what this session had typed.
seen_key, kept_key = f"{prefix}_seen", f"{prefix}_kept"
st.session_state.setdefault(seen_key, review.version)
seen = st.session_state[seen_key]
conflict = R.changes_since(con, review, seen)
form_drawn = any(str(k).startswith(prefix + "_") and k not in (seen_key, kept_key) for k in st.session_state)
if conflict is not None and not form_drawn and kept_key not in st.session_state:
    st.session_state[seen_key] = seen = review.version  # nothing of this session's at stake: show the newer version
    conflict = None
if conflict is not None:  # keep what this session typed (a form's own state goes with the form)
    kept = st.session_state.setdefault(kept_key, {})
    kept.update({k: v for k, v in st.session_state.items() if isinstance(v, str) and v.strip() and any(
        f"{prefix}_{part}_" in str(k) for part in ("reason", "request", "reply"))})
    reviewing = answering = validating = False

st.subheader(t("round_review.heading", city=md_text(city_name.get(review.member_id, review.member_id)),
               round=review.round_year), anchor=False)
facts = st.container(horizontal=True, vertical_alignment="center")
facts.badge(t(f"round_review.state.{review.state}"), color=STATE_COLOURS[review.state])
facts.caption(t("round_review.reviewed_by", who=md_text(reviewer_text(review))) + " · "
              + t("round_review.assigned_on", date=fmt_date(review.assigned_on)))
if user.is_admin or is_reviewer:  # the account name only to those who need it
    st.caption(t("round_review.reviewer_account", username=md_text(review.reviewer)))
if review.provenance == "invented":
    st.info(t("common.demo_city_scores_notice"), icon=":material/science:")
if review.state == "validated":
    st.success(md_text(R.validation_note("validated", review, lambda i: city_name.get(i, i))), icon=":material/verified:")
elif review.state in R.OPEN_STATES and not (reviewing or answering or validating):
    st.caption(t(f"round_review.step_{review.state}"))
if conflict is not None:
    show_conflict(conflict)
    for text in st.session_state[kept_key].values():  # what this session typed, to copy: as text, never markup
        st.code(text, language=None, wrap_lines=True)
for turn, key in ((reviewing, "your_turn_review"), (answering, "your_turn_answer"), (validating, "your_turn_validate")):
    if turn:
        st.info(t(f"round_review.{key}"), icon=":material/pending_actions:")

evidence = {}
answers = data.query("bench_city_history", member_id=review.member_id)
for _, row in answers[answers["round_year"] == review.round_year].iterrows():
    evidence[int(row["dimension_id"])] = row["evidence"]
suggested = R.suggested_levels(review)


def changed(i: R.Item) -> bool:
    return (i.agreed_level, bool(i.agreed_not_applicable)) != (i.original_level, bool(i.original_not_applicable))


if review.state == "validated":  # the city's own answers beside the validated ones, first
    st.markdown(f"**{t('round_review.compare_heading')}**")
    st.dataframe(pd.DataFrame([{  # short dimension names: on a phone the levels stay in view
        "dimension": short_name.get(d, dimension_name[d]),
        "original": level_text(d, i.original_level, i.original_not_applicable),
        "agreed": level_text(d, i.agreed_level, i.agreed_not_applicable),
        "changed": t("round_review.changed_yes") if changed(i) else t("round_review.changed_no")}
        for d, i in review.items.items()]), hide_index=True, width="stretch", height="content",
        column_config={"dimension": t("round_review.col_dimension"), "original": t("round_review.col_original"),
                       "agreed": t("round_review.col_agreed"), "changed": t("round_review.col_changed")})


def draw_dimension(d: int, item: R.Item) -> None:
    """One dimension: the city's answer and evidence, the review, the city's reply, the agreed level."""
    with st.container(border=True, key=f"review_dimension_{d}"):
        st.markdown(f"**{md_text(dimension_name[d])}**")
        st.markdown(t("round_review.city_answer_line",
                      level=md_text(level_text(d, item.original_level, item.original_not_applicable))))
        note = evidence.get(d)
        st.caption(t("round_review.city_evidence_line", evidence=md_text(note)) if isinstance(note, str) and note
                   else t("round_review.no_evidence"))
        if reviewing:
            action = st.radio(t("round_review.action_label"), R.ACTIONS, key=f"{prefix}_action_{d}", horizontal=True,
                              format_func=lambda a: t(f"round_review.action.{a}"), help=t("round_review.action_help"))
            if action == "propose":
                options = [lv for lv in range(6) if item.original_not_applicable or lv != item.original_level]
                st.selectbox(t("round_review.proposed_level"), options, key=f"{prefix}_level_{d}",
                             format_func=lambda lv, d=d: level_text(d, lv))
                st.text_area(t("round_review.reason"), key=f"{prefix}_reason_{d}", height=80,
                             help=t("round_review.reason_help"))
            elif action == "evidence":
                st.text_area(t("round_review.evidence_request"), key=f"{prefix}_request_{d}", height=80,
                             help=t("round_review.evidence_request_help"))
        elif item.review_action:
            said = {"agree": t("round_review.reviewer_agrees"),
                    "propose": t("round_review.reviewer_proposes", level=md_text(level_text(d, item.proposed_level)),
                                 reason=md_text(item.review_comment or "")),
                    "evidence": t("round_review.reviewer_asks", note=md_text(item.review_comment or ""))}
            st.markdown(f":material/rate_review: **{t('round_review.reviewer_said')}** {said[item.review_action]}")
        if answering and item.needs_answer:
            choices = ("accept", "keep") if item.review_action == "propose" else ("evidence", "keep")
            st.radio(t("round_review.response_label"), choices, key=f"{prefix}_response_{d}", horizontal=True,
                     format_func=lambda r: t(f"round_review.response.{r}"), help=t("round_review.response_help"))
            st.text_area(t("round_review.reply"), key=f"{prefix}_reply_{d}", height=80, help=t("round_review.reply_help"))
        elif item.city_response:
            reply = t(f"round_review.response.{item.city_response}")
            if item.city_comment:
                reply += f": {md_text(item.city_comment)}"
            st.markdown(f":material/location_city: **{t('round_review.city_said')}** {reply}")
        if validating:
            options = [0, 1, 2, 3, 4, 5, NOT_APPLICABLE]
            default = NOT_APPLICABLE if suggested[d] is None else suggested[d]
            st.selectbox(t("round_review.agreed_level"), options, index=options.index(default),
                         key=f"{prefix}_agreed_{d}", help=t("round_review.agreed_help"),
                         format_func=lambda lv, d=d: level_text(d, None if lv == NOT_APPLICABLE else lv))
        elif review.state == "validated":
            st.markdown(":material/verified: " + t("round_review.agreed_line", level=md_text(
                level_text(d, item.agreed_level, item.agreed_not_applicable)))
                + (f" · :orange[{t('round_review.changed_yes')}]" if changed(item) else ""))


# Once reviewed, the dimensions the reviewer questioned come first; those it agreed with wait in an expander.
questioned = [d for d, i in review.items.items() if i.needs_answer]
rest = [d for d in review.items if d not in questioned]
if review.state == "validated":
    groups = [(st.expander(t("round_review.details"), icon=":material/rate_review:"), list(review.items))]
elif review.state in ("reviewed", "answered") and questioned and rest:
    groups = [(st.container(), questioned), (st.expander(tn("round_review.agreed_dimensions", len(rest)),
                                                         icon=":material/check_circle:"), rest)]
else:
    groups = [(st.container(), list(review.items))]
for box, ids in groups:
    with box:
        for d in ids:
            draw_dimension(d, review.items[d])

# ----------------------------------------------------------------------------------------- the writes
buttons = st.container(horizontal=True)
if reviewing and buttons.button(t("round_review.send_review"), type="primary", icon=":material/send:",
                                key=f"{prefix}_send_review"):
    actions = {}
    for d in review.items:
        action = st.session_state.get(f"{prefix}_action_{d}")
        if action == "propose":
            actions[d] = (action, st.session_state.get(f"{prefix}_level_{d}"), st.session_state.get(f"{prefix}_reason_{d}"))
        else:
            actions[d] = (action, None, st.session_state.get(f"{prefix}_request_{d}") if action == "evidence" else None)
    attempt(lambda: R.record_review(con, user, review.id, seen, actions),
            t("round_review.review_sent", city=md_text(city_name.get(review.member_id, review.member_id))),
            ":material/send:")
if answering and buttons.button(t("round_review.send_answer"), type="primary", icon=":material/reply:",
                                key=f"{prefix}_send_answer"):
    responses = {d: (st.session_state.get(f"{prefix}_response_{d}"), st.session_state.get(f"{prefix}_reply_{d}"))
                 for d, item in review.items.items() if item.needs_answer}
    attempt(lambda: R.answer(con, user, review.id, seen, responses), t("round_review.answer_sent"),
            ":material/reply:")
if validating and buttons.button(t("round_review.validate"), type="primary", icon=":material/verified:",
                                 key=f"{prefix}_validate", help=t("round_review.validate_help")):
    agreed = {d: None if st.session_state.get(f"{prefix}_agreed_{d}") == NOT_APPLICABLE
              else st.session_state.get(f"{prefix}_agreed_{d}") for d in review.items}
    attempt(lambda: R.validate(con, user, review.id, seen, agreed),
            t("round_review.validated_done", round=review.round_year,
              city=md_text(city_name.get(review.member_id, review.member_id))), ":material/verified:")
if user.is_admin and review.state in R.OPEN_STATES and buttons.button(
        t("round_review.withdraw"), icon=":material/undo:", key=f"{prefix}_withdraw", help=t("round_review.withdraw_help")):
    attempt(lambda: R.withdraw(con, user, review.id, seen), t("round_review.withdrawn_done"), ":material/undo:")
if reviewing or answering or validating or conflict is not None:
    def _reload():
        for key in [k for k in st.session_state if str(k).startswith(prefix + "_")]:
            del st.session_state[key]
    buttons.button(t("round_review.reload"), icon=":material/refresh:", key=f"{prefix}_reload", on_click=_reload,
                   type="tertiary")
if is_city:
    st.page_link("pages/assess.py", label=t("round_review.open_assess"), icon=":material/checklist:",
                 query_params={"city": review.member_id, "round": str(review.round_year)})

steps = R.history(con, review.id) if user.is_admin or is_reviewer else []  # the history names accounts
if steps:
    with st.expander(t("round_review.history")):
        st.dataframe(pd.DataFrame([{
            "version": h["version"], "when": h["saved_at"].strftime("%Y-%m-%d %H:%M"), "who": h["saved_by"],
            "action": t(f"round_review.history_action.{h['action']}"), "state": t(f"round_review.state.{h['state']}")}
            for h in reversed(steps)]), hide_index=True, width="stretch",
            column_config={"version": t("round_review.col_version"), "when": t("round_review.col_when"),
                           "who": t("round_review.col_who"), "action": t("round_review.col_action"),
                           "state": t("round_review.col_state")})

consent_box()

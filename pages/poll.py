"""/poll: the participants' Streamlit page (`/poll?code=K7QM2X`, no account; it links to the light page
/vote/CODE that the QR code opens) and, without a code, the organisers' tools (signed in as editor or admin):
open a poll, close it, export its answers.

A participant is an anonymous random token kept in the URL (`&p=...`), so reloading the page keeps the same
participant and a changed answer replaces the earlier one.
"""
import os

import pandas as pd
import streamlit as st

from alliance import poll, present, qa, wordcloud
from alliance.app import data, url
from alliance.i18n import fmt_date, fmt_number, get_language, label, set_language, t
from alliance.app.session import require_role
from alliance.app.ui import page_header
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

# Phone-friendly: large tap targets for the answers. Our own constant CSS, never data.
PHONE_CSS = """
<style>
.st-key-poll-answers [data-testid="stRadio"] label { padding: 0.45rem 0; font-size: 1.05rem; }
.st-key-poll-answers [data-testid="stRadio"] > label p { font-size: 1.2rem; font-weight: 700; }
</style>
"""


def _error(exc: poll.PollError) -> str:
    return t(f"poll.error.{exc.reason}", max=poll.MAX_QUESTIONS)


def _participant_token() -> str:
    token = q.raw("p")
    if not poll.valid_token(token):
        token = poll.new_participant_token()
        q.set("p", token)
    return token


def code_form() -> None:
    with st.form("poll-join"):
        typed = st.text_input(t("poll.enter_code"), help=t("poll.enter_code_help"), max_chars=12)
        if st.form_submit_button(t("poll.join"), type="primary"):
            code = poll.normalize_code(typed)
            if code:
                q.set("code", code)
                st.rerun()
            st.error(t("poll.bad_code", code=typed))


def participant_view(code: str) -> None:
    con = data.live_connection()
    current = poll.get_poll(con, code)
    if current is None:
        st.error(t("poll.unknown", code=code))
        code_form()
        return
    if not current.is_open:
        st.info(t("poll.closed"), icon=":material/lock:")
        return
    # the light page answers in a fraction of the time of this Streamlit page: send participants there
    st.link_button(t("vote.open_light"), f"vote/{code}?lang={get_language()}", type="primary", width="stretch",
                   icon=":material/bolt:", help=t("vote.open_light_help"))
    if poll.items(con, code):  # own questions (open text, scales) are answered on the light page only
        return
    st.caption(t("vote.or_here"))
    token = _participant_token()
    questions = poll.questions(con, code)
    choices = poll.choices(con, code)
    earlier = poll.participant_answers(con, code, token)
    if earlier:
        st.caption(t("poll.saved_before"))
    st.markdown(PHONE_CSS, unsafe_allow_html=True)
    with st.form("poll-answers", border=False), st.container(key="poll-answers"):
        picked = {}
        for number, question in enumerate(questions.to_dict("records"), start=1):
            dim = int(question["dimension_id"])
            offered = choices[choices["dimension_id"] == dim]
            texts = {int(r["level"]): t("poll.level_option", label=label(r), descriptor=label(r, "descriptor"))
                     for r in offered.to_dict("records")}
            levels = list(texts)
            st.caption(t("poll.question", number=number, count=len(questions)))
            picked[dim] = st.radio(present.markdown_text(label(question, "question")), levels,
                                   index=levels.index(earlier[dim]) if dim in earlier else None,
                                   format_func=lambda level, texts=texts: present.markdown_text(texts[level]),
                                   key=f"poll-q{dim}")
        sent = st.form_submit_button(t("poll.send"), type="primary", width="stretch")
    if sent:
        answered = {dim: level for dim, level in picked.items() if level is not None}
        if not answered:
            st.warning(t("poll.unanswered"))
            return
        try:
            for dim, level in answered.items():
                poll.record_answer(con, code, dim, token, int(level))
        except poll.PollError as exc:
            st.error(_error(exc))
            return
        st.success(t("poll.sent"), icon=":material/check_circle:")


def own_questions_fields() -> list:
    """Up to MAX_QUESTIONS own questions (multiple choice, 1-5 scale, open text), typed in the open form."""
    kinds = ["", *poll.ITEM_KINDS]
    items = []
    with st.expander(t("poll.own_questions"), icon=":material/add_comment:"):
        st.caption(t("poll.own_questions_help", max=poll.MAX_QUESTIONS))
        for n in range(1, poll.MAX_QUESTIONS + 1):
            kind_col, prompt_col, options_col = st.columns([1, 2, 2])
            kind = kind_col.selectbox(t("poll.own_kind", number=n), kinds, key=f"poll-own-kind-{n}",
                                      format_func=lambda k: t(f"poll.kind.{k or 'none'}"))
            prompt = prompt_col.text_input(t("poll.own_prompt", number=n), max_chars=poll.MAX_TEXT,
                                           key=f"poll-own-prompt-{n}")
            options = options_col.text_area(t("poll.own_options", number=n), key=f"poll-own-options-{n}",
                                            height=90, help=t("poll.own_options_help"))
            if kind:
                items.append(poll.Item(kind, prompt, tuple(options.splitlines())))
    return items


def moderate_texts(con, code: str) -> None:
    """Open answers reach the word cloud only when the moderator shows them; words can be kept off it."""
    for item in poll.item_results(con, code):
        if item["kind"] != "text":
            continue
        with st.container(border=True, key=f"poll-moderate-{item['position']}"):
            st.markdown(f"**{present.markdown_text(item['prompt'])}**")
            st.write(t("poll.texts_status", received=fmt_number(item["received"]), shown=fmt_number(len(item["texts"])),
                       waiting=fmt_number(item["waiting"])))
            waiting = poll.waiting_texts(con, code, int(item["position"]))
            if waiting:
                st.dataframe(pd.DataFrame({t("poll.col_text"): waiting}), hide_index=True, width="stretch",
                             height=min(38 + 35 * len(waiting), 300))
            left, right = st.columns([1, 2], vertical_alignment="bottom")
            if left.button(t("poll.show_texts"), key=f"poll-show-{item['position']}", type="primary",
                           disabled=not item["waiting"], icon=":material/visibility:"):
                poll.show_texts(con, code, int(item["position"]))
                st.rerun()
            words = sorted({w for text in item["texts"] + waiting for w in wordcloud.words(text)} |
                           set(item["hidden_words"]))
            hidden = right.multiselect(t("poll.hide_words"), words, default=item["hidden_words"],
                                       key=f"poll-hide-{item['position']}", help=t("poll.hide_words_help"),
                                       select_all=False)
            if sorted(hidden) != sorted(item["hidden_words"]):
                poll.hide_words(con, code, int(item["position"]), hidden)
                st.rerun()


QA_ROWS = 10  # questions listed per state (the oldest pending, the most voted shown): a short queue reruns fast


@st.fragment
def moderate_qa(code: str, username: str) -> None:
    """The audience's questions: new ones to approve or hide, shown ones to mark answered or hide. Nothing
    reaches the big screen before an approval here. A fragment: a moderator's click reruns this part only."""
    con = data.live_connection()
    st.subheader(t("poll.qa_moderation"), anchor=False)
    frame = qa.questions(con, code)
    pending = frame[frame["status"] == "pending"].sort_values("asked_at")
    shown = frame[frame["status"] == "approved"]
    st.caption(t("poll.qa_counts", received=fmt_number(len(frame)), pending=fmt_number(len(pending)),
                 shown=fmt_number(len(shown))))
    st.download_button(t("poll.qa_export"), qa.csv_export(con, code), file_name=f"poll-{code}-questions.csv",
                       mime="text/csv", icon=":material/download:", key="poll-qa-export", on_click="ignore")

    def decide(question_id: int, status: str) -> None:
        qa.moderate(con, code, question_id, status, username)

    for title, rows, actions in [(t("poll.qa_pending"), pending, [("approved", ":material/check:"),
                                                                    ("hidden", ":material/visibility_off:")]),
                                 (t("poll.qa_shown"), shown, [("answered", ":material/done_all:"),
                                                              ("hidden", ":material/visibility_off:")])]:
        st.markdown(f"**{title}**")
        if rows.empty:
            st.caption(t("poll.qa_empty"))
        for row in rows.head(QA_ROWS).itertuples():
            with st.container(border=True, horizontal=True, vertical_alignment="center",
                              key=f"poll-qa-{row.id}"):
                st.text(row.text)  # literal text, as typed
                st.caption(t("poll.qa_votes", votes=fmt_number(row.votes)), width=110)
                for status, icon in actions:
                    st.button(t(f"poll.qa_do.{status}"), icon=icon, key=f"poll-qa-{status}-{row.id}",
                              on_click=decide, args=(int(row.id), status))
        if len(rows) > QA_ROWS:
            st.caption(t("poll.qa_more", count=fmt_number(len(rows) - QA_ROWS)))


def organiser_view() -> None:
    st.divider()
    st.header(t("poll.organisers"), anchor=False)
    st.caption(t("poll.organisers_intro", max=poll.MAX_QUESTIONS))
    user = require_role("editor")
    con = data.live_connection()
    base = poll.base_url_from(st.context.url, os.environ.get("ALLIANCE_PUBLIC_URL"))
    if not poll.phones_can_reach(base):  # told here, to the organiser, never on the big screen
        st.warning(t("poll.local_url"), icon=":material/wifi_off:")
    dimensions = data.query("poll_dimensions")
    names = {int(r["dimension_id"]): t("poll.question_option", short=label(r, "short"), question=label(r, "question"))
             for r in dimensions.to_dict("records")}
    with st.form("poll-open"):
        # the button beside the picker, not under it: the open dropdown would cover it
        pick, send = st.columns([5, 1], vertical_alignment="bottom")
        # select_all=False: typing a word and Enter picks that question, not "Select N matches";
        # "contains" lists only the questions holding what was typed
        chosen = pick.multiselect(t("poll.choose_questions"), list(names), format_func=names.get,
                                  max_selections=poll.MAX_QUESTIONS, placeholder=t("poll.choose_placeholder"),
                                  select_all=False, filter_mode="contains", wrap=True,
                                  help=t("poll.choose_questions_help", max=poll.MAX_QUESTIONS))
        own = own_questions_fields()
        with_qa = st.checkbox(t("poll.with_qa"), key="poll-with-qa", help=t("poll.with_qa_help"))
        if send.form_submit_button(t("poll.open"), type="primary", width="stretch"):
            try:
                code = poll.open_poll(con, chosen, user.username, own, qa=with_qa)
            except poll.PollError as exc:
                st.error(_error(exc))
            else:
                st.session_state["poll_opened"] = code
    opened = st.session_state.get("poll_opened")
    if opened:
        st.success(t("poll.opened", code=opened), icon=":material/campaign:")
        st.page_link("pages/present.py", label=t("poll.present_link"), icon=":material/slideshow:",
                     query_params={"slides": "poll", "poll": opened, "lang": get_language()})
        if base:
            st.caption(t("poll.join_link"))
            st.code(poll.join_url(base, opened, get_language()), language=None)

    st.subheader(t("poll.polls"), anchor=False)
    polls = poll.list_polls(con)
    if polls.empty:
        st.info(t("poll.no_polls"))
        return
    table = pd.DataFrame({
        "code": polls["code"],
        "status": polls["closed_at"].isna().map({True: t("poll.status_open"), False: t("poll.status_closed")}),
        "created_by": polls["created_by"],
        "created_at": polls["created_at"].map(fmt_date),
        "questions": polls["questions"].map(fmt_number),
        "participants": polls["participants"].map(fmt_number),
        "answers": polls["answers"].map(fmt_number),
    })
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "code": t("poll.col_code"), "status": t("poll.col_status"), "created_by": t("poll.col_created_by"),
        "created_at": t("poll.col_created_at"), "questions": t("poll.col_questions"),
        "participants": t("poll.col_participants"), "answers": t("poll.col_answers")})
    code = st.selectbox(t("poll.choose_poll"), polls["code"].tolist(), key="poll-manage")
    selected = poll.get_poll(con, code)
    left, right = st.columns(2)
    if selected is not None and selected.is_open:
        if left.button(t("poll.close"), icon=":material/lock:", key="poll-close"):
            poll.close_poll(con, code)
            st.session_state.pop("poll_opened", None)
            st.toast(t("poll.closed_done", code=code))
            st.rerun()
    right.download_button(t("poll.export"), poll.answers_csv(con, code), file_name=f"poll-{code}.csv",
                          mime="text/csv", icon=":material/download:", key="poll-export", on_click="ignore")
    if qa.is_on(con, code):
        moderate_qa(code, user.username)
    if poll.items(con, code):
        right.download_button(t("poll.export_own"), poll.item_answers_csv(con, code), file_name=f"poll-{code}-own.csv",
                              mime="text/csv", icon=":material/download:", key="poll-export-own", on_click="ignore")
        moderate_texts(con, code)


if "language" not in st.session_state:  # opened without app.py (a fresh server's first visit): take ?lang=
    set_language(url.shell().raw("lang"))
page_header(t("poll.title"), t("poll.intro"))
q = url.page("poll")
typed_code = q.raw("code")
code = poll.normalize_code(typed_code)
if typed_code and code is None:
    st.error(t("poll.bad_code", code=typed_code))
if code:
    participant_view(code)
else:
    code_form()
    organiser_view()

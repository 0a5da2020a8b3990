"""/present: the big screen at a conference. Kiosk layout (no sidebar, toolbar or scroll), projector type
and contrast, auto-advancing slides chosen in the URL (`?slides=map,figures,poll&every=20&start=poll`),
keyboard and on-screen controls, and the live poll with its QR code.

The slide area is a fragment that wakes every `every` seconds (every few seconds on the poll slide, so that
answers appear within 5 s); the slide index lives in session state.
"""
import html
import os
import time

import pandas as pd
import streamlit as st

from alliance import actions, maps, poll, present, qa, scoring, wordcloud
from alliance.app import data, url
from alliance.i18n import fmt_number, get_language, label, localized_column, set_language, t, tn
from alliance.app.ui import css_string, demo_notice
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

# Our own constant CSS, never data. Sizes for 1920x1080: body 26 px, nothing below 24 px.
KIOSK_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
footer { display: none !important; }
html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  overflow: hidden !important; background: #FFFFFF !important; color: #000000 !important; }
[data-testid="stMainBlockContainer"] { padding: 1.2rem 2.5rem 0.5rem 2.5rem !important; max-width: 100% !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] td, [data-testid="stMain"] th, [data-testid="stMain"] button,
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 26px !important; color: #000000 !important; }
[data-testid="stMain"] h1 { font-size: 50px !important; font-weight: 700 !important; color: #000000 !important;
  padding: 0 0 0.3rem 0 !important; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 34px !important; color: #000000 !important; }
[data-testid="stMetricLabel"] p { font-size: 30px !important; font-weight: 600 !important; white-space: normal !important; }
[data-testid="stMain"] [data-testid="stMetricValue"], [data-testid="stMain"] [data-testid="stMetricValue"] * { font-size: 112px !important; font-weight: 700 !important;
  color: #1F4E89 !important; line-height: 1.15 !important; }
[data-testid="stMetric"] { border-left: 8px solid #1F4E89; padding-left: 1.2rem; margin-bottom: 2.5rem; }
[data-testid="stAlert"] p, [data-testid^="stAlertContent"] span { font-size: 26px !important; }
.st-key-present-brand p { font-size: 24px !important; font-weight: 600; color: #1F4E89 !important; }
.st-key-present-url p { font-size: 32px !important; font-weight: 700; font-family: monospace; }
.st-key-present-code p { font-size: 32px !important; font-weight: 700; }
.st-key-present-qa p { font-size: 36px !important; line-height: 1.25 !important; }
.st-key-present-big p { font-size: 44px !important; font-weight: 700; line-height: 1.25; }
/* the controls show on load, fade after a few seconds, and come back on mouse-over or keyboard focus */
.st-key-present-controls { position: fixed; bottom: 14px; right: 28px; z-index: 1000; width: auto !important;
  background: #FFFFFF; border: 3px solid #000000; border-radius: 10px; padding: 6px 14px;
  animation: present-fade 1s ease 8s forwards; }
.st-key-present-controls:hover, .st-key-present-controls:focus-within { animation: none; opacity: 1; }
@keyframes present-fade { to { opacity: 0; } }
.st-key-present-controls button { min-height: 52px; }
/* Streamlit's key hints inside the buttons: readable from the back of the room */
.st-key-present-controls kbd { font-size: 22px !important; }
/* ...and the space bar's name in the screen's language (Streamlit writes it in English) */
.st-key-present-pause kbd { font-size: 0 !important; }
.st-key-present-pause kbd::after { content: "SPACE_KEY"; font-size: 22px; }
[data-testid="stMain"] [data-testid="stIconMaterial"] { font-size: 28px !important; }
/* text alternatives of the charts and the map: read by screen readers, not drawn on the projector */
[class*="st-key-present-alt"] { position: absolute !important; width: 1px !important; height: 1px !important;
  overflow: hidden !important; clip: rect(0 0 0 0) !important; white-space: nowrap !important; }
[class*="st-key-present-alt"] * { overflow: visible !important; }
</style>
"""
st.markdown(KIOSK_CSS.replace("SPACE_KEY", css_string(t("present.key_space"))), unsafe_allow_html=True)

q = url.page("present")
slides = present.parse_slides(q["slides"])
every = present.parse_every(q["every"])
config = (slides, every)
state = st.session_state
if state.get("present_config") != config:  # a new URL starts a new cycle
    state.present_config = config
    state.present_index = present.start_index(slides, q["start"])
    state.present_changed = time.time()
    state.present_paused = False


def _poll_code_for_screen():
    """?poll=CODE when it names a poll, else the most recently opened poll still open."""
    con = data.live_connection()
    asked = poll.normalize_code(q.raw("poll"))
    chosen = poll.get_poll(con, asked) if asked else None
    return chosen or poll.latest_open_poll(con)


def _alt_table(key: str, frame, columns: dict) -> None:
    with st.container(key=f"present-alt-{key}"):
        st.table(frame[list(columns)].rename(columns=columns), hide_index=True)


def slide_map() -> None:
    members = data.query("map_members", statuses=["member", "observer"])
    members["country"] = members[localized_column("country")]
    countries = maps.country_summary(members).sort_values(["members", "country"], ascending=[False, True])
    colours = [maps.hex_to_rgba(present.ACCENT)] * len(members)
    points = maps.member_points(members, colours, invented_scores=data.is_demo_data())
    view = maps.fit_view(members["longitude"], members["latitude"], width_px=1300, height_px=800)
    left, right = st.columns([3, 1], gap="large")
    with left:
        st.pydeck_chart(maps.members_deck(points, set(members["country_code"]), view), height=800)
        with st.container(key="present-alt-map"):
            st.write(t("present.map.alt"))
    with right:
        with st.container(key="present-big"):
            st.markdown(t("present.map.summary", members=tn("present.map.n_members", len(members)),
                          countries=tn("present.map.n_countries", members["country_code"].nunique())))
        st.subheader(t("present.map.top_countries"))
        top = countries.head(8)
        st.table(top[["country", "members"]].rename(columns={"country": t("present.map.col_country"),
                                                              "members": t("present.map.col_members")}),
                 hide_index=True)


def slide_figures() -> None:
    figures = data.query("overview_figures").iloc[0]
    latest = figures["latest_round"]
    rows = [st.columns(3, gap="large"), st.columns(3, gap="large")]
    cells = [
        (t("present.figures.members"), fmt_number(figures["members"])),
        (t("present.figures.countries"), fmt_number(figures["countries"])),
        (t("present.figures.activities"), fmt_number(figures["activities"])),
        (t("present.figures.evaluated"), fmt_number(figures["evaluated_activities"])),
    ]
    if latest is not None and latest == latest:
        cells.append((t("present.figures.assessed", round=int(latest)),
                      fmt_number(figures["assessed_in_latest_round"])))
    for position, (caption, value) in enumerate(cells):
        with rows[position // 3][position % 3]:
            st.metric(caption, value)
            st.write("")


def slide_practices() -> None:
    by_approach = data.query("activities_by_approach")
    by_approach["approach"] = by_approach[localized_column("label")]
    top = by_approach.sort_values(["activities", "approach"], ascending=[False, True]).head(10)
    fig = present.bars(top["approach"], top["activities"], t("present.practices.chart_title"),
                       t("present.practices.axis"), texts=[fmt_number(v) for v in top["activities"]], height=820)
    st.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True}, width="stretch")
    _alt_table("practices", by_approach, {"approach": t("present.practices.col_approach"),
                                          "activities": t("present.practices.col_activities")})


def slide_assessment() -> None:
    rounds = data.query("bench_rounds")
    rounds = rounds[rounds["assessments"] > 0]
    if rounds.empty:
        st.info(t("present.assessment.none"))
        return
    year = int(rounds.iloc[0]["round_year"])
    answers = data.query("bench_round_scores", round_year=year)
    indices = present.round_indices(answers, data.query("bench_dimensions"))
    spread = scoring.distribution(indices)
    bands = present.index_distribution(indices, t("present.assessment.band"))
    demo_notice(scores=True)
    left, right = st.columns([2, 1], gap="large")
    with left:
        fig = present.distribution_columns(bands, t("present.assessment.chart_title", round=year),
                                           t("present.assessment.axis_band"), t("present.assessment.axis_cities"),
                                           height=700)
        st.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True}, width="stretch")
        _alt_table("assessment", bands, {"band": t("present.assessment.col_band"),
                                         "members": t("present.assessment.col_cities")})
    with right:
        if spread is not None:
            with st.container(key="present-big"):
                st.markdown(tn("present.assessment.summary", spread.n, round=year,
                              q1=fmt_number(spread.q1), q3=fmt_number(spread.q3), median=fmt_number(spread.median)))
        st.write(t("present.assessment.no_league"))


def slide_plans() -> None:
    """Actions per dimension and status across the alliance: counts only, never a city."""
    framework = data.load_framework()
    plans = data.query("plan_alliance_status")
    counts = actions.aggregate(plans, framework.dimension_ids)
    total = int(counts["total"].sum())
    if total == 0:
        st.info(t("actions.present_empty"))
        return
    if (plans["provenance"] == "invented").any():
        st.info(t("actions.present_invented"), icon=":material/science:")
    labels = {int(r["dimension_id"]): label(r, "short") for _, r in framework.dimensions.iterrows()}
    names = {s: t(f"actions.status.{s}") for s in actions.STATUSES}
    fig = present.plan_status_bars(counts, labels, names, tn("actions.present_total", total),
                                   t("actions.present_axis"), height=760)
    st.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True}, width="stretch")
    st.caption(t("actions.present_caption"))
    table = counts[counts["total"] > 0].assign(dimension=lambda f: f["dimension_id"].map(labels))
    _alt_table("plans", table, {"dimension": t("actions.col_dimension"), **names, "total": t("actions.col_total")})


def slide_poll() -> None:
    con = data.live_connection()
    current = _poll_code_for_screen()
    if current is None:
        with st.container(key="present-big"):
            st.markdown(t("present.poll.none"))
        return
    live = poll.live_results(con, current.code)  # ~1 s cache: one query per second at most
    results, participants = live.levels, live.participants
    left, right = st.columns([1, 2], gap="large")
    with left:
        base = poll.base_url_from(st.context.url, os.environ.get("ALLIANCE_PUBLIC_URL"))
        if current.is_open and base:
            url = poll.join_url(base, current.code, get_language())
            st.write(t("present.poll.scan"))
            st.image(poll.qr_png(url), width=340, alt=t("present.poll.qr_alt", url=url))
            with st.container(key="present-url"):  # escaped pieces that wrap between, never inside
                st.markdown(present.unbroken_url_html(url), unsafe_allow_html=True)
        elif current.is_open:  # the organiser is told why on /poll; the room only needs the way in
            st.write(t("present.poll.no_url"))
        else:
            st.write(t("present.poll.closed"))
        with st.container(key="present-code"):
            st.write(t("present.poll.code", code=current.code))
        st.write(tn("present.poll.participants", participants))
    with right:
        questions = results.drop_duplicates("position")
        columns = sorted([(int(q.position), q) for q in questions.itertuples()] +
                         [(int(item["position"]), item) for item in live.items], key=lambda pair: pair[0])
        # the questions in one row and the charts in the next, so that the charts line up
        heads = st.columns(max(len(columns), 1), gap="medium")
        cols = st.columns(max(len(columns), 1), gap="medium")
        for head, col, (position, question) in zip(heads, cols, columns):
            if isinstance(question, dict):
                _own_question(head, col, question, len(columns))
                continue
            rows = results[results["position"] == question.position]
            level_names = [f"{lvl} · {label(r)}" for lvl, r in zip(rows["level"], rows.to_dict("records"))]
            fig = present.level_bars(level_names, rows["answers"], t("present.poll.axis_answers"),
                                     texts=[fmt_number(v) for v in rows["answers"]], height=580)
            with head:
                question_row = _question_texts(current.code).get(int(question.dimension_id), {})
                st.subheader(present.markdown_text(label(question_row, "short")))
                st.markdown(present.markdown_text(label(question_row, "question")))
            with col:
                st.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True}, width="stretch",
                                key=f"present-poll-{question.position}")
                _alt_table(f"poll-{question.position}", rows.assign(level_name=level_names),
                           {"level_name": t("present.poll.col_level"), "answers": t("present.poll.col_answers")})


def _own_question(head, col, item: dict, columns: int) -> None:
    """One of the poll's own questions: bars for multiple choice and the 1-5 scale, a word cloud of the
    moderated open texts."""
    position = int(item["position"])
    with head:
        st.subheader(t(f"present.poll.kind_{item['kind']}"))
        st.markdown(present.markdown_text(item["prompt"]))
    with col:
        if item["kind"] == "text":
            freqs = wordcloud.frequencies(item["texts"], item["hidden_words"], limit=40 if columns == 1 else 20)
            with st.container(key=f"present-cloud-{position}"):
                if freqs:
                    # the right two thirds of a 1920 px screen, shared by the question columns
                    st.markdown(wordcloud.cloud_html(freqs, width_px=1180 // columns - 30),
                                unsafe_allow_html=True)  # every word escaped
                else:
                    st.write(t("present.poll.cloud_empty"))
                st.write(t("present.poll.texts_shown", received=fmt_number(item["received"]),
                           shown=fmt_number(len(item["texts"]))))
            _alt_table(f"poll-{position}", pd.DataFrame(freqs or [("", 0)], columns=["word", "count"]),
                       {"word": t("present.poll.col_word"), "count": t("present.poll.col_answers")})
            return
        names = item["options"] if item["kind"] == "choice" else [t("present.poll.scale_value", value=v)
                                                                   for v in poll.SCALE]
        # plotly reads tags in its labels: the organiser's options are escaped to stay literal text
        fig = present.level_bars([html.escape(n) for n in names], item["counts"], t("present.poll.axis_answers"),
                                 texts=[fmt_number(v) for v in item["counts"]], height=580)
        st.plotly_chart(fig, config={"displayModeBar": False, "staticPlot": True}, width="stretch",
                        key=f"present-poll-{position}")
        _alt_table(f"poll-{position}", pd.DataFrame({"option": names, "answers": item["counts"]}),
                   {"option": t("present.poll.col_option"), "answers": t("present.poll.col_answers")})


@st.cache_data(show_spinner=False, ttl=600)
def _question_texts(code: str) -> dict[int, dict]:
    frame = poll.questions(data.live_connection(), code)
    return {int(r["dimension_id"]): r for r in frame.to_dict("records")}


def slide_qa() -> None:
    """The audience's questions a moderator approved, most votes first, with how many came in."""
    current = _poll_code_for_screen()
    if current is None:
        with st.container(key="present-big"):
            st.markdown(t("present.poll.none"))
        return
    shown, received, count = _qa_screen(current.code)
    left, right = st.columns([1, 2], gap="large")
    with left:
        base = poll.base_url_from(st.context.url, os.environ.get("ALLIANCE_PUBLIC_URL"))
        if current.is_open and base:
            url = poll.join_url(base, current.code, get_language())
            st.write(t("present.qa.scan"))
            st.image(poll.qr_png(url), width=300, alt=t("present.poll.qr_alt", url=url))
            with st.container(key="present-url"):
                st.markdown(present.unbroken_url_html(url), unsafe_allow_html=True)
        with st.container(key="present-code"):
            st.write(t("present.poll.code", code=current.code))
        st.write(t("present.qa.counts", received=fmt_number(received), shown=fmt_number(count)))
    with right, st.container(key="present-qa"):
        if shown.empty:
            st.write(t("present.qa.none"))
        for row in shown.head(6).itertuples():
            with st.container(border=True, horizontal=True, vertical_alignment="center"):
                st.markdown(f"**{fmt_number(row.votes)}** :material/thumb_up:", width=120)
                st.markdown(present.markdown_text(row.text))
        if len(shown) > 6:
            st.write(t("present.qa.more", count=fmt_number(len(shown) - 6)))


@st.cache_data(show_spinner=False, ttl=1)
def _qa_screen(code: str):
    return qa.screen(data.live_connection(), code)


DRAW = {"map": slide_map, "figures": slide_figures, "practices": slide_practices,
        "assessment": slide_assessment, "plans": slide_plans, "poll": slide_poll, "qa": slide_qa}


def _go(delta: int) -> None:
    state.present_index = present.step(state.present_index, len(slides), delta)
    state.present_changed = time.time()


def _toggle_pause() -> None:
    state.present_paused = not state.present_paused
    state.present_changed = time.time()


def controls(slide_number: int, held: bool) -> None:
    with st.container(key="present-controls", horizontal=True, vertical_alignment="center", gap="small"):
        st.button(t("present.back"), icon=":material/arrow_back:", shortcut="Left", on_click=_go, args=(-1,),
                  key="present-back")
        paused = state.present_paused
        st.button(t("present.resume") if paused else t("present.pause"),
                  icon=":material/play_arrow:" if paused else ":material/pause:", shortcut="Space",
                  on_click=_toggle_pause, key="present-pause")
        st.button(t("present.next"), icon=":material/arrow_forward:", shortcut="Right", on_click=_go, args=(1,),
                  key="present-next")
        status = (t("present.paused") if paused else t("present.held") if held
                  else t("present.next_in", seconds=every))
        st.write(f"{t('present.slide_counter', number=slide_number, count=len(slides))} · {status}")


def _held(slide: str) -> bool:
    current = _poll_code_for_screen() if slide in present.LIVE_SLIDES else None
    return present.holds(slide, current is not None and current.is_open)


def slide_area() -> None:
    # a fragment rerun does not run app.py, and the language is per thread: set it again
    set_language(state.get("language") or state.get("lang") or q.raw("lang"))
    slide = slides[state.present_index]
    if not _held(slide) and present.is_due(state.present_changed, time.time(), every, state.present_paused):
        _go(1)
        slide = slides[state.present_index]
    held = _held(slide)
    if held:  # the room is answering; once the poll closes, its final results stay up a full turn
        state.present_changed = time.time()
    if present.refresh_seconds(slide, every) != state.get("present_tick"):
        # the timer that wakes this fragment is set on a full run: rerun the page for the new slide's rhythm
        state.present_tick = present.refresh_seconds(slide, every)
        st.rerun(scope="app")
    with st.container(key="present-brand"):
        st.write(t("present.brand"))
    st.title(t(f"present.title.{slide}"), anchor=False)
    with st.container(key=f"present-slide-{slide}"):
        DRAW[slide]()
    controls(state.present_index + 1, held)


state.setdefault("present_tick", present.refresh_seconds(slides[state.present_index], every))
st.fragment(slide_area, run_every=state.present_tick)()

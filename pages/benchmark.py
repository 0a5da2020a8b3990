"""/benchmark?city=ID&peers=KIND: where a city stands among the peers it chooses, what the next level would
take, and who to learn from. Distributions only: no rank list, and no peer group under five cities."""
import streamlit as st

from alliance import auth, round_review, scoring, urlstate
from alliance.app import benchmark_view as view_model, data, plan_view, session, url
from alliance import comparison as cmp
from alliance.i18n import get_language, is_plural, t, tn
from alliance.app.ui import chart_download, demo_notice, lazy_expander, md_text, page_header, unknown_member_warning
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

CHART_CONFIG = {"displayModeBar": False}
# The overall index and four areas. An area's name wraps within its width instead of ending in "…"
# ("Principles and cooperation"); five fit side by side on a laptop.
METRIC_WIDTH_PX = 160
WRAP_METRIC_LABELS_CSS = """<style>
.st-key-bench-metrics [data-testid="stMetricLabel"] .stMarkdownEllipsis,
.st-key-bench-metrics [data-testid="stMetricLabel"] .stMarkdownEllipsis p { white-space: normal; }
</style>"""

page_header(t("benchmark.title"), t("benchmark.intro"))
q = url.page("benchmark")

LABELS = view_model.labels(get_language(), data.data_version())
member_name, member_display = LABELS["member_name"], LABELS["member_display"]


def lang_suffix() -> str:
    """Keep the language in links to other pages."""
    return "" if get_language() == "en" else f"&lang={get_language()}"


# ----------------------------------------------------------------------------------------- choices
controls = st.columns([3, 3, 2], vertical_alignment="bottom")
with controls[0]:
    city_id = q.selectbox(t("benchmark.city"), LABELS["members"], "city", format_func=member_display.get,
                          placeholder=t("benchmark.city_placeholder"), help=t("benchmark.city_help"), quiet=True)
with controls[1]:
    kind = q.selectbox(t("benchmark.peers"), list(scoring.PEER_KINDS), "peers", default="all",
                       format_func=lambda k: t(f"benchmark.peer_kind.{k}"), help=t("benchmark.peers_help"))

# which rounds count: every submitted one, or only those an administrator validated (after a review)
# the report button sits in this second row: beside three choices it had a fifth of a 1024 px laptop ("Rep…")
second_row = st.columns([3, 3, 4], vertical_alignment="bottom")
with second_row[0]:
    rounds_choice = q.selectbox(t("round_review.rounds_counted"), list(round_review.ROUND_CHOICES), "rounds",
                                default="all", format_func=lambda c: t(f"round_review.rounds_{c}"),
                                help=t("round_review.rounds_help"))
validated_only = rounds_choice == "validated"

requested = q.raw("city")
if city_id is None:
    if requested:
        unknown_member_warning(t("benchmark.unknown_city"), data.query("bench_members"), member_display, "pages/benchmark.py",
                               requested, q.items(exclude=("city",)))
    st.info(t("benchmark.choose_city"), icon=":material/location_city:")
    st.stop()

history = data.query("bench_city_history", member_id=city_id, validated_only=validated_only)
rounds = cmp.city_rounds(history)
with controls[2]:
    if rounds:
        round_year = st.selectbox(t("benchmark.round"), rounds, key="round", bind="query-params",
                                  help=t("benchmark.round_help"))
    else:
        round_year = None

demo_notice(scores=True)
if round_year is None and validated_only and not data.query("bench_city_history", member_id=city_id).empty:
    st.info(t("round_review.no_validated_round", city=md_text(member_name[city_id])), icon=":material/verified:")
    st.stop()
if round_year is None:
    st.info(t("benchmark.no_assessment", city=md_text(member_name[city_id])), icon=":material/pending_actions:")
    st.markdown(f"[{t('benchmark.go_assess')}](/assess?city={city_id}{lang_suffix()})")
    st.stop()

k = scoring.DEFAULT_SIMILAR_K
chosen: list[str] = []
if kind == "similar":
    k = st.slider(t("benchmark.k"), 5, 30, scoring.DEFAULT_SIMILAR_K, key="k", bind="query-params",
                  help=t("benchmark.k_help"))
elif kind == "custom":
    others = [i for i in LABELS["members"] if i != city_id]
    from_url = [i for i in q["pick"] if i in member_name and i != city_id]
    url.warn_ignored([urlstate.Problem("pick", i) for i in q["pick"] if i not in member_name])
    st.session_state["pick_choice"] = from_url

    def _pick_to_url():
        q.set("pick", st.session_state.get("pick_choice") or [])

    chosen = st.multiselect(t("benchmark.pick"), others, key="pick_choice", format_func=member_display.get,
                            on_change=_pick_to_url, placeholder=t("benchmark.pick_placeholder"),
                            help=t("benchmark.pick_help", n=scoring.MIN_PEER_GROUP), select_all=False)

# ----------------------------------------------------------------------------------------- weights
# The weights live in the link as ?w=code:weight,... (only those off their default), so that a shared link
# shows the same index. A new link value is applied to the inputs; after that the inputs write the link.
framework = data.load_framework()
defaults = framework.default_weights
weight_keys = {d: f"weight_{d}" for d in framework.dimension_ids}
link_weights = q.raw("w")
link_problems = []
if link_weights is not None and link_weights != st.session_state.get("weights_in_link"):
    from_link, link_problems = cmp.weights_from_param(link_weights, framework)
    for d, key in weight_keys.items():
        st.session_state[key] = from_link[d]
for d, key in weight_keys.items():
    st.session_state.setdefault(key, defaults[d])


def _reset_weights():
    for d, key in weight_keys.items():
        st.session_state[key] = defaults[d]


try:
    weights = scoring.validate_weights({d: st.session_state[key] for d, key in weight_keys.items()},
                                       framework.dimension_ids)
    weights_error = None
except ValueError:
    weights, weights_error = defaults, t("benchmark.weights_invalid")
in_link = cmp.weights_param(weights, framework)
if in_link != link_weights:
    q.set("w", in_link)
st.session_state["weights_in_link"] = in_link

# ------------------------------------------------------------------------------------- comparison
with st.spinner(t("benchmark.computing")):
    view = view_model.finished_view(city_id, round_year, kind, tuple(chosen), tuple(sorted(weights.items())), k,
                                    validated_only, get_language(), data.data_version())
result, suggestions, city_name = view.result, view.suggestions, view.city_name
ids = framework.dimension_ids
dim_label = LABELS["dim_label"]

if link_problems:
    shown = "; ".join(t("benchmark.weights_link_item", item=md_text(item[:40]),
                        reason=t(f"benchmark.weights_link_problem.{reason}", max=cmp.WEIGHT_MAX))
                      for item, reason in link_problems[:3])
    st.warning(t("benchmark.weights_link_invalid", problems=shown), icon=":material/link_off:")
if result.custom_weights or weights_error:
    box = st.container(border=True)
    left, right = box.columns([4, 1], vertical_alignment="center")
    left.markdown(f":material/tune: **{t('benchmark.custom_weights_in_use')}** {weights_error or ''}")
    right.button(t("benchmark.reset_weights"), on_click=_reset_weights, key="reset_top", width="stretch")

group = result.group
if group.ok:
    st.caption(tn("benchmark.group_caption", group.size,
                 group=t(f"benchmark.peer_kind.{kind}"), round=round_year))
else:
    reason_key = f"benchmark.reason.{group.reason}"
    reason = tn(reason_key, group.size, min=scoring.MIN_PEER_GROUP) if is_plural(reason_key) else \
        t(reason_key, min=scoring.MIN_PEER_GROUP)
    st.warning(f"**{t('benchmark.group_hidden')}** {reason}", icon=":material/group_off:")
if kind == "custom" and group.detail.get("unscored"):
    st.caption(tn("benchmark.unscored_picked", len(group.detail["unscored"]), round=round_year))

# ---------------------------------------------------------------------------------- index and bands
st.subheader(t("benchmark.scores_heading", city=city_name, round=round_year))
st.caption((":material/verified: " if result.assessment.get("status") == "validated" else "") + md_text(view.validation))
# side by side as long as they fit, then on the next line: a narrow screen never cuts a name or a figure
st.markdown(WRAP_METRIC_LABELS_CSS, unsafe_allow_html=True)  # our own constant CSS, never data
metric_row = st.container(key="bench-metrics", horizontal=True, gap="small")
for measure_name, value, delta, trend, caption in view.metrics:
    with metric_row.container(width=METRIC_WIDTH_PX, gap="small"):
        st.metric(measure_name, value, delta=delta, help=t("benchmark.index_help"), chart_data=trend,
                  chart_type="line")
        if caption:
            st.caption(caption)
if view.any_change:
    st.caption(t("benchmark.delta_caption"))
if view.strips:
    figure, table, download = view.strips
    st.plotly_chart(figure, config=CHART_CONFIG)
    if box := lazy_expander(t("benchmark.table_alternative"), "positions_table"):
        box.dataframe(table, hide_index=True,
                      column_config={"label": t("benchmark.col_measure"), "value": t("benchmark.col_city"),
                                     "percentile": t("benchmark.col_percentile"), "q1": t("benchmark.col_q1"),
                                     "median": t("benchmark.col_median"), "q3": t("benchmark.col_q3"),
                                     "n": t("benchmark.col_n")})
    chart_download(download, t("benchmark.position_title"), "bench_positions")

# ------------------------------------------------------------------------------------ radar, gaps
st.plotly_chart(view.radar[0], config=CHART_CONFIG, key="radar")
chart_download(view.radar[1], t("benchmark.radar_title"), "bench_radar")
if view.gaps:
    st.plotly_chart(view.gaps[0], config=CHART_CONFIG)
    chart_download(view.gaps[1], t("benchmark.gaps_title"), "bench_gaps")
if box := lazy_expander(t("benchmark.table_alternative"), "dimensions_table"):
    box.dataframe(view.dimension_table, hide_index=True, width="stretch",
                  column_config={"dimension": t("benchmark.col_dimension"), "level": t("benchmark.col_level"),
                                 "score": t("benchmark.col_city"), "median": t("benchmark.col_median"),
                                 "q1": t("benchmark.col_q1"), "q3": t("benchmark.col_q3"),
                                 "gap": t("benchmark.col_gap")})

# ------------------------------------------------------------------------------------------ trend
st.subheader(t("benchmark.trend_heading"))
peer_trend = view.peer_trend
if view.trend is None:
    st.caption(t("benchmark.trend_single"))
else:
    figure, download, by_round = view.trend
    left, right = st.columns([2, 3])
    left.plotly_chart(figure, config=CHART_CONFIG)
    chart_download(download, t("benchmark.trend_title"), "bench_trend", left)
    right.dataframe(by_round, hide_index=True, width="stretch", height="content")
    right.caption(t("benchmark.trend_caption"))

# ------------------------------------------------------------------------------- next steps, peers
st.subheader(t("benchmark.next_steps_heading"))
plan = plan_view.city_plan(city_id)  # the city's actions, shown beside the dimension each targets
can_plan = auth.can_edit(session.current_user(), city_id)
if not view.next_steps:
    st.success(t("benchmark.no_next_steps"))
for heading, descriptor, d, next_level in view.next_steps:
    with st.container(border=True):
        st.markdown(heading)
        st.markdown(descriptor)
        plan_view.dimension_actions(plan, d)
        if can_plan:
            plan_view.plan_link(city_id, d, round_year, next_level)
plan_view.other_dimensions(plan, result.weak_dimensions, dim_label)

st.subheader(t("benchmark.learn_heading"))
st.caption(t("benchmark.learn_caption", level=scoring.LEARN_FROM_MIN_LEVEL)
           + ("" if group.ok else " " + t("benchmark.learn_all_members")))
if not view.learn:
    st.caption(t("benchmark.learn_none"))
for heading, expanded, d, peers in view.learn:
    with st.expander(heading, expanded=expanded):
        for member_id, line, items in peers:
            if can_plan:  # start an action that learns from this peer
                line += (f" · [{t('actions.plan_action')}]("
                         f"{plan_view.plan_url(city_id, d, round_year, result.city_levels.get(d), peer=member_id)})")
            st.markdown(line + "\n" + items)

# ----------------------------------------------------------------------------------------- answers
if box := lazy_expander(t("benchmark.answers_heading", round=round_year), "answers_table"):
    box.caption(view.answers_caption)
    box.dataframe(view.answers, hide_index=True, width="stretch",
                  column_config={"dimension": t("benchmark.col_dimension"),
                                 "answer": t("round_review.col_agreed") if "original" in view.answers.columns
                                 else t("benchmark.col_answer"),
                                 "original": t("round_review.col_original"),
                                 "evidence": st.column_config.TextColumn(t("benchmark.col_evidence"), width="large")})

# ----------------------------------------------------------------------------------------- weights
# a key with state tracking keeps the panel open across the reruns a weight change causes
with st.expander(t("benchmark.weights_heading"), icon=":material/tune:", key="weights_panel", on_change="rerun"):
    st.caption(t("benchmark.weights_help"))
    wcols = st.columns(2)
    for i, d in enumerate(ids):
        wcols[i % 2].number_input(dim_label[d], min_value=0.0, max_value=cmp.WEIGHT_MAX, step=0.5, key=weight_keys[d])
    st.button(t("benchmark.reset_weights"), on_click=_reset_weights, key="reset_bottom",
              disabled=not result.custom_weights)

# ------------------------------------------------------------------------------------------- report
language = get_language()
report_input = dict(
    comparison=result, framework=framework, suggestions=suggestions, peer_kind=kind, language=language,
    demo=data.is_demo_data(), city_name=city_name, peer_trend=peer_trend, validation=view.validation,
    plan=plan)


def _pdf() -> bytes:
    from alliance import report  # with fpdf2 (17 MB of the server's memory) only once a report is asked for

    return report.build_pdf(report.ReportInput(**report_input))


for where, text, key in ((second_row[1], t("benchmark.download_pdf_short"), "pdf_top"),
                         (st, t("benchmark.download_pdf"), "pdf_bottom")):  # under the choices, and at the end
    where.download_button(text, data=_pdf,  # built only when pressed
                          file_name=f"{city_id}-{round_year}-{language}.pdf", mime="application/pdf", key=key,
                          icon=":material/picture_as_pdf:", on_click="ignore", help=t("benchmark.download_help"))

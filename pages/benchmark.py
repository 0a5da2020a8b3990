"""/benchmark?city=ID&peers=KIND: where a city stands among the peers it chooses, what the next level would
take, and who to learn from. Distributions only: no rank list, and no peer group under five cities."""
from urllib.parse import quote

import pandas as pd
import streamlit as st

from alliance import auth, chart_data, report, round_review, scoring, urlstate
from alliance.app import data, plan_view, session, url
from alliance import comparison as cmp
from alliance.i18n import fmt_date, fmt_number, get_language, is_plural, label, t, tn
from alliance.practices import localized_text
from alliance.app.ui import cached_chart, chart_download, demo_notice, md_text, page_header, unknown_member_warning
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

CHART_CONFIG = {"displayModeBar": False}

page_header(t("benchmark.title"), t("benchmark.intro"))
q = url.page("benchmark")

members = data.query("bench_members")
framework = data.load_framework()
dimensions = framework.dimensions
dim_label = {int(r["dimension_id"]): label(r) for _, r in dimensions.iterrows()}
dim_short = {int(r["dimension_id"]): label(r, "short") for _, r in dimensions.iterrows()}
group_label = {r["group_id"]: label(r, "group") for _, r in framework.groups.iterrows()}
measure_label = {cmp.OVERALL: t("benchmark.overall"), **group_label}
member_name = dict(zip(members["id"], members["name"]))
member_display = {i: f"{n} ({c})" for i, n, c in zip(members["id"], members["name"], members["country_code"])}
level_label = {(int(r["dimension_id"]), int(r["level"])): label(r, "level_label")
               for _, r in framework.descriptors.iterrows()}


def lang_suffix() -> str:
    """Keep the language in links to other pages."""
    return "" if get_language() == "en" else f"&lang={get_language()}"


# ----------------------------------------------------------------------------------------- choices
controls = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
with controls[0]:
    city_id = q.selectbox(t("benchmark.city"), list(members["id"]), "city", format_func=member_display.get,
                          placeholder=t("benchmark.city_placeholder"), help=t("benchmark.city_help"), quiet=True)
with controls[1]:
    kind = q.selectbox(t("benchmark.peers"), list(scoring.PEER_KINDS), "peers", default="all",
                       format_func=lambda k: t(f"benchmark.peer_kind.{k}"), help=t("benchmark.peers_help"))

# which rounds count: every submitted one, or only those an administrator validated (after a review)
with st.columns([3, 3, 4])[0]:
    rounds_choice = q.selectbox(t("round_review.rounds_counted"), list(round_review.ROUND_CHOICES), "rounds",
                                default="all", format_func=lambda c: t(f"round_review.rounds_{c}"),
                                help=t("round_review.rounds_help"))
validated_only = rounds_choice == "validated"

requested = q.raw("city")
if city_id is None:
    if requested:
        unknown_member_warning(t("benchmark.unknown_city"), members, member_display, "pages/benchmark.py",
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
    others = [i for i in members["id"] if i != city_id]
    from_url = [i for i in q["pick"] if i in member_name and i != city_id]
    url.warn_ignored([urlstate.Problem("pick", i) for i in q["pick"] if i not in member_name])
    st.session_state["pick_choice"] = from_url

    def _pick_to_url():
        q.set("pick", st.session_state.get("pick_choice") or [])

    chosen = st.multiselect(t("benchmark.pick"), others, key="pick_choice", format_func=member_display.get,
                            on_change=_pick_to_url, placeholder=t("benchmark.pick_placeholder"),
                            help=t("benchmark.pick_help", n=scoring.MIN_PEER_GROUP))

# ----------------------------------------------------------------------------------------- weights
# The weights live in the link as ?w=code:weight,... (only those off their default), so that a shared link
# shows the same index. A new link value is applied to the inputs; after that the inputs write the link.
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
@st.cache_data(show_spinner=False, max_entries=64)
def compare_view(city_id: str, round_year: int, kind: str, chosen: tuple, weights: tuple, k: int, validated_only: bool,
                 version: str):
    """The comparison and the learn-from suggestions of one view, cached per view and data version: they
    cost about 100 ms, which a rerun (an expander, a download) should not pay again."""
    members = data.query("bench_members")
    framework = data.load_framework()
    round_answers = data.query("bench_round_scores", round_year=round_year, validated_only=validated_only)
    result = cmp.compare(city_id, round_year, members=members, round_answers=round_answers,
                         history=data.query("bench_city_history", member_id=city_id, validated_only=validated_only),
                         framework=framework, kind=kind, chosen=list(chosen), weights=dict(weights), k=k,
                         matrix=data.load_round_matrix(round_year, validated_only))
    candidates = cmp.learn_from_candidates(result, round_answers, members)
    peer_ids = sorted(set(candidates["member_id"]))
    activities = data.query("bench_member_activities", member_ids=peer_ids) if peer_ids else None
    suggestions = (cmp.suggested_peers(result, candidates, activities, framework, members)
                   if activities is not None else None)
    return result, suggestions


round_info = round_review.for_round(data.connection(), city_id, round_year)
with st.spinner(t("benchmark.computing")):
    result, suggestions = compare_view(city_id, round_year, kind, tuple(chosen), tuple(sorted(weights.items())), k,
                                       validated_only, data.data_version())
city_name = member_name[city_id]
validation = round_review.validation_note(result.assessment.get("status"), round_info,
                                          lambda i: member_display.get(i, i))

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
st.caption((":material/verified: " if result.assessment.get("status") == "validated" else "") + md_text(validation))
cols = st.columns(len(result.positions))
for col, (measure, row) in zip(cols, result.positions.iterrows()):
    change = result.change_since_last_round(measure)
    col.metric(measure_label[measure], fmt_number(row["value"]),
               delta=None if change is None else f"{change:+.0f}", help=t("benchmark.index_help"),
               chart_data=result.index_trend[measure].dropna().round(1).tolist() or None, chart_type="line")
    if group.ok and row["quarter"] is not None and row["quarter"] == row["quarter"]:
        col.caption(t(f"benchmark.quarter.{int(row['quarter'])}") + " · "
                    + tn("benchmark.band_detail", row["n"], median=fmt_number(row["median"]),
                         q1=fmt_number(row["q1"]), q3=fmt_number(row["q3"])))

if any(result.change_since_last_round(m) is not None for m in result.positions.index):
    st.caption(t("benchmark.delta_caption"))
if group.ok:
    strips = result.positions.reset_index().assign(label=lambda f: f["measure"].map(measure_label))
    st.plotly_chart(cached_chart("position_strips", strips, title=t("benchmark.position_title"), city_name=city_name,
                                           median_name=t("benchmark.peer_median"),
                                           band_name=t("benchmark.peer_iqr"), range_name=t("benchmark.peer_range")),
                    config=CHART_CONFIG)
    with st.expander(t("benchmark.table_alternative")):
        st.dataframe(strips[["label", "value", "percentile", "q1", "median", "q3", "n"]].round(1), hide_index=True,
                     column_config={"label": t("benchmark.col_measure"), "value": t("benchmark.col_city"),
                                    "percentile": t("benchmark.col_percentile"), "q1": t("benchmark.col_q1"),
                                    "median": t("benchmark.col_median"), "q3": t("benchmark.col_q3"),
                                    "n": t("benchmark.col_n")})
    chart_download(chart_data.labelled(strips, {
        "label": t("benchmark.col_measure"), "value": t("benchmark.col_city"), "minimum": t("chart_data.col_minimum"),
        "q1": t("benchmark.col_q1"), "median": t("benchmark.col_median"), "q3": t("benchmark.col_q3"),
        "maximum": t("chart_data.col_maximum")}), t("benchmark.position_title"), "bench_positions")

# ------------------------------------------------------------------------------------ radar, gaps
ids = framework.dimension_ids
spread = result.spread.reindex(ids)


def _val(v):
    return None if v != v else float(v)


st.plotly_chart(cached_chart("score_radar", 
    [dim_short[d] for d in ids], [_val(result.city_scores.get(d)) for d in ids],
    [_val(v) for v in spread["median"]], [_val(v) for v in spread["q1"]], [_val(v) for v in spread["q3"]],
    title=t("benchmark.radar_title"), city_name=city_name, median_name=t("benchmark.peer_median"),
    band_name=t("benchmark.peer_iqr")), config=CHART_CONFIG, key="radar")
chart_download(chart_data.table({
    t("benchmark.col_dimension"): [dim_short[d] for d in ids], t("benchmark.col_city"): [_val(result.city_scores.get(d)) for d in ids],
    t("benchmark.col_median"): [_val(v) for v in spread["median"]], t("benchmark.col_q1"): [_val(v) for v in spread["q1"]],
    t("benchmark.col_q3"): [_val(v) for v in spread["q3"]]}), t("benchmark.radar_title"), "bench_radar")
if group.ok and not result.gaps.empty:
    gaps = result.gaps.assign(label=result.gaps["dimension_id"].map(dim_label))
    st.plotly_chart(cached_chart("gap_bars", gaps, "label", "gap", title=t("benchmark.gaps_title"),
                                    value_title=t("benchmark.gaps_axis")), config=CHART_CONFIG)
    chart_download(chart_data.labelled(gaps, {"label": t("benchmark.col_dimension"),
                                                   "gap": t("benchmark.col_gap")}), t("benchmark.gaps_title"), "bench_gaps")
with st.expander(t("benchmark.table_alternative")):
    table = dimensions[["dimension_id"]].assign(
        dimension=dimensions["dimension_id"].map(dim_label),
        level=[("–" if result.city_levels.get(d) is None else
                f"{result.city_levels[d]} · {level_label[(d, result.city_levels[d])]}") for d in ids],
        score=[_val(result.city_scores.get(d)) for d in ids],
        median=list(spread["median"]), q1=list(spread["q1"]), q3=list(spread["q3"]),
        gap=[_val(result.city_scores.get(d) - m) if m == m else None for d, m in zip(ids, spread["median"])])
    st.dataframe(table.drop(columns=["dimension_id"]).round(1), hide_index=True, width="stretch",
                 column_config={"dimension": t("benchmark.col_dimension"), "level": t("benchmark.col_level"),
                                "score": t("benchmark.col_city"), "median": t("benchmark.col_median"),
                                "q1": t("benchmark.col_q1"), "q3": t("benchmark.col_q3"),
                                "gap": t("benchmark.col_gap")})

# ------------------------------------------------------------------------------------------ trend
st.subheader(t("benchmark.trend_heading"))
peer_trend = None
if len(result.trend) < 2:
    st.caption(t("benchmark.trend_single"))
else:
    peer_trend = None
    if group.ok:
        peer_trend = cmp.shown_peer_trend(data.query("bench_peer_trend", member_ids=list(group.member_ids),
                                                     weights=cmp.weights_by_position(result.weights),
                                                     validated_only=validated_only))
    left, right = st.columns([2, 3])
    left.plotly_chart(cached_chart("trend_line", result.trend, "round_year", "value", title=t("benchmark.trend_title"),
                                        value_title=t("benchmark.index_axis"), name=city_name, peers=peer_trend,
                                        median_name=t("benchmark.peer_median"), band_name=t("benchmark.peer_iqr_short")),
                      config=CHART_CONFIG)
    chart_download(chart_data.trend_frame(result.trend, peer_trend), t("benchmark.trend_title"), "bench_trend",
                        left)
    by_round = result.dimension_trend.T.reindex(ids).map(fmt_number)
    by_round.columns = [str(c) for c in by_round.columns]
    by_round.insert(0, t("benchmark.col_dimension"), [dim_short[d] for d in ids])
    by_round[t("benchmark.col_change")] = [("–" if c != c else f"{c:+.0f}")
                                           for c in result.dimension_change().reindex(ids)]
    right.dataframe(by_round, hide_index=True, width="stretch", height="content")
    right.caption(t("benchmark.trend_caption"))

# ------------------------------------------------------------------------------- next steps, peers
st.subheader(t("benchmark.next_steps_heading"))
plan = plan_view.city_plan(city_id)  # the city's actions, shown beside the dimension each targets
can_plan = auth.can_edit(session.current_user(), city_id)
if result.next_steps.empty:
    st.success(t("benchmark.no_next_steps"))
for _, step in result.next_steps.iterrows():
    d = int(step["dimension_id"])
    with st.container(border=True):
        st.markdown(f"**{md_text(dim_label[d])}** — "
                    + t("benchmark.from_to", now=f"{int(step['level'])} {md_text(level_label[(d, int(step['level']))])}",
                        next=f"{int(step['next_level'])} {md_text(level_label[(d, int(step['next_level']))])}"))
        st.markdown(md_text(label(step, "descriptor")))
        plan_view.dimension_actions(plan, d)
        if can_plan:
            plan_view.plan_link(city_id, d, round_year, int(step["next_level"]))
plan_view.other_dimensions(plan, result.weak_dimensions, dim_label)

st.subheader(t("benchmark.learn_heading"))
st.caption(t("benchmark.learn_caption", level=scoring.LEARN_FROM_MIN_LEVEL)
           + ("" if group.ok else " " + t("benchmark.learn_all_members")))
if suggestions is None or suggestions.empty:
    st.caption(t("benchmark.learn_none"))
else:
    for d in result.weak_dimensions:
        rows = suggestions[suggestions["dimension_id"] == d]
        if rows.empty:
            continue
        with st.expander(f"{dim_label[d]} — {tn('benchmark.learn_count', rows['member_id'].nunique())}",
                         expanded=d == result.weak_dimensions[0]):
            for member_id, acts in rows.groupby("member_id", sort=False):
                first = acts.iloc[0]
                line = (f"[{md_text(first['name'])}](/city?city={quote(str(member_id))}{lang_suffix()}) "
                        f"({md_text(first['country_code'])}) · {t('benchmark.at_level', level=int(first['level']))}")
                if can_plan:  # start an action that learns from this peer
                    line += f" · [{t('actions.plan_action')}]({plan_view.plan_url(city_id, d, round_year, result.city_levels.get(d), peer=str(member_id))})"
                listed = acts.dropna(subset=["activity_id"]).drop_duplicates("activity_id").head(3)
                items = [f"    - [{md_text(localized_text(a, 'title')[0])}](/practices?id={quote(str(a['activity_id']))}{lang_suffix()})"
                         + (f" · _{t('common.invented_label')}_" if a.get("provenance") == "invented" else "")
                         for _, a in listed.iterrows()]
                if not items:
                    items = [f"    - {t('benchmark.no_activity')}"]
                st.markdown("- " + line + "\n" + "\n".join(items))

# ----------------------------------------------------------------------------------------- answers
with st.expander(t("benchmark.answers_heading", round=round_year)):
    info = result.assessment
    st.caption(t("benchmark.answers_status", status=t(f"benchmark.status.{info.get('status', 'submitted')}"),
                 date=fmt_date(info.get("assessed_on"))) + " · " + md_text(validation))
    this_round = history[history["round_year"] == round_year].set_index("dimension_id")
    answers = result.answers.assign(
        dimension=result.answers["dimension_id"].map(dim_label),
        answer=[t("benchmark.not_applicable") if na or lv != lv or lv is None else
                f"{int(lv)} · {level_label[(int(d), int(lv))]}"
                for d, lv, na in zip(result.answers["dimension_id"], result.answers["level"],
                                     result.answers["not_applicable"])],
        evidence=result.answers["evidence"].fillna("–"))
    # the city's own answer beside the agreed level, where a validated review changed it
    def original_answer(d) -> str:
        level = this_round.at[d, "original_level"]
        if this_round.at[d, "original_not_applicable"] or pd.isna(level):
            return t("benchmark.not_applicable")
        return f"{int(level)} · {level_label[(int(d), int(level))]}"

    original = [original_answer(d) for d in result.answers["dimension_id"]]
    columns = ["dimension", "answer", "evidence"]
    if any(o != a for o, a in zip(original, answers["answer"])):
        answers = answers.assign(original=original)
        columns = ["dimension", "original", "answer", "evidence"]
    st.dataframe(answers[columns], hide_index=True, width="stretch",
                 column_config={"dimension": t("benchmark.col_dimension"),
                                "answer": t("round_review.col_agreed") if "original" in columns else t("benchmark.col_answer"),
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
report_input = report.ReportInput(
    comparison=result, framework=framework, suggestions=suggestions, peer_kind=kind, language=language,
    demo=data.is_demo_data(), city_name=city_name, peer_trend=peer_trend, validation=validation, plan=plan)
for where, text, key in ((controls[3], t("benchmark.download_pdf_short"), "pdf_top"),
                         (st, t("benchmark.download_pdf"), "pdf_bottom")):  # beside the city choice, and at the end
    where.download_button(text, data=lambda: report.build_pdf(report_input),  # built only when pressed
                          file_name=f"{city_id}-{round_year}-{language}.pdf", mime="application/pdf", key=key,
                          icon=":material/picture_as_pdf:", on_click="ignore", help=t("benchmark.download_help"))

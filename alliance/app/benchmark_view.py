"""The Streamlit side of /benchmark: the finished view of one city, peer group, weights and language, built once
and shared by every viewer of it.

A /benchmark view costs ~100 ms to compute (the comparison, the learn-from suggestions, four validated figures)
and as much again to turn into texts and tables. The page only draws what `finished_view` returns, so 20 viewers
opening the same city's page after a talk pay for one build. The cached functions live here, not in the page:
a decorator in a page script is rebuilt on every run, and Streamlit reads its source to key it (~4 ms each).
"""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote

import pandas as pd
import streamlit as st

from alliance import chart_data, charts, round_review
from alliance import comparison as cmp
from alliance.app import data
from alliance.app.ui import md_text
from alliance.i18n import fmt_date, fmt_number, label, number_separators, t, tn
from alliance.practices import localized_text


@st.cache_resource(show_spinner=False, max_entries=16)
def labels(lang: str, version: str) -> dict:
    """The page's label dictionaries, built once per language and data version (iterating the framework's
    frames took ~20 ms a view). Shared between viewers: read them, never change them."""
    members = data.member_labels("bench_members")
    framework = data.load_framework()
    return {
        "members": members["ids"],
        "member_name": members["name"],
        "member_display": members["display"],
        "dim_label": {int(d): label(r) for d, r in zip(framework.dimensions["dimension_id"],
                                                         framework.dimensions.to_dict("records"))},
        "dim_short": {int(d): label(r, "short") for d, r in zip(framework.dimensions["dimension_id"],
                                                                  framework.dimensions.to_dict("records"))},
        "measure_label": {cmp.OVERALL: t("benchmark.overall"),
                          **{r["group_id"]: label(r, "group") for r in framework.groups.to_dict("records")}},
        "level_label": {(int(r["dimension_id"]), int(r["level"])): label(r, "level_label")
                        for r in framework.descriptors.to_dict("records")},
    }



def _val(v):
    return None if v != v else float(v)


def _figure(builder: str, *args, **kwargs) -> charts.FrozenFigure:
    fig = getattr(charts, builder)(*args, **kwargs)
    fig.layout.separators = number_separators()
    return charts.freeze(fig)


@st.cache_resource(show_spinner=False, max_entries=160)  # the start-up builds up to 60 (load.WARM_CITIES)
def finished_view(city_id: str, round_year: int, kind: str, chosen: tuple, weights: tuple, k: int,
                  validated_only: bool, lang: str, version: str) -> SimpleNamespace:
    """Everything one view draws, built once per view, language and data version and shared by every viewer:
    the comparison and learn-from suggestions (~100 ms), the four figures (validated once), the tables, the
    chart data and the texts. A view then only draws it (20 viewers opening the same city's page at a talk pay
    for one build). Shared: read it, never change it."""
    lab = labels(lang, version)
    dim_label, dim_short, level_label = lab["dim_label"], lab["dim_short"], lab["level_label"]
    members = data.query("bench_members")
    framework = data.load_framework()
    round_answers = data.query("bench_round_scores", round_year=round_year, validated_only=validated_only)
    history = data.query("bench_city_history", member_id=city_id, validated_only=validated_only)
    result = cmp.compare(city_id, round_year, members=members, round_answers=round_answers, history=history,
                         framework=framework, kind=kind, chosen=list(chosen), weights=dict(weights), k=k,
                         matrix=data.load_round_matrix(round_year, validated_only))
    candidates = cmp.learn_from_candidates(result, round_answers, members)
    peer_ids = sorted(set(candidates["member_id"]))
    activities = data.query("bench_member_activities", member_ids=peer_ids) if peer_ids else None
    suggestions = (cmp.suggested_peers(result, candidates, activities, framework, members)
                   if activities is not None else None)
    v = SimpleNamespace(result=result, suggestions=suggestions, city_name=lab["member_name"][city_id])
    group, ids = result.group, framework.dimension_ids
    common = dict(city_name=v.city_name, median_name=t("benchmark.peer_median"))

    # the index and its parts, with the change since the last round and the peers' band
    v.metrics = []
    for measure, row in result.positions.iterrows():
        change = result.change_since_last_round(measure)
        caption = None
        if group.ok and row["quarter"] is not None and row["quarter"] == row["quarter"]:
            caption = (t(f"benchmark.quarter.{int(row['quarter'])}") + " · "
                       + tn("benchmark.band_detail", row["n"], median=fmt_number(row["median"]),
                            q1=fmt_number(row["q1"]), q3=fmt_number(row["q3"])))
        v.metrics.append((lab["measure_label"][measure], fmt_number(row["value"]),
                          None if change is None else f"{change:+.0f}",
                          result.index_trend[measure].dropna().round(1).tolist() or None, caption))
    v.any_change = any(delta is not None for _, _, delta, _, _ in v.metrics)

    v.strips = None
    if group.ok:
        strips = result.positions.reset_index().assign(label=lambda f: f["measure"].map(lab["measure_label"]))
        v.strips = (
            _figure("position_strips", strips, title=t("benchmark.position_title"), band_name=t("benchmark.peer_iqr"),
                    range_name=t("benchmark.peer_range"), **common),
            strips[["label", "value", "percentile", "q1", "median", "q3", "n"]].round(1),
            chart_data.labelled(strips, {
                "label": t("benchmark.col_measure"), "value": t("benchmark.col_city"),
                "minimum": t("chart_data.col_minimum"), "q1": t("benchmark.col_q1"),
                "median": t("benchmark.col_median"), "q3": t("benchmark.col_q3"),
                "maximum": t("chart_data.col_maximum")}))

    spread = result.spread.reindex(ids)
    city_scores = [_val(result.city_scores.get(d)) for d in ids]
    medians, q1s, q3s = ([_val(x) for x in spread[c]] for c in ("median", "q1", "q3"))
    v.radar = (
        _figure("score_radar", [dim_short[d] for d in ids], city_scores, medians, q1s, q3s,
                title=t("benchmark.radar_title"), band_name=t("benchmark.peer_iqr"), **common),
        chart_data.table({t("benchmark.col_dimension"): [dim_short[d] for d in ids], t("benchmark.col_city"): city_scores,
                          t("benchmark.col_median"): medians, t("benchmark.col_q1"): q1s, t("benchmark.col_q3"): q3s}))
    v.gaps = None
    if group.ok and not result.gaps.empty:
        gaps = result.gaps.assign(label=result.gaps["dimension_id"].map(dim_label))
        v.gaps = (_figure("gap_bars", gaps, "label", "gap", title=t("benchmark.gaps_title"),
                          value_title=t("benchmark.gaps_axis")),
                  chart_data.labelled(gaps, {"label": t("benchmark.col_dimension"), "gap": t("benchmark.col_gap")}))
    levels = [result.city_levels.get(d) for d in ids]
    v.dimension_table = pd.DataFrame({
        "dimension": [dim_label[d] for d in ids],
        "level": ["–" if lv is None else f"{lv} · {level_label[(d, lv)]}" for d, lv in zip(ids, levels)],
        "score": city_scores, "median": list(spread["median"]), "q1": list(spread["q1"]), "q3": list(spread["q3"]),
        "gap": [None if s is None or m != m else s - m for s, m in zip(city_scores, spread["median"])]}).round(1)

    # the index over the rounds, beside the dimension scores by round
    v.trend = v.peer_trend = None
    if len(result.trend) >= 2:
        if group.ok:
            v.peer_trend = cmp.shown_peer_trend(data.query("bench_peer_trend", member_ids=list(group.member_ids),
                                                           weights=cmp.weights_by_position(result.weights),
                                                           validated_only=validated_only))
        by_round = result.dimension_trend.T.reindex(ids).map(fmt_number)
        by_round.columns = [str(c) for c in by_round.columns]
        by_round.insert(0, t("benchmark.col_dimension"), [dim_short[d] for d in ids])
        by_round[t("benchmark.col_change")] = [("–" if c != c else f"{c:+.0f}")
                                               for c in result.dimension_change().reindex(ids)]
        v.trend = (_figure("trend_line", result.trend, "round_year", "value", title=t("benchmark.trend_title"),
                           value_title=t("benchmark.index_axis"), name=v.city_name, peers=v.peer_trend,
                           median_name=t("benchmark.peer_median"), band_name=t("benchmark.peer_iqr_short")),
                   chart_data.trend_frame(result.trend, v.peer_trend), by_round)

    # what the next level takes, and who to learn from
    v.next_steps = []
    for step in result.next_steps.to_dict("records"):
        d, now, after = int(step["dimension_id"]), int(step["level"]), int(step["next_level"])
        v.next_steps.append((f"**{md_text(dim_label[d])}** — "
                             + t("benchmark.from_to", now=f"{now} {md_text(level_label[(d, now)])}",
                                 next=f"{after} {md_text(level_label[(d, after)])}"),
                             md_text(label(step, "descriptor")), d, after))
    v.learn = []
    suffix = "" if lang == "en" else f"&lang={lang}"
    if suggestions is not None and not suggestions.empty:
        for d in result.weak_dimensions:
            rows = suggestions[suggestions["dimension_id"] == d]
            if rows.empty:
                continue
            peers = []  # (member id, its line, its practices): the page adds a 'plan an action' link for editors
            for member_id, acts in rows.groupby("member_id", sort=False):
                first = acts.iloc[0]
                line = (f"[{md_text(first['name'])}](/city?city={quote(str(member_id))}{suffix}) "
                        f"({md_text(first['country_code'])}) · {t('benchmark.at_level', level=int(first['level']))}")
                listed = acts.dropna(subset=["activity_id"]).drop_duplicates("activity_id").head(3)
                items = [f"    - [{md_text(localized_text(a, 'title')[0])}](/practices?id={quote(str(a['activity_id']))}{suffix})"
                         + (f" · _{t('common.invented_label')}_" if a.get("provenance") == "invented" else "")
                         for a in listed.to_dict("records")]
                peers.append((str(member_id), "- " + line,
                              "\n".join(items or [f"    - {t('benchmark.no_activity')}"])))
            v.learn.append((f"{dim_label[d]} — {tn('benchmark.learn_count', rows['member_id'].nunique())}",
                            d == result.weak_dimensions[0], d, peers))

    # the round's answers, whether and by whom it was validated, and the city's own answer beside the agreed
    # level where a validated review changed it
    info = result.assessment
    v.validation = round_review.validation_note(
        info.get("status"), round_review.for_round(data.connection(), city_id, round_year),
        lambda i: lab["member_display"].get(i, i))
    v.answers_caption = (t("benchmark.answers_status", status=t(f"benchmark.status.{info.get('status', 'submitted')}"),
                           date=fmt_date(info.get("assessed_on"))) + " · " + md_text(v.validation))
    answers = pd.DataFrame({
        "dimension": result.answers["dimension_id"].map(dim_label),
        "answer": [t("benchmark.not_applicable") if na or lv != lv or lv is None else
                   f"{int(lv)} · {level_label[(int(d), int(lv))]}"
                   for d, lv, na in zip(result.answers["dimension_id"], result.answers["level"],
                                        result.answers["not_applicable"])],
        "evidence": result.answers["evidence"].fillna("–")})
    this_round = history[history["round_year"] == round_year].set_index("dimension_id")

    def original_answer(d) -> str:
        level = this_round.at[d, "original_level"]
        if this_round.at[d, "original_not_applicable"] or pd.isna(level):
            return t("benchmark.not_applicable")
        return f"{int(level)} · {level_label[(int(d), int(level))]}"

    original = [original_answer(d) for d in result.answers["dimension_id"]]
    if any(o != a for o, a in zip(original, answers["answer"])):
        answers = answers.assign(original=original)[["dimension", "original", "answer", "evidence"]]
    v.answers = answers
    return v

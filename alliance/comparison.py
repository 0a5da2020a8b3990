"""One city against its peers: everything /benchmark and the PDF city report show, assembled from frames.

`compare` and `suggested_peers` are pure (frames in, a `Comparison` out) so that tests and the report can
call them without Streamlit; the `load_*` functions read the named bench_* queries through the app's cache.
Only submitted or validated assessments reach these functions: the bench_* queries leave drafts out.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alliance import scoring
from alliance.practices import TEXT_COLUMN

OVERALL = "overall"
NEXT_STEPS = 3


@dataclass(frozen=True)
class Framework:
    """The self-assessment framework as data: dimensions (bench_dimensions), level descriptors
    (bench_descriptors) and the approaches that help on each dimension (bench_dimension_approaches)."""
    dimensions: pd.DataFrame
    descriptors: pd.DataFrame
    dimension_approaches: pd.DataFrame

    @property
    def dimension_ids(self) -> list[int]:
        return [int(i) for i in self.dimensions["dimension_id"]]

    @property
    def group_of(self) -> dict[int, str]:
        return {int(d): str(g) for d, g in zip(self.dimensions["dimension_id"], self.dimensions["group_id"])}

    @property
    def groups(self) -> pd.DataFrame:
        """group_id, the group's label per language (group_en, group_fr ...) in display order."""
        labels = [c for c in self.dimensions.columns if c[:6] == "group_" and c not in ("group_id", "group_order")]
        cols = ["group_id", *labels, "group_order"]
        return self.dimensions[cols].drop_duplicates("group_id").sort_values("group_order").reset_index(drop=True)

    @property
    def default_weights(self) -> dict[int, float]:
        return {int(d): float(w) for d, w in zip(self.dimensions["dimension_id"], self.dimensions["weight"])}

    @property
    def codes(self) -> dict[int, str]:
        """dimension id -> code (e.g. 1 -> 'leadership'), the names weights carry in a link."""
        return {int(d): str(c) for d, c in zip(self.dimensions["dimension_id"], self.dimensions["code"])}


@dataclass
class Comparison:
    """A city's scores in one round, and (when the peer group may be shown) its place among its peers."""
    city_id: str
    city: dict
    round_year: int
    rounds: list[int]
    group: scoring.PeerGroup
    weights: dict[int, float]
    custom_weights: bool
    city_levels: dict[int, int | None]
    city_scores: pd.Series                      # dimension id -> 0-100 (NaN: not applicable)
    city_indices: pd.Series                     # "overall" and each group id -> index
    positions: pd.DataFrame                     # per measure: value, n, q1, median, q3, percentile, quarter
    spread: pd.DataFrame                        # per dimension: n, q1, median, q3 of the peers
    gaps: pd.DataFrame                          # scoring.gaps_to_median, largest shortfall first
    next_steps: pd.DataFrame                    # scoring.next_steps
    trend: pd.DataFrame                         # round_year, value, change (overall index)
    index_trend: pd.DataFrame                   # rounds x ("overall", group ids): the indices per round
    dimension_trend: pd.DataFrame               # rounds x dimension ids, scores 0-100
    answers: pd.DataFrame                       # the round's answers: dimension_id, level, not_applicable, evidence
    assessment: dict = field(default_factory=dict)  # status, assessed_on, submitted_by, provenance

    @property
    def shown(self) -> bool:
        """Whether the peer comparison may be shown (a group of at least the minimum size)."""
        return self.group.ok

    def change_since_last_round(self, measure: str = OVERALL) -> float | None:
        """The measure in this round minus the city's previous round; None without a previous round."""
        series = self.index_trend[measure].dropna() if measure in self.index_trend else pd.Series(dtype=float)
        earlier = series[series.index < self.round_year]
        if self.round_year not in series.index or earlier.empty:
            return None
        return float(series.loc[self.round_year] - earlier.iloc[-1])

    def dimension_change(self) -> pd.Series:
        """Per dimension: score in this round minus the city's previous round (NaN without one)."""
        rounds = [r for r in self.dimension_trend.index if r <= self.round_year]
        if len(rounds) < 2:
            return pd.Series(float("nan"), index=self.dimension_trend.columns)
        return self.dimension_trend.loc[rounds[-1]] - self.dimension_trend.loc[rounds[-2]]

    @property
    def weak_dimensions(self) -> list[int]:
        return [int(d) for d in self.next_steps["dimension_id"]]


def city_rounds(history: pd.DataFrame) -> list[int]:
    """Rounds in which the city has a submitted or validated assessment, newest first."""
    return sorted({int(y) for y in history["round_year"]}, reverse=True) if not history.empty else []


def compare(city_id: str, round_year: int, *, members: pd.DataFrame, round_answers: pd.DataFrame,
            history: pd.DataFrame, framework: Framework, kind: str = "all", chosen: Sequence[str] = (),
            weights: Mapping[int, float] | None = None, k: int = scoring.DEFAULT_SIMILAR_K,
            matrix: pd.DataFrame | None = None) -> Comparison:
    """Assemble the comparison of ``city_id`` in ``round_year``.

    ``members``: bench_members. ``round_answers``: bench_round_scores of the round (every member).
    ``history``: bench_city_history of the city. ``matrix``: the round's score matrix when already computed
    (it is derived from ``round_answers`` otherwise). Raises KeyError when the city has no assessment in
    the round.
    """
    defaults = framework.default_weights
    weights = scoring.validate_weights(weights if weights is not None else defaults, framework.dimension_ids)
    if matrix is None:
        matrix = scoring.score_matrix(round_answers)
    matrix = matrix.reindex(columns=framework.dimension_ids)
    if city_id not in matrix.index:
        raise KeyError(city_id)
    group_of = framework.group_of
    indices = scoring.all_indices(matrix, group_of, weights)
    scored = indices.index[indices[OVERALL].notna()]
    features = scoring.similarity_features(members, matrix) if kind == "similar" else None
    group = scoring.peer_group(kind, city_id, members, scored, chosen=chosen, features=features, k=k)

    city_scores = matrix.loc[city_id]
    city_indices = indices.loc[city_id]
    this_round = history[history["round_year"] == round_year]
    levels = {int(d): (None if bool(na) or pd.isna(lv) else int(lv))
              for d, lv, na in zip(this_round["dimension_id"], this_round["level"], this_round["not_applicable"])}

    measures = [OVERALL, *framework.groups["group_id"]]
    if group.ok:
        peers = list(group.member_ids)
        peer_matrix = matrix.loc[peers]
        peer_indices = indices.loc[peers]
        spread = scoring.dimension_spread(peer_matrix)
        gaps = scoring.gaps_to_median(city_scores, peer_matrix)
    else:
        peer_indices = indices.iloc[0:0]
        spread = scoring.dimension_spread(matrix.iloc[0:0])
        gaps = scoring.gaps_to_median(city_scores.iloc[0:0], matrix.iloc[0:0])
    rows = []
    for measure in measures:
        value = city_indices.get(measure)
        dist = scoring.distribution(peer_indices[measure]) if group.ok else None
        band = scoring.percentile_band(value, peer_indices[measure]) if group.ok else None
        rows.append({"measure": measure, "value": value, "n": dist.n if dist else 0,
                     "minimum": dist.minimum if dist else None, "q1": dist.q1 if dist else None,
                     "median": dist.median if dist else None, "q3": dist.q3 if dist else None,
                     "maximum": dist.maximum if dist else None,
                     "percentile": band.percentile if band else None, "quarter": band.quarter if band else None})
    positions = pd.DataFrame(rows).set_index("measure")

    steps = scoring.next_steps(levels, framework.descriptors, gaps=gaps, weights=weights, limit=NEXT_STEPS)

    history_matrix = scoring.score_matrix(history, key="round_year").reindex(columns=framework.dimension_ids)
    index_trend = scoring.all_indices(history_matrix, group_of, weights)
    trend = scoring.trend(index_trend[OVERALL])
    first = this_round.iloc[0] if len(this_round) else None
    assessment = {} if first is None else {c: first[c] for c in ("status", "assessed_on", "submitted_by", "provenance")
                                           if c in this_round.columns}
    mine = members[members["id"] == city_id]
    city_row = mine.iloc[0].to_dict() if len(mine) else {"name": city_id}
    return Comparison(
        city_id=city_id, city=city_row, round_year=int(round_year), rounds=city_rounds(history), group=group,
        weights=weights, custom_weights=scoring.weights_are_custom(weights, defaults), city_levels=levels,
        city_scores=city_scores, city_indices=city_indices, positions=positions, spread=spread, gaps=gaps,
        next_steps=steps, trend=trend, index_trend=index_trend, dimension_trend=history_matrix,
        answers=this_round[[c for c in ("dimension_id", "level", "not_applicable", "evidence")
                            if c in this_round.columns]].reset_index(drop=True),
        assessment=assessment)


WEIGHT_MAX = 10.0  # the weights panel's range is 0 to WEIGHT_MAX


def weights_param(weights: Mapping[int, float], framework: Framework) -> str | None:
    """The weights that differ from the defaults, for a link: ``leadership:2,online:0`` in the framework's
    order; None when every weight is the default."""
    defaults = framework.default_weights
    parts = [f"{code}:{float(weights[d]):g}" for d, code in framework.codes.items()
             if d in weights and float(weights[d]) != defaults[d]]
    return ",".join(parts) or None


def weights_from_param(text: str, framework: Framework) -> tuple[dict[int, float], list[tuple[str, str]]]:
    """The weights a link's ``w=`` gives (dimensions it leaves out keep their default), and its problems as
    (item, reason) pairs, reason one of: malformed, unknown_dimension, not_a_number, out_of_range, repeated,
    all_zero. With any problem the link's weights are not used: the defaults come back whole, since a
    half-read link would show an index nobody chose."""
    defaults = framework.default_weights
    by_code = {code.lower(): d for d, code in framework.codes.items()}
    weights, problems, seen = dict(defaults), [], set()
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        code, sep, value = item.partition(":")
        dimension = by_code.get(code.strip().lower())
        if not sep:
            problems.append((item, "malformed"))
        elif dimension is None:
            problems.append((item, "unknown_dimension"))
        elif dimension in seen:
            problems.append((item, "repeated"))
        else:
            seen.add(dimension)
            try:
                number = float(value.strip())
            except ValueError:
                problems.append((item, "not_a_number"))
                continue
            if not 0 <= number <= WEIGHT_MAX:  # also refuses nan and inf
                problems.append((item, "out_of_range"))
            else:
                weights[dimension] = number
    if not problems and not any(w > 0 for w in weights.values()):
        problems.append((str(text), "all_zero"))
    return (dict(defaults), problems) if problems else (weights, [])


def weights_by_position(weights: Mapping[int, float]) -> list[float]:
    """The weights as a list where position i (1-based) holds dimension i's weight, 0 for gaps: the form the
    bench_peer_trend query takes."""
    size = max(int(d) for d in weights) if weights else 0
    return [float(weights.get(i, 0.0)) for i in range(1, size + 1)]


def shown_peer_trend(peer_trend: pd.DataFrame, min_size: int = scoring.MIN_PEER_GROUP) -> pd.DataFrame:
    """bench_peer_trend without the rounds where fewer than ``min_size`` peers had an index."""
    return peer_trend[peer_trend["n"] >= min_size].reset_index(drop=True)


def learn_from_candidates(comparison: Comparison, round_answers: pd.DataFrame, members: pd.DataFrame | None = None,
                          min_level: int = scoring.LEARN_FROM_MIN_LEVEL, per_dimension: int = 25) -> pd.DataFrame:
    """Peers' answers at ``min_level`` or above in the city's weak dimensions (the peer group when it may be
    shown, every other member otherwise; naming strong cities shames no one).

    At most ``per_dimension`` per dimension: highest level first, then (with ``members``) the closest in
    population, since a city of similar size is the easier model; then by id.
    """
    answers = round_answers[round_answers["member_id"] != comparison.city_id]
    if comparison.group.ok:
        answers = answers[answers["member_id"].isin(comparison.group.member_ids)]
    answers = answers[answers["dimension_id"].astype(int).isin(comparison.weak_dimensions)]
    answers = answers[pd.to_numeric(answers["level"], errors="coerce") >= min_level].copy()
    answers["closeness"] = 0.0
    own = comparison.city.get("population")
    if members is not None and own is not None and not pd.isna(own) and own > 0:
        pop = answers["member_id"].map(members.set_index("id")["population"]).astype(float).clip(lower=1)
        answers["closeness"] = (np.log10(pop) - np.log10(float(own))).abs().fillna(99.0)
    answers = answers.sort_values(["dimension_id", "level", "closeness", "member_id"],
                                  ascending=[True, False, True, True])
    return answers.groupby("dimension_id", sort=False).head(per_dimension).drop(columns="closeness")


def suggested_peers(comparison: Comparison, candidates: pd.DataFrame, activities: pd.DataFrame,
                    framework: Framework, members: pd.DataFrame, per_dimension: int = 4) -> pd.DataFrame:
    """scoring.learn_from on the weak dimensions, with the peer's name and country added.

    ``candidates``: from ``learn_from_candidates``. ``activities``: bench_member_activities of those peers.
    """
    # the title's other languages come along, for pages to show it in the reader's (practices.localized_text)
    passed = ("title", "original_language", "evaluation", "provenance")
    acts = activities[["activity_id", "member_id", "approach_id",
                       *[c for c in activities if c in passed or TEXT_COLUMN.fullmatch(c)]]]
    out = scoring.learn_from(comparison.weak_dimensions, candidates, framework.dimension_approaches, acts,
                             per_dimension=per_dimension)
    names = members.set_index("id")
    out["name"] = out["member_id"].map(names["name"])
    out["country_code"] = out["member_id"].map(names["country_code"])
    return out

"""Self-assessment scoring, peer groups and peer matching: pure functions on pandas frames.

No Streamlit and no database here, so that pages, the PDF report and tests all share one definition.

Vocabulary used throughout:
- a *level* is a maturity level 0-5 answered for one dimension; "not applicable" has no level;
- a *score* is a level on the 0-100 scale (``level / 5 * 100``);
- a *score matrix* is a frame indexed by ``member_id`` with one column per ``dimension_id`` holding scores,
  NaN where the dimension is not applicable (or unanswered): NaN leaves the index's denominator;
- the *index* is the weighted mean of a member's applicable scores; a *sub-index* is the same over one
  dimension group;
- a *peer group* is a set of other members a city is compared with; it is shown only with at least
  ``MIN_PEER_GROUP`` peers that have scores (so that no single city's answers can be read off a chart).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_LEVEL = 5
MIN_PEER_GROUP = 5
LEARN_FROM_MIN_LEVEL = 4
DEFAULT_SIMILAR_K = 10

# Population bands, one definition for every page: (key, lower bound inclusive, upper bound exclusive).
POPULATION_BANDS: tuple[tuple[str, int, float], ...] = (
    ("lt50k", 0, 50_000),
    ("50k_100k", 50_000, 100_000),
    ("100k_250k", 100_000, 250_000),
    ("250k_500k", 250_000, 500_000),
    ("500k_1m", 500_000, 1_000_000),
    ("gt1m", 1_000_000, math.inf),
)

# Peer group kinds, in the order a user is offered them.
PEER_KINDS = ("all", "country", "population", "region", "similar", "custom")

# Why a peer group cannot be shown (keys for translated messages).
REASON_TOO_SMALL = "too_small"
REASON_NO_POPULATION = "no_population"
REASON_NO_PROFILE = "no_profile"
REASON_EMPTY_CHOICE = "empty_choice"
REASON_UNKNOWN_KIND = "unknown_kind"


# --------------------------------------------------------------------------------------------- scores
def level_to_score(level) -> float:
    """A maturity level 0-5 on the 0-100 scale; NaN for a missing level (not applicable)."""
    if level is None or (isinstance(level, float) and math.isnan(level)) or level is pd.NA:
        return math.nan
    level = float(level)
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"level {level} is outside 0-{MAX_LEVEL}")
    return level / MAX_LEVEL * 100.0


def score_matrix(answers: pd.DataFrame, key: str = "member_id") -> pd.DataFrame:
    """Long answers (``key``, ``dimension_id``, ``level``, optional ``not_applicable``) as a score matrix.

    Not-applicable answers and missing levels become NaN. Columns are sorted dimension ids.
    """
    if answers.empty:
        return pd.DataFrame(index=pd.Index([], name=key), dtype=float)
    levels = pd.to_numeric(answers["level"], errors="coerce").astype(float)
    if "not_applicable" in answers:
        levels = levels.where(~answers["not_applicable"].fillna(False).astype(bool))
    if ((levels < 0) | (levels > MAX_LEVEL)).any():
        raise ValueError(f"levels must lie in 0-{MAX_LEVEL}")
    frame = pd.DataFrame({key: answers[key].to_numpy(), "dimension_id": answers["dimension_id"].astype(int).to_numpy(),
                          "score": (levels / MAX_LEVEL * 100.0).to_numpy()})
    matrix = frame.pivot_table(index=key, columns="dimension_id", values="score", aggfunc="first", dropna=False)
    matrix.columns = [int(c) for c in matrix.columns]
    return matrix.sort_index(axis=1).astype(float)


def default_weights(dimensions: pd.DataFrame) -> dict[int, float]:
    """The framework's weights by dimension id (the ``weight`` column of ``dimensions``)."""
    return {int(i): float(w) for i, w in zip(dimensions["id"], dimensions["weight"])}


def validate_weights(weights: Mapping[int, float], dimension_ids: Iterable[int]) -> dict[int, float]:
    """Weights for exactly these dimensions: each finite and >= 0, at least one > 0. Raises ValueError."""
    ids = [int(i) for i in dimension_ids]
    unknown = set(int(k) for k in weights) - set(ids)
    if unknown:
        raise ValueError(f"unknown dimension(s) {sorted(unknown)}")
    out = {}
    for i in ids:
        w = float(weights.get(i, 0.0))
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"weight of dimension {i} must be a number >= 0, not {w}")
        out[i] = w
    if not any(w > 0 for w in out.values()):
        raise ValueError("at least one weight must be above 0")
    return out


def weights_are_custom(weights: Mapping[int, float], defaults: Mapping[int, float]) -> bool:
    """Whether ``weights`` differ from ``defaults``. Weights are relative, so a uniform rescale is not custom."""
    ids = sorted(set(defaults) | set(weights))
    a = np.array([float(weights.get(i, 0.0)) for i in ids])
    b = np.array([float(defaults.get(i, 0.0)) for i in ids])
    if a.sum() <= 0 or b.sum() <= 0:
        return a.sum() != b.sum()
    return not np.allclose(a / a.sum(), b / b.sum(), rtol=0, atol=1e-9)


def weighted_index(matrix: pd.DataFrame, weights: Mapping[int, float] | None = None) -> pd.Series:
    """Each row's index: weighted mean of its non-NaN scores. A row with none applicable gets NaN.

    ``weights`` maps dimension id to weight (missing ids weigh 0); None means equal weights.
    """
    if matrix.shape[1] == 0:
        return pd.Series(np.nan, index=matrix.index, dtype=float)
    if weights is None:
        w = np.ones(matrix.shape[1])
    else:
        w = np.array([float(weights.get(int(c), 0.0)) for c in matrix.columns])
    values = matrix.to_numpy(dtype=float)
    applicable = ~np.isnan(values)
    denominator = (applicable * w).sum(axis=1)
    numerator = np.where(applicable, values, 0.0) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)
    # guard against float drift just outside the scale
    return pd.Series(np.clip(index, 0.0, 100.0), index=matrix.index, dtype=float)


def index_of_levels(levels: Mapping[int, int | None], weights: Mapping[int, float] | None = None) -> float | None:
    """The index of one answer set {dimension id: level or None for not applicable}; None when nothing applies."""
    ids = sorted(levels)
    matrix = pd.DataFrame([[level_to_score(levels[i]) for i in ids]], columns=ids)
    value = weighted_index(matrix, weights).iloc[0]
    return None if math.isnan(value) else float(value)


def sub_indices(matrix: pd.DataFrame, dimension_groups: Mapping[int, str],
                weights: Mapping[int, float] | None = None) -> pd.DataFrame:
    """Index per dimension group: a frame with the matrix's rows and one column per group id."""
    out = {}
    groups: dict[str, list[int]] = {}
    for dim, group in dimension_groups.items():
        groups.setdefault(group, []).append(int(dim))
    for group, dims in groups.items():
        cols = [c for c in matrix.columns if int(c) in dims]
        out[group] = weighted_index(matrix[cols], weights)
    return pd.DataFrame(out, index=matrix.index)


def all_indices(matrix: pd.DataFrame, dimension_groups: Mapping[int, str],
                weights: Mapping[int, float] | None = None) -> pd.DataFrame:
    """Overall index (column ``overall``) and every group's sub-index, per row of the score matrix."""
    frame = sub_indices(matrix, dimension_groups, weights)
    frame.insert(0, "overall", weighted_index(matrix, weights))
    return frame


# ------------------------------------------------------------------------------------ distributions
@dataclass(frozen=True)
class Distribution:
    """Spread of a set of values: count, quartiles (linear interpolation), median and IQR."""
    n: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1


def _finite(values) -> np.ndarray:
    """The values as floats, missing ones (None, NaN, NA) dropped; vectorised for 10,000 peers."""
    if not isinstance(values, pd.Series):
        values = pd.Series(list(values), dtype=object)
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return arr[~np.isnan(arr)]


def distribution(values: Iterable[float]) -> Distribution | None:
    """Quartiles of the non-missing values; None when there are none."""
    arr = _finite(values)
    if arr.size == 0:
        return None
    q1, med, q3 = np.quantile(arr, [0.25, 0.5, 0.75])
    return Distribution(int(arr.size), float(arr.min()), float(q1), float(med), float(q3), float(arr.max()))


@dataclass(frozen=True)
class PercentileBand:
    """Where a value sits in a distribution.

    ``percentile`` is the mid-rank percentile (share below plus half the ties, 0-100), so equal values get
    equal percentiles; ``quarter`` is 1 (lowest quarter) to 4 (highest), from that percentile.
    """
    percentile: float
    quarter: int

    @property
    def lower(self) -> int:
        return (self.quarter - 1) * 25

    @property
    def upper(self) -> int:
        return self.quarter * 25


def percentile_band(value: float, values: Iterable[float]) -> PercentileBand | None:
    """The band of ``value`` among ``values`` (the peers); None if either is missing."""
    if value is None or pd.isna(value):
        return None
    arr = _finite(values)
    if arr.size == 0:
        return None
    below = float((arr < value - 1e-9).sum())
    ties = float((np.abs(arr - value) <= 1e-9).sum())
    percentile = (below + 0.5 * ties) / arr.size * 100.0
    quarter = min(4, int(percentile // 25) + 1)
    return PercentileBand(percentile, quarter)


def dimension_spread(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per dimension (rows) of a peers' score matrix: n, q1, median, q3 of the applicable scores."""
    rows = []
    for dim in matrix.columns:
        d = distribution(matrix[dim])
        rows.append({"dimension_id": int(dim), "n": d.n if d else 0, "q1": d.q1 if d else np.nan,
                     "median": d.median if d else np.nan, "q3": d.q3 if d else np.nan})
    return pd.DataFrame(rows, columns=["dimension_id", "n", "q1", "median", "q3"]).set_index("dimension_id")


def gaps_to_median(city_scores: pd.Series, peer_matrix: pd.DataFrame) -> pd.DataFrame:
    """The city's score minus the peer median, per dimension both have; largest shortfall first.

    Columns: dimension_id, score, median, q1, q3, gap. Ties on gap keep dimension-id order.
    """
    spread = dimension_spread(peer_matrix)
    rows = []
    for dim, score in city_scores.items():
        dim = int(dim)
        if pd.isna(score) or dim not in spread.index or pd.isna(spread.at[dim, "median"]):
            continue
        s = spread.loc[dim]
        rows.append({"dimension_id": dim, "score": float(score), "median": float(s["median"]),
                     "q1": float(s["q1"]), "q3": float(s["q3"]), "gap": float(score) - float(s["median"])})
    frame = pd.DataFrame(rows, columns=["dimension_id", "score", "median", "q1", "q3", "gap"])
    return frame.sort_values(["gap", "dimension_id"], kind="stable").reset_index(drop=True)


# -------------------------------------------------------------------------------------- peer groups
def population_band(population) -> str | None:
    """The key of the population band holding ``population``; None when it is unknown."""
    if population is None or pd.isna(population):
        return None
    for key, low, high in POPULATION_BANDS:
        if low <= population < high:
            return key
    return None


@dataclass(frozen=True)
class PeerGroup:
    """The peers of ``city_id`` (the city itself excluded) and whether the group may be shown.

    ``ok`` is False with a ``reason`` (one of the REASON_* keys) when the group cannot be shown; in that
    case ``member_ids`` is still filled (for counting) but must not be displayed.
    """
    kind: str
    city_id: str
    member_ids: tuple[str, ...]
    ok: bool
    reason: str | None = None
    detail: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.member_ids)


def similarity_features(members: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """Features for "most similar cities": the score profile (0-1) and log10 population, per member.

    ``members`` needs ``id`` and ``population``; ``matrix`` is the score matrix of one round.
    """
    pop = members.set_index("id")["population"].astype(float)
    features = (matrix / 100.0).copy()
    features["size"] = np.log10(pop.reindex(features.index).clip(lower=1000))
    return features


def most_similar(city_id: str, features: pd.DataFrame, k: int = DEFAULT_SIMILAR_K) -> list[str]:
    """The ``k`` rows nearest to ``city_id`` (itself excluded), nearest first; ties broken by id.

    Distance: mean absolute difference over the score columns both have (each 0-1), plus the absolute
    difference of log10 population (one order of magnitude counts like one full level range). Rows with
    no shared score or no size are skipped.
    """
    if city_id not in features.index or k <= 0:
        return []
    size = features["size"]
    profile = features.drop(columns=["size"])
    me = profile.loc[city_id].to_numpy(dtype=float)
    others = profile.drop(index=city_id)
    values = others.to_numpy(dtype=float)
    diff = np.abs(values - me)
    shared = ~np.isnan(diff)
    counts = shared.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        profile_distance = np.where(counts > 0, np.nansum(diff, axis=1) / np.where(counts > 0, counts, 1), np.nan)
    size_distance = np.abs(size.drop(index=city_id).to_numpy(dtype=float) - float(size.loc[city_id]))
    ranked = pd.DataFrame({"distance": profile_distance + size_distance,
                           "id": np.asarray(others.index, dtype=object)}).dropna(subset=["distance"])
    return [str(i) for i in ranked.sort_values(["distance", "id"]).head(k)["id"]]


def peer_group(kind: str, city_id: str, members: pd.DataFrame, scored_ids: Iterable[str], *,
               chosen: Sequence[str] = (), features: pd.DataFrame | None = None,
               k: int = DEFAULT_SIMILAR_K, min_size: int = MIN_PEER_GROUP) -> PeerGroup:
    """The peer group of one kind for ``city_id``, restricted to members that have scores.

    ``members``: id, country_code, region, population. ``scored_ids``: members with an index in the round.
    ``chosen``: the hand-picked ids (kind "custom"). ``features``: from ``similarity_features`` (kind
    "similar"). A group with fewer than ``min_size`` peers comes back with ``ok=False`` and reason
    ``too_small``; the city itself is never its own peer.
    """
    scored = set(np.asarray(scored_ids, dtype=object).tolist())  # tolist: fast on Arrow-backed strings
    scored.discard(city_id)
    info = members.set_index("id")
    detail: dict = {}
    if kind == "all":
        ids = scored
    elif kind in ("country", "region"):
        column = "country_code" if kind == "country" else "region"
        value = info.at[city_id, column] if city_id in info.index else None
        detail["value"] = value
        ids = set(info.index[(info[column] == value).to_numpy()].tolist()) & scored
    elif kind == "population":
        band = population_band(info.at[city_id, "population"]) if city_id in info.index else None
        detail["band"] = band
        if band is None:
            return PeerGroup(kind, city_id, (), False, REASON_NO_POPULATION, detail)
        bands = info["population"].map(population_band)
        ids = set(bands.index[(bands == band).to_numpy()].tolist()) & scored
    elif kind == "similar":
        if features is None or city_id not in features.index:
            return PeerGroup(kind, city_id, (), False, REASON_NO_PROFILE, detail)
        detail["k"] = k
        ids = set(most_similar(city_id, features.loc[features.index.isin(scored | {city_id})], k))
    elif kind == "custom":
        picked = {str(c) for c in chosen} - {city_id}
        detail["unknown"] = sorted(picked - set(info.index))
        detail["unscored"] = sorted((picked & set(info.index)) - scored)
        ids = picked & scored
        if not picked:
            return PeerGroup(kind, city_id, (), False, REASON_EMPTY_CHOICE, detail)
    else:
        return PeerGroup(kind, city_id, (), False, REASON_UNKNOWN_KIND, detail)
    member_ids = tuple(sorted(ids))
    if len(member_ids) < min_size:
        return PeerGroup(kind, city_id, member_ids, False, REASON_TOO_SMALL, detail)
    return PeerGroup(kind, city_id, member_ids, True, None, detail)


# ------------------------------------------------------------------------------ trend and next steps
def trend(index_by_round: pd.Series) -> pd.DataFrame:
    """Rounds in order with their value and the change since the previous round that has a value.

    ``index_by_round``: round year -> index (NaN allowed). Columns: round_year, value, change.
    """
    series = index_by_round.dropna().sort_index()
    return pd.DataFrame({"round_year": series.index.astype(int), "value": series.to_numpy(dtype=float),
                         "change": series.diff().to_numpy(dtype=float)})


def weakest_dimensions(city_levels: Mapping[int, int | None], *, gaps: pd.DataFrame | None = None,
                       weights: Mapping[int, float] | None = None, limit: int = 3) -> list[int]:
    """The dimensions to work on first: applicable, below the top level, lowest level first.

    Ties go to the larger shortfall against the peer median (``gaps`` from ``gaps_to_median``), then the
    heavier weight, then the dimension id. Dimensions with a zero weight are left out.
    """
    gap_of = {} if gaps is None or gaps.empty else dict(zip(gaps["dimension_id"].astype(int), gaps["gap"]))
    candidates = []
    for dim, level in city_levels.items():
        if level is None or pd.isna(level) or level >= MAX_LEVEL:
            continue
        w = 1.0 if weights is None else float(weights.get(int(dim), 0.0))
        if w <= 0:
            continue
        candidates.append((int(level), gap_of.get(int(dim), 0.0), -w, int(dim)))
    candidates.sort()
    return [c[3] for c in candidates[:limit]]


def next_steps(city_levels: Mapping[int, int | None], descriptors: pd.DataFrame, *,
               gaps: pd.DataFrame | None = None, weights: Mapping[int, float] | None = None,
               limit: int = 3) -> pd.DataFrame:
    """For the weakest dimensions, the descriptor of the next level: what the city would have to do.

    ``descriptors``: dimension_id, level and the descriptor columns (descriptor_en, descriptor_fr ...),
    passed through. Columns out: dimension_id, level, next_level, then the descriptor columns.
    """
    dims = weakest_dimensions(city_levels, gaps=gaps, weights=weights, limit=limit)
    text_cols = [c for c in descriptors.columns if c not in ("dimension_id", "level")]
    rows = []
    for dim in dims:
        level = int(city_levels[dim])
        match = descriptors[(descriptors["dimension_id"].astype(int) == dim)
                            & (descriptors["level"].astype(int) == level + 1)]
        row = {"dimension_id": dim, "level": level, "next_level": level + 1}
        for c in text_cols:
            row[c] = match[c].iloc[0] if len(match) else None
        rows.append(row)
    return pd.DataFrame(rows, columns=["dimension_id", "level", "next_level", *text_cols])


def learn_from(weak_dimensions: Sequence[int], peer_answers: pd.DataFrame, dimension_approaches: pd.DataFrame,
               activities: pd.DataFrame, *, min_level: int = LEARN_FROM_MIN_LEVEL,
               per_dimension: int = 5, per_member: int = 5) -> pd.DataFrame:
    """Peers to learn from, per weak dimension: peers at ``min_level`` or above in it, with their activities
    in the approaches that dimension maps to.

    ``peer_answers``: member_id, dimension_id, level (peers only, one round). ``dimension_approaches``:
    dimension_id, approach_id. ``activities``: activity_id, member_id (lead or partner), approach_id, plus any
    columns to pass through (title ...). One row per (dimension, peer, activity); a peer with no matching
    activity still appears once with activity_id NaN. Peers are ordered by level (highest first), then by
    number of matching activities, then id; at most ``per_dimension`` peers per dimension and
    ``per_member`` activities per peer (in the order given).
    """
    extra = [c for c in activities.columns if c not in ("activity_id", "member_id", "approach_id")]
    columns = ["dimension_id", "member_id", "level", "activity_id", "approach_id", *extra]
    answers = peer_answers.dropna(subset=["level"])
    out = []
    for dim in weak_dimensions:
        strong = answers[(answers["dimension_id"].astype(int) == int(dim)) & (answers["level"] >= min_level)]
        if strong.empty:
            continue
        approaches = set(dimension_approaches.loc[dimension_approaches["dimension_id"].astype(int) == int(dim),
                                                  "approach_id"])
        acts = activities[activities["member_id"].isin(strong["member_id"]) & activities["approach_id"].isin(approaches)]
        acts = acts.drop_duplicates(subset=["member_id", "activity_id"])
        if "title" in acts:  # two activities of one peer under one title would read as the same line twice
            acts = acts.drop_duplicates(subset=["member_id", "title"])
        counts = acts.groupby("member_id").size()
        ranked = strong.assign(n=strong["member_id"].map(counts).fillna(0))
        ranked = ranked.sort_values(["level", "n", "member_id"], ascending=[False, False, True]).head(per_dimension)
        for member_id, level in zip(ranked["member_id"], ranked["level"]):
            mine = acts[acts["member_id"] == member_id].head(per_member)
            if mine.empty:
                out.append({"dimension_id": int(dim), "member_id": member_id, "level": int(level)})
            for _, act in mine.iterrows():
                row = {"dimension_id": int(dim), "member_id": member_id, "level": int(level),
                       "activity_id": act["activity_id"], "approach_id": act["approach_id"]}
                row.update({c: act[c] for c in extra})
                out.append(row)
    return pd.DataFrame(out, columns=columns)

"""City profile helpers: pure functions on frames (no Streamlit), used by pages/city.py and its tests."""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote_plus

import numpy as np
import pandas as pd

from alliance import scoring
from alliance.i18n import fmt_number, t
from alliance.practices import fold

SAFE_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def safe_website(url) -> str | None:
    """The website as a link target only when it is a plain http(s) address (never `javascript:` ...)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if SAFE_URL.fullmatch(url) else None


# letters that Unicode does not decompose into a base letter and an accent
_PLAIN_LETTERS = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ı": "i",
                                "þ": "th", "ð": "d", "ħ": "h"})
_NOT_LETTERS = re.compile(r"[\W_]+")


def name_key(text) -> str:
    """A name as typed without regard to accents, case or punctuation: 'Liège' -> 'liege', 'Łódź' -> 'lodz',
    'den-haag' -> 'denhaag'."""
    return _NOT_LETTERS.sub("", fold(str(text)).translate(_PLAIN_LETTERS))


def closest_members(wanted, members: pd.DataFrame, n: int = 3, cutoff: float = 0.7) -> list[str]:
    """Ids of the members whose name or id is closest to ``wanted`` (an unknown id from a link, e.g. 'arhus',
    'liege', 'Gdansk'), best first; none when nothing is close. ``members``: id, name."""
    key = name_key(wanted)[:80] if isinstance(wanted, str) else ""
    if not key:
        return []
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    best: dict[str, float] = {}
    for member_id, name in zip(members["id"], members["name"]):
        for candidate in (name_key(name), name_key(member_id)):
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
                score = matcher.ratio()
                if score >= cutoff and score > best.get(member_id, 0.0):
                    best[member_id] = score
    names = dict(zip(members["id"], members["name"]))
    ranked = sorted(best, key=lambda i: (-best[i], name_key(names[i]), i))
    return [str(i) for i in ranked[:n]]


MATCH_LIMIT = 50  # a search-as-you-type picker lists at most this many cities


def search_keys(members: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Member id -> (name, id) as typed without accents, case or punctuation (name_key), in the frame's order:
    what find_cities searches. Built once per data version: 10,000 names take ~30 ms."""
    return {str(i): (name_key(n), name_key(i)) for i, n in zip(members["id"], members["name"])}


def find_cities(typed, keys: dict[str, tuple[str, str]], limit: int = MATCH_LIMIT) -> tuple[list[str], int]:
    """The ids of the cities whose name or id holds what was typed ('liege', 'Liège', 'aarhus-dk', '-dk'), names
    that begin with it first, else in the order of ``keys``; at most ``limit``, with the number of all matches.
    Nothing typed: the first ``limit`` cities and their total."""
    wanted = name_key(typed)[:80] if isinstance(typed, str) else ""
    if not wanted:
        return list(keys)[:limit], len(keys)
    starting, containing = [], []
    for member_id, (name, key) in keys.items():
        if name.startswith(wanted):
            starting.append(member_id)
        elif wanted in name or wanted in key:
            containing.append(member_id)
    return (starting + containing)[:limit], len(starting) + len(containing)


def similar_cities(city_id: str, members: pd.DataFrame, matrix: pd.DataFrame | None,
                   k: int = 5) -> tuple[list[str], str]:
    """The k members most like ``city_id``, nearest first, and how they were found.

    With the city's scores in ``matrix`` (a round's score matrix): scoring.most_similar, i.e. size and
    self-assessment profile ("profile"). Without: nearest in population only ("size"), so a city that has
    not assessed itself (or a former member) still gets neighbours. ``members``: id, population.
    """
    if matrix is not None and city_id in matrix.index and matrix.loc[city_id].notna().any():
        scored = members[members["id"].isin(matrix.index)]
        features = scoring.similarity_features(scored, matrix.loc[matrix.index.isin(scored["id"])])
        found = scoring.most_similar(city_id, features, k)
        if found:
            return found, "profile"
    population = members.set_index("id")["population"].astype(float)
    if city_id not in population.index or pd.isna(population.get(city_id)):
        return [], "size"
    size = np.log10(population.clip(lower=1000))
    distance = (size - size.loc[city_id]).abs().drop(index=city_id).dropna()
    ordered = sorted(distance.items(), key=lambda item: (item[1], str(item[0])))
    return [str(i) for i, _ in ordered[:k]], "size"


def radar_series(dimensions: pd.DataFrame, city_scores: pd.Series, spread: pd.DataFrame | None,
                 label_column: str) -> dict[str, list]:
    """Labels and values, in the framework's order, for charts.score_radar: the city's scores and, when a
    peer spread is given, the peers' median and quartiles (None where missing)."""
    def value(series_or_none, dim):
        if series_or_none is None or dim not in series_or_none.index:
            return None
        v = series_or_none.loc[dim]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    dims = [int(d) for d in dimensions["dimension_id"]]
    columns = {"median": None, "q1": None, "q3": None}
    if spread is not None and not spread.empty:
        columns = {name: spread[name] for name in columns}
    return {
        "labels": list(dimensions[label_column]),
        "city": [value(city_scores, d) for d in dims],
        "median": [value(columns["median"], d) for d in dims],
        "q1": [value(columns["q1"], d) for d in dims],
        "q3": [value(columns["q3"], d) for d in dims],
    }


ARCHIVED = "archived"
# The profile compares a city with members of similar size; its link to /benchmark carries this peer group
# (?peers=population), so that the benchmark opens on the same medians.
PROFILE_PEERS = "population"
# st.column_config.LinkColumn shows the first group of a display_text pattern, URI-decoded: the title travels
# in the link's fragment, so the title itself is the link (the page ignores the fragment).
LINK_TEXT_PATTERN = r"#(.+)$"


def titled_links(ids, titles, lang: str = "en") -> list[str]:
    """Links to the practice sheets, each carrying its title for LINK_TEXT_PATTERN (quoted: any character of a
    title comes back as written)."""
    suffix = f"&lang={lang}" if lang != "en" else ""
    return [f"practices?id={quote(str(i))}{suffix}#{quote_plus(str(title))}" for i, title in zip(ids, titles)]


def link_title(link: str) -> str:
    """The text a LinkColumn with LINK_TEXT_PATTERN shows for a link made by titled_links."""
    found = re.search(LINK_TEXT_PATTERN, link)
    return unquote_plus(found.group(1)) if found else link


def current_activity_count(activities: pd.DataFrame) -> int:
    """Activities counted for a member: those not archived, as the map (map_members) and the overview count
    them; the profile's table still lists the archived ones."""
    return int((activities["status"] != ARCHIVED).sum()) if not activities.empty else 0


def year_span(start, end) -> str:
    """'2015–' while running, '2012–2017', '2016' for one year, '–' when unknown."""
    def missing(v):
        return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
    if missing(start):
        return "–"
    if missing(end):
        return f"{int(start)}–"
    return str(int(start)) if int(end) == int(start) else f"{int(start)}–{int(end)}"


@dataclass
class Standing:
    """Where a city stands against its peers' median, area by area, in words an elected official reads."""
    total: int                      # areas in the framework
    compared: int = 0               # areas with a score of the city and a peer median
    below: int = 0
    above: int = 0
    level: int = 0
    best: int | None = None         # furthest above the median (or least below)
    worst: int | None = None        # furthest below (or least above)
    not_applicable: list[int] = field(default_factory=list)  # areas the city marked as not applicable


def standing(dimension_ids, city_scores: pd.Series, medians: pd.Series | None,
             not_applicable=()) -> Standing:
    """Counts of the areas where the city is below, above or level with the peers' median (None medians when
    the peer group may not be shown), its best and worst area relative to the median, and the areas it marked
    as not applicable."""
    ids = [int(d) for d in dimension_ids]
    result = Standing(total=len(ids), not_applicable=[d for d in ids if d in {int(n) for n in not_applicable}])
    if medians is None:
        return result
    gaps = {}
    for d in ids:
        score, median = city_scores.get(d), medians.get(d)
        if score is None or median is None or pd.isna(score) or pd.isna(median):
            continue
        gaps[d] = float(score) - float(median)
    result.compared = len(gaps)
    result.below = sum(1 for g in gaps.values() if g < 0)
    result.above = sum(1 for g in gaps.values() if g > 0)
    result.level = result.compared - result.below - result.above
    if gaps:
        result.best = max(gaps, key=lambda d: (gaps[d], -ids.index(d)))
        result.worst = min(gaps, key=lambda d: (gaps[d], ids.index(d)))
    return result


def standing_text(found: Standing, names: dict[int, str], *, index: float | None, index_median: float | None,
                  band: str) -> list[str]:
    """The plain sentences under the profile's index: the index against the peers' median, the areas below and
    above, the strongest and weakest area. Empty when there is no median to compare with."""
    if not found.compared:
        return []
    lines = []
    if index is not None and index_median is not None and not pd.isna(index_median):
        lines.append(t("city.standing_index", index=fmt_number(index), median=fmt_number(index_median), band=band))
    key = "city.standing_areas_level" if found.level else "city.standing_areas"
    lines.append(t(key, below=fmt_number(found.below), above=fmt_number(found.above),
                   level=fmt_number(found.level), compared=fmt_number(found.compared)))
    if found.best is not None and found.best != found.worst:
        lines.append(t("city.standing_best", best=names[found.best], worst=names[found.worst]))
    return lines


def not_applicable_text(found: Standing, names: dict[int, str], city_name: str) -> str | None:
    """Why the radar's line has a gap and the index counts fewer areas than the framework has."""
    if not found.not_applicable:
        return None
    return t("city.not_applicable_note", areas=", ".join(names[d] for d in found.not_applicable), name=city_name,
             counted=fmt_number(found.total - len(found.not_applicable)), total=fmt_number(found.total))

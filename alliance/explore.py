"""/explore's logic, without Streamlit: plain names and descriptions of the ready-made queries, which
parameter takes a member, what a form still lacks, and which quick chart (if any) a result supports."""
from __future__ import annotations

import re

import pandas as pd

from alliance import i18n
from alliance.db import NamedQuery, QueryParam

# numbers that identify or place a row rather than measure something: never a chart's measure
_NOT_A_MEASURE = re.compile(r"(^|_)(id|ids|code|year|years|latitude|longitude|lat|lon|position|sort_order|order|"
                            r"level|rank|number)$", re.IGNORECASE)


def description(query: NamedQuery) -> str:
    """The query's description in the current language (queries.toml), else the SQL header's English."""
    key = f"queries.description.{query.name}"
    return i18n.t(key) if i18n.has_text(key) else query.description


def param_label(param: QueryParam) -> str:
    """The parameter's plain name in the current language (queries.toml), else its SQL name."""
    key = f"queries.param.{param.name}"
    return i18n.t(key) if i18n.has_text(key) else param.name


def is_member_param(name: str) -> bool:
    """Whether a parameter takes member ids (member_id, member_ids, lead_member, peer_member_ids ...)."""
    return bool(re.fullmatch(r"(\w+_)?members?(_ids?)?", name))


def is_list_param(param: QueryParam) -> bool:
    return param.type.upper() == "LIST" or param.type.endswith("[]")


def parse_list(text: str, param: QueryParam) -> list:
    """A comma-separated entry as the list the query takes (numbers for INTEGER[] and DOUBLE[]); ValueError
    naming the first item that is not a number."""
    items = [item.strip() for item in (text or "").split(",") if item.strip()]
    base = param.type.upper().removesuffix("[]")
    convert = {"INTEGER": int, "BIGINT": int, "INT": int, "DOUBLE": float, "FLOAT": float}.get(base)
    if convert is None:
        return items
    out = []
    for item in items:
        try:
            out.append(convert(item.replace(",", ".")))
        except ValueError:
            raise ValueError(item) from None
    return out


def is_empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


def missing_params(query: NamedQuery, values: dict) -> list[QueryParam]:
    """The parameters without a default that the form left empty."""
    return [p for p in query.params if p.default is None and is_empty(values.get(p.name))]


def unknown_members(query: NamedQuery, values: dict, known: set[str]) -> list[tuple[QueryParam, str]]:
    """(parameter, value) for each member id given that no member has."""
    out = []
    for param in query.params:
        if not is_member_param(param.name):
            continue
        value = values.get(param.name)
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if not is_empty(item) and str(item) not in known:
                out.append((param, str(item)))
    return out


def member_by_name(value: str, names: dict[str, str]) -> str | None:
    """The id of the one member whose name is `value` typed without regard to accents, case or punctuation
    ('aarhus', 'Liege'), else None."""
    from alliance.city import name_key

    key = name_key(value)
    found = [member_id for member_id, name in names.items() if key and name_key(name) == key]
    return found[0] if len(found) == 1 else None


def _scalar_text(series: pd.Series) -> bool:
    if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
        return False
    return bool(series.map(lambda v: v is None or isinstance(v, str) or v != v).all())


def quick_chart_columns(frame: pd.DataFrame, lang: str = "en") -> tuple[str, str] | None:
    """(label column, value column) for a bar chart of a result, or None when none makes sense: the value
    a numeric measure (not an id, year, code, level or coordinate), the label a text or date column of plain
    values (never a list) naming each row once. Labels in the reader's language come first."""
    if len(frame) < 2:
        return None
    measures = [c for c in frame.columns
                if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
                and not _NOT_A_MEASURE.search(str(c)) and frame[c].notna().any()]
    if not measures:
        return None
    labels = [c for c in frame.columns
              if (_scalar_text(frame[c]) or pd.api.types.is_datetime64_any_dtype(frame[c]))
              and frame[c].notna().all() and frame[c].is_unique]
    other = [f"_{code}" for code in i18n.available_languages() if code != lang]
    labels.sort(key=lambda c: (not str(c).endswith(f"_{lang}"), str(c).endswith(tuple(other))))
    return (labels[0], measures[0]) if labels else None

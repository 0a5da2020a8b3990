"""The practice catalogue's logic, without Streamlit: filters and their URL form, search terms and accent
folding, facet options with counts, comparison of practices, and the CSV / XLSX export builders.

Filtering, counting and ranking run in DuckDB (queries/practices_*.sql over the `practice_matches` macro of
queries/ddl/40_practices.sql); this module prepares their parameters and shapes their results.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from alliance import exporter
from alliance.i18n import DEFAULT_LANGUAGE, catalogue, get_language, is_missing, language_name, t
from alliance.scoring import POPULATION_BANDS

MAX_TERMS = 8
MAX_COMPARE = 4
MIN_COMPARE = 2
PAGE_SIZES = (12, 24, 48, 96)
DEFAULT_PAGE_SIZE = 12
SORTS = ("relevance", "updated", "newest", "oldest", "title", "city", "country", "evidence")
VIEWS = ("results", "charts", "contact")
LAYOUTS = ("cards", "table")
STALE_YEARS = 5

ACTIVITY_KINDS = ("practice", "project", "training", "event", "exit_programme", "network", "tool")
STATUSES = ("planned", "ongoing", "completed", "archived")
EVALUATIONS = ("peer_reviewed", "external", "internal", "none")  # strongest evidence first
PROVENANCES = ("documented", "invented")
FRESHNESS = ("current", "stale")
POP_BANDS = tuple(str(i) for i in range(len(POPULATION_BANDS) + 1))  # "0" unknown, "1".. the bands


@dataclass(frozen=True)
class Facet:
    """One facet: its URL parameter, its name in practices_facets.sql, the query parameter it fills, and
    whether its options come from the database (labels in data) or are fixed codes (labels in the catalogue)."""
    key: str
    name: str
    param: str
    codes: tuple[str, ...] = ()
    group: str = "what"

    @property
    def from_data(self) -> bool:
        return not self.codes


FACETS: tuple[Facet, ...] = (
    Facet("approach", "approach", "approaches", group="what"),
    Facet("target", "target_group", "target_groups", group="what"),
    Facet("stakeholder", "stakeholder", "stakeholders", group="what"),
    Facet("country", "country", "countries", group="where"),
    Facet("region", "region", "regions", group="where"),
    Facet("pop", "pop_band", "pop_bands", POP_BANDS, group="where"),
    Facet("kind", "kind", "kinds", ACTIVITY_KINDS, group="quality"),
    Facet("status", "status", "statuses", STATUSES, group="quality"),
    Facet("evaluation", "evaluation", "evaluations", EVALUATIONS, group="quality"),
    Facet("source", "provenance", "provenances", PROVENANCES, group="quality"),
    Facet("freshness", "freshness", "freshness", FRESHNESS, group="quality"),
)
FACET_BY_KEY = {f.key: f for f in FACETS}


# --- accent folding and search terms -------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case without accents, as DuckDB's strip_accents(lower(...)): 'Liège' -> 'liege'."""
    decomposed = unicodedata.normalize("NFD", str(text).lower())
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str | None) -> list[str]:
    """The folded words of a search, duplicates dropped, at most MAX_TERMS; one-letter words are dropped
    unless they are all there is (they would match nearly everything)."""
    words = [w for w in WORD.findall(fold(query or "").replace("_", " "))]
    unique = list(dict.fromkeys(words))
    longer = [w for w in unique if len(w) > 1]
    return (longer or unique)[:MAX_TERMS]


# --- texts in several languages -------------------------------------------------------------------------
# `title` / `summary` hold a practice's text in its `original_language`; `title_<code>` / `summary_<code>` hold
# it in other languages (queries/ddl/05_activity_languages.sql). A reader gets the text in its own language
# when it exists, else in English, else the original, and learns which language it got (to say so).

TEXT_FIELDS = ("title", "summary")
TEXT_COLUMN = re.compile(r"(title|summary)_([a-z]{2})")


def text_languages(columns: Iterable[str]) -> list[str]:
    """The languages that have text columns among `columns` (title_fr -> 'fr'), in column order."""
    return list(dict.fromkeys(m[2] for c in columns if (m := TEXT_COLUMN.fullmatch(str(c)))))


def _present(value) -> bool:
    return not is_missing(value) and bool(str(value).strip())


def _fallbacks(lang: str, original: str) -> list[str]:
    return list(dict.fromkeys([lang, DEFAULT_LANGUAGE, original]))


def localized_text(row: Mapping, field: str, lang: str | None = None) -> tuple[str, str]:
    """(text, language code of that text) for `field` ('title' or 'summary') of one practice: the text in
    `lang` (default: the current language) when it exists, else in English, else the original."""
    lang = lang or get_language()
    original = row.get("original_language")
    original = str(original) if _present(original) else DEFAULT_LANGUAGE
    for code in _fallbacks(lang, original):
        for column in ((field, f"{field}_{code}") if code == original else (f"{field}_{code}",)):
            value = row.get(column)
            if _present(value):
                return str(value), code
    value = row.get(field)
    return ("" if is_missing(value) else str(value)), original


def localized_series(rows: pd.DataFrame, field: str, lang: str | None = None) -> tuple[pd.Series, pd.Series]:
    """localized_text for every row of a frame, column-wise (an export of 200,000 rows stays fast)."""
    lang = lang or get_language()
    if "original_language" in rows.columns:
        original = rows["original_language"].where(rows["original_language"].map(_present), DEFAULT_LANGUAGE)
    else:
        original = pd.Series(DEFAULT_LANGUAGE, index=rows.index, dtype=object)

    def usable(column: str) -> pd.Series:
        if column not in rows.columns:
            return pd.Series(None, index=rows.index, dtype=object)
        values = rows[column].astype(object)
        return values.where(values.map(_present), None)

    text = pd.Series(None, index=rows.index, dtype=object)
    shown = pd.Series(None, index=rows.index, dtype=object)
    codes = list(dict.fromkeys([lang, DEFAULT_LANGUAGE, *original.unique().tolist()]))
    own = usable(field)
    for code in codes:
        value = own.where(original == code, None).combine_first(usable(f"{field}_{code}"))
        fill = text.isna() & value.notna()
        text[fill] = value[fill]
        shown[fill] = code
    rest = text.isna()
    text[rest] = own[rest].fillna("") if rest.any() else text[rest]
    shown[rest] = original[rest]
    return text, shown


def language_note(shown: str, lang: str | None = None) -> str:
    """'(in English)' when a text is shown in another language than the reader's, else ''."""
    lang = lang or get_language()
    if not shown or shown == lang:
        return ""
    text = catalogue(lang).get("practices.text_in_language") or t("practices.text_in_language")
    return text.format(language=language_name(shown, lang))


# --- filters and their URL form -------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """Everything that decides which practices match; the same for every query of the catalogue."""
    q: str = ""
    selected: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # facet key -> chosen values
    year_from: int | None = None
    year_to: int | None = None
    include_archived: bool = False

    def chosen(self, key: str) -> tuple[str, ...]:
        return tuple(self.selected.get(key, ()))

    def without(self, key: str) -> Filters:
        """The same filters with one facet (or 'q', 'years') cleared."""
        if key == "q":
            return replace(self, q="")
        if key == "years":
            return replace(self, year_from=None, year_to=None)
        return replace(self, selected={k: v for k, v in self.selected.items() if k != key})

    def is_filtered(self) -> bool:
        return bool(self.q.strip() or any(self.selected.values()) or self.year_from or self.year_to)

    def active_keys(self) -> list[str]:
        keys = ["q"] if search_terms(self.q) else []
        keys += [f.key for f in FACETS if self.chosen(f.key)]
        if self.year_from is not None or self.year_to is not None:
            keys.append("years")
        return keys

    def params(self) -> dict:
        """The parameters of the practice_matches macro, for any practices_*.sql query."""
        out: dict = {"terms": search_terms(self.q)}
        for facet in FACETS:
            values = list(self.chosen(facet.key))
            out[facet.param] = [int(v) for v in values] if facet.key == "pop" else values
        out["band_bounds"] = [float(low) for _, low, _ in POPULATION_BANDS]
        out["year_from"] = self.year_from
        out["year_to"] = self.year_to
        # Hiding archived entries is a status filter, so that the status facet counts the hidden ones too.
        if not self.shows_archived():
            out["statuses"] = [s for s in (out["statuses"] or STATUSES) if s != "archived"]
        out["include_archived"] = True
        return out

    def shows_archived(self) -> bool:
        return bool(self.include_archived or "archived" in self.chosen("status"))


def _values(params: Mapping, key: str) -> list[str]:
    """All values of a URL parameter: repeated (?a=x&a=y) or comma-separated (?a=x,y)."""
    raw = params.get(key)
    if raw is None:
        return []
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _year(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{4}", text.strip()) else None


def filters_from_url(params: Mapping, known: Mapping[str, Iterable[str]]) -> tuple[Filters, list[str]]:
    """Filters from URL query parameters; `known` gives the valid values of each data facet. Unknown values
    are dropped and reported (as 'param=value') so that the page can say what it ignored."""
    problems: list[str] = []
    selected: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        valid = set(facet.codes or known.get(facet.key, ()))
        chosen = []
        for value in _values(params, facet.key):
            if value in valid and value not in chosen:
                chosen.append(value)
            elif value not in valid:
                problems.append(f"{facet.key}={value}")
        if chosen:
            selected[facet.key] = tuple(chosen)
    year_from = year_to = None
    years = _values(params, "years")
    if years:
        parts = years[0].split("-")
        bounds = [_year(p) for p in parts] if len(parts) == 2 else [None, None]
        if None in bounds:
            problems.append(f"years={years[0]}")
        else:
            year_from, year_to = sorted(bounds)
    q = " ".join(_values(params, "q")) if isinstance(params.get("q"), (list, tuple)) else str(params.get("q") or "")
    archived = str(params.get("archived") or "").lower() in {"1", "true", "yes"}
    return Filters(q=q[:200], selected=selected, year_from=year_from, year_to=year_to,
                   include_archived=archived), problems


def filters_to_url(filters: Filters) -> dict[str, str | list[str]]:
    """The URL parameters of a filter state (defaults left out): the inverse of filters_from_url."""
    out: dict[str, str | list[str]] = {}
    if filters.q.strip():
        out["q"] = filters.q.strip()
    for facet in FACETS:
        if filters.chosen(facet.key):
            out[facet.key] = list(filters.chosen(facet.key))
    if filters.year_from is not None and filters.year_to is not None:
        out["years"] = f"{filters.year_from}-{filters.year_to}"
    if filters.include_archived:
        out["archived"] = "1"
    return out


def choose(value: str | None, allowed: Iterable[str], default: str) -> str:
    """A URL value if it is one of `allowed`, else the default."""
    allowed = tuple(allowed)
    return value if value in allowed else default


def page_number(value, total: int | None, page_size: int) -> int:
    """A 1-based page number from the URL, clamped to the pages that exist (`total` None: not known yet, only
    at least 1)."""
    try:
        number = max(int(str(value)), 1)
    except (TypeError, ValueError):
        number = 1
    return number if total is None else min(number, max(1, -(-total // page_size)))


def compare_ids(value) -> list[str]:
    """Activity ids of ?compare=a,b (or repeated), order kept, duplicates dropped, at most MAX_COMPARE."""
    ids = list(dict.fromkeys(_values({"c": value}, "c")))
    return ids[:MAX_COMPARE]


# --- facet options --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


def facet_counts(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """practices_facets rows -> {facet name: {value: count}}."""
    out: dict[str, dict[str, int]] = {}
    for facet, value, n in frame[["facet", "value", "n"]].itertuples(index=False):
        out.setdefault(facet, {})[str(value)] = int(n)
    return out


def facet_options(facet: Facet, values: Iterable[str], counts: Mapping[str, int], selected: Iterable[str],
                  label: Callable[[str], str]) -> list[FacetOption]:
    """The options of one facet, with their count under the other filters: selected ones first, then the
    largest counts, then by label; options counting 0 are kept only when selected (so a link still shows
    what it asked for)."""
    chosen = list(selected)
    out = []
    for value in dict.fromkeys(list(values) + chosen):
        n = int(counts.get(value, 0))
        if n or value in chosen:
            out.append(FacetOption(value, label(value), n, value in chosen))
    return sorted(out, key=lambda o: (not o.selected, -o.count, fold(o.label)))


# --- comparison -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ComparedField:
    """One row of a comparison: a field's value per practice, whether they differ and, for list fields,
    the items all practices share and, per item, which practices (by position) have it."""
    field: str
    values: tuple
    differs: bool
    shared: frozenset = frozenset()
    holders: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def unique_to(self, index: int) -> list[str]:
        """Items of a list field that only practice `index` has."""
        return [item for item, who in self.holders.items() if who == {index}]

    def partly_shared(self, index: int) -> dict[str, frozenset[int]]:
        """Items practice `index` has with some, not all, of the others: item -> the others that have it."""
        total = len(self.values)
        return {item: who - {index} for item, who in self.holders.items()
                if index in who and 1 < len(who) < total}


def _normal(value):
    if _is_list(value) or isinstance(value, (set, frozenset)):
        return frozenset(str(v) for v in value)
    return None if is_missing(value) else value


def compare_records(records: list[Mapping], fields: Iterable[str]) -> list[ComparedField]:
    """Field-by-field comparison of 2 to 4 practices. List fields (approaches ...) compare as sets, order
    and duplicates ignored; missing values (None, NaN) compare equal to each other."""
    if not MIN_COMPARE <= len(records) <= MAX_COMPARE:
        raise ValueError(f"compare {MIN_COMPARE} to {MAX_COMPARE} practices, not {len(records)}")
    rows = []
    for name in fields:
        values = tuple(r.get(name) for r in records)
        normal = [_normal(v) for v in values]
        differs = any(n != normal[0] for n in normal[1:])
        shared, holders = frozenset(), {}
        if all(isinstance(n, frozenset) for n in normal):
            shared = frozenset.intersection(*normal)
            for item in sorted(frozenset.union(*normal)):
                holders[item] = frozenset(i for i, n in enumerate(normal) if item in n)
        rows.append(ComparedField(name, values, differs, shared, holders))
    return rows


# --- export ---------------------------------------------------------------------------------------------

def csv_bytes(frame: pd.DataFrame, lang: str | None = None) -> bytes:
    """CSV in UTF-8 with a byte order mark, so that Excel opens accents right; lists joined with '; ';
    semicolons and decimal commas when `lang` writes decimals with a comma (exporter.csv_bytes)."""
    return exporter.csv_bytes(frame, spreadsheet_lang=lang)


def xlsx_bytes(frame: pd.DataFrame, sheet_title: str, note: str | None = None,
               widths: Mapping[str, int] | None = None) -> bytes:
    """A formatted workbook: bold coloured header, frozen header row, autofilter, column widths fitted to the
    content (at most 60 characters); an optional note (e.g. which rows are invented) in a second sheet.
    Written in openpyxl's write-only mode so that large exports stay fast."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    flat = exporter.flatten(frame)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_name(sheet_title))
    sheet.freeze_panes = "A2"
    for i, column in enumerate(flat.columns, start=1):
        width = (widths or {}).get(column) or _column_width(flat[column], str(column))
        sheet.column_dimensions[get_column_letter(i)].width = width
    if len(flat.columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(flat.columns))}{len(flat) + 1}"
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E89")
    header = []
    for column in flat.columns:
        cell = WriteOnlyCell(sheet, value=str(column))
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    # body rows as plain values (a styled cell object per value is ten times slower at 200,000 rows)
    for row in flat.itertuples(index=False):
        sheet.append([_xlsx_value(v) for v in row])
    if note:
        info = book.create_sheet("Note")
        info.column_dimensions["A"].width = 110
        info.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if is_missing(value):
        return None
    if hasattr(value, "item"):  # numpy scalar -> Python
        value = value.item()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never let a cell from data become a formula
    return value


def _sheet_name(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    return cleaned[:31]


def _column_width(series: pd.Series, header: str) -> int:
    sample = series.head(200).map(lambda v: len(str(v)) if not is_missing(v) else 0)
    longest = max([len(header), *sample.tolist()]) if len(sample) else len(header)
    return int(min(max(longest + 2, 10), 60))


def _is_list(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def is_stale(last_updated, today: dt.date | None = None) -> bool:
    """Not updated for STALE_YEARS years (the rule the SQL applies with current_date)."""
    if is_missing(last_updated):
        return False
    today = today or dt.date.today()
    if isinstance(last_updated, str):
        last_updated = dt.date.fromisoformat(last_updated[:10])
    if isinstance(last_updated, dt.datetime):
        last_updated = last_updated.date()
    try:
        limit = today.replace(year=today.year - STALE_YEARS)
    except ValueError:  # 29 February
        limit = today.replace(year=today.year - STALE_YEARS, day=28)
    return last_updated < limit


# --- what a table, a card and an export show ---------------------------------------------------------------

SHOWN_COLUMNS = ("id", "title", "city", "country", "kind", "status", "evaluation", "start_year", "last_updated",
                 "freshness", "source")
EXPORT_COLUMNS = ("id", "title", "city", "country", "region", "kind", "status", "evaluation", "start_year",
                  "end_year", "approaches", "target_groups", "stakeholders", "partners", "last_updated",
                  "freshness", "source", "source_url", "summary", "original_language")


def display_frame(rows: pd.DataFrame, label: Callable[[str, str], str], columns: Iterable[str] = SHOWN_COLUMNS,
                  header: Callable[[str], str] | None = None, lang: str | None = None,
                  mark_language: bool = False) -> pd.DataFrame:
    """Result rows (practices_results / practices_by_ids) as people read them: codes turned into labels by
    `label(facet key, value)` (facet keys of FACETS, plus 'kind', 'partner'), lists joined with ', '; dates
    kept as ISO text so that a CSV reads back the same. Title and summary in `lang` (default: the current
    language) where they exist, else in English or the original (`mark_language` then adds "(in English)").
    `header` renames columns (e.g. into the language).
    Column-wise with memoised labels, so that 200,000 rows take seconds, not minutes."""
    lang = lang or get_language()
    memo: dict[tuple[str, str], str] = {}

    def text(field: str) -> pd.Series:
        values, shown = localized_series(rows, field, lang)
        if not mark_language:
            return values
        notes = shown.map(lambda code: language_note(code, lang))
        return pd.Series([f"{v} {n}" if n else v for v, n in zip(values, notes)], index=rows.index, dtype=object)

    def one(key: str, value) -> str:
        if is_missing(value):
            return "–"
        found = memo.get((key, value))
        if found is None:
            found = memo[(key, value)] = label(key, str(value))
        return found

    def coded(key: str, source: str) -> pd.Series:
        return rows[source].map(lambda v: one(key, v))

    def many(key: str, source: str) -> pd.Series:
        return rows[source].map(lambda vs: ", ".join(one(key, v) for v in vs) if _is_list(vs) else "")

    def year(source: str) -> pd.Series:
        return pd.array(rows[source].map(lambda v: None if is_missing(v) else int(v)), dtype="Int64")

    builders = {
        "id": lambda: rows["id"], "title": lambda: text("title"), "city": lambda: rows["lead_name"],
        "country": lambda: coded("country", "country_code"), "region": lambda: coded("region", "region"),
        "kind": lambda: coded("kind", "kind"), "status": lambda: coded("status", "status"),
        "evaluation": lambda: coded("evaluation", "evaluation"),
        "start_year": lambda: year("start_year"), "end_year": lambda: year("end_year"),
        "approaches": lambda: many("approach", "approaches"), "target_groups": lambda: many("target", "target_groups"),
        "stakeholders": lambda: many("stakeholder", "stakeholders"), "partners": lambda: many("partner", "partners"),
        "last_updated": lambda: rows["last_updated"].map(lambda v: None if is_missing(v) else str(v)[:10]),
        "freshness": lambda: rows["stale"].map(lambda v: one("freshness", "stale" if bool(v) else "current")),
        "source": lambda: coded("source", "provenance"),
        "source_url": lambda: rows["source_url"].map(lambda v: None if is_missing(v) else v),
        "summary": lambda: text("summary"),
        "original_language": lambda: (rows["original_language"] if "original_language" in rows.columns else
                                      pd.Series(DEFAULT_LANGUAGE, index=rows.index)).map(
            lambda code: language_name(code if _present(code) else DEFAULT_LANGUAGE, lang)),
    }
    out = pd.DataFrame(index=rows.index)
    for column in columns:
        values = builders[column]()
        out[column] = values if isinstance(values, pd.Series) else pd.Series(values, index=rows.index)
    if header:
        out.columns = [header(c) for c in out.columns]
    return out.reset_index(drop=True)


def safe_url(value) -> str | None:
    """A source link worth offering: http(s) only, so that a 'javascript:' value from data never becomes a link."""
    if is_missing(value):
        return None
    text = str(value).strip()
    return text if re.match(r"https?://[^\s<>\"']+$", text, re.IGNORECASE) else None


def page_window(page: int, page_size: int, total: int) -> tuple[int, int]:
    """First and last row numbers (1-based) shown on a page; (0, 0) when there is nothing."""
    if total <= 0:
        return 0, 0
    first = (page - 1) * page_size + 1
    return first, min(page * page_size, total)

"""Translations and locale formatting: every text a user sees goes through `t`, every number and date
through `fmt_number` / `fmt_date`.

Catalogues are TOML files in alliance/locales/<lang>/<namespace>.toml; a key is "namespace.key"
(nested tables give dotted keys). The language is set once per script run with `set_language`.

A text with a count is a table of CLDR plural forms, `participants = { one = "{count} participant",
other = "{count} participants" }`, read with `tn(key, n)`: Babel's plural rule of the language picks the form
(French says "0 participant", Polish has few/many). A language gives every form its rule reaches for whole
numbers (`plural_forms`); "other" is the fallback.
"""
from __future__ import annotations

import datetime as dt
import threading
import tomllib
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano"}

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")

_state = threading.local()


def is_plural_table(value) -> bool:
    return isinstance(value, dict) and "other" in value and set(value) <= set(PLURAL_CATEGORIES)


def _flatten(prefix: str, table: dict, out: dict, forms: dict) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if is_plural_table(value):
            forms[full] = {category: str(text) for category, text in value.items()}
            out[full] = str(value["other"])
        elif isinstance(value, dict):
            _flatten(full, value, out, forms)
        else:
            out[full] = str(value)


@lru_cache(maxsize=None)
def _load(lang: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    out: dict[str, str] = {}
    forms: dict[str, dict[str, str]] = {}
    folder = LOCALES_DIR / lang
    for path in sorted(folder.glob("*.toml")):
        with open(path, "rb") as f:
            _flatten(path.stem, tomllib.load(f), out, forms)
    return out, forms


def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, merged from its namespace files (a plural text by its "other" form)."""
    return _load(lang)[0]


def plurals(lang: str) -> dict[str, dict[str, str]]:
    """The plural texts of one language: key -> {category: text}."""
    return _load(lang)[1]


@lru_cache(maxsize=None)
def plural_forms(lang: str) -> tuple[str, ...]:
    """The plural categories a language's CLDR rule gives the whole numbers the app counts (0 to 100,000:
    French "many" starts at a million, where "other" serves), in CLDR order."""
    rule = Locale.parse(_locale(lang)).plural_form
    reached = {rule(n) for n in range(0, 1001)} | {rule(n) for n in range(1000, 100_001, 1000)} | {"other"}
    return tuple(c for c in PLURAL_CATEGORIES if c in reached)


def plural_category(n, lang: str | None = None) -> str:
    return Locale.parse(_locale(lang)).plural_form(abs(n))


def available_languages() -> list[str]:
    """Languages that have a catalogue, English first."""
    return list(_languages_on_disk())


@lru_cache(maxsize=1)
def _languages_on_disk() -> tuple[str, ...]:
    # read once a process: every page view asks, and the catalogues ship with the code
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if p.is_dir() and any(p.glob("*.toml")))
    return tuple(sorted(found, key=lambda code: (code != DEFAULT_LANGUAGE, code)))


def language_name(code: str, lang: str | None = None) -> str:
    """A language's name in the reader's language ('en' -> 'anglais' for a French reader)."""
    try:
        return Locale.parse(lang or get_language()).languages.get(code, code)
    except (ValueError, TypeError):
        return code


def set_language(lang: str | None) -> str:
    lang = lang if lang in available_languages() else DEFAULT_LANGUAGE
    _state.lang = lang
    return lang


def get_language() -> str:
    return getattr(_state, "lang", DEFAULT_LANGUAGE)


class MissingTranslation(KeyError):
    pass


def t(key: str, /, **values) -> str:
    """The text for `key` in the current language (English when that language lacks it)."""
    lang = get_language()
    if key in plurals(lang) or key in plurals(DEFAULT_LANGUAGE):
        raise TypeError(f"{key} has plural forms: use tn({key!r}, count)")
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise MissingTranslation(key)
    return text.format(**values) if values else text


def is_plural(key: str) -> bool:
    return key in plurals(DEFAULT_LANGUAGE)


def tn(key: str, count, /, **values) -> str:
    """The form of the plural text `key` that `count` takes in the current language; {count} is the number
    written the language's way (fmt_number) unless `values` gives it."""
    lang = get_language()
    forms = plurals(lang).get(key)
    if forms is None:
        lang, forms = DEFAULT_LANGUAGE, plurals(DEFAULT_LANGUAGE).get(key)
    if forms is None:
        raise MissingTranslation(key)
    text = forms.get(plural_category(count, lang), forms["other"])
    values.setdefault("count", fmt_number(count))
    return text.format(**values)


def has_text(key: str) -> bool:
    """Whether `key` has a text in the current language or in English."""
    return key in catalogue(get_language()) or key in catalogue(DEFAULT_LANGUAGE)


def label(row, field: str = "label") -> str:
    """A data label in the current language from a row with `<field>_en`, `<field>_fr` ... columns."""
    lang = get_language()
    for column in (f"{field}_{lang}", f"{field}_{DEFAULT_LANGUAGE}"):
        try:
            value = row[column]
        except (KeyError, IndexError):
            continue
        if not is_missing(value):
            return str(value)
    return ""


def localized_column(field: str) -> str:
    """The name of the column holding `field` in the current language (e.g. label_fr)."""
    return f"{field}_{get_language()}"


_LOCALES = {"en": "en_GB", "fr": "fr_FR", "de": "de_DE"}


def _locale(lang: str | None = None) -> str:
    return _babel_locale(lang or get_language())


@lru_cache(maxsize=None)
def _babel_locale(code: str) -> str:
    """Babel's locale for a language code: the app's choice of country, else the code itself if Babel knows it."""
    if code in _LOCALES:
        return _LOCALES[code]
    try:
        return str(Locale.parse(code))
    except (ValueError, LookupError):
        return "en_GB"


def is_missing(value) -> bool:
    """None, NaN or pandas.NA."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def fmt_number(value, digits: int = 0) -> str:
    """A number in the current locale; '–' for a missing value."""
    if is_missing(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=_locale())


def fmt_integers(values) -> list[str]:
    """Many numbers rounded to whole numbers, as fmt_number would write them, but fast (10,000 map
    tooltips): Python groups the digits, then the locale's group symbol replaces the comma."""
    group = babel_numbers.get_group_symbol(_locale())
    out = []
    for value in values:
        out.append("–" if is_missing(value) else f"{round(float(value)):,}".replace(",", group))
    return out


def number_separators(lang: str | None = None) -> str:
    """The decimal and thousands symbols of a language (default: the current one), as plotly's
    `layout.separators` takes them: ".," in English, ",\u202f" in French (0,5 and 1 000)."""
    locale = _locale(lang)
    return babel_numbers.get_decimal_symbol(locale) + babel_numbers.get_group_symbol(locale)


def decimal_comma(lang: str | None = None) -> bool:
    """Whether the language writes decimals with a comma (French, German ...): its spreadsheet programs
    then expect semicolon-separated CSV."""
    return number_separators(lang)[0] == ","


def fmt_percent(value, digits: int = 0) -> str:
    if is_missing(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return babel_numbers.format_percent(value, format=pattern, locale=_locale())


def fmt_date(value, style: str = "medium") -> str:
    if is_missing(value):
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return babel_dates.format_date(value, format=style, locale=_locale())

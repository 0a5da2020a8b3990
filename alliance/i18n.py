"""Translations and locale formatting: every text a user sees goes through `t`, every number and date
through `fmt_number` / `fmt_date`.

Catalogues are TOML files in alliance/locales/<lang>/<namespace>.toml; a key is "namespace.key"
(nested tables give dotted keys). The language is set once per script run with `set_language`.
"""
from __future__ import annotations

import datetime as dt
import threading
import tomllib
from functools import lru_cache
from pathlib import Path

from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}

_state = threading.local()


def _flatten(prefix: str, table: dict, out: dict) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, merged from its namespace files."""
    out: dict[str, str] = {}
    folder = LOCALES_DIR / lang
    for path in sorted(folder.glob("*.toml")):
        with open(path, "rb") as f:
            _flatten(path.stem, tomllib.load(f), out)
    return out


def available_languages() -> list[str]:
    """Languages that have a catalogue, English first."""
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if p.is_dir() and any(p.glob("*.toml")))
    return sorted(found, key=lambda code: (code != DEFAULT_LANGUAGE, code))


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
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        raise MissingTranslation(key)
    return text.format(**values) if values else text


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
    return _LOCALES.get(lang or get_language(), "en_GB")


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

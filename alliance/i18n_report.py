"""Translation completeness per language (`python -m alliance i18n-report`): what a new language still lacks.

For each language folder in alliance/locales/ the report checks, against English: every key present and no
stray key, the same {placeholders}, every plural form the language's CLDR rule needs, and the data labels
the seed files give per language (`label_<lang>`, `descriptor_<lang>` ... columns of data/seed/*.csv, and the
data dictionary's `meaning_<lang>`) filled on every row. Texts spelled exactly as in English are listed for review but do not count as missing ("Region",
"Format" are the same in several languages).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from alliance import i18n

SEED = Path(__file__).resolve().parent.parent / "data" / "seed"
_PLACEHOLDER = re.compile(r"\{(\w*)")


@dataclass
class LanguageReport:
    lang: str
    keys: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)  # key: what differs
    plural_forms: list[str] = field(default_factory=list)  # key: forms missing
    data: list[str] = field(default_factory=list)  # seed file column: rows missing
    same_as_english: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.missing or self.extra or self.placeholders or self.plural_forms or self.data)

    def problems(self) -> list[str]:
        return ([f"missing key {k}" for k in self.missing] + [f"key not in English {k}" for k in self.extra]
                + [f"placeholders differ in {p}" for p in self.placeholders]
                + [f"plural forms missing in {p}" for p in self.plural_forms]
                + [f"data labels missing: {d}" for d in self.data])


def _texts(lang: str) -> dict[str, list[str]]:
    """Every key's texts: one, or each plural form."""
    plurals = i18n.plurals(lang)
    return {key: list(plurals[key].values()) if key in plurals else [text]
            for key, text in i18n.catalogue(lang).items()}


DICTIONARY = SEED.parent / "dictionary.csv"  # meaning_en, meaning_fr ...: the data dictionary /explore shows


def _label_files() -> list[Path]:
    return [*sorted(SEED.glob("*.csv")), DICTIONARY]


def seed_label_columns() -> dict[str, list[str]]:
    """Data file -> the base names of its per-language columns (label, description ...), from its _en columns."""
    out = {}
    for path in _label_files():
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        bases = [c[:-3] for c in header if c.endswith("_en")]
        if bases:
            out[path.name] = bases
    return out


def data_gaps(lang: str) -> list[str]:
    gaps = []
    folders = {path.name: path for path in _label_files()}
    for name, bases in seed_label_columns().items():
        with open(folders[name], newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        for base in bases:
            column = f"{base}_{lang}"
            needed = [r for r in rows if (r.get(f"{base}_en") or "").strip()]
            empty = sum(1 for r in needed if not (r.get(column) or "").strip())
            if empty:
                gaps.append(f"{name} {column}: {empty} of {len(needed)} rows")
    return gaps


def language_report(lang: str) -> LanguageReport:
    english, other = _texts(i18n.DEFAULT_LANGUAGE), _texts(lang)
    report = LanguageReport(lang, keys=len(other))
    report.missing = sorted(set(english) - set(other))
    report.extra = sorted(set(other) - set(english))
    for key in sorted(set(english) & set(other)):
        # a plural form may leave a placeholder out ("its score" for one city), the forms together may not
        wanted = {p for text in english[key] for p in _PLACEHOLDER.findall(text)}
        found = [set(_PLACEHOLDER.findall(text)) for text in other[key]]
        if set().union(*found) != wanted or any(not f <= wanted for f in found):
            report.placeholders.append(f"{key} (English has {{{'}, {'.join(sorted(wanted))}}})")
        if other[key] == english[key] and lang != i18n.DEFAULT_LANGUAGE:
            report.same_as_english.append(key)
    for key, forms in i18n.plurals(i18n.DEFAULT_LANGUAGE).items():
        have = i18n.plurals(lang).get(key)
        if have is None:
            if key in other:
                report.plural_forms.append(f"{key}: a plain text where English has plural forms")
            continue
        lacking = [c for c in i18n.plural_forms(lang) if c not in have]
        if lacking:
            report.plural_forms.append(f"{key}: {', '.join(lacking)}")
    report.data = [] if lang == i18n.DEFAULT_LANGUAGE else data_gaps(lang)
    return report


def render(report: LanguageReport, verbose: bool = False) -> str:
    name = i18n.LANGUAGE_NAMES.get(report.lang, report.lang)
    head = (f"{report.lang} ({name}): {'complete' if report.complete else 'INCOMPLETE'} · {report.keys} keys, "
            f"plural forms {'/'.join(i18n.plural_forms(report.lang))}, "
            f"{len(report.same_as_english)} texts spelled as in English")
    lines = [head] + [f"  - {p}" for p in report.problems()]
    if verbose and report.same_as_english:
        lines.append("  spelled as in English (check they need no translation): " + ", ".join(report.same_as_english))
    return "\n".join(lines)


def main(languages: list[str] | None = None, verbose: bool = False) -> int:
    """Print the report; 1 when a language is incomplete, 2 when a named language has no catalogue."""
    shipped = i18n.available_languages()
    unknown = [lang for lang in languages or [] if lang not in shipped]
    if unknown:
        print(f"no catalogue for {', '.join(unknown)}: create alliance/locales/<code>/ (see CONTRIBUTING.md); "
              f"shipped: {', '.join(shipped)}")
        return 2
    reports = [language_report(lang) for lang in (languages or shipped)]
    print("\n".join(render(r, verbose) for r in reports))
    return 0 if all(r.complete for r in reports) else 1

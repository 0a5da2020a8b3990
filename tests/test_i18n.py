"""Translations and locale formatting."""
import datetime as dt
import re
from pathlib import Path

import pytest

from alliance import i18n

ROOT = Path(__file__).resolve().parent.parent


def test_lookup_and_fallback():
    i18n.set_language("en")
    assert i18n.t("common.nav.overview") == "Overview"
    with pytest.raises(i18n.MissingTranslation):
        i18n.t("common.no_such_key")


def test_unknown_language_falls_back_to_english():
    assert i18n.set_language("xx") == "en"
    assert i18n.get_language() == "en"


def test_number_and_date_formats_follow_the_locale():
    i18n.set_language("en")
    assert i18n.fmt_number(1234567) == "1,234,567"
    assert i18n.fmt_number(None) == "–"
    assert i18n.fmt_date(dt.date(2015, 11, 18)) == "18 Nov 2015"


def test_label_picks_the_language_column():
    i18n.set_language("en")
    assert i18n.label({"label_en": "Youth", "label_fr": "Jeunesse"}) == "Youth"


def test_every_key_used_in_code_exists_in_every_catalogue():
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("alliance/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""", path.read_text()))
    assert used, "no translation keys found: the pattern is wrong"
    for lang in i18n.available_languages():
        missing = sorted(k for k in used if k not in i18n.catalogue(lang))
        assert not missing, f"{lang} lacks {missing}"


def test_catalogues_have_the_same_keys():
    english = set(i18n.catalogue("en"))
    for lang in i18n.available_languages():
        assert set(i18n.catalogue(lang)) == english, lang


def test_number_separators_and_decimal_comma_come_from_the_locale():
    assert i18n.number_separators("en") == ".,"
    assert i18n.number_separators("fr")[0] == "," and i18n.number_separators("fr")[1].isspace()
    assert i18n.decimal_comma("fr") and not i18n.decimal_comma("en")


# ------------------------------------------------------------------------------------------------ plurals

COUNTS = (0, 1, 2, 5, 21, 1000, 1_000_000)


def test_plural_forms_follow_cldr():
    i18n.set_language("en")
    assert i18n.tn("present.poll.participants", 1) == "1 participant so far"
    assert i18n.tn("present.poll.participants", 0) == "0 participants so far"
    assert i18n.tn("present.poll.participants", 1234) == "1,234 participants so far"
    i18n.set_language("fr")
    assert i18n.tn("present.poll.participants", 0) == "0 participant à ce stade"  # French: 0 and 1 are "one"
    assert i18n.tn("present.poll.participants", 2) == "2 participants à ce stade"
    i18n.set_language("en")
    with pytest.raises(TypeError, match="tn"):
        i18n.t("present.poll.participants")
    assert i18n.plural_forms("en") == ("one", "other")
    assert i18n.plural_forms("pl") == ("one", "few", "many", "other")  # what a Polish catalogue would need


def test_every_plural_text_gives_every_form_its_language_needs():
    for lang in i18n.available_languages():
        for key, forms in i18n.plurals(lang).items():
            missing = set(i18n.plural_forms(lang)) - set(forms)
            assert not missing, f"{lang} {key} lacks {sorted(missing)}"
        assert set(i18n.plurals(lang)) == set(i18n.plurals("en")), lang


@pytest.mark.parametrize("lang", i18n.available_languages())
def test_every_plural_key_renders_for_common_counts(lang):
    """Each form has the number, and in English 1 and 2 take different forms unless the text is invariable."""
    i18n.set_language(lang)
    try:
        for key, forms in i18n.plurals(lang).items():
            placeholders = {name for text in forms.values() for name in re.findall(r"\{(\w+)\}", text)}
            values = {name: f"<{name}>" for name in placeholders - {"count"}}
            for n in COUNTS:
                text = i18n.tn(key, n, **values)
                assert i18n.fmt_number(n) in text, (lang, key, n)
            if lang == "en":
                assert i18n.tn(key, 1, **values) != i18n.tn(key, 2, **values).replace("2", "1") or \
                    forms["one"] == forms["other"], key
    finally:
        i18n.set_language("en")


# a number followed by a countable noun in plain (not plural) text: the mistake plural forms are for
NOUNS = r"(rows?|problems?|answers?|dimensions?|cities|city|peers?|members?|participants?|practices?|results?|" \
        r"entries|entry|countries|country|lignes?|villes?|membres?|pratiques?|réponses?|participants?|pays)"


def test_no_catalogue_text_puts_a_count_before_a_noun_outside_plural_forms():
    count_like = r"\{(count|n|rows|members|countries|shown|added|deleted|restored|relinked|invented|total)\}"
    for lang in i18n.available_languages():
        plural = set(i18n.plurals(lang))
        wrong = [k for k, text in i18n.catalogue(lang).items()
                 if k not in plural and re.search(count_like + r" (\w+ )?" + NOUNS + r"\b", text)]
        assert not wrong, f"{lang}: {wrong} need plural forms"


def test_no_test_asserts_a_plural_error():
    """A test asserting "1" followed by a plural noun would pin the bug (this file holds the pattern)."""
    wrong = []
    for path in [*ROOT.glob("tests/*.py"), *ROOT.glob("tests/e2e/*.py")]:
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""["'=]\s*1 (rows|problems|answers|dimensions|cities|peers|members|participants|"""
                         r"""practices|results|entries|countries)\b""", line):
                wrong.append(f"{path.name}:{number}")
    assert not wrong, wrong


# -------------------------------------------------------------------------------------- completeness report


@pytest.mark.parametrize("lang", i18n.available_languages())
def test_every_shipped_language_is_complete(lang):
    """What `python -m alliance i18n-report` checks: keys, placeholders, plural forms, data labels."""
    from alliance import i18n_report

    report = i18n_report.language_report(lang)
    assert report.complete, "\n".join(report.problems())


def test_the_report_finds_what_a_new_language_lacks(tmp_path, monkeypatch, capsys):
    """A half-done Spanish catalogue: missing keys, a wrong placeholder, a plain text where plurals are needed,
    and no Spanish data labels."""
    from alliance import i18n_report
    from alliance.cli import main

    locales = tmp_path / "locales"
    for lang in ("en", "de"):
        (locales / lang).mkdir(parents=True)
        for source in (i18n.LOCALES_DIR / lang).glob("*.toml"):
            (locales / lang / source.name).write_bytes(source.read_bytes())
    (locales / "es").mkdir()
    (locales / "es" / "present.toml").write_text(
        'brand = "Alianza de ciudades europeas contra el extremismo violento"\n'
        'slide_counter = "Diapositiva {numero} de {count}"\n'
        '[poll]\nparticipants = "{count} participantes hasta ahora"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", locales)
    i18n._load.cache_clear()
    i18n._languages_on_disk.cache_clear()
    try:
        report = i18n_report.language_report("es")
        assert not report.complete
        assert "common.nav.map" in report.missing
        assert any(p.startswith("present.slide_counter") for p in report.placeholders)
        assert any(p.startswith("present.poll.participants") for p in report.plural_forms)
        assert any(d.startswith("dimensions.csv label_es") for d in report.data)
        assert any(d.startswith("dictionary.csv meaning_es") for d in report.data)
        assert main(["i18n-report", "es"]) == 1
        out = capsys.readouterr().out
        assert "es (Español): INCOMPLETE" in out and "missing key common.nav.map" in out
        assert main(["i18n-report", "de"]) == 0
        assert main(["i18n-report", "it"]) == 2
    finally:
        monkeypatch.undo()
        i18n._load.cache_clear()
        i18n._languages_on_disk.cache_clear()

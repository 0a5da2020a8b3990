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

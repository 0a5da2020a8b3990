"""Every page rendered in French shows no English interface text.

Each page is run with AppTest in French, as a visitor and signed in as the demonstration administrator.
Every text it would show (titles, markdown, captions, labels, help, options, messages, metric labels, table
headers, chart titles and axes, map tooltips) is compared with the English catalogue: a text that is an
English catalogue value (placeholders filled with anything) whose French differs is English left untranslated.
Data values (city names, activity titles) are not catalogue values, so they never count.
"""
from __future__ import annotations

import json
import re
import types
from functools import lru_cache
from pathlib import Path

import pytest
from google.protobuf.message import Message

from alliance import i18n
from alliance.app.session import SESSION_KEY
from conftest import app_test

ROOT_PAGES = __import__("pathlib").Path(__file__).resolve().parent.parent / "pages"
# The fixed page contract (design.md): a page that goes missing must fail here, not shrink the list.
CONTRACT = ["admin", "assess", "benchmark", "city", "explore", "map", "overview", "poll", "practices", "present"]
# ...and every page the app registers (app.py PAGE_SPECS), so that a new page is checked from its first day.
PAGES = sorted(set(CONTRACT) | {name for name, *_ in __import__("app").PAGE_SPECS})
SKIPPED_FIELDS = {"id", "form_id", "key", "data", "arrow_data", "theme", "type", "url", "src", "icon", "format",
                  "fragment_id", "width_config", "height_config"}


def test_every_page_of_the_contract_exists_and_is_registered():
    import app

    registered = {name for name, *_ in app.PAGE_SPECS}
    missing = [name for name in PAGES if not (ROOT_PAGES / f"{name}.py").is_file() or name not in registered]
    assert not missing, f"pages missing: {missing}"


@lru_cache(maxsize=None)
def english_patterns(lang: str = "fr") -> list[tuple[str, re.Pattern]]:
    """(key, pattern) for every English text whose French differs, placeholders matching any text."""
    english, french = i18n.catalogue("en"), i18n.catalogue(lang)
    texts = [(key, text) for key, text in english.items() if key not in i18n.plurals("en")]
    texts += [(key, text) for key, forms in i18n.plurals("en").items() for text in forms.values()]
    french_texts = set(french.values()) | {t for forms in i18n.plurals(lang).values() for t in forms.values()}
    patterns = []
    for key, text in texts:
        if text in french_texts:
            continue
        literal = re.sub(r"\{[a-z_0-9]*\}", "", text)
        if len(re.sub(r"[\W\d_]", "", literal)) < 3:  # "{value} %" and the like: nothing to translate
            continue
        # a plural text's {count} is a number; any other placeholder any text
        parts = re.split(r"(\{[a-z_0-9]*\})", text)
        pattern = "".join(r"[\d.,\s\u202f\u00a0]+?" if part == "{count}" and key in i18n.plurals("en") else
                          "(?:.+?)" if re.fullmatch(r"\{[a-z_0-9]*\}", part) else re.escape(part) for part in parts)
        patterns.append((key, re.compile(pattern, re.DOTALL)))
    return patterns


def _strings_of_json(value, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in {"data", "customdata", "x", "y", "z", "coordinates", "geometry", "hovertemplate"}:
                if k == "data" and isinstance(v, list):  # deck.gl layer rows: only the tooltip text is shown
                    for row in v:
                        if isinstance(row, dict) and isinstance(row.get("tooltip"), str):
                            out.append(row["tooltip"])
                continue
            _strings_of_json(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings_of_json(v, out)
    elif isinstance(value, str):
        out.append(value)


def _strings_of_proto(message: Message, out: list[str]) -> None:
    for field, value in message.ListFields():
        if field.name in SKIPPED_FIELDS:
            continue
        values = value if isinstance(value, (list, tuple)) or type(value).__name__.startswith("Repeated") else [value]
        for v in values:
            if isinstance(v, Message):
                _strings_of_proto(v, out)
            elif isinstance(v, str):
                stripped = v.strip()
                if stripped[:1] in "{[":
                    try:
                        _strings_of_json(json.loads(stripped), out)
                        continue
                    except ValueError:
                        pass
                out.append(v)


def visible_texts(at) -> list[str]:
    """Every text fragment the rendered page holds, split on lines and on the separators we use."""
    raw: list[str] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            _strings_of_proto(proto, raw)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    fragments = []
    for text in raw:
        if text.lstrip().startswith("<style"):
            continue  # our constant CSS
        for piece in re.split(r"\n| · |\*\*", text):
            piece = re.sub(r"^[\s#>*\-:]+|[\s*]+$", "", piece)
            piece = re.sub(r":material/[a-z_]+:\s*", "", piece)
            if piece:
                fragments.append(piece)
    return fragments


@lru_cache(maxsize=None)
def french_texts(lang: str = "fr") -> frozenset[str]:
    return frozenset(i18n.catalogue(lang).values())


def english_left(fragments: list[str], lang: str = "fr") -> list[tuple[str, str]]:
    found = []
    for fragment in fragments:
        if fragment in french_texts(lang):  # "Table", "Code", "Region"...: a French text that is spelled like English
            continue
        for key, pattern in english_patterns(lang):
            if pattern.fullmatch(fragment):
                found.append((key, fragment))
                break
    return found


def _run(page: str, signed_in: bool, monkeypatch, query: dict | None = None, lang: str = "fr"):
    at = app_test(page if page != "overview" else "")
    # After switch_page AppTest runs the page file alone, without app.py, which is where the language is set
    # (per thread): so French is made the language of every thread, as app.py would have set it.
    monkeypatch.setattr(i18n, "_state", types.SimpleNamespace(lang=lang))
    at.session_state["lang"] = at.session_state["language"] = lang
    if signed_in:
        at.session_state[SESSION_KEY] = "admin"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def test_the_checker_finds_english(app_env):
    """The check itself: the overview in English is full of English catalogue texts."""
    at = app_test("")
    at.run()
    assert len(english_left(visible_texts(at))) > 10


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "admin"])
@pytest.mark.parametrize("page", PAGES)
def test_page_in_french_shows_no_english(app_env, monkeypatch, page, signed_in):
    at = _run(page, signed_in, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    texts = visible_texts(at)
    assert len(texts) > 3, "nothing rendered: the check would pass vacuously"
    left = english_left(texts)
    assert not left, f"/{page} in French shows English: {left}"


# Deeper states of pages (a chosen city, another colour measure): (page, query parameters).
VIEWS = [("benchmark", {"city": "aarhus-dk"}), ("city", {"city": "aarhus-dk"}), ("map", {"colour": "dimension"}),
         ("practices", {"layout": "table"}), ("assess", {"city": "aarhus-dk"}), ("round_review", {})]


@pytest.mark.parametrize("page, query", VIEWS, ids=[f"{p}-{'-'.join(q.values())}" for p, q in VIEWS])
def test_deeper_views_in_french_show_no_english(app_env, monkeypatch, page, query):
    at = _run(page, True, monkeypatch, query)
    assert not at.exception, [e.value for e in at.exception]
    left = english_left(visible_texts(at))
    assert not left, f"/{page}?{query} in French shows English: {left}"


def test_poll_participant_page_in_french(writable_db, monkeypatch):
    from alliance import db, poll

    monkeypatch.setenv("ALLIANCE_DB", str(writable_db))
    con = db.connect(writable_db)
    db.apply_schema(con)
    code = poll.open_poll(con, [1, 2], "organiser")
    at = _run("poll", False, monkeypatch, {"code": code})
    texts = visible_texts(at)
    assert any("Dans quelle mesure" in text for text in texts), texts[:10]  # the question, in French
    left = english_left(texts)
    assert not left, f"/poll?code= in French shows English: {left}"
    con.close()


@pytest.mark.parametrize("slide", ["map", "figures", "practices", "assessment", "poll"])
def test_every_slide_in_french_shows_no_english(app_env, monkeypatch, slide):
    at = _run("present", False, monkeypatch, {"slides": slide})
    assert not at.exception
    left = english_left(visible_texts(at))
    assert not left, f"/present slide {slide} in French shows English: {left}"


@pytest.mark.parametrize("page", PAGES)
def test_page_in_german_shows_no_english(app_env, monkeypatch, page):
    """German as a shipped language: every page, signed in (the admin sees the most), holds no English text."""
    at = _run(page, True, monkeypatch, lang="de")
    assert not at.exception, [e.value for e in at.exception]
    texts = visible_texts(at)
    assert len(texts) > 3, "nothing rendered: the check would pass vacuously"
    left = english_left(texts, "de")
    assert not left, f"/{page} in German shows English: {left}"


def test_every_multiselect_leaves_out_streamlits_english_select_all_row():
    """Streamlit 1.67's multiselect puts its own "Select all" row above the options, in English on every page (on
    a facet it put every country in the link); there is no setting for it. Every call in pages/ and alliance/app/
    passes select_all=False, except those through the URL-state helper (`q.multiselect`), which passes it itself."""
    import ast

    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "pages").glob("*.py")) + sorted((root / "alliance" / "app").glob("*.py"))
    calls, missing = 0, []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "multiselect"):
                continue
            calls += 1
            if isinstance(node.func.value, ast.Name) and node.func.value.id == "q":
                continue  # alliance.app.url's PageState.multiselect, checked below
            passed = {k.arg: k.value for k in node.keywords}
            if not (isinstance(passed.get("select_all"), ast.Constant) and passed["select_all"].value is False):
                missing.append(f"{path.relative_to(root)}:{node.lineno}")
    assert calls >= 20, calls  # the walk found the calls
    assert not missing, missing
    helper = (root / "alliance" / "app" / "url.py").read_text(encoding="utf-8")
    assert "select_all=False" in helper

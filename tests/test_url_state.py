"""The declared URL state (alliance/urlstate.py, bound by alliance/app/url.py): every page reads and writes its
link through it, links between pages use declared parameters, and a bad value gets a message, not a traceback."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from alliance import urlstate
from alliance.urlstate import Param, PageParams, Problem
from conftest import app_test

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "pages"
# The only module that touches st.query_params: the binding itself. app.py's shell and the pages use it too.
BINDING = ROOT / "alliance" / "app" / "url.py"
EXCEPTIONS: dict[Path, str] = {}  # path -> why; none today


# ----------------------------------------------------------------------------------------- the declarations

def test_a_choice_param_reads_good_values_and_reports_bad_ones():
    peers = Param("peers", choices=("all", "country"), default="all")
    assert peers.read(["country"]) == ("country", [])
    assert peers.read(["bogus"]) == ("all", ["bogus"])
    assert peers.read([]) == ("all", [])


def test_a_list_param_keeps_the_good_items_in_order_without_repeats():
    slides = Param("slides", sep=",", fold=True, choices=("map", "poll", "qa"), default=("map", "poll", "qa"))
    assert slides.read(["poll,MAP,poll,xyz"]) == (["poll", "map"], ["xyz"])
    assert slides.read(["nothing"]) == (["map", "poll", "qa"], ["nothing"])
    many = Param("country", many=True)
    assert many.read(["DK", "NO", "DK"]) == (["DK", "NO"], [])


def test_a_parsed_param_rejects_what_does_not_parse_or_is_out_of_range():
    k = Param("k", parse=urlstate.int_between(5, 30))
    assert k.read(["12"]) == (12, [])
    assert k.read(["999"]) == (None, ["999"])
    assert k.read(["abc"]) == (None, ["abc"])
    assert Param("x", max_len=3).read(["abcd"]) == (None, ["abcd"])


def test_a_page_reads_its_params_and_names_the_problems_with_the_value_cut_short():
    spec = PageParams("demo", (Param("peers", choices=("all",), default="all"), Param("city")))
    values, problems = spec.read({"peers": ["x" * 100], "city": ["aarhus-dk"], "other": ["kept"]})
    assert values["peers"] == "all" and values["city"] == "aarhus-dk" and values["lang"] is None
    assert problems == [Problem("peers", "x" * 100)]
    assert str(problems[0]) == "peers=" + "x" * urlstate.MAX_SHOWN + "…"
    with pytest.raises(KeyError, match="not declared"):
        spec["nope"]


def test_every_registered_page_declares_its_url():
    import app

    assert {name for name, *_ in app.PAGE_SPECS} == set(urlstate.PAGES)


# ----------------------------------------------------------------------------------------- the pages use it

def _sources():
    yield ROOT / "app.py"
    yield from sorted(PAGES_DIR.glob("*.py"))
    yield from sorted((ROOT / "alliance" / "app").glob("*.py"))


def test_no_page_touches_st_query_params_outside_the_helper():
    offenders = []
    for path in _sources():
        if path == BINDING or path in EXCEPTIONS:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bst\.query_params\b|\bquery_params\s*\[|\.query_params\.(get|pop|to_dict|clear)",
                         line) and "request.query_params" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "read and write the URL with alliance.app.url (declared in alliance/urlstate.py):\n" \
        + "\n".join(offenders)


def _calls(tree):
    return (n for n in ast.walk(tree) if isinstance(n, ast.Call))


def _literal_param(call: ast.Call, position: int, keyword: str = "param"):
    for kw in call.keywords:
        if kw.arg == keyword and isinstance(kw.value, ast.Constant):
            return kw.value.value
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        return call.args[position].value
    return None


def test_every_parameter_a_page_names_is_declared_for_it():
    """q.selectbox(..., "peers"), q.raw("city"), q["slides"], bind="query-params" with key="round": each name
    a page uses with its own URL is in its declaration."""
    undeclared = []
    for path in sorted(PAGES_DIR.glob("*.py")):
        spec = urlstate.page(path.stem)
        tree = ast.parse(path.read_text())
        names = []
        for call in _calls(tree):
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "q":
                position = {"selectbox": 2, "multiselect": 2}.get(func.attr, 0)
                if func.attr in ("selectbox", "multiselect", "raw", "raw_all", "set", "pop"):
                    names.append(_literal_param(call, position))
            bound = any(kw.arg == "bind" and getattr(kw.value, "value", None) == "query-params"
                        for kw in call.keywords)
            if bound:
                names.append(next((kw.value.value for kw in call.keywords if kw.arg == "key"), "<no key>"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "q" \
                    and isinstance(node.slice, ast.Constant):
                names.append(node.slice.value)
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) \
                    and any(isinstance(c, ast.Name) and c.id == "q" for c in node.comparators):
                names.append(node.left.value)
        undeclared += [f"{path.name}: ?{n}=" for n in names if n is not None and n not in spec]
        if spec.params:  # the page reads its own declaration (itself, or its alliance/app/NAME_view.py)
            view = ROOT / "alliance" / "app" / f"{path.stem}_view.py"
            text = path.read_text() + (view.read_text() if view.exists() else "")
            assert f'url.page("{path.stem}"' in text, f"{path.name} never calls url.page({path.stem!r})"
    assert not undeclared, undeclared


def test_links_between_pages_use_the_target_pages_declared_parameters():
    """st.page_link("pages/X.py", query_params={...}) and st.switch_page: every literal key is declared for X."""
    wrong = []
    for path in [*sorted(PAGES_DIR.glob("*.py")), *sorted((ROOT / "alliance" / "app").glob("*.py"))]:
        for call in _calls(ast.parse(path.read_text())):
            name = getattr(call.func, "attr", getattr(call.func, "id", None))
            if name not in ("page_link", "switch_page") or not call.args:
                continue
            target = call.args[0]
            target = target.value if isinstance(target, ast.Constant) else \
                {"PAGE": "pages/practices.py", "CITY_PAGE": "pages/city.py"}.get(getattr(target, "id", None))
            params = next((kw.value for kw in call.keywords if kw.arg == "query_params"), None)
            if not isinstance(target, str) or not isinstance(params, ast.Dict):
                continue
            spec = urlstate.page(Path(target).stem)
            wrong += [f"{path.name} -> {target}: ?{k.value}=" for k in params.keys
                      if isinstance(k, ast.Constant) and k.value not in spec]
    assert not wrong, wrong


# ----------------------------------------------------------------------------------------- bad values, in the app

@pytest.mark.parametrize("page, query, shown", [
    ("benchmark", {"city": "aarhus-dk", "peers": "bogus"}, "peers=bogus"),
    ("benchmark", {"city": "aarhus-dk", "k": "999", "peers": "similar"}, "k=999"),
    ("map", {"colour": "rainbow", "country": "ZZ"}, "colour=rainbow"),
    ("practices", {"sort": "sideways"}, "sort=sideways"),
    ("present", {"slides": "map,nonsense", "every": "soon"}, "slides=nonsense"),
    ("events", {"when": "yesterday"}, "when=yesterday"),
])
def test_a_bad_value_in_a_link_is_named_in_a_message_and_the_page_still_draws(app_env, page, query, shown):
    at = app_test(page, query)
    at.run()
    assert not at.exception, at.exception
    messages = " ".join(w.value for w in at.warning).replace("\\", "")
    assert shown in messages, messages
    bad_param = shown.split("=")[0]
    assert _as_list(at.query_params.get(bad_param)) != [query[bad_param]]  # dropped from the link


def _as_list(value) -> list:
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


def test_a_list_link_keeps_its_good_items(app_env):
    at = app_test("present", {"slides": "figures,nonsense"})
    at.run()
    assert not at.exception
    assert _as_list(at.query_params.get("slides")) == ["figures"]
    assert at.title[0].value  # the figures slide is drawn

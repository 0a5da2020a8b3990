"""Every page's URL query parameters, declared once: name, shape, default and what a value may be.

A page's view lives in its link (`/benchmark?city=aarhus-dk&peers=population`), so the link is an interface:
users bookmark it, other pages build it, tests open it. `PAGES` declares it per page; `read` turns a raw query
into typed values plus the parts it could not understand, which the page names in one plain message instead of
failing. The Streamlit binding (reading `st.query_params`, URL-bound widgets) is `alliance.app.url`; this
module stays plain so that it is tested, and a link checked, without a Streamlit runtime.

Values that only the data can judge (a member id, a country code) are declared without `choices`; the widget
that offers them (`alliance.app.url.selectbox`) or the page checks them and says so.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alliance import events, exchange, maps, practices, present, round_review, scoring

MAX_SHOWN = 40  # characters of a bad value repeated in the message: the link may hold anything


@dataclass(frozen=True)
class Param:
    """One URL parameter. `many`: repeated (`?country=DK&country=NO`); `sep`: a list in one value
    (`?slides=map,poll`); `choices`: the only values allowed; `parse`: text -> value, raising ValueError for a
    bad one; `fold`: compare in lower case; `default`: the value when it is missing or bad."""
    name: str
    doc: str = ""
    many: bool = False
    sep: str | None = None
    choices: tuple | None = None
    parse: Callable[[str], Any] | None = None
    fold: bool = False
    default: Any = None
    max_len: int = 200

    @property
    def is_list(self) -> bool:
        return self.many or self.sep is not None

    def read(self, raw: list[str]) -> tuple[Any, list[str]]:
        """(value, the raw parts that were not understood). Never raises."""
        texts = raw if self.many else raw[-1:]
        parts = [p for text in texts for p in (text.split(self.sep) if self.sep else [text])]
        good, bad = [], []
        for part in parts:
            item = part.strip()
            if self.fold:
                item = item.lower()
            if self.sep and not item:
                continue
            try:
                value = self._one(item)
            except (TypeError, ValueError):
                bad.append(part)
                continue
            if value not in good:
                good.append(value)
        if self.is_list:
            return (good or list(self.default or [])), bad
        return (good[-1] if good else self.default), bad

    def _one(self, item: str):
        if len(item) > self.max_len:
            raise ValueError("too long")
        value = self.parse(item) if self.parse else item
        if self.choices is not None and value not in self.choices:
            raise ValueError("not a choice")
        return value


@dataclass(frozen=True)
class Problem:
    """A part of the link that was ignored: the parameter and the value as it was (cut short)."""
    param: str
    value: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= MAX_SHOWN else self.value[:MAX_SHOWN] + "…"
        return f"{self.param}={shown}"


@dataclass(frozen=True)
class PageParams:
    page: str
    params: tuple[Param, ...]
    by_name: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {p.name: p for p in (*COMMON, *self.params)})

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def __getitem__(self, name: str) -> Param:
        try:
            return self.by_name[name]
        except KeyError:
            raise KeyError(f"?{name}= is not declared for /{self.page} in alliance/urlstate.py PAGES") from None

    def read(self, query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[Problem]]:
        """Typed values of every declared parameter (defaults for missing ones) and the problems found.
        Parameters the page does not declare are left alone (other tools may add their own)."""
        values, problems = {}, []
        for param in self.by_name.values():
            raw = [str(v) for v in query.get(param.name, [])]
            values[param.name], bad = param.read(raw) if raw else (param.read([])[0], [])
            problems += [Problem(param.name, b) for b in bad]
        return values, problems


def int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        number = int(text)
        if not low <= number <= high:
            raise ValueError(f"outside {low}..{high}")
        return number
    return parse


def year(text: str) -> int:
    return int_between(1900, 2100)(text)


# Parameters of the app shell, valid on every page.
COMMON = (
    Param("lang", "the page language (code, e.g. fr); app.py checks it against the catalogues"),
    Param("embed", "Streamlit's own: drawn inside another site's iframe"),
    Param("embed_options", "Streamlit's own embedding options", many=True),
)

_MAP_BANDS = tuple(key for key, _, _ in scoring.POPULATION_BANDS)

PAGES: dict[str, PageParams] = {p.page: p for p in (
    PageParams("overview", ()),
    PageParams("map", (
        Param("country", "member countries (ISO codes)", many=True),
        Param("region", "regions (codes)", many=True),
        Param("network", "networks (codes)", many=True),
        Param("status", "membership statuses", many=True, choices=("member", "observer", "former")),
        Param("approach", "approaches (codes)", many=True),
        Param("population", "population band", choices=_MAP_BANDS),
        Param("colour", "what colours the circles", choices=maps.MEASURES, default="index"),
        Param("dimension", "the dimension shown when colour=dimension"),
        Param("in_network", "the network shown when colour=network"),
        Param("countries", "the country layer", choices=maps.COUNTRY_MODES, default="outline"),
        Param("table", "the table under the map is open (Streamlit's bind='query-params' toggle)"),
        Param("rounds", "which rounds count: all submitted or only validated", choices=round_review.ROUND_CHOICES,
              default="all"),
    )),
    PageParams("practices", (
        *(Param(f.key, f"filter: {f.name}, repeated or a,b (checked by practices.filters_from_url)", many=True)
          for f in practices.FACETS),
        Param("q", "search words"),
        Param("years", "years FROM-TO (checked with the filters)"),
        Param("archived", "1: include archived practices"),
        Param("sort", "order of the results", choices=practices.SORTS, default="relevance"),
        Param("layout", "cards or table", choices=practices.LAYOUTS, default="cards"),
        Param("view", "results, charts or contact", choices=practices.VIEWS, default="results"),
        Param("size", "results a page", parse=int, choices=practices.PAGE_SIZES,
              default=practices.DEFAULT_PAGE_SIZE),
        Param("page", "page of the results (checked against the result count)"),
        Param("pick", "practices picked for comparison", many=True, sep=","),
        Param("compare", "practices compared side by side", many=True, sep=","),
        Param("id", "the practice shown in detail"),
        Param("contact", "the practice whose contact is asked for"),
    )),
    PageParams("benchmark", (
        Param("city", "member id; an unknown one gets 'did you mean'"),
        Param("peers", "the peer group", choices=scoring.PEER_KINDS, default="all"),
        Param("rounds", "which rounds count: all submitted or only validated", choices=round_review.ROUND_CHOICES,
              default="all"),
        Param("round", "assessment round (year), one of the city's", parse=year),
        Param("k", "size of the similar-cities group", parse=int_between(5, 30)),
        Param("pick", "member ids of a custom peer group", sep=","),
        Param("w", "dimension weights off their default, code:weight,... (checked by comparison.weights_from_param)"),
    )),
    PageParams("city", (Param("city", "member id; an unknown one gets 'did you mean'"),)),
    PageParams("assess", (
        Param("city", "member id the editor may edit (checked by the page)"),
        Param("round", "assessment round (checked by the page)"),
    )),
    PageParams("submit", (
        Param("city", "member id the editor may edit"),
        Param("id", "practice id, or new"),
    )),
    PageParams("review", (Param("id", "the submitted practice under review"),)),
    PageParams("events", (
        Param("when", "upcoming, past or all", choices=events.WHEN, default="upcoming"),
        Param("kind", "event kinds", many=True),
        Param("language", "event languages", many=True),
        Param("dimension", "dimensions", many=True),
        Param("host", "hosting members", many=True),
    )),
    PageParams("explore", (
        Param("query", "named query"),
        Param("table", "table shown in the schema tab"),
    )),
    PageParams("present", (
        Param("slides", "the slides, in order", sep=",", fold=True, choices=present.SLIDES,
              default=present.DEFAULT_SLIDES),
        Param("every", "seconds a slide (clamped by present.parse_every)", parse=float),
        Param("start", "the first slide", fold=True, choices=present.SLIDES),
        Param("poll", "the poll code shown (checked by the page)"),
    )),
    PageParams("poll", (
        Param("code", "the poll joined (checked by the page, which says so)"),
        Param("p", "the participant's private token (a new one replaces a bad one)"),
    )),
    PageParams("admin", ()),
    PageParams("round_review", (Param("review", "the review shown (an unknown one: the page says so)"),)),
    PageParams("exchange", (
        Param("view", "needs, offers or counts", choices=("needs", "offers", "counts"), default="needs"),
        Param("city", "the city an editor acts for"),
        Param("dimension", "dimensions (codes)", many=True),
        Param("country", "countries (ISO codes)", many=True),
        Param("kind", "offer kinds", many=True, choices=exchange.KINDS),
        Param("language", "offer languages", many=True),
        Param("need", "the need whose matches are open"),
        Param("offer", "the city's own offer being edited, or new"),
    )),
    PageParams("plan", (
        Param("city", "the city whose plan is edited (one the editor may edit)"),
        Param("action", "the action edited: new or its number (an unknown one: the page says so)"),
        Param("dimension", "new action: its dimension (checked by the page)"),
        Param("target", "new action: the level aimed at (checked by the page)"),
        Param("round", "new action: the round it starts from (checked by the page)"),
        Param("peer", "new action: peers to learn from (member ids)", sep=","),
        Param("practice", "new action: practices to learn from (ids)", sep=","),
    )),
    PageParams("inbox", (Param("state", "request states", many=True, choices=exchange.REQUEST_STATES),)),
)}


def page(name: str) -> PageParams:
    return PAGES[name]

"""The one way a page reads and writes its URL: `q = url.page("benchmark")` at the top of the page.

The parameters are declared in `alliance.urlstate.PAGES`; this is their Streamlit binding. `page()` reads the
query once, names whatever it could not understand in one warning ("Some parts of the link were not understood
and were ignored: peers=xyz") and drops it from the URL, so that a bad link shows the page with its defaults,
never a traceback. A name the page did not declare raises at once: a typo is found by the page's AppTest.

URL-bound widgets keep raw values (ids and codes) in the URL, never the shown label: Streamlit's own
`bind="query-params"` would write the translated label (`?peers=Same country`), which breaks links in
another language.
"""
from __future__ import annotations

import time
from typing import Any

import streamlit as st

from alliance import urlstate
from alliance.i18n import t

SHELL = urlstate.PageParams("shell", ())  # the app shell's own parameters (lang, embed)
REMEMBER_S = 10  # how long the ignored-link warning outlives the run that dropped the bad parts


def _query() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def warn_ignored(problems) -> None:
    """The plain message for parts of a link that were ignored (the value is shown as inert text)."""
    if problems:
        from alliance.app.ui import md_text

        st.warning(t("common.link_ignored", items=", ".join(md_text(p) for p in problems)),
                   icon=":material/link_off:")


class PageURL:
    """The declared URL state of one page: typed values, raw access, writes, URL-bound widgets."""

    def __init__(self, spec: urlstate.PageParams):
        self.spec = spec
        self._read = None

    @property
    def values(self) -> dict:
        return self._parsed()[0]

    @property
    def problems(self) -> list:
        return self._parsed()[1]

    def _parsed(self):
        if self._read is None:  # read once, when a typed value or the problems are asked for
            self._read = self.spec.read(_query())
        return self._read

    # --- reading ---------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        """The typed value (the declared default when missing or not understood)."""
        self.spec[name]
        return self.values[name]

    def __contains__(self, name: str) -> bool:
        self.spec[name]
        return name in st.query_params

    def raw(self, name: str) -> str | None:
        """The text as it is in the link now (last of repeated values), for values the page checks itself."""
        self.spec[name]
        return st.query_params.get(name)

    def raw_all(self, name: str) -> list[str]:
        self.spec[name]
        return st.query_params.get_all(name)

    def items(self, exclude=()) -> dict[str, str | list[str]]:
        """The whole current query (declared or not), e.g. to build a link that keeps it."""
        return {k: (v if len(v) > 1 else v[0]) for k, v in _query().items() if k not in exclude and v}

    # --- writing ---------------------------------------------------------------------------------------
    def set(self, name: str, value) -> None:
        """Write one parameter; None, '' or an empty list removes it. Lists become repeated values, unless
        the parameter is declared with a separator."""
        param = self.spec[name]
        if value is None or value == "" or (isinstance(value, (list, tuple)) and not value):
            st.query_params.pop(name, None)
        elif isinstance(value, (list, tuple)):
            values = [str(v) for v in value]
            st.query_params[name] = param.sep.join(values) if param.sep and not param.many else values
        else:
            st.query_params[name] = str(value)

    def pop(self, *names: str) -> None:
        for name in names:
            self.set(name, None)

    def clear(self, keep=()) -> None:
        """Remove every parameter except those in `keep` (and the app shell's)."""
        for name in list(st.query_params):
            if name not in keep and name not in SHELL:
                st.query_params.pop(name, None)

    # --- widgets ---------------------------------------------------------------------------------------
    def selectbox(self, label: str, options: list, param: str, *, default=None, format_func=str,
                  quiet: bool = False, **kwargs):
        """A selectbox whose value lives in the URL as `?param=<option>` (the raw option). A URL value that
        is not among the options falls back to `default` (None: the placeholder) and is named in the
        ignored-link warning, unless `quiet` (the page says it its own way, e.g. 'did you mean')."""
        self.spec[param]
        widget_key = f"url_{param}"
        by_text = {str(o): o for o in options}
        wanted = st.query_params.get(param)
        if wanted is not None:  # the URL wins: a shared link, the back button, a switch_page with parameters
            value = by_text.get(wanted, default)
            if wanted not in by_text and not quiet:
                warn_ignored([urlstate.Problem(param, wanted)])
        else:
            current = st.session_state.get(widget_key)
            value = current if current in options else default
        st.session_state[widget_key] = value

        def _to_url():
            chosen = st.session_state.get(widget_key)
            self.set(param, None if chosen is None or chosen == default else chosen)

        return st.selectbox(label, options, index=None if default is None else options.index(default),
                            key=widget_key, format_func=format_func, on_change=_to_url, **kwargs)

    def segmented(self, label: str, options: list, param: str, *, default, format_func=str, **kwargs):
        """A segmented control (one choice, e.g. a page's view) whose value lives in the URL as `?param=<option>`,
        the default left out. Never empty: a click on the chosen segment keeps it."""
        self.spec[param]
        widget_key = f"url_{param}"
        wanted = st.query_params.get(param)
        by_text = {str(o): o for o in options}
        if wanted is not None and wanted not in by_text:
            warn_ignored([urlstate.Problem(param, wanted)])
        current = st.session_state.get(widget_key)
        value = by_text.get(wanted, default) if wanted is not None else (current if current in options else default)
        st.session_state[widget_key] = value

        def _to_url():
            chosen = st.session_state.get(widget_key)
            if chosen is None:  # a click on the chosen segment unselects it: keep showing that view
                st.session_state[widget_key] = by_text.get(st.query_params.get(param), default)
            else:
                self.set(param, None if chosen == default else chosen)

        st.segmented_control(label, options, key=widget_key, format_func=format_func, on_change=_to_url, **kwargs)
        return st.session_state.get(widget_key) or default

    def multiselect(self, label: str, options: list, param: str, *, format_func=str, **kwargs) -> list:
        """A multiselect whose choices live in the URL as repeated `?param=<option>`. Values that are not
        options are dropped from the choice and the URL, and named in the ignored-link warning."""
        self.spec[param]
        widget_key = f"url_{param}"
        by_text = {str(o): o for o in options}
        if param in st.query_params:  # the URL wins: a shared link, the back button
            wanted = st.query_params.get_all(param)
            value = [by_text[w] for w in dict.fromkeys(wanted) if w in by_text]
            unknown = [w for w in dict.fromkeys(wanted) if w not in by_text]
            if unknown:
                warn_ignored([urlstate.Problem(param, w) for w in unknown])
            if len(value) != len(wanted):
                self.set(param, value)
        else:
            value = [v for v in (st.session_state.get(widget_key) or []) if v in options]
        st.session_state[widget_key] = value

        def _to_url():
            self.set(param, st.session_state.get(widget_key) or [])

        return st.multiselect(label, options, key=widget_key, format_func=format_func, on_change=_to_url,
                              select_all=False, **kwargs)  # "Select all" is Streamlit's own English text


def _signature() -> tuple:
    """The page's own part of the link now (the shell's lang and embed left out)."""
    return tuple(sorted((k, tuple(v)) for k, v in _query().items() if k not in SHELL))


def page(name: str, *, warn: bool = True) -> PageURL:
    """The page's declared URL state. Parts of the link that were not understood are dropped from the URL
    and (with `warn`) named in one warning where this is called. The warning stays on the reruns that follow
    (a map reporting its width reruns the page at once) until the link changes, another page is opened or
    REMEMBER_S have passed."""
    state = PageURL(urlstate.page(name))
    memory = f"url_ignored_{name}"
    for key in [k for k in st.session_state if str(k).startswith("url_ignored_") and k != memory]:
        del st.session_state[key]  # another page was opened since
    problems = state.problems
    if problems:
        for problem in problems:
            param = state.spec[problem.param]
            kept = [v for v in st.query_params.get_all(problem.param) if v != problem.value]
            if param.sep and not param.many:  # keep the good items of a list written in one value
                good = state.values[problem.param]
                kept = [param.sep.join(str(v) for v in good)] if good and good != list(param.default or []) else []
            state.set(problem.param, kept)
        st.session_state[memory] = (list(problems), _signature(), time.monotonic())
    elif memory in st.session_state:
        shown, signature, when = st.session_state[memory]
        if signature == _signature() and time.monotonic() - when < REMEMBER_S:
            state._read = (state.values, shown)
        else:
            del st.session_state[memory]
    if warn:
        warn_ignored(state.problems)
    return state


def current(name: str) -> PageURL:
    """The page's declared URL state without the checks of `page()`: for callbacks and helpers."""
    return PageURL(urlstate.page(name))


def shell() -> PageURL:
    """The app shell's parameters (lang, embed), valid on every page."""
    return PageURL(SHELL)

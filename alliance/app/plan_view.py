"""The action plan as pages show it (issue 16): the status as symbol, word and colour, the city's plan table with
the level before and after, the actions beside a dimension on /benchmark, and the link that starts an action
from a next step. The logic lives in alliance.actions."""
from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from alliance import actions, auth, city, comparison, scoring
from alliance.app import data, session, url
from alliance.i18n import fmt_date, is_missing, label, t, tn
from alliance.app.ui import md_text

# the status is never told by colour alone: a symbol and a word go with it (WCAG 1.4.1)
STATUS_SYMBOLS = {"not_started": "○", "on_track": "▶", "at_risk": "⚠", "late": "⚑", "done": "✔", "dropped": "✖"}
STATUS_ICONS = {"not_started": ":material/radio_button_unchecked:", "on_track": ":material/trending_up:",
                "at_risk": ":material/warning:", "late": ":material/schedule:", "done": ":material/check_circle:",
                "dropped": ":material/block:"}
STATUS_BADGE = {"not_started": "gray", "on_track": "blue", "at_risk": "orange", "late": "red", "done": "green",
                "dropped": "violet"}
# light backgrounds with dark text (contrast above 7:1), Okabe-Ito hues
STATUS_BACKGROUND = {"not_started": "#eceff3", "on_track": "#d6e8f5", "at_risk": "#fbe7c4", "late": "#f6d5cc",
                     "done": "#d3efe4", "dropped": "#e9e0ef"}


PICKER_FULL_LIST = 100  # up to this many cities the city picker is one list; above, a search box narrows it

_NARROW_CSS = """<style>
.st-key-KEY-cards { display: none; }
@media (max-width: 640px) { .st-key-KEY-table { display: none; } .st-key-KEY-cards { display: flex; } }
</style>"""


def status_text(status: str) -> str:
    return f"{STATUS_SYMBOLS[status]} {t(f'actions.status.{status}')}"


def members() -> dict:
    """The members as /plan's pickers need them: `frame` (bench_members: id, name, country, region,
    population, by name), `display` (id -> "Name (CC)") and `keys` (city.search_keys). Built once per data
    version and shared between viewers (10,000 cities at scale): read them, never change them."""
    return _members(data.data_version())


@st.cache_resource(show_spinner=False, max_entries=4)
def _members(version: str) -> dict:
    frame = data.query("bench_members")
    return {"frame": frame, "display": data.member_labels("bench_members")["display"], "keys": city.search_keys(frame)}


def peer_choices(city_id: str, dimension_id: int, round_year: int | None) -> tuple[tuple, tuple]:
    """(suggested, options) of actions.peer_choices for the city, the action's dimension and the round it starts
    from (no round: nothing suggested), once per data version: ordering 10,000 cities took ~50 ms a view."""
    return _peer_choices(city_id, int(dimension_id), None if round_year is None else int(round_year),
                         data.data_version())


@st.cache_resource(show_spinner=False, max_entries=256)
def _peer_choices(city_id: str, dimension_id: int, round_year: int | None, version: str) -> tuple[tuple, tuple]:
    strong = pd.DataFrame({"member_id": [], "level": []})
    if round_year is not None:
        scores = data.query("bench_round_scores", round_year=round_year)
        strong = scores[(scores["dimension_id"] == dimension_id) & (scores["level"] >= scoring.LEARN_FROM_MIN_LEVEL)]
    suggested, options = actions.peer_choices(city_id, members()["frame"], strong)
    return tuple(suggested), tuple(options)


def city_picker(q, editable: list[str], view: dict) -> str:
    """The city whose plan is edited, bound to `?city=`. Up to PICKER_FULL_LIST cities (an editor's, the
    demonstration's 59): one list. Above (an administrator at scale): a search box and a list of at most
    city.MATCH_LIMIT matching cities, the city shown always among them, and a plain message when nothing
    matches (sending 10,000 names on every view cost a third of a second)."""
    display = view["display"]
    if len(editable) <= PICKER_FULL_LIST:
        return q.selectbox(t("actions.city"), editable, "city", default=editable[0], format_func=display.get,
                           help=t("actions.city_help"))
    allowed = set(editable)
    wanted, remembered = q.raw("city"), st.session_state.get("url_city")
    current = wanted if wanted in allowed else remembered if remembered in allowed else editable[0]
    typed = st.text_input(t("actions.city_search"), key="plan_city_search", max_chars=80,
                          placeholder=t("actions.city_search_placeholder"), help=t("actions.city_search_help"))
    keys = view["keys"] if len(allowed) == len(view["keys"]) else \
        {i: k for i, k in view["keys"].items() if i in allowed}
    found, total = city.find_cities(typed, keys)
    if typed.strip() and not total:  # said between the search box and the list, where the eye is
        st.warning(t("actions.city_no_match", typed=md_text(typed.strip()[:80]), city=md_text(display[current])),
                   icon=":material/search_off:")
    elif typed.strip():
        st.caption(tn("actions.city_matches", total, shown=len(found)) if total > len(found)
                   else tn("actions.city_matches_all", total))
    chosen = q.selectbox(t("actions.city"), list(dict.fromkeys([*found, current])), "city", default=current,
                         format_func=display.get, help=t("actions.city_help"))
    return chosen


def city_plan(member_id: str) -> pd.DataFrame:
    """The city's actions (plan_city_actions) with the shown status and the level before and after."""
    plan = data.query("plan_city_actions", member_id=member_id)
    if plan.empty:
        return plan.assign(shown_status=[], level_before=[], after_round=[], level_after=[])
    history = data.query("bench_city_history", member_id=member_id)
    return actions.level_change(actions.with_shown_status(plan), history)


def plan_table(plan: pd.DataFrame, dim_label: dict[int, str], key: str) -> None:
    """The plan as a compact table: status (symbol, word and colour), dimension, what, who, dates, target,
    level before → after. Texts from data are cells of a table: shown as written."""
    table = pd.DataFrame({
        t("actions.col_status"): [status_text(s).replace(" ", "\u00a0") for s in plan["shown_status"]],
        # st.table reads Markdown in its cells: text from data is escaped so that it shows as written
        t("actions.col_dimension"): [md_text(dim_label.get(int(d), str(d))) for d in plan["dimension_id"]],
        t("actions.col_description"): [md_text(v) for v in plan["description"]],
        t("actions.col_role"): [md_text(v) for v in plan["responsible_role"]],
        t("actions.col_due"): [fmt_date(d) for d in plan["due_date"]],
        t("actions.col_target"): [str(int(v)) for v in plan["target_level"]],
        t("actions.col_levels"): [actions.levels_text(r) for _, r in plan.iterrows()],
    })
    if (plan["provenance"] != plan["provenance"].iloc[0]).any():  # a mixed plan says which rows are invented
        table[t("actions.col_source")] = [t(f"actions.source_{p}") for p in plan["provenance"]]
    colours = {status_text(s).replace(" ", "\u00a0"): STATUS_BACKGROUND[s] for s in actions.STATUSES}
    # a static table: every word visible and wrapped (a phone scrolls it sideways); cells are text, never HTML
    styled = table.style.map(lambda v: f"background-color: {colours.get(v, '')}; color: #1b1f24; white-space: nowrap",
                             subset=[t("actions.col_status")])
    # wide screens get the table, phones a card per action (our own constant CSS, never data)
    with st.container(key=key):  # the table and the cards, one of them shown
        st.markdown(_NARROW_CSS.replace("KEY", key), unsafe_allow_html=True)
        with st.container(key=f"{key}-table"):
            st.table(styled, hide_index=True, alt=t("actions.city_heading"))
        with st.container(key=f"{key}-cards"):
            for _, row in plan.iterrows():
                status = row["shown_status"]
                with st.container(border=True):
                    st.markdown(f":{STATUS_BADGE[status]}-badge[{STATUS_ICONS[status]} {t(f'actions.status.{status}')}] "
                                f"**{md_text(dim_label.get(int(row['dimension_id']), ''))}**")
                    st.markdown(md_text(row["description"]))
                    st.caption(" · ".join([md_text(row["responsible_role"]),
                                           f"{t('actions.col_due')} {fmt_date(row['due_date'])}",
                                           f"{t('actions.col_target')} {int(row['target_level'])}",
                                           f"{t('actions.col_levels')} {md_text(actions.levels_text(row))}"]))
    st.caption(t("actions.legend"))


def dimension_actions(plan: pd.DataFrame, dimension_id: int) -> None:
    """The actions of a plan that target one dimension, one line each (on /benchmark, beside the dimension)."""
    rows = plan[plan["dimension_id"] == dimension_id] if not plan.empty else plan
    if rows.empty:
        return
    lines = [tn("actions.bench_count", len(rows))]  # the colon is in the text: French puts a space before it
    for _, row in rows.iterrows():
        status = row["shown_status"]
        badge = f":{STATUS_BADGE[status]}-badge[{STATUS_ICONS[status]} {t(f'actions.status.{status}')}]"
        lines.append("- " + t("actions.bench_item", status=badge,
                                                        description=md_text(row["description"]),
                                                        due=fmt_date(row["due_date"]))
                     + f" · {md_text(t('actions.col_levels'))}: {md_text(actions.levels_text(row))}")
    st.markdown("\n".join(lines))


def _plan_params(city_id: str, dimension_id: int, round_year: int | None, target: int | None, *,
                 peer: str | None = None, practice: str | None = None) -> dict[str, str]:
    params = {"city": city_id, "action": "new", "dimension": str(dimension_id)}
    if target is not None:
        params["target"] = str(target)
    if round_year is not None:
        params["round"] = str(round_year)
    if peer:
        params["peer"] = peer
    if practice:
        params["practice"] = practice
    lang = url.shell().raw("lang")
    if lang:
        params["lang"] = lang
    return params


def plan_url(city_id: str, dimension_id: int, round_year: int | None, level_now, **links) -> str:
    """A /plan link (for Markdown) to a new action aiming one level above `level_now`."""
    target = None if is_missing(level_now) else min(int(level_now) + 1, 5)
    return "/plan?" + urlencode(_plan_params(city_id, dimension_id, round_year, target, **links))


def plan_link(city_id: str, dimension_id: int, round_year: int | None, target: int, *, peer: str | None = None,
              practice: str | None = None, label: str | None = None) -> None:
    """The link that opens /plan with a new action for this dimension, target and round filled in."""
    params = _plan_params(city_id, dimension_id, round_year, target, peer=peer, practice=practice)
    st.page_link("pages/plan.py", label=label or t("actions.plan_action"), icon=":material/add_task:",
                 query_params=params)


def other_dimensions(plan: pd.DataFrame, shown: list[int], dim_label: dict[int, str]) -> None:
    """The plan's actions on dimensions that are not among the next steps, each beside its dimension."""
    if plan.empty:
        return
    others = [d for d in dict.fromkeys(int(x) for x in plan["dimension_id"]) if d not in shown]
    for d in sorted(others, key=list(dim_label).index):
        with st.container(border=True):
            st.markdown(f"**{md_text(dim_label[d])}**")
            dimension_actions(plan, d)


def city_plan_section(city_id: str, framework) -> None:
    """/city's action plan: the compact table with the level before and after, and for the city's editors the
    link to update it."""
    st.subheader(t("actions.city_heading"), anchor=False)
    plan = city_plan(city_id)
    can_edit = auth.can_edit(session.current_user(), city_id)
    if plan.empty:
        st.info(t("actions.city_empty"), icon=":material/flag:")
    else:
        st.caption(t("actions.city_caption"))
        if (plan["provenance"] == "invented").all():
            st.caption(f":material/science: {t('actions.plan_invented')}")
        short = {int(r["dimension_id"]): label(r, "short") for _, r in framework.dimensions.iterrows()}
        plan_table(plan, short, key="city_plan")
    if can_edit:
        st.page_link("pages/plan.py", label=t("actions.edit_plan"), icon=":material/edit_note:",
                     query_params={"city": city_id})


def assess_next_steps(city_id: str, round_year: int) -> None:
    """On /assess after a round is submitted: the round's next steps (as /benchmark shows them against all
    members, default weights), each a link to a new action for that dimension."""
    framework = data.load_framework()
    try:
        result = comparison.compare(city_id, round_year, members=data.query("bench_members"),
                                    round_answers=pd.DataFrame(), framework=framework, kind="all",
                                    history=data.query("bench_city_history", member_id=city_id),
                                    matrix=data.load_round_matrix(round_year))
    except KeyError:  # a former member, or a round without scores: nothing to plan from here
        return
    if result.next_steps.empty:
        return
    dim_label = {int(r["dimension_id"]): label(r) for _, r in framework.dimensions.iterrows()}
    with st.container(border=True):
        st.markdown(f"**:material/flag: {t('actions.assess_heading')}**")
        st.caption(t("actions.assess_caption"))
        for _, step in result.next_steps.iterrows():
            d = int(step["dimension_id"])
            plan_link(city_id, d, round_year, int(step["next_level"]),
                      label=t("actions.assess_item", dimension=md_text(dim_label[d]), now=int(step["level"]),
                              next=int(step["next_level"])))
        st.page_link("pages/plan.py", label=t("actions.assess_all"), icon=":material/edit_note:",
                     query_params={"city": city_id})


def field_value(name: str, value, dim_label: dict[int, str]) -> str:
    """A field's value in words for the history and a conflict: a status or dimension by name, lists joined,
    nothing as '(empty)'. Text from data comes back as written (the caller escapes it where needed)."""
    if value is None or value == [] or value == "":
        return t("actions.empty_value")
    if name == "status" and value in actions.STATUSES:
        return t(f"actions.status.{value}")
    if name == "dimension_id":
        try:
            return dim_label.get(int(value), str(value))
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)

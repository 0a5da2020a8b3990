"""/plan?city=ID&action=new|N&dimension=D&target=L&round=YEAR&peer=ID&practice=ID: a city editor adds actions to
the city's plan (from a next step on /benchmark or /assess, or from "who to learn from") and updates them. Every
write goes through alliance.actions (the single writer); a save against an older version is refused."""
import pandas as pd
import streamlit as st

from alliance import actions
from alliance.app import data, plan_view, session, url
from alliance.app.shell import ensure_app_shell
from alliance.app.ui import md_text, page_header, show_flash
from alliance.i18n import fmt_date, label, t, tn
from alliance.practices import localized_series

ensure_app_shell()  # first, before anything is drawn

NEW = "new"

page_header(t("actions.title"), t("actions.intro"))
q = url.page("plan")
user = session.require_role("editor")

show_flash("plan")

view = plan_view.members()  # cached per data version: 10,000 cities at scale
members, display = view["frame"], view["display"]
ids = members["id"]  # auth.can_edit without 10,000 calls: an administrator all cities, an editor their own
editable = list(ids if user.is_admin else ids[ids.isin(list(user.members))])
if not editable:
    st.warning(t("actions.no_cities"), icon=":material/block:")
    st.stop()

framework = data.load_framework()
dim_label = {int(r["dimension_id"]): label(r) for _, r in framework.dimensions.iterrows()}
plan = None

left, right = st.columns([1, 2])
with left:
    city = plan_view.city_picker(q, editable, view)
plan = plan_view.city_plan(city)
by_id = {str(int(i)): r for i, (_, r) in zip(plan["id"], plan.iterrows())}
requested = q.raw("action")
if requested not in (None, NEW, *by_id):
    st.warning(t("actions.unknown_action", value=md_text(requested[:20])), icon=":material/help:")
with right:
    choice = q.selectbox(
        t("actions.action"), [NEW, *by_id], "action", default=NEW, help=t("actions.action_help"), quiet=True,
        format_func=lambda a: t("actions.new_action") if a == NEW else plan_view.status_text(
            by_id[a]["shown_status"]) + " · " + t("actions.action_option", dimension=dim_label[int(by_id[a]["dimension_id"])],
                                                  description=str(by_id[a]["description"])[:60]))


def _int_param(name: str, allowed) -> int | None:
    value = q.raw(name)
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return None
    return number if number in allowed else None


con = data.connection()
history = data.query("bench_city_history", member_id=city)
city_rounds = sorted({int(y) for y in history["round_year"]})
action = None if choice == NEW else actions.load(con, int(choice))
if action is None:
    dimension = _int_param("dimension", dim_label) or framework.dimension_ids[0]
    from_round = _int_param("round", city_rounds) or (city_rounds[-1] if city_rounds else None)
    level_now = history[(history["round_year"] == from_round) & (history["dimension_id"] == dimension)]["level"]
    level_now = None if level_now.empty or pd.isna(level_now.iloc[0]) else int(level_now.iloc[0])
    target = _int_param("target", range(1, 6)) or min((level_now or 0) + 1, 5)
    shown = actions.new_record(dimension, target, from_round) | {
        "peers": [p for p in q["peer"] if p in display and p != city],
        "practices": list(q["practice"])}
    base = 0
    if q.raw("dimension"):
        st.info(t("actions.prefilled", dimension=md_text(dim_label[dimension]), level=target),
                icon=":material/add_task:")
else:
    base_key = f"plan_base_{action.id}"
    if base_key not in st.session_state:  # the version the form was drawn from: a save against an older one is refused
        st.session_state[base_key] = action.version
    base = st.session_state[base_key]
    shown = action.record if base == action.version else actions.record_at(action, base)
    from_round = shown["from_round"]

# ----------------------------------------------------------------------------------------- the form
# the strong cities most like this one; above 100 cities the list holds only the relevant ones and those chosen
suggested, peer_options = plan_view.peer_choices(city, shown["dimension_id"], from_round)
peer_options = [*peer_options, *(p for p in shown["peers"] if p in display and p != city and p not in peer_options)]
# the practices of the city, of the peers it learns from and of those already linked, and the linked ones
practices = data.query("plan_practices", member_ids=sorted({city, *suggested, *shown["peers"]}),
                       ids=list(shown["practices"]))
practice_titles = dict(zip(practices["id"], localized_series(practices, "title")[0] + " · " + practices["lead_name"]))
practice_options = list(practices["id"]) + [p for p in shown["practices"] if p not in practice_titles]

prefix = f"plan_{city}_{choice}_{base}"
st.subheader(t("actions.form_heading_new") if action is None else t("actions.form_heading_edit"), anchor=False)
with st.form(f"{prefix}_form", enter_to_submit=False):
    c1, c2, c3 = st.columns([3, 1, 1])
    dimension = c1.selectbox(t("actions.field.dimension_id"), framework.dimension_ids,
                             index=framework.dimension_ids.index(shown["dimension_id"]), format_func=dim_label.get,
                             key=f"{prefix}_dimension")
    target = c2.selectbox(t("actions.field.target_level"), [1, 2, 3, 4, 5], index=int(shown["target_level"]) - 1,
                          help=t("actions.target_help"), key=f"{prefix}_target")
    round_options = [None, *city_rounds] if shown["from_round"] in (None, *city_rounds) else \
        [None, shown["from_round"], *city_rounds]
    from_round_value = c3.selectbox(t("actions.field.from_round"), round_options,
                                    index=round_options.index(shown["from_round"]),
                                    format_func=lambda y: "–" if y is None else str(y), key=f"{prefix}_round")
    description = st.text_area(t("actions.field.description"), value=shown["description"] or "",
                               max_chars=actions.MAX_DESCRIPTION, help=t("actions.description_help"),
                               key=f"{prefix}_description")
    c1, c2 = st.columns(2)
    role = c1.text_input(t("actions.field.responsible_role"), value=shown["responsible_role"] or "",
                         max_chars=actions.MAX_ROLE, help=t("actions.role_help"), key=f"{prefix}_role")
    person = c2.text_input(t("actions.field.person_name"), value=shown["person_name"] or "",
                           max_chars=actions.MAX_NAME, help=t("actions.person_help"), key=f"{prefix}_person")
    c1, c2, c3 = st.columns(3)
    start = c1.date_input(t("actions.field.start_date"), value=shown["start_date"], help=t("actions.start_help"),
                          key=f"{prefix}_start", format="YYYY-MM-DD")
    due = c2.date_input(t("actions.field.due_date"), value=shown["due_date"], help=t("actions.due_help"),
                        key=f"{prefix}_due", format="YYYY-MM-DD")
    status = c3.selectbox(t("actions.field.status"), actions.STATUSES,
                          index=actions.STATUSES.index(shown["status"] or "not_started"),
                          format_func=plan_view.status_text, help=t("actions.status_help"), key=f"{prefix}_status")
    if action is not None and actions.shown_status(shown["status"], shown["due_date"]) != shown["status"]:
        st.caption(f":material/schedule: {t('actions.overdue')}")
    reason = st.text_input(t("actions.field.status_reason"), value=shown["status_reason"] or "",
                           max_chars=actions.MAX_REASON, help=t("actions.reason_help"), key=f"{prefix}_reason")
    peers = st.multiselect(t("actions.field.peers"), peer_options, default=[p for p in shown["peers"] if p in display],
                           format_func=display.get, help=t("actions.peers_help"), key=f"{prefix}_peers",
                           placeholder=t("actions.peers_placeholder"),
                           max_selections=actions.MAX_LINKS, select_all=False)
    if suggested:
        st.caption(t("actions.suggested", names=", ".join(md_text(display[m]) for m in suggested[:6])))
    if len(peer_options) < len(members) - 1:
        st.caption(t("actions.peers_limited"))
    chosen_practices = st.multiselect(t("actions.field.practices"), practice_options, default=shown["practices"],
                                      format_func=lambda p: practice_titles.get(p, p), help=t("actions.practices_help"),
                                      key=f"{prefix}_practices", max_selections=actions.MAX_LINKS,
                                      placeholder=t("actions.practices_placeholder"), select_all=False)
    evidence = st.text_area(t("actions.field.evidence"), value="\n".join(shown["evidence"]), height=90,
                            help=t("actions.evidence_help"), placeholder="https://", key=f"{prefix}_evidence")
    clicked = st.form_submit_button(t("actions.create") if action is None else t("actions.save"), type="primary",
                                    icon=":material/save:")


def done(kind: str, message: str, action_id: int) -> None:
    st.session_state.pop(f"plan_base_{action_id}", None)
    st.session_state["plan_flash"] = (kind, message, ":material/task_alt:")
    data.mark_changed()
    q.set("action", action_id)
    q.pop("dimension", "target", "round", "peer", "practice")
    st.session_state.pop("url_action", None)
    st.rerun()


if clicked:
    record = {"dimension_id": dimension, "target_level": target, "from_round": from_round_value,
              "description": description, "responsible_role": role, "person_name": person, "start_date": start,
              "due_date": due, "status": status, "status_reason": reason, "peers": peers,
              "practices": chosen_practices, "evidence": evidence.splitlines()}
    try:
        if action is None:
            after = actions.create(con, user, city, record)
            done("success", t("actions.created"), after.id)
        else:
            after = actions.update(con, user, action.id, record, base)
            if after.version == action.version:
                st.info(t("actions.nothing_changed"), icon=":material/info:")
            else:
                done("success", t("actions.saved", version=after.version), after.id)
    except actions.ActionConflict as error:
        st.error(str(error), icon=":material/sync_problem:")
        lines = [md_text(t("actions.conflict_changes", username=error.by, date=fmt_date(error.at)))]
        for name, _before, now in error.changes:
            value = plan_view.field_value(name, now, dim_label)
            lines.append("- " + md_text(t("actions.conflict_field", field=actions.field_label(name), value=value[:300])))
        st.markdown("\n".join(lines))
        st.info(t("actions.conflict_keep"), icon=":material/content_copy:")
    except actions.ActionInvalid as error:
        st.error(t("actions.invalid"), icon=":material/error:")
        st.markdown("\n".join(f"- **{md_text(actions.field_label(f) if f in actions.FIELDS else f)}**: {md_text(r)}"
                              for f, r in error.problems))
    except actions.ActionRefused as error:
        st.error(str(error), icon=":material/block:")

if action is not None and base != action.version:
    if st.button(t("actions.reload"), icon=":material/refresh:"):
        st.session_state.pop(f"plan_base_{action.id}", None)
        st.rerun()

# ----------------------------------------------------------------------------------------- history
if action is not None and action.history:
    with st.expander(tn("actions.history", len(action.history)), icon=":material/history:"):
        st.dataframe(pd.DataFrame({
            t("actions.col_version"): [c.version for c in action.history],
            t("actions.col_when"): [c.changed_at.strftime("%Y-%m-%d %H:%M") for c in action.history],
            t("actions.col_who"): [c.changed_by for c in action.history],
            t("actions.col_what"): ["; ".join(t("actions.history_change", field=actions.field_label(f),
                                                before=plan_view.field_value(f, b, dim_label),
                                                after=plan_view.field_value(f, a, dim_label)) for f, b, a in c.changes)
                                    for c in action.history],
        }).iloc[::-1], hide_index=True, width="stretch")

# ----------------------------------------------------------------------------------------- the plan
st.subheader(t("actions.plan_heading", city=md_text(members["name"][ids == city].iloc[0])), anchor=False)
if plan.empty:
    st.info(t("actions.plan_empty"), icon=":material/flag:")
else:
    plan_view.plan_table(plan, {int(r["dimension_id"]): label(r, "short") for _, r in framework.dimensions.iterrows()},
                         key="plan_table")
links = st.container(horizontal=True)
with links:
    st.page_link("pages/city.py", label=t("actions.see_city"), icon=":material/location_city:",
                 query_params={"city": city})
    st.page_link("pages/benchmark.py", label=t("actions.see_benchmark"), icon=":material/bar_chart:",
                 query_params={"city": city})

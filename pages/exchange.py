"""/exchange?view=needs|offers|counts&dimension=CODE&country=CC&kind=KIND&language=LL&city=ID: offers and needs.

Everyone sees the published offers, the open needs with their matches (offers covering the need, strong peers
that published practices on it) and the public counts. A signed-in city editor also posts needs (proposed from
the city's weakest dimensions) and offers, and expresses interest in an offer, which makes a request both
cities see in /inbox. Contact persons are shown to signed-in editors and admins only. Every write goes
through alliance.exchange (the single writer)."""

import pandas as pd
import streamlit as st

from alliance import auth, exchange
from alliance.app import data, exchange_view, session, url
from alliance.app.shell import ensure_app_shell
from alliance.app.ui import chart_download, md_text, page_header, show_flash
from alliance.i18n import fmt_date, get_language, is_missing, label, language_name, t, tn

ensure_app_shell()  # first, before anything is drawn

VIEWS = ("needs", "offers", "counts")
OFFER_LANGUAGES = ("en", "fr", "de", "nl", "da", "sv", "no", "fi", "es", "it", "pt", "pl", "el", "ro", "tr")
KIND_ICONS = {"study_visit": ":material/directions_walk:", "mentoring": ":material/support_agent:",
              "training": ":material/school:", "materials": ":material/description:", "speaking": ":material/mic:"}

page_header(t("exchange.title"), t("exchange.intro"))
q = url.page("exchange")
lang = get_language()
user = session.current_user()
if user is not None:
    session.user_badge(user)
con = data.connection()

show_flash("exchange")

members = data.query("bench_members")
labels = data.member_labels("bench_members")
member_names, display = labels["name"], labels["display"]
dims = data.query("bench_dimensions")
dim_ids = [int(d) for d in dims["dimension_id"]]
dim_label = {int(r["dimension_id"]): label(r) for _, r in dims.iterrows()}
code_of = dict(zip(dims["dimension_id"].astype(int), dims["code"]))
id_of_code = {c: i for i, c in code_of.items()}
approaches = data.query("practices_options")
approaches = approaches[approaches["facet"] == "approach"]
approach_label = {r["value"]: label(r) for _, r in approaches.iterrows()}

editable = [m for m in labels["ids"] if auth.can_edit(user, m)] if user is not None else []
city = None
if editable:
    city = q.selectbox(t("exchange.acting_for"), editable, "city", default=editable[0], format_func=display.get,
                       help=t("exchange.acting_for_help")) if len(editable) > 1 else editable[0]
    if len(editable) == 1:
        st.caption(t("exchange.acting_as", city=md_text(display[city])))
elif user is None:
    with st.expander(t("exchange.sign_in_to_post"), icon=":material/login:"):
        session.sign_in_form("exchange_sign_in")

view = q.segmented(t("exchange.view"), list(VIEWS), "view", default="needs",
                   format_func=lambda v: t(f"exchange.view_{v}"))


def done(kind: str, message: str, icon: str) -> None:
    st.session_state["exchange_flash"] = (kind, message, icon)
    data.mark_changed()
    st.rerun()


def refusal(error: Exception) -> None:
    """A refused write, said plainly: what changed (a conflict), which fields break a rule, or why."""
    if isinstance(error, exchange.EditConflict):
        st.error(str(error), icon=":material/sync_problem:")
        lines = [t("exchange.conflict_changes", username=error.by, date=fmt_date(error.at) if error.at else "–")]
        for name, now in error.changes:
            value = ", ".join(map(str, now)) if isinstance(now, (list, tuple)) else ("" if now is None else str(now))
            lines.append("- " + md_text(t("exchange.conflict_field", field=field_name(name), value=value[:300])))
        st.markdown("\n".join(lines))
        st.info(t("exchange.conflict_keep"), icon=":material/content_copy:")
    elif isinstance(error, exchange.ExchangeInvalid):
        st.error(t("exchange.invalid"), icon=":material/error:")
        st.markdown("\n".join("- " + md_text(t("exchange.problem", field=field_name(f), reason=r))
                               for f, r in error.problems))
    else:
        st.error(str(error), icon=":material/block:")


def field_name(name: str) -> str:
    key = f"exchange.field.{name}"
    text = t(key)
    return name if text == key else text


def dimension_names(ids) -> str:
    return "; ".join(dim_label.get(int(i), str(i)) for i in ids)


def period(row) -> str:
    start, end = row.get("available_from"), row.get("available_to")
    start = None if is_missing(start) else start
    end = None if is_missing(end) else end
    if start and end:
        return t("exchange.period_between", start=fmt_date(start), end=fmt_date(end))
    if end:
        return t("exchange.period_until", end=fmt_date(end))
    if start:
        return t("exchange.period_from", start=fmt_date(start))
    return t("exchange.period_open")


def interest_button(row, need_id: str | None, key: str) -> None:
    """'Express interest' for an editor of another city: a request with an optional message. The message box
    opens for one offer at a time (a box per card cost a form's widgets on every card at each rerun)."""
    if city is None or row["member_id"] == city:
        return
    if st.session_state.get("interest_open") != key:
        st.button(t("exchange.interest"), key=f"interest_{key}", icon=":material/handshake:",
                  on_click=lambda: st.session_state.update(interest_open=key))
        return
    with st.container(border=True):
        st.caption(t("exchange.interest_help", city=md_text(display.get(city, city)),
                     other=md_text(row["member_name"])))
        message = st.text_area(t("exchange.message"), max_chars=exchange.MAX_TEXT, key=f"msg_{key}",
                               placeholder=t("exchange.message_placeholder"))
        buttons = st.container(horizontal=True)
        send = buttons.button(t("exchange.send_interest"), key=f"send_{key}", type="primary", icon=":material/send:")
        buttons.button(t("exchange.cancel"), key=f"cancel_{key}", on_click=lambda: st.session_state.pop("interest_open"))
        if send:
            try:
                exchange.request_exchange(con, user, row["id"], city, need_id=need_id, message=message)
            except exchange.ExchangeRefused as error:
                refusal(error)
            else:
                st.session_state.pop("interest_open", None)
                done("success", t("exchange.interest_sent", other=row["member_name"]), ":material/handshake:")


def offer_card(row, need_id: str | None = None, key: str = "", interest: bool = True) -> None:
    with st.container(border=True):
        st.markdown(f"**{md_text(row['title'])}**")
        facts = [t(f"exchange.kinds.{row['kind']}"), md_text(display.get(row["member_id"], row["member_name"])),
                 t("exchange.in_languages", names=", ".join(language_name(c) for c in row["languages"])),
                 period(row)]
        st.markdown(" · ".join(facts))
        if not is_missing(row.get("summary")) and row.get("summary"):
            st.text(row["summary"])
        topics = [dim_label.get(int(i), str(i)) for i in row["dimension_ids"]] + \
            [approach_label.get(a, a) for a in row["approach_ids"]]
        if topics:
            st.caption(t("exchange.covers", topics=md_text("; ".join(topics))))
        if row.get("provenance") == "invented":
            st.caption(t("exchange.invented_offer"))
        if exchange.can_see_contacts(user):
            contact = contacts.get(row["id"])
            if contact:
                role = f", {contact['role']}" if contact.get("role") else ""
                st.markdown(":material/contact_mail: " + md_text(t("exchange.contact", name=contact["name"] + role,
                                                                   email=contact["email"])))
        else:
            st.caption(t("exchange.contact_hidden"))
        if interest:
            interest_button(row, need_id, f"{key}{row['id']}")


offers = data.query("exchange_offers")
contacts = exchange.contacts_for(con, user)  # private: one query a run, for signed-in editors and admins only
PAGE_SIZE = 20
NEW_OFFER = "__new__"

# ------------------------------------------------------------------------------------------------- needs
if view == "needs":
    if city is not None:
        proposal = exchange.proposal_from_levels(data.query("exchange_latest_levels", member_id=city))
        mine = data.query("exchange_needs", by_member=city)
        with st.expander(t("exchange.post_need", city=display.get(city, city)), expanded=mine.empty,
                         icon=":material/add_circle:"):
            proposed = [d for d, _ in proposal.dimensions]
            if proposal.round_year is None:
                st.info(t("exchange.no_assessment"), icon=":material/checklist:")
            else:
                st.markdown(t("exchange.proposed_from", round=proposal.round_year) + "\n" + "\n".join(
                    "- " + md_text(t("exchange.proposed_dimension", dimension=dim_label.get(d, str(d)), level=lvl))
                    for d, lvl in proposal.dimensions))
            with st.form(f"need_form_{city}", enter_to_submit=False):
                chosen = st.multiselect(t("exchange.need_dimensions"), dim_ids, default=proposed,
                                        format_func=lambda d: dim_label.get(d, str(d)), placeholder=t("exchange.pick"),
                                        help=t("exchange.need_dimensions_help"), key=f"need_dims_{city}",
                                        select_all=False)
                text = st.text_area(t("exchange.need_text"), max_chars=exchange.MAX_TEXT, key=f"need_text_{city}",
                                    value=t("exchange.need_default", dimensions=dimension_names(proposed))
                                    if proposed else "", help=t("exchange.need_text_help"))
                post = st.form_submit_button(t("exchange.post_need_button"), type="primary", icon=":material/send:")
            if post:
                from_assessment = bool(proposed) and set(chosen) <= set(proposed) and bool(chosen)
                try:
                    exchange.save_need(con, user, city, {"summary": text, "dimensions": chosen,
                                                         "from_assessment": from_assessment,
                                                         "round_year": proposal.round_year if from_assessment
                                                         else None})
                except exchange.ExchangeRefused as error:
                    refusal(error)
                except exchange.ExchangeInvalid as error:
                    refusal(error)
                else:
                    done("success", t("exchange.need_posted"), ":material/check_circle:")

    filtered = any(p in q for p in ("dimension", "country"))
    with st.expander(t("exchange.filters_needs"), expanded=filtered, icon=":material/filter_list:"):
        c1, c2 = st.columns(2)
        with c1:
            want_dims = q.multiselect(t("exchange.dimension"), list(code_of.values()), "dimension",
                                        format_func=lambda c: dim_label.get(id_of_code.get(c), c),
                                        placeholder=t("exchange.any"))
        all_needs = data.query("exchange_needs")
        with c2:
            countries = q.multiselect(t("exchange.country"), sorted(set(all_needs["country_code"])), "country",
                                        placeholder=t("exchange.any"))
    needs = data.query("exchange_needs", dimensions=want_dims, countries=countries)
    if city is not None:  # the acting city's own needs first
        needs = pd.concat([needs[needs["member_id"] == city], needs[needs["member_id"] != city]], ignore_index=True)
    st.markdown("**" + tn("exchange.count_needs", len(needs)) + "**")
    if needs.empty:
        st.info(t("exchange.no_needs") if not filtered else t("exchange.no_needs_filtered"), icon=":material/inbox:")
    if (needs["provenance"] == "invented").any() or (offers["provenance"] == "invented").any():
        st.caption(t("exchange.invented_note"))
    shown_need = q.raw("need")
    for _, need in needs.head(30).iterrows():
        with st.container(border=True):
            st.markdown(f"#### {md_text(display.get(need['member_id'], need['member_name']))}")
            if need["dimension_ids"] is not None and len(need["dimension_ids"]):
                st.markdown(f"**{t('exchange.need_dimensions')}**: " + md_text(dimension_names(need["dimension_ids"])))
            st.text(need["summary"])
            notes = [t("exchange.posted_on", date=fmt_date(need["updated_on"]))]
            if need["from_assessment"] and not is_missing(need["round_year"]):
                notes.append(t("exchange.from_assessment", round=int(need["round_year"])))
            if need["provenance"] == "invented":
                notes.append(t("exchange.invented"))
            st.caption(" · ".join(notes))
            matches = exchange.matching_offers(offers, need["dimension_ids"], need["member_id"])
            expanded = shown_need == need["id"] or need["member_id"] == city
            with st.expander(tn("exchange.matches", len(matches)), expanded=expanded,
                             icon=":material/join_inner:"):
                st.markdown(f"**{t('exchange.matching_offers')}**")
                if matches.empty:
                    st.caption(t("exchange.no_matching_offers"))
                for _, match in matches.head(5).iterrows():
                    own = need["member_id"] == city  # interest answers one's own need
                    offer_card(match, need["id"] if own else None, key=f"{need['id']}_", interest=own)
                st.markdown(f"**{t('exchange.strong_peers')}**")
                st.caption(t("exchange.strong_peers_help", level=exchange.STRONG_LEVEL))
                me = members[members["id"] == need["member_id"]]
                population = me["population"].iloc[0] if len(me) else None
                region = me["region"].iloc[0] if len(me) else None
                any_peer = False
                for dim in need["dimension_ids"]:
                    peers = exchange_view.closest_strong_peers(int(dim), need["member_id"], population, region,
                                                               data.data_version())
                    for _, peer in peers.iterrows():
                        any_peer = True
                        st.page_link("pages/city.py", query_params={"city": peer["member_id"]},
                                     icon=":material/location_city:",
                                     label=md_text(t("exchange.peer", city=display.get(peer["member_id"], peer["name"]),
                                                     dimension=dim_label.get(int(dim), str(dim)),
                                                     level=int(peer["level"]),
                                                     practices=tn("exchange.practices", int(peer["n_practices"])))))
                if not any_peer:
                    st.caption(t("exchange.no_strong_peers"))
                else:
                    st.caption(t("exchange.similar_first"))
            if need["member_id"] == city:
                if st.button(t("exchange.close_need"), key=f"close_{need['id']}", icon=":material/task_alt:",
                             help=t("exchange.close_need_help")):
                    try:
                        exchange.close_need(con, user, need["id"], int(need["version"]))
                    except exchange.ExchangeRefused as error:
                        refusal(error)
                    else:
                        done("info", t("exchange.need_closed"), ":material/task_alt:")

# ------------------------------------------------------------------------------------------------- offers
elif view == "offers":
    if city is not None:
        own_offers = offers[offers["member_id"] == city]
        editing = q.raw("offer")
        editing = editing if editing in set(own_offers["id"]) else None
        with st.expander(t("exchange.post_offer", city=display.get(city, city)), icon=":material/add_circle:",
                         expanded=editing is not None):
            titles = dict(zip(own_offers["id"], own_offers["title"]))
            choice = q.selectbox(t("exchange.which_offer"), [NEW_OFFER, *own_offers["id"]], "offer",
                                 default=NEW_OFFER, format_func=lambda o: t("exchange.new_offer") if o == NEW_OFFER
                                 else titles.get(o, o))
            current = exchange.offer(con, choice) if choice != NEW_OFFER else None
            base_key = f"offer_base_{choice}"
            if current is not None and base_key not in st.session_state:  # what this form was drawn from
                st.session_state[base_key] = current
            seen = st.session_state.get(base_key) if current is not None else None
            shown = seen or {}
            shown_contact = contacts.get(choice, {}) if current is not None else {}
            prefix = f"offer_{city}_{choice}_{shown.get('version', 0)}"
            with st.form(f"{prefix}_form", enter_to_submit=False):
                c1, c2 = st.columns([1, 2])
                kind = c1.selectbox(t("exchange.kind"), exchange.KINDS, format_func=lambda k: t(f"exchange.kinds.{k}"),
                                    index=exchange.KINDS.index(shown.get("kind") or exchange.KINDS[0]),
                                    key=f"{prefix}_kind")
                title = c2.text_input(t("exchange.offer_title"), value=shown.get("title") or "",
                                      max_chars=exchange.MAX_TITLE, key=f"{prefix}_title")
                summary = st.text_area(t("exchange.offer_summary"), value=shown.get("summary") or "",
                                       max_chars=exchange.MAX_TEXT, help=t("exchange.offer_summary_help"),
                                       key=f"{prefix}_summary")
                offer_dims = st.multiselect(t("exchange.offer_dimensions"), dim_ids,
                                            default=[d for d in shown.get("dimensions") or [] if d in dim_label],
                                            format_func=lambda d: dim_label.get(d, str(d)), placeholder=t("exchange.pick"),
                                            key=f"{prefix}_dims", select_all=False)
                offer_approaches = st.multiselect(t("exchange.offer_approaches"), list(approach_label),
                                                  default=[a for a in shown.get("approaches") or [] if a in approach_label],
                                                  format_func=approach_label.get, placeholder=t("exchange.pick"),
                                                  key=f"{prefix}_appr", select_all=False)
                c3, c4, c5 = st.columns(3)
                languages = c3.multiselect(t("exchange.offer_languages"), list(dict.fromkeys(
                    [*OFFER_LANGUAGES, *(shown.get("languages") or [])])), default=shown.get("languages") or [lang],
                                           format_func=language_name, key=f"{prefix}_lang", select_all=False)
                start = c4.date_input(t("exchange.available_from"), value=shown.get("available_from"),
                                      format="YYYY-MM-DD", key=f"{prefix}_from")
                end = c5.date_input(t("exchange.available_to"), value=shown.get("available_to"), format="YYYY-MM-DD",
                                    key=f"{prefix}_to")
                st.markdown(f"**{t('exchange.contact_person')}**")
                st.caption(t("exchange.contact_private"))
                c6, c7, c8 = st.columns(3)
                name = c6.text_input(t("exchange.contact_name"), value=shown_contact.get("name") or "", max_chars=120,
                                     key=f"{prefix}_cn")
                role = c7.text_input(t("exchange.contact_role"), value=shown_contact.get("role") or "", max_chars=120,
                                     key=f"{prefix}_cr")
                email = c8.text_input(t("exchange.contact_email"), value=shown_contact.get("email") or "",
                                      max_chars=200, key=f"{prefix}_ce")
                publish = st.form_submit_button(t("exchange.publish_offer") if current is None
                                                else t("exchange.save_offer"), type="primary", icon=":material/send:")
            if publish:
                try:
                    exchange.save_offer(con, user, city, {"kind": kind, "title": title, "summary": summary,
                                                          "languages": languages, "available_from": start,
                                                          "available_to": end, "dimensions": offer_dims,
                                                          "approaches": offer_approaches},
                                        {"name": name, "role": role, "email": email},
                                        offer_id=None if current is None else choice,
                                        base_version=int(shown.get("version") or 0), seen=seen)
                except (exchange.ExchangeRefused, exchange.ExchangeInvalid) as error:
                    refusal(error)
                else:
                    st.session_state.pop(base_key, None)
                    done("success", t("exchange.offer_published") if current is None else t("exchange.offer_saved"),
                         ":material/check_circle:")
            if current is not None and seen is not None and int(seen["version"]) != int(current["version"]):
                if st.button(t("exchange.reload_offer"), icon=":material/refresh:"):  # someone saved meanwhile
                    st.session_state.pop(base_key, None)
                    st.rerun()

    filtered = any(p in q for p in ("kind", "dimension", "language", "country"))
    with st.expander(t("exchange.filters_offers"), expanded=filtered, icon=":material/filter_list:"):
        c1, c2 = st.columns(2)
        c3, c4 = st.columns(2)
        with c1:
            kinds = q.multiselect(t("exchange.kind"), list(exchange.KINDS), "kind",
                                    format_func=lambda k: t(f"exchange.kinds.{k}"), placeholder=t("exchange.any"))
        with c2:
            want_dims = q.multiselect(t("exchange.dimension"), list(code_of.values()), "dimension",
                                        format_func=lambda c: dim_label.get(id_of_code.get(c), c),
                                        placeholder=t("exchange.any"))
        with c3:
            want_langs = q.multiselect(t("exchange.language"), sorted({c for ls in offers["languages"] for c in ls}),
                                         "language", format_func=language_name, placeholder=t("exchange.any"))
        with c4:
            countries = q.multiselect(t("exchange.country"), sorted(set(offers["country_code"])), "country",
                                        placeholder=t("exchange.any"))
    found = data.query("exchange_offers", kinds=kinds, dimensions=want_dims, languages=want_langs, countries=countries)
    st.markdown("**" + tn("exchange.count_offers", len(found)) + "**")
    if found.empty:
        st.info(t("exchange.no_offers") if not filtered else t("exchange.no_offers_filtered"), icon=":material/inbox:")
    if (found["provenance"] == "invented").any():
        st.caption(t("exchange.invented_note"))
    shown = st.session_state.get("exchange_offers_shown", PAGE_SIZE)
    for _, row in found.head(shown).iterrows():
        offer_card(row, key="list_")
        if city is not None and row["member_id"] == city:
            if st.button(t("exchange.withdraw"), key=f"withdraw_{row['id']}", icon=":material/remove_circle:",
                         help=t("exchange.withdraw_help")):
                try:
                    exchange.withdraw_offer(con, user, row["id"], int(row["version"]))
                except exchange.ExchangeRefused as error:
                    refusal(error)
                else:
                    done("info", t("exchange.offer_withdrawn"), ":material/remove_circle:")
    if len(found) > shown:
        if st.button(tn("exchange.show_more", min(PAGE_SIZE, len(found) - shown)), icon=":material/expand_more:"):
            st.session_state["exchange_offers_shown"] = shown + PAGE_SIZE
            st.rerun()

# ------------------------------------------------------------------------------------------------- counts
else:
    st.caption(t("exchange.counts_intro"))
    per_dim = data.query("exchange_per_dimension")
    table = pd.DataFrame({
        t("exchange.col_dimension"): [label(r, "short") or label(r) for _, r in per_dim.iterrows()],
        t("exchange.col_offers"): per_dim["offers"].astype(int),
        t("exchange.col_needs"): per_dim["needs"].astype(int),
        t("exchange.col_exchanges"): per_dim["exchanges"].astype(int),
    })
    st.subheader(t("exchange.per_dimension"))
    if int(per_dim[["offers", "needs", "exchanges"]].to_numpy().sum()) == 0:
        st.info(t("exchange.no_counts"), icon=":material/bar_chart:")
    else:
        top = max(int(per_dim[["offers", "needs", "exchanges"]].to_numpy().max()), 1)
        bars = {t(f"exchange.col_{c}"): st.column_config.ProgressColumn(t(f"exchange.col_{c}"), format="%d",
                                                                       min_value=0, max_value=top, width="small")
                for c in ("offers", "needs", "exchanges")}
        st.dataframe(table, hide_index=True, width="stretch", column_config=bars,  # the counts drawn as bars
                     height=37 * (len(table) + 1) + 6)  # every dimension at once, no inner scrolling
        chart_download(table, t("exchange.per_dimension"), "exchange_per_dimension")
    st.subheader(t("exchange.flows"))
    flows = data.query("exchange_flows")
    if flows.empty:
        st.info(t("exchange.no_flows"), icon=":material/swap_horiz:")
    else:
        name_col = "name_" + (lang if f"from_name_{lang}" in flows else "en")
        flow_table = pd.DataFrame({
            t("exchange.col_from"): flows[f"from_{name_col}"],
            t("exchange.col_to"): flows[f"to_{name_col}"],
            t("exchange.col_exchanges"): flows["exchanges"].astype(int),
        })
        st.dataframe(flow_table, hide_index=True, width="stretch")
        chart_download(flow_table, t("exchange.flows"), "exchange_flows")
    st.caption(t("exchange.counts_not_ranking"))

if user is not None and editable:
    st.page_link("pages/inbox.py", label=t("exchange.to_inbox"), icon=":material/inbox:")

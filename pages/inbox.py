"""/inbox?state=proposed&state=accepted: the exchange requests of the signed-in editor's cities, as the requesting
and as the offering city (every request for an admin). The offering city accepts; either city marks an accepted
exchange done or declines; each step shows its date and who took it. Writes go through alliance.exchange."""
import streamlit as st

from alliance import exchange
from alliance.app import data, session, url
from alliance.app.shell import ensure_app_shell
from alliance.app.ui import md_text, page_header, show_flash
from alliance.i18n import fmt_date, is_missing, t, tn

ensure_app_shell()  # first, before anything is drawn

STATE_ICONS = {"proposed": ":material/pending:", "accepted": ":material/handshake:", "done": ":material/task_alt:",
               "declined": ":material/block:"}
MOVE_ICONS = {"accepted": ":material/check:", "done": ":material/task_alt:", "declined": ":material/close:"}

page_header(t("inbox.title"), t("inbox.intro"))
q = url.page("inbox")
user = session.require_role("editor")
con = data.connection()

show_flash("inbox")

requests = exchange.inbox(con, user)
states = q.multiselect(t("inbox.state"), list(exchange.REQUEST_STATES), "state",
                       format_func=lambda s: t(f"exchange.state.{s}"), placeholder=t("inbox.any_state"))
shown = requests[requests["state"].isin(states)] if states else requests
waiting = sum(1 for _, r in requests.iterrows() if "accepted" in exchange.allowed_moves(user, r))
st.markdown("**" + tn("inbox.count", len(shown)) + "**" + (" · " + tn("inbox.waiting", waiting) if waiting else ""))
if requests.empty:
    st.info(t("inbox.empty"), icon=":material/inbox:")
    st.page_link("pages/exchange.py", label=t("inbox.to_exchange"), icon=":material/handshake:")
elif shown.empty:
    st.info(t("inbox.empty_filtered"), icon=":material/filter_list_off:")


def when(value) -> str:
    return "–" if is_missing(value) else f"{fmt_date(value)} {value:%H:%M}"


def step_lines(row) -> list[str]:
    lines = [t("inbox.step_proposed", date=when(row["proposed_at"]), username=row["proposed_by"])]
    for step in ("accepted", "done", "declined"):
        if not is_missing(row[f"{step}_at"]):
            lines.append(t(f"inbox.step_{step}", date=when(row[f"{step}_at"]), username=row[f"{step}_by"] or "–"))
    return lines


for _, row in shown.iterrows():
    mine = "requesting" if row["requesting_member_id"] in user.members else \
        ("offering" if row["offering_member_id"] in user.members else "admin")
    with st.container(border=True):
        state = t(f"exchange.state.{row['state']}")
        st.markdown(f"{STATE_ICONS[row['state']]} **{state}** · " + md_text(
            t("inbox.between", requesting=f"{row['requesting_name']} ({row['requesting_country']})",
              offering=f"{row['offering_name']} ({row['offering_country']})")))
        title = row["offer_title"] if not is_missing(row["offer_title"]) else row["offer_id"]
        kind = t(f"exchange.kinds.{row['offer_kind']}") if not is_missing(row["offer_kind"]) else ""
        st.markdown(f"#### {md_text(title)}")
        st.caption(" · ".join(filter(None, [kind, t(f"inbox.side_{mine}")])))
        if not is_missing(row["need_summary"]):
            st.markdown(f"**{t('inbox.need')}**")
            st.text(row["need_summary"])
        if not is_missing(row["message"]):
            st.markdown(f"**{t('inbox.message')}**")
            st.text(row["message"])
        st.markdown("\n".join("- " + md_text(line) for line in step_lines(row)))
        if row["provenance"] == "invented":
            st.caption(t("exchange.invented"))
        contact = exchange.contact_for(con, user, row["offer_id"])
        if contact and row["state"] in exchange.OPEN_REQUEST_STATES:
            role = f", {contact['role']}" if contact.get("role") else ""
            st.markdown(":material/contact_mail: " + md_text(t("exchange.contact", name=contact["name"] + role,
                                                               email=contact["email"])))
        moves = exchange.allowed_moves(user, row)
        if moves:
            buttons = st.container(horizontal=True)
            for target in moves:
                if buttons.button(t(f"inbox.move_{target}"), key=f"move_{row['id']}_{target}", icon=MOVE_ICONS[target],
                                  type="primary" if target in ("accepted", "done") else "secondary"):
                    try:
                        exchange.move_request(con, user, int(row["id"]), target, int(row["version"]))
                    except exchange.EditConflict as error:  # shown after a rerun, over the list as it is now
                        st.session_state["inbox_flash"] = ("error", t(
                            "inbox.conflict", username=error.by, state=t(f"exchange.state.{error.changes[0][1]}"),
                            date=when(error.at) if error.at else "–"), ":material/sync_problem:")
                        data.mark_changed()
                        st.rerun()
                    except exchange.ExchangeRefused as error:
                        st.error(str(error), icon=":material/block:")
                    else:
                        st.session_state["inbox_flash"] = ("success", t(f"inbox.moved_{target}"), MOVE_ICONS[target])
                        data.mark_changed()
                        st.rerun()
        elif row["state"] == "proposed" and mine == "requesting":
            st.caption(t("inbox.waiting_for_other"))

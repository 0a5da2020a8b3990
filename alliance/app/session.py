"""Sign-in in the app: who is signed in, the sign-in form, and the gate a page puts before writing.

Local accounts (alliance.auth) always work, offline too. OpenID Connect through `st.login` is offered only
when `[auth]` is configured in Streamlit's secrets; its e-mail is mapped to an account of the users table.

A reload starts a new Streamlit session: the sign-in survives it through a cookie holding a random token
(auth.start_session, SESSION_LIFETIME), written by a few lines of JavaScript since Streamlit only reads
cookies (st.context.cookies, as they were when the session opened).
"""
from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from alliance import auth
from alliance.app import data
from alliance.i18n import t

SESSION_KEY = "signed_in_user"
TOKEN_KEY = "sign_in_token"          # (token, expires_at) of this session's sign-in
SIGNED_OUT_KEY = "signed_out"        # signed out in this session: the cookie read at its start is void
ENDED_KEY = "sign_in_ended"          # the cookie's sign-in had ended: say so on the sign-in form
COOKIE_NAME = "alliance_sign_in"

_COOKIE_JS = """
export default function ({ data }) {
  if (!data || !data.name) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Max-Age=${data.max_age}; Path=/; SameSite=Strict${secure}`;
}
"""


@functools.cache
def _cookie_component():
    return st.components.v2.component("alliance_sign_in_cookie", js=_COOKIE_JS)


def _write_cookie(value: str, max_age: int) -> None:
    """Set (or, with max_age 0, delete) the sign-in cookie in the browser."""
    _cookie_component()(data={"name": COOKIE_NAME, "value": value, "max_age": max(int(max_age), 0)},
                        key="sign_in_cookie")


def _cookie_token() -> str | None:
    """The sign-in token the browser sent when this session opened (after a reload, a new tab)."""
    try:
        return st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser behind the session (AppTest, bare mode)
        return None


def oidc_configured() -> bool:
    """True when secrets hold an `[auth]` section; no secrets file at all is simply False."""
    try:
        return "auth" in st.secrets
    except Exception:  # StreamlitSecretNotFoundError, or an unreadable secrets file: no OpenID Connect
        return False


def _oidc_email() -> str | None:
    if not oidc_configured():
        return None
    try:
        if st.user.is_logged_in:
            return st.user.get("email")
    except Exception:
        return None
    return None


def current_user() -> auth.User | None:
    """The signed-in account, re-read from the database on every run (a removed account loses access at
    once), or None for a viewer."""
    con = data.connection()
    username = st.session_state.get(SESSION_KEY)
    if username:
        user = auth.get_user(con, username)
        if user is None:
            del st.session_state[SESSION_KEY]
        return user
    token = _cookie_token()
    if token and not st.session_state.get(SIGNED_OUT_KEY):
        user, expires = auth.session_user(con, token)
        if user is not None:
            st.session_state[SESSION_KEY] = user.username
            st.session_state[TOKEN_KEY] = (token, expires)
            return user
        st.session_state[ENDED_KEY] = True
    return auth.user_for_email(con, _oidc_email())


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        auth.end_session(data.connection(), token[0])
    st.session_state[SIGNED_OUT_KEY] = True  # the form then deletes the cookie too


@st.cache_data(show_spinner=False, max_entries=4)
def _demo_accounts(version: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return auth.demo_accounts(data.connection())


def sign_in_form(key: str = "sign_in") -> None:
    """The sign-in form; on success the page reruns signed in. Demo accounts are listed on demo data."""
    st.subheader(t("auth.sign_in_title"))
    st.caption(t("auth.sign_in_intro"))
    if st.session_state.pop(ENDED_KEY, False):
        st.info(t("auth.sign_in_ended", hours=int(auth.SESSION_LIFETIME.total_seconds() // 3600)),
                icon=":material/schedule:")
    if st.session_state.get(SIGNED_OUT_KEY):
        _write_cookie("", 0)
    with st.form(key, enter_to_submit=True):
        username = st.text_input(t("auth.username"), autocomplete="username")
        password = st.text_input(t("auth.password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("auth.sign_in"), type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error(t("auth.missing_fields"))
        else:
            result = auth.authenticate(data.connection(), username, password)
            if result.ok:
                st.session_state[SESSION_KEY] = result.user.username
                st.session_state[TOKEN_KEY] = auth.start_session(data.connection(), result.user.username)
                st.session_state.pop(SIGNED_OUT_KEY, None)
                st.rerun()
            elif result.reason == "locked":
                st.error(t("auth.locked", minutes=int(auth.LOCKOUT.total_seconds() // 60)))
            else:
                st.error(t("auth.invalid", max=auth.MAX_FAILED_ATTEMPTS))
    if oidc_configured():
        st.divider()
        if _oidc_email() and current_user() is None:
            st.warning(t("auth.oidc_unknown", email=_oidc_email()))
        if st.button(t("auth.oidc_sign_in"), key=f"{key}_oidc"):
            st.login()
    if data.is_demo_data():
        accounts = _demo_accounts(data.data_version())
        if accounts:
            lines = [t("auth.demo_accounts_intro")]
            for username, password, role, members in accounts:
                what = t("auth.demo_admin") if role == "admin" else t("auth.demo_editor", members=", ".join(members))
                lines.append(f"- `{username}` / `{password}`: {what}")
            st.info("\n".join(lines), icon=":material/key:")


def user_badge(user: auth.User) -> None:
    """Who is signed in, with the sign-out button, in the sidebar."""
    with st.sidebar:
        role = t(f"auth.role_{user.role}")
        st.caption(t("auth.signed_in_as", username=user.username, role=role))
        if st.button(t("auth.sign_out"), key="sign_out", icon=":material/logout:"):
            sign_out()
            if _oidc_email():
                st.logout()
            st.rerun()
        token = st.session_state.get(TOKEN_KEY)
        if token:  # drawn on every run while signed in: the browser keeps the cookie until the sign-in ends
            token_value, expires = token
            _write_cookie(token_value, (expires - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds())


def require_role(role: str = "editor") -> auth.User:
    """The signed-in user when they have `role` (an admin has every role); otherwise the sign-in form or a
    refusal is shown and the page stops here."""
    if role not in auth.ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = current_user()
    if user is None:
        sign_in_form()
        st.stop()
    user_badge(user)
    if role == "admin" and not user.is_admin:
        st.error(t("auth.admin_only"), icon=":material/block:")
        st.stop()
    return user

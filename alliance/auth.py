"""Accounts and roles, without Streamlit: password hashing, sign-in with lockout, who may write for whom.

Roles: viewers need no account; an editor may write only for the members listed in `user_members`; an
admin may do everything. Passwords are hashed with argon2 (argon2-cffi) and never stored or logged in clear.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import dataclass, field

import duckdb
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from alliance.db import write_transaction

ROLES = ("editor", "admin")
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
# How long a sign-in lasts across page reloads (a working day); it ends sooner at sign-out.
SESSION_LIFETIME = dt.timedelta(hours=12)
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@+-]{1,63}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# Accounts created in demonstration databases only, so that a newcomer can try /assess. Their passwords are
# published on the sign-in form of demonstration data: never use them for real data.
DEMO_ACCOUNTS = (
    ("editor-aarhus", "demo-editor-2015", "editor", ("aarhus-dk",)),
    ("admin", "demo-admin-2015", "admin", ()),
    ("editor-liege", "demo-editor-2015", "editor", ("liege-be",)),  # agreed to review other cities' rounds
)

# The test suite sets ALLIANCE_CHEAP_PASSWORD_HASHING=1 (tests/conftest.py): argon2's cheapest parameters, for a
# suite that builds accounts and signs in hundreds of times (120 ms and 64 MiB each with the real ones). Never set
# it for real accounts: a hash keeps the parameters it was made with, and these are weak.
_hasher = (PasswordHasher.from_parameters(profiles.CHEAPEST)
           if os.environ.get("ALLIANCE_CHEAP_PASSWORD_HASHING") == "1" else PasswordHasher())
# Verified against when the username is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password: timing equaliser")


class AccountError(ValueError):
    """An account operation was refused; the message says which field and why."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    members: frozenset[str] = field(default_factory=frozenset)
    email: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: `user` when accepted, else `reason` ('invalid' or 'locked')."""
    user: User | None
    reason: str | None = None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def can_edit(user: User | None, member_id: str) -> bool:
    """Admins may write for every member, editors only for the members they were given, viewers never."""
    if user is None:
        return False
    return user.is_admin or member_id in user.members


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored as naive UTC


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters long")
    if password != password.strip():
        raise AccountError("password: must not start or end with a space")


def add_user(con: duckdb.DuckDBPyConnection, username: str, password: str | None, role: str,
             members: list[str] | tuple[str, ...] = (), email: str | None = None) -> User:
    """Create an account in one transaction. `password` may be None only for an account that signs in
    through OpenID Connect (it then needs an e-mail). Refused with AccountError, writing nothing."""
    username = (username or "").strip()
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError(f"username {username!r}: use 2-64 lower-case letters, digits or . _ @ + -, "
                           "starting with a letter or digit")
    if role not in ROLES:
        raise AccountError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if email is not None:
        email = email.strip().lower()
        if not EMAIL_PATTERN.fullmatch(email):
            raise AccountError(f"email {email!r}: not an e-mail address")
    if password is None:
        if email is None:
            raise AccountError("password: needed unless the account signs in with OpenID Connect (--email)")
    else:
        check_password(password)
    members = list(dict.fromkeys(m.strip() for m in members if m.strip()))
    if role == "editor" and not members:
        raise AccountError("member: an editor needs at least one member (city) to write for")
    password_hash = hash_password(password) if password is not None else None

    def work(cur) -> None:
        if cur.execute("SELECT 1 FROM users WHERE username = $u", {"u": username}).fetchone():
            raise AccountError(f"username {username!r}: an account with this name already exists")
        if email and cur.execute("SELECT 1 FROM users WHERE email = $e", {"e": email}).fetchone():
            raise AccountError(f"email {email!r}: already used by another account")
        known = {r[0] for r in cur.execute("SELECT id FROM members WHERE id IN (SELECT unnest($ids))",
                                           {"ids": members or [""]}).fetchall()}
        unknown = [m for m in members if m not in known]
        if unknown:
            raise AccountError(f"member {', '.join(unknown)}: no such member id")
        cur.execute("INSERT INTO users (username, password_hash, role, email, created_at) VALUES ($u, $h, $r, $e, $t)",
                    {"u": username, "h": password_hash, "r": role, "e": email, "t": _now()})
        for member_id in members:
            cur.execute("INSERT INTO user_members VALUES ($u, $m)", {"u": username, "m": member_id})

    write_transaction(con, work)
    return User(username, role, frozenset(members), email)


def remove_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Delete an account and its member grants (the assessment history keeps the name it saved under)."""
    def work(cur) -> None:
        if not cur.execute("SELECT 1 FROM users WHERE username = $u", {"u": username}).fetchone():
            raise AccountError(f"username {username!r}: no such account")
        cur.execute("DELETE FROM user_members WHERE username = $u", {"u": username})
        cur.execute("DELETE FROM users WHERE username = $u", {"u": username})
        # the account's sign-ins end, and its unsaved answers go with it
        cur.execute("DELETE FROM sign_in_sessions WHERE username = $u", {"u": username})
        cur.execute("DELETE FROM assessment_edits WHERE username = $u", {"u": username})

    write_transaction(con, work)


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> None:
    """Replace an account's password (for an administrator's reset); also lifts a lockout."""
    check_password(password)
    password_hash = hash_password(password)

    def work(cur) -> None:
        if not cur.execute("SELECT 1 FROM users WHERE username = $u", {"u": username}).fetchone():
            raise AccountError(f"username {username!r}: no such account")
        cur.execute("UPDATE users SET password_hash = $h, failed_attempts = 0, locked_until = NULL "
                    "WHERE username = $u", {"u": username, "h": password_hash})
        cur.execute("DELETE FROM sign_in_sessions WHERE username = $u", {"u": username})  # signed out everywhere

    write_transaction(con, work)


def unlock(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Lift a lockout before it expires (an administrator who knows the person)."""
    def work(cur) -> None:
        if not cur.execute("SELECT 1 FROM users WHERE username = $u", {"u": username}).fetchone():
            raise AccountError(f"username {username!r}: no such account")
        cur.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = $u", {"u": username})

    write_transaction(con, work)


def _users(con: duckdb.DuckDBPyConnection, where: str = "", params: dict | None = None) -> list[dict]:
    cur = con.cursor()
    try:
        rows = cur.execute(
            "SELECT u.username, u.role, u.email, u.created_at, u.failed_attempts, u.locked_until, "
            "       list(m.member_id ORDER BY m.member_id) FILTER (WHERE m.member_id IS NOT NULL) "
            "FROM users u LEFT JOIN user_members m USING (username) " + where +
            " GROUP BY ALL ORDER BY u.username", params or {}).fetchall()
    finally:
        cur.close()
    keys = ("username", "role", "email", "created_at", "failed_attempts", "locked_until", "members")
    return [dict(zip(keys, r)) | {"members": r[6] or []} for r in rows]


def list_users(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every account with its role, e-mail, members, creation time and lockout state (never the hash)."""
    return _users(con)


def _as_user(row: dict) -> User:
    return User(row["username"], row["role"], frozenset(row["members"]), row["email"])


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    rows = _users(con, "WHERE u.username = $u", {"u": username})
    return _as_user(rows[0]) if rows else None


def user_for_email(con: duckdb.DuckDBPyConnection, email: str | None) -> User | None:
    """The account an OpenID Connect identity maps to, by e-mail (case-insensitive); None when unknown."""
    if not email:
        return None
    rows = _users(con, "WHERE u.email = $e", {"e": email.strip().lower()})
    return _as_user(rows[0]) if rows else None


def authenticate(con: duckdb.DuckDBPyConnection, username: str, password: str,
                 now: dt.datetime | None = None) -> SignIn:
    """Check a username and password. After MAX_FAILED_ATTEMPTS wrong passwords in a row the account is
    locked for LOCKOUT, even to the right password; a success resets the count."""
    now = now or _now()
    username = (username or "").strip().lower()
    cur = con.cursor()
    try:
        row = cur.execute("SELECT password_hash, failed_attempts, locked_until FROM users WHERE username = $u",
                          {"u": username}).fetchone()
        if row is None:
            verify_password(_DUMMY_HASH, password or "")
            return SignIn(None, "invalid")
        password_hash, _failed, locked_until = row
        if locked_until is not None and locked_until > now:
            return SignIn(None, "locked", locked_until)
        if verify_password(password_hash, password or ""):
            params = {"u": username}
            if _hasher.check_needs_rehash(password_hash):
                cur.execute("UPDATE users SET password_hash = $h WHERE username = $u",
                            {"u": username, "h": hash_password(password)})
            cur.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = $u", params)
            return SignIn(get_user(con, username))
        # counted in one statement, so that simultaneous wrong guesses all count
        cur.execute("UPDATE users SET failed_attempts = failed_attempts + 1 WHERE username = $u", {"u": username})
        failed = cur.execute("SELECT failed_attempts FROM users WHERE username = $u", {"u": username}).fetchone()[0]
        if failed >= MAX_FAILED_ATTEMPTS:
            until = now + LOCKOUT
            cur.execute("UPDATE users SET failed_attempts = 0, locked_until = $t WHERE username = $u",
                        {"u": username, "t": until})
            return SignIn(None, "locked", until)
        return SignIn(None, "invalid")
    finally:
        cur.close()


# ------------------------------------------------------------------------------ sign-ins that survive a reload

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(con: duckdb.DuckDBPyConnection, username: str, now: dt.datetime | None = None,
                  lifetime: dt.timedelta = SESSION_LIFETIME) -> tuple[str, dt.datetime]:
    """A new sign-in for `username`: a random token for the browser's cookie and when it ends. Only the
    token's SHA-256 is stored; ended sign-ins of every account are purged here."""
    now = now or _now()
    token, expires = secrets.token_urlsafe(32), now + lifetime

    def work(cur) -> None:
        cur.execute("DELETE FROM sign_in_sessions WHERE expires_at <= $t", {"t": now})
        cur.execute("INSERT INTO sign_in_sessions VALUES ($h, $u, $t, $e)",
                    {"h": _token_hash(token), "u": username, "t": now, "e": expires})

    write_transaction(con, work)
    return token, expires


def session_user(con: duckdb.DuckDBPyConnection, token, now: dt.datetime | None = None
                 ) -> tuple[User | None, dt.datetime | None]:
    """The account a sign-in token belongs to while it lasts, and when it ends; (None, None) for an ended,
    unknown or malformed token, or a removed account."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None, None
    cur = con.cursor()
    try:
        row = cur.execute("SELECT username, expires_at FROM sign_in_sessions WHERE token_hash = $h AND expires_at > $t",
                          {"h": _token_hash(token), "t": now or _now()}).fetchone()
    finally:
        cur.close()
    user = get_user(con, row[0]) if row else None
    return (user, row[1]) if user else (None, None)


def end_session(con: duckdb.DuckDBPyConnection, token) -> None:
    """Sign-out: the token no longer signs anyone in."""
    if isinstance(token, str):
        write_transaction(con, lambda cur: cur.execute("DELETE FROM sign_in_sessions WHERE token_hash = $h",
                                                        {"h": _token_hash(token)}))


def add_demo_users(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create DEMO_ACCOUNTS in a demonstration database (refused in any other). Runs on `con` itself, inside
    the caller's transaction (the demo build). Editors whose member is not in the database (a small build)
    are skipped. Returns the names created."""
    demo = con.execute("SELECT value FROM dataset_info WHERE key = 'demo'").fetchone()
    if not demo or demo[0] != "true":
        raise AccountError("demo accounts: only demonstration databases (dataset_info demo = true) get them")
    existing = {r[0] for r in con.execute("SELECT username FROM users").fetchall()}
    member_ids = {r[0] for r in con.execute("SELECT id FROM members").fetchall()}
    created = []
    for username, password, role, members in DEMO_ACCOUNTS:
        if username in existing or not set(members) <= member_ids:
            continue
        con.execute("INSERT INTO users (username, password_hash, role, created_at) VALUES ($u, $h, $r, $t)",
                    {"u": username, "h": hash_password(password), "r": role, "t": _now()})
        for member_id in members:
            con.execute("INSERT INTO user_members VALUES ($u, $m)", {"u": username, "m": member_id})
        created.append(username)
    return created


def demo_accounts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The demonstration accounts of this database that still have their published password."""
    cur = con.cursor()
    try:
        hashes = dict(cur.execute("SELECT username, password_hash FROM users").fetchall())
    finally:
        cur.close()
    return [a for a in DEMO_ACCOUNTS if a[0] in hashes and verify_password(hashes[a[0]], a[1])]

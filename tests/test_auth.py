"""Accounts: hashing, sign-in with lockout, roles, and the demonstration accounts."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from alliance import auth, db


def count(con, sql: str, **params) -> int:
    return con.execute(sql, params).fetchone()[0]


def test_hash_is_argon2_and_verifies_only_the_right_password():
    hashed = auth.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "correct horse battery" not in hashed
    assert auth.verify_password(hashed, "correct horse battery")
    assert not auth.verify_password(hashed, "correct horse batterY")
    assert not auth.verify_password(None, "anything")
    assert not auth.verify_password("not-a-hash", "anything")


def test_real_accounts_get_argon2s_default_cost_and_only_the_tests_switch_lowers_it():
    """The suite hashes cheaply (tests/conftest.py); a process without the switch uses argon2-cffi's defaults."""
    import os
    import subprocess
    import sys

    from argon2 import PasswordHasher

    code = "from alliance import auth; print(auth.hash_password('x'))"
    env = {k: v for k, v in os.environ.items() if k != "ALLIANCE_CHEAP_PASSWORD_HASHING"}
    real = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    default = PasswordHasher()
    assert real.startswith(f"$argon2id$v=19$m={default.memory_cost},t={default.time_cost},p={default.parallelism}$")
    assert default.memory_cost >= 65536
    cheap = subprocess.run([sys.executable, "-c", code], env=env | {"ALLIANCE_CHEAP_PASSWORD_HASHING": "1"},
                           capture_output=True, text=True, check=True).stdout
    assert cheap.startswith("$argon2id$") and f"m={default.memory_cost}," not in cheap


def test_add_user_stores_a_hash_never_the_password(con):
    user = auth.add_user(con, "maria", "a long secret 42", "editor", ["aarhus-dk", "liege-be"],
                         email="Maria@Example.org")
    assert user.members == {"aarhus-dk", "liege-be"}
    stored = con.execute("SELECT * FROM users WHERE username = 'maria'").fetchone()
    assert all("a long secret 42" not in str(value) for value in stored)
    assert auth.get_user(con, "maria") == auth.User("maria", "editor", frozenset({"aarhus-dk", "liege-be"}),
                                                    "maria@example.org")
    listed = {u["username"]: u for u in auth.list_users(con)}
    assert "password_hash" not in listed["maria"]
    assert listed["maria"]["members"] == ["aarhus-dk", "liege-be"]


@pytest.mark.parametrize("kwargs, field", [
    ({"username": "Bad Name"}, "username"),
    ({"username": "x"}, "username"),
    ({"role": "viewer"}, "role"),
    ({"password": "short"}, "password"),
    ({"password": " padded password "}, "password"),
    ({"members": ["nowhere-xx"]}, "member nowhere-xx"),
    ({"members": []}, "member"),
    ({"email": "not-an-address"}, "email"),
    ({"password": None}, "password"),
])
def test_add_user_refuses_bad_input_and_writes_nothing(con, kwargs, field):
    args = {"username": "newcomer", "password": "a long secret 42", "role": "editor", "members": ["aarhus-dk"]}
    args.update(kwargs)
    before = count(con, "SELECT count(*) FROM users"), count(con, "SELECT count(*) FROM user_members")
    with pytest.raises(auth.AccountError) as refused:
        auth.add_user(con, args["username"], args["password"], args["role"], args["members"], args.get("email"))
    assert str(refused.value).startswith(field)
    assert (count(con, "SELECT count(*) FROM users"), count(con, "SELECT count(*) FROM user_members")) == before


def test_duplicate_username_and_email_are_refused(con):
    auth.add_user(con, "maria", "a long secret 42", "admin", email="maria@example.org")
    with pytest.raises(auth.AccountError, match="already exists"):
        auth.add_user(con, "maria", "another secret 42", "admin")
    with pytest.raises(auth.AccountError, match="email"):
        auth.add_user(con, "maria2", "another secret 42", "admin", email="MARIA@example.org")


def test_authenticate_accepts_the_right_password_only(con):
    auth.add_user(con, "maria", "a long secret 42", "editor", ["aarhus-dk"])
    ok = auth.authenticate(con, "maria", "a long secret 42")
    assert ok.ok and ok.user.username == "maria" and ok.user.members == {"aarhus-dk"}
    assert auth.authenticate(con, " Maria ", "a long secret 42").ok  # names are lower-case, spaces trimmed
    wrong = auth.authenticate(con, "maria", "a long secret 43")
    assert not wrong.ok and wrong.reason == "invalid"
    unknown = auth.authenticate(con, "nobody", "a long secret 42")
    assert not unknown.ok and unknown.reason == "invalid"  # same answer as a wrong password


def test_lockout_after_repeated_failures_then_release(con):
    auth.add_user(con, "maria", "a long secret 42", "editor", ["aarhus-dk"])
    start = dt.datetime(2026, 5, 1, 12, 0)
    for attempt in range(auth.MAX_FAILED_ATTEMPTS - 1):
        assert auth.authenticate(con, "maria", f"guess {attempt}", now=start).reason == "invalid"
    locked = auth.authenticate(con, "maria", "last guess", now=start)
    assert locked.reason == "locked" and locked.locked_until == start + auth.LOCKOUT
    # while locked, even the right password is refused
    assert auth.authenticate(con, "maria", "a long secret 42", now=start + dt.timedelta(minutes=14)).reason == "locked"
    later = auth.authenticate(con, "maria", "a long secret 42", now=start + auth.LOCKOUT + dt.timedelta(seconds=1))
    assert later.ok
    assert con.execute("SELECT failed_attempts, locked_until FROM users WHERE username = 'maria'").fetchone() == (0, None)


def test_a_success_resets_the_failure_count(con):
    auth.add_user(con, "maria", "a long secret 42", "editor", ["aarhus-dk"])
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        auth.authenticate(con, "maria", "wrong password")
    assert auth.authenticate(con, "maria", "a long secret 42").ok
    assert auth.authenticate(con, "maria", "wrong password").reason == "invalid"  # counting starts again


def test_can_edit_by_role():
    editor = auth.User("e", "editor", frozenset({"aarhus-dk"}))
    admin = auth.User("a", "admin")
    assert auth.can_edit(editor, "aarhus-dk")
    assert not auth.can_edit(editor, "liege-be")
    assert auth.can_edit(admin, "liege-be")
    assert not auth.can_edit(None, "aarhus-dk")


def test_remove_user_removes_account_and_grants(con):
    auth.add_user(con, "maria", "a long secret 42", "editor", ["aarhus-dk"])
    auth.remove_user(con, "maria")
    assert auth.get_user(con, "maria") is None
    assert count(con, "SELECT count(*) FROM user_members WHERE username = 'maria'") == 0
    assert not auth.authenticate(con, "maria", "a long secret 42").ok
    with pytest.raises(auth.AccountError, match="no such account"):
        auth.remove_user(con, "maria")


def test_email_maps_to_the_account(con):
    auth.add_user(con, "maria", None, "editor", ["aarhus-dk"], email="maria@example.org")
    assert auth.user_for_email(con, "MARIA@example.org").username == "maria"
    assert auth.user_for_email(con, "other@example.org") is None
    assert auth.user_for_email(con, None) is None
    assert not auth.authenticate(con, "maria", "").ok  # no local password: no local sign-in


def test_demo_database_has_the_published_accounts(con):
    published = {name: (password, role, members) for name, password, role, members in auth.demo_accounts(con)}
    assert set(published) == {"editor-aarhus", "admin", "editor-liege"}
    for name, (password, role, members) in published.items():
        signed_in = auth.authenticate(con, name, password)
        assert signed_in.ok and signed_in.user.role == role and signed_in.user.members == set(members)


def test_demo_accounts_with_a_changed_password_are_not_published(con):
    con.execute("UPDATE users SET password_hash = $h WHERE username = 'admin'",
                {"h": auth.hash_password("a private password")})
    assert [a[0] for a in auth.demo_accounts(con)] == ["editor-aarhus", "editor-liege"]


def test_demo_accounts_only_in_demo_databases(tmp_path):
    con = duckdb.connect(str(tmp_path / "real.duckdb"))
    db.apply_schema(con)
    con.execute("INSERT INTO dataset_info VALUES ('demo', 'false')")
    with pytest.raises(auth.AccountError, match="demonstration"):
        auth.add_demo_users(con)
    assert count(con, "SELECT count(*) FROM users") == 0


def test_set_password_and_unlock(con):
    auth.add_user(con, "maria", "a long secret 42", "editor", ["aarhus-dk"])
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        auth.authenticate(con, "maria", "wrong password")
    assert auth.authenticate(con, "maria", "a long secret 42").reason == "locked"
    auth.unlock(con, "maria")
    assert auth.authenticate(con, "maria", "a long secret 42").ok
    with pytest.raises(auth.AccountError, match="password"):
        auth.set_password(con, "maria", "short")
    auth.set_password(con, "maria", "a new long secret")
    assert not auth.authenticate(con, "maria", "a long secret 42").ok
    assert auth.authenticate(con, "maria", "a new long secret").ok
    with pytest.raises(auth.AccountError, match="no such account"):
        auth.unlock(con, "nobody")


# ------------------------------------------------------------------------------ sign-ins that survive a reload

def test_a_sign_in_token_lasts_its_lifetime_and_only_its_hash_is_stored(con):
    now = dt.datetime(2026, 5, 4, 9, 0)
    token, expires = auth.start_session(con, "editor-aarhus", now=now)
    assert expires == now + auth.SESSION_LIFETIME and len(token) >= 40
    stored = con.execute("SELECT token_hash FROM sign_in_sessions").fetchall()
    assert stored and all(token not in row[0] for row in stored)
    user, until = auth.session_user(con, token, now=now + dt.timedelta(hours=11))
    assert user.username == "editor-aarhus" and until == expires
    assert auth.session_user(con, token, now=expires) == (None, None)  # ended
    for forged in (None, "", "x" * 43, token + "x", 42):
        assert auth.session_user(con, forged, now=now) == (None, None)


def test_sign_out_ends_the_token_and_ended_ones_are_purged(con):
    now = dt.datetime(2026, 5, 4, 9, 0)
    old, _ = auth.start_session(con, "admin", now=now - dt.timedelta(days=2))
    token, _ = auth.start_session(con, "admin", now=now)
    assert count(con, "SELECT count(*) FROM sign_in_sessions") == 1  # the ended one went at this sign-in
    auth.end_session(con, token)
    assert auth.session_user(con, token, now=now) == (None, None)
    assert count(con, "SELECT count(*) FROM sign_in_sessions") == 0 and old


def test_removing_an_account_or_its_password_ends_its_sign_ins(con):
    now = dt.datetime(2026, 5, 4, 9, 0)
    token, _ = auth.start_session(con, "editor-aarhus", now=now)
    auth.set_password(con, "editor-aarhus", "a new password 2026")
    assert auth.session_user(con, token, now=now) == (None, None)
    token, _ = auth.start_session(con, "editor-aarhus", now=now)
    auth.remove_user(con, "editor-aarhus")
    assert auth.session_user(con, token, now=now) == (None, None)
    assert count(con, "SELECT count(*) FROM sign_in_sessions WHERE username = 'editor-aarhus'") == 0

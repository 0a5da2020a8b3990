"""`python -m alliance users add|list|remove`: exit codes, messages, and the password never on argv or output."""
from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from alliance import auth, cli

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long secret 42"


def run(argv: list[str], monkeypatch, capsys, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_remove(writable_db, monkeypatch, capsys):
    code, out, err = run(["users", "add", "maria", "--role", "editor", "--member", "aarhus-dk", "--member",
                          "liege-be", "--db", str(writable_db)], monkeypatch, capsys, PASSWORD + "\n")
    assert (code, err) == (0, "")
    assert "maria" in out and PASSWORD not in out
    con = duckdb.connect(str(writable_db), read_only=True)
    hashed = con.execute("SELECT password_hash FROM users WHERE username = 'maria'").fetchone()[0]
    assert auth.verify_password(hashed, PASSWORD)  # the trailing newline is not part of the password
    con.close()

    code, out, _ = run(["users", "list", "--db", str(writable_db)], monkeypatch, capsys)
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("maria "))
    assert "aarhus-dk, liege-be" in line and "$argon2" not in out

    code, out, _ = run(["users", "remove", "maria", "--db", str(writable_db)], monkeypatch, capsys)
    assert code == 0
    code, out, _ = run(["users", "list", "--db", str(writable_db)], monkeypatch, capsys)
    assert "maria " not in out and "editor-aarhus" in out


def test_rejected_input_exits_1_with_the_reason(writable_db, monkeypatch, capsys):
    base = ["users", "add", "bob", "--role", "editor", "--db", str(writable_db)]
    code, _, err = run(base + ["--member", "nowhere-xx"], monkeypatch, capsys, PASSWORD + "\n")
    assert code == 1 and "nowhere-xx" in err and "no such member" in err
    code, _, err = run(base + ["--member", "aarhus-dk"], monkeypatch, capsys, "short\n")
    assert code == 1 and err.startswith("password:") and "short" not in err
    code, _, err = run(["users", "add", "editor-aarhus", "--role", "admin", "--db", str(writable_db)],
                       monkeypatch, capsys, PASSWORD + "\n")
    assert code == 1 and "already exists" in err
    code, _, err = run(["users", "remove", "nobody", "--db", str(writable_db)], monkeypatch, capsys)
    assert code == 1 and "no such account" in err
    con = duckdb.connect(str(writable_db), read_only=True)
    assert con.execute("SELECT count(*) FROM users WHERE username IN ('bob', 'nobody')").fetchone()[0] == 0


def test_usage_errors_exit_2(writable_db, monkeypatch, capsys):
    assert run(["users"], monkeypatch, capsys)[0] == 2
    assert run(["users", "add", "bob", "--role", "viewer", "--member", "aarhus-dk"], monkeypatch, capsys)[0] == 2
    # an editor without a city, and no way to pass a password on the command line
    assert run(["users", "add", "bob", "--role", "editor", "--db", str(writable_db)], monkeypatch, capsys)[0] == 2
    assert run(["users", "add", "bob", "--role", "admin", "--password", PASSWORD], monkeypatch, capsys)[0] == 2


def test_a_database_held_by_another_process_is_refused_clearly(writable_db):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(writable_db)!r})\nprint('ready', flush=True)\n"
                               "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        started = time.time()
        done = subprocess.run([sys.executable, "-m", "alliance", "users", "list", "--db", str(writable_db)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, done.stderr
        assert str(writable_db) in done.stderr and "another process" in done.stderr
        assert "Traceback" not in done.stderr
        assert time.time() - started < 60
    finally:
        holder.kill()
        holder.wait()


def test_an_openid_connect_account_needs_no_password(writable_db, monkeypatch, capsys):
    code, _, err = run(["users", "add", "jo", "--role", "admin", "--no-password", "--db", str(writable_db)],
                       monkeypatch, capsys)
    assert code == 1 and "email" in err.lower()
    code, out, err = run(["users", "add", "jo", "--role", "admin", "--no-password", "--email", "Jo@City.example",
                          "--db", str(writable_db)], monkeypatch, capsys)
    assert (code, err) == (0, "")
    code, out, _ = run(["users", "list", "--db", str(writable_db)], monkeypatch, capsys)
    assert "<jo@city.example>" in out

"""`python -m alliance COMMAND`: exit 0 on success, 1 on rejected input, 2 on wrong usage."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alliance.paths import database_path


def cmd_build_demo(args: argparse.Namespace) -> int:
    from alliance.demo import DEFAULT_ACTIVITIES, DEFAULT_ROUNDS, build_demo

    out = Path(args.out) if args.out else database_path()
    report = build_demo(out, cities=args.cities, activities=args.activities or DEFAULT_ACTIVITIES,
                        rounds=args.rounds or DEFAULT_ROUNDS, seed=args.seed)
    print(f"Built {report.path}: {report.members:,} members, {report.activities:,} activities, "
          f"{report.assessments:,} assessments ({report.scores:,} scores) in {report.seconds:.1f} s")
    return 0


def _counts(text: str) -> list[int] | None:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        return None
    return values if all(0 < v <= 2000 for v in values) else None


def cmd_bench(args: argparse.Namespace) -> int:
    from alliance import bench

    if args.load is not None:
        from alliance.app import load

        phones, viewers = _counts(args.load), (_counts(args.viewers) if args.viewers else [])
        paths = [p.strip() for p in args.paths.split(",") if p.strip()]
        if phones is None or viewers is None or not set(paths) <= {"streamlit", "light"} or not 0 < args.arrive <= 120:
            print("bench: --load and --viewers take counts 1-2000 (e.g. 50,500), --paths streamlit,light, "
                  "--arrive 1-120 s", file=sys.stderr)
            return 2
        if not 0 <= args.qa <= 2000 or not 1 <= args.qa_votes <= load.QA_SEEDED:
            print(f"bench: --qa takes 0-2000 phones, --qa-votes 1-{load.QA_SEEDED}", file=sys.stderr)
            return 2
        load.run(phones, viewers, paths, args.arrive, Path(args.out or "bench/load.json"), qa_phones=args.qa,
                 qa_votes=args.qa_votes)
        return 0
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = set(datasets) - {"demo", "scale"}
    if unknown:
        print(f"bench: unknown dataset {', '.join(sorted(unknown))} (use demo, scale)", file=sys.stderr)
        return 2
    if args.api:
        bench.run_api(datasets, Path(args.out or "bench/api.json"))
        return 0
    bench.run(datasets, runs=args.runs, browser=not args.no_browser, out=Path(args.out or "bench/results.json"))
    return 0


def cmd_cluster_init(args: argparse.Namespace) -> int:
    """Cluster mode: create the PostgreSQL schema named by ALLIANCE_DATABASE_URL and, when it holds no data yet,
    fill it from a DuckDB file (the demonstration data by default)."""
    import duckdb

    from alliance import store
    from alliance.startup import ensure_database

    if not store.cluster_url():
        print(f"cluster-init: set {store.URL_ENV}=postgresql://USER@HOST:PORT/DATABASE", file=sys.stderr)
        return 2
    try:
        shared = store.get()
        if not shared.is_empty():
            print(f"PostgreSQL already holds data (version {shared.current_version()}); nothing copied")
            return 0
        path = ensure_database(Path(args.db) if args.db else database_path())
        source = duckdb.connect(str(path), read_only=True)
        counts = shared.load_from(source)
        source.close()
    except (store.StoreUnavailable, duckdb.Error) as error:
        print(f"cluster-init: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - psycopg's connection errors, said in one line
        print(f"cluster-init: {str(error).splitlines()[0] if str(error) else type(error).__name__}", file=sys.stderr)
        return 1
    print(f"Copied {sum(counts.values()):,} rows of {len(counts)} tables from {path} into PostgreSQL")
    return 0


def _cluster_connection(action: str):
    """Cluster mode (ALLIANCE_DATABASE_URL): a fresh read copy of PostgreSQL whose writes go to PostgreSQL through
    the one writer, as the app's do (so every process sees them); None after saying why on stderr."""
    from alliance import store

    try:
        return store.get().open_local(store.read_copy_path())
    except Exception as exc:  # noqa: BLE001 - psycopg's errors: the server is away or refuses the connection
        print(f"{action} refused: the cluster database ({store.URL_ENV}) cannot be reached: {exc}", file=sys.stderr)
        return None


def _writes_go_to_the_cluster() -> bool:
    from alliance import store

    return store.cluster_url() is not None


def _open_for_users(db_path: str | None):
    """The database for account commands (built as demonstration data when missing), or None with the
    reason on stderr when another process (the running app) holds its lock. In cluster mode: PostgreSQL."""
    import duckdb

    from alliance import db
    from alliance.startup import ensure_database

    if _writes_go_to_the_cluster():
        return _cluster_connection("Account change")
    path = ensure_database(Path(db_path) if db_path else database_path())
    try:
        con = db.connect(path)
    except duckdb.IOException as exc:
        print(f"database {path}: cannot open it, another process (the app?) holds it: {exc}", file=sys.stderr)
        return None
    db.apply_schema(con)
    return con


def _read_new_password() -> str:
    """From a prompt (asked twice) on a terminal, else the first line of stdin: never from argv."""
    import getpass

    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise ValueError("password: the two entries differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_poll_retention(args: argparse.Namespace) -> int:
    from alliance import poll, qa

    if args.days < 0:
        print("--days: 0 or more", file=sys.stderr)
        return 2
    con = _open_for_users(args.db)
    if con is None:
        return 1
    try:
        removed = qa.forget_texts(con, args.days)
    except poll.PollError as exc:
        print(f"poll-retention: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"Removed {removed['open_answers']:,} open answers and {removed['qa_questions']:,} Q&A question texts "
          f"of polls closed more than {args.days} days ago; counts and votes are kept.")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from alliance import auth

    if args.users_command == "add" and args.role == "editor" and not args.member:
        print("member: an editor needs at least one --member ID", file=sys.stderr)
        return 2
    con = _open_for_users(args.db)
    if con is None:
        return 1
    try:
        if args.users_command == "add":
            password = None if args.no_password else _read_new_password()
            user = auth.add_user(con, args.name, password, args.role, args.member or [], args.email)
            print(f"Added {user.role} {user.username}" + (f" for {', '.join(sorted(user.members))}"
                                                          if user.members else ""))
        elif args.users_command == "remove":
            auth.remove_user(con, args.name)
            print(f"Removed {args.name}")
        else:
            rows = auth.list_users(con)
            if not rows:
                print("No accounts.")
            for row in rows:
                locked = f"  locked until {row['locked_until']:%Y-%m-%d %H:%M} UTC" if row["locked_until"] else ""
                members = "(all members)" if row["role"] == "admin" else ", ".join(row["members"])
                email = f"  <{row['email']}>" if row["email"] else ""
                print(f"{row['username']:<24} {row['role']:<7} {members}{email}{locked}")
    except (auth.AccountError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def _expand(files: list[str]) -> list[Path]:
    """Files as given; a folder stands for every CSV and XLSX file in it (an export folder, say)."""
    paths = []
    for name in files:
        path = Path(name)
        if path.is_dir():
            paths += sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))
        else:
            paths.append(path)
    return paths


DRY_RUN_CHANGES = 200  # changed fields a dry run lists, old and new value


def cmd_import(args: argparse.Namespace) -> int:
    from alliance import importer

    if args.template:
        if not args.out:
            print("--template needs --out PATH (.csv or .xlsx)", file=sys.stderr)
            return 2
        if args.template not in importer.catalogue() and args.template not in importer.TEMPLATE_TABLES:
            known = list(importer.catalogue()) + [n for n in importer.TEMPLATE_TABLES if n not in importer.catalogue()]
            print(f"unknown table {args.template!r}: one of {', '.join(known)}", file=sys.stderr)
            return 2
        print(f"Wrote {importer.write_template(args.template, Path(args.out))}")
        return 0
    if args.undo_last:
        return _undo_last(args)
    if not args.files:
        print("import needs at least one FILE (or --template TABLE --out PATH)", file=sys.stderr)
        return 2
    sources = []
    for path in _expand(args.files):
        try:
            sources.append((str(path), path.read_bytes()))
        except OSError as error:
            print(f"{path}: cannot be read: {error.strerror}", file=sys.stderr)
            return 1
    chosen = None
    if args.encoding:
        from alliance import encoding

        try:
            chosen = encoding.check_choice(args.encoding)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
    db_path = Path(args.db) if args.db else database_path()
    con = _open_for_import(db_path, "Import")
    if con is None:
        return 1
    try:
        plan, audit_id = importer.import_files(con, sources, importer.current_user(), "cli", dry_run=args.dry_run,
                                               encoding_name=chosen)
    except importer.ImportRejected as rejected:
        for problem in rejected.problems:
            print(problem, file=sys.stderr)
        print(f"Rejected: {len(rejected.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(plan.summary(changes=DRY_RUN_CHANGES if args.dry_run else 0))
    target = "the cluster database" if _writes_go_to_the_cluster() else db_path
    print("Dry run: nothing was written." if args.dry_run else f"Imported into {target} (import #{audit_id}).")
    return 0


def _open_for_import(db_path: Path, action: str):
    """A writable connection, or None after saying on stderr which process holds the file. In cluster mode:
    PostgreSQL, whatever --db says."""
    from alliance import importer

    if _writes_go_to_the_cluster():
        return _cluster_connection(action)
    try:
        return importer.open_for_import(db_path)
    except importer.DatabaseBusy as error:
        print(f"{action} refused: {error}", file=sys.stderr)
        return None


def _undo_last(args: argparse.Namespace) -> int:
    from alliance import importer, undo

    if args.files or args.dry_run or args.template:
        print("--undo-last takes no FILE, --dry-run or --template", file=sys.stderr)
        return 2
    db_path = Path(args.db) if args.db else database_path()
    if not db_path.exists() and not _writes_go_to_the_cluster():
        print(f"{db_path}: no such database", file=sys.stderr)
        return 1
    con = _open_for_import(db_path, "Undo")
    if con is None:
        return 1
    try:
        result = undo.undo_last(con, importer.current_user())
    except undo.UndoRefused as refused:
        for reason in refused.reasons:
            print(reason, file=sys.stderr)
        print("Undo refused; nothing was changed.", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"Undid import #{result.audit_id} ({result.files}): {result.restored} row(s) set back, "
          f"{result.deleted} added row(s) removed, {result.relinked} list entries restored.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import duckdb

    from alliance import exporter

    db_path = Path(args.db) if args.db else database_path()
    if not db_path.exists():
        print(f"{db_path}: no such database", file=sys.stderr)
        return 1
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.IOException as error:
        from alliance.importer import busy_message

        print(f"Export refused: {busy_message(db_path, str(error))}", file=sys.stderr)
        return 1
    try:
        files = exporter.export(con, Path(args.out), args.format)
    finally:
        con.close()
    print(f"Wrote {len(files)} file(s) to {args.out}")
    return 0


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m alliance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("build-demo", help="build the demonstration (or a large benchmark) database")
    demo.add_argument("--out", help="database file to write (default: ALLIANCE_DB or data/alliance.duckdb)")
    demo.add_argument("--cities", type=positive_int, help="number of members; beyond the real ones, invented towns")
    demo.add_argument("--activities", type=positive_int, help="number of activities (default 160)")
    demo.add_argument("--rounds", type=positive_int, help="number of assessment rounds (default 4)")
    demo.add_argument("--seed", type=int, default=2015, help="random seed (default 2015)")
    demo.set_defaults(func=cmd_build_demo)

    users = commands.add_parser("users", help="manage accounts: editors write for their cities, admins for all")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add = users_commands.add_parser("add", help="add an account; the password is read from stdin or a prompt")
    add.add_argument("name", help="user name: lower-case letters, digits, . _ @ + -")
    add.add_argument("--role", choices=["editor", "admin"], required=True)
    add.add_argument("--member", action="append", metavar="ID", help="member id the editor writes for (repeat)")
    add.add_argument("--email", help="e-mail matched when signing in with OpenID Connect")
    add.add_argument("--no-password", action="store_true", help="OpenID Connect only: no local password")
    remove = users_commands.add_parser("remove", help="remove an account")
    remove.add_argument("name")
    users_commands.add_parser("list", help="list accounts (never their passwords)")
    for sub in users_commands.choices.values():
        sub.add_argument("--db", help="database file (default: ALLIANCE_DB or data/alliance.duckdb)")
    users.set_defaults(func=cmd_users)

    imp = commands.add_parser("import", help="validate and import CSV/XLSX files (all or nothing)")
    imp.add_argument("files", nargs="*", metavar="FILE", help="CSV or XLSX files, or folders of them")
    imp.add_argument("--db", help="database file (default: ALLIANCE_DB or data/alliance.duckdb)")
    imp.add_argument("--dry-run", action="store_true", help="validate and report what would change; write nothing")
    imp.add_argument("--encoding", metavar="ENC",
                     help="read CSV files in this encoding instead of detecting it (utf-8, utf-16, cp1250, "
                          "cp1252, cp1253, ...)")
    imp.add_argument("--template", metavar="TABLE", help="write an empty template for TABLE instead")
    imp.add_argument("--out", help="where --template writes (.csv or .xlsx)")
    imp.add_argument("--undo-last", action="store_true",
                     help="undo the newest import not yet undone (refused if its rows were changed since)")
    imp.set_defaults(func=cmd_import)

    exp = commands.add_parser("export", help="export every public table and a data dictionary")
    exp.add_argument("--db", help="database file (default: ALLIANCE_DB or data/alliance.duckdb)")
    exp.add_argument("--out", required=True, help="folder to write into")
    exp.add_argument("--format", choices=["csv", "xlsx", "parquet"], default="csv")
    exp.set_defaults(func=cmd_export)

    bench = commands.add_parser("bench", help="measure page, query and browser speed; build datasets if missing")
    bench.add_argument("--datasets", default="demo,scale", help="comma-separated: demo, scale (default both)")
    bench.add_argument("--runs", type=positive_int, default=5, help="warm reruns per page (median reported)")
    bench.add_argument("--no-browser", action="store_true", help="skip the browser measurements")
    bench.add_argument("--api", action="store_true", help="only time the open-data API over HTTP (cold, warm p50/p95, "
                       "304 revalidation); written to bench/api.json unless --out")
    bench.add_argument("--out", default=None, help="JSON file to write (default bench/results.json, "
                       "bench/load.json with --load)")
    bench.add_argument("--load", default=None, metavar="N[,N...]",
                       help="instead: simulate N phones answering a live poll, e.g. 50,100,500")
    bench.add_argument("--viewers", default="20,50,100", help="with --load: sessions opening /map at once")
    bench.add_argument("--arrive", type=float, default=10.0, help="with --load: seconds over which phones arrive")
    bench.add_argument("--qa", type=int, default=0, metavar="N",
                       help="with --load: also N phones asking one question and voting --qa-votes times each")
    bench.add_argument("--qa-votes", type=int, default=10, help="with --qa: votes per phone (at most 20)")
    bench.add_argument("--paths", default="streamlit,light",
                       help="with --load: streamlit (the /poll page), light (/vote/CODE), or both")
    bench.set_defaults(func=cmd_bench)

    retention = commands.add_parser("poll-retention",
                                    help="delete the open texts (answers, Q&A questions) of polls closed more than N days ago")
    retention.add_argument("--days", type=int, required=True, help="keep the texts of polls closed within N days")
    retention.add_argument("--db", default=None, help="database file (default: ALLIANCE_DB or data/alliance.duckdb)")
    retention.set_defaults(func=cmd_poll_retention)

    cluster = commands.add_parser("cluster-init", help="cluster mode: create the PostgreSQL schema "
                                  "(ALLIANCE_DATABASE_URL) and fill it from a DuckDB file when empty")
    cluster.add_argument("--db", default=None, help="DuckDB file to copy (default: ALLIANCE_DB or the demonstration data)")
    cluster.set_defaults(func=cmd_cluster_init)

    report = commands.add_parser("i18n-report", help="translation completeness per language (exit 1 if incomplete)")
    report.add_argument("languages", nargs="*", metavar="LANG", help="language codes (default: every shipped one)")
    report.add_argument("--verbose", action="store_true", help="also list texts spelled as in English")
    report.set_defaults(func=lambda args: __import__("alliance.i18n_report").i18n_report.main(args.languages,
                                                                                         args.verbose))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""Write tests/file_durations.json (seconds per test file) from a JUnit report, for tests/conftest.py to hand the
longest files to the workers first.

    .venv/bin/python -m pytest tests --junitxml=/tmp/junit.xml && .venv/bin/python scripts/record_test_durations.py /tmp/junit.xml
"""
from __future__ import annotations

import collections
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "file_durations.json"


def file_seconds(junit_path: str) -> dict[str, float]:
    seconds: dict[str, float] = collections.defaultdict(float)
    for case in ET.parse(junit_path).iter("testcase"):
        module = case.get("classname", "").split("::")[0]
        path = module.replace(".", "/") + ".py"
        seconds[path] += float(case.get("time") or 0)
    return {path: round(total, 1) for path, total in sorted(seconds.items())}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    OUT.write_text(json.dumps(file_seconds(sys.argv[1]), indent=1) + "\n")
    print(f"wrote {OUT}")

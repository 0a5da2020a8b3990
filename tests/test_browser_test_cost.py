"""Two habits of the browser tests that cost Chromium CPU in every run, where the suite is bound by CPU: a wait
polled on every animation frame (Playwright's default) keeps Chromium drawing frames while it lasts, and a
screenshot saved to a file nobody opens is a full capture for nothing."""
from __future__ import annotations

import ast
from pathlib import Path

E2E = Path(__file__).resolve().parent / "e2e"


def _calls(method: str):
    for path in sorted(E2E.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method:
                yield path.name, node


def test_every_wait_for_a_function_polls_on_a_timer():
    calls = list(_calls("wait_for_function"))
    assert len(calls) >= 10, "the browser tests were not found: the check would pass vacuously"
    on_frames = [f"{name}:{call.lineno}" for name, call in calls
                 if not any(keyword.arg == "polling" for keyword in call.keywords)]
    assert not on_frames, f"wait_for_function without polling= (polled on every frame): {on_frames}"


def test_screenshots_go_to_a_file_only_through_keep_shot():
    calls = list(_calls("screenshot"))
    assert calls, "no screenshot call found: the check would pass vacuously"
    to_files = [f"{name}:{call.lineno}" for name, call in calls
                if any(keyword.arg == "path" for keyword in call.keywords) and name != "helpers.py"]
    assert not to_files, f"a screenshot saved outside keep_shot (E2E_SHOTS): {to_files}"

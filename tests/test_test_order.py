"""The suite's own scheduling (tests/conftest.py): longest recorded files first, each file's tests kept together
and in their order, unknown files at 10 s."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import conftest

ROOT = Path(conftest.__file__).resolve().parent.parent


def _item(path: str, name: str):
    return SimpleNamespace(fspath=ROOT / path, name=name)


def test_longest_recorded_files_go_first_and_files_stay_whole(monkeypatch, tmp_path):
    durations = tmp_path / "file_durations.json"
    durations.write_text('{"tests/a.py": 1.0, "tests/b.py": 50.0, "tests/c.py": 20.0}')
    monkeypatch.setattr(conftest, "DURATIONS", durations)
    items = [_item("tests/a.py", "a1"), _item("tests/b.py", "b1"), _item("tests/new.py", "n1"),
             _item("tests/a.py", "a2"), _item("tests/c.py", "c1"), _item("tests/b.py", "b2")]
    ordered = [i.name for i in conftest.longest_files_first(items)]
    assert ordered == ["b1", "b2", "c1", "n1", "a1", "a2"]


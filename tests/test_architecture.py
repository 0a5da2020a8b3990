"""The package's boundaries, as declared in .importlinter and checked by import-linter: no import cycles, Streamlit
only in alliance.app, and the plain modules never reaching up into alliance.app."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


def test_streamlit_is_imported_only_inside_alliance_app():
    # The same rule as the contract, read from the import graph itself, so a wrong wildcard in the contract
    # cannot hide a module.
    graph = grimp.build_graph("alliance", include_external_packages=True)
    importing = {m for m in graph.modules
                 if m.startswith("alliance") and graph.direct_import_exists(importer=m, imported="streamlit")}
    assert importing, "no module imports Streamlit: the graph was not read"
    assert {m for m in importing if not m.startswith("alliance.app.")} == set()


def test_plain_modules_do_not_import_the_app_side():
    graph = grimp.build_graph("alliance")
    plain = {m for m in graph.modules if m != "alliance.app" and not m.startswith("alliance.app.")}
    reaching_up = {(m, i) for m in plain for i in graph.find_modules_directly_imported_by(m)
                   if i == "alliance.app" or i.startswith("alliance.app.")}
    # The CLI starts the load harness lazily, for `bench --load` only.
    assert reaching_up == {("alliance.cli", "alliance.app.load")}

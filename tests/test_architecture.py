"""The package's boundaries: no import cycles (import-linter, .importlinter) and Streamlit only in the modules
that face the app, so the rest stays callable and testable without it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
# The modules that draw or keep a session (and the two test/bench harnesses that speak Streamlit's protocol).
# A new module is outside this set until someone decides otherwise here.
STREAMLIT_MODULES = {
    "alliance.data", "alliance.ui", "alliance.shell", "alliance.session", "alliance.practices_view",
    "alliance.map_assist", "alliance.embed", "alliance.chart_data", "alliance.apptest", "alliance.load",
}


def test_no_import_cycles_between_modules():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_streamlit_only_in_the_app_facing_modules():
    graph = grimp.build_graph("alliance", include_external_packages=True)
    importing = {m for m in graph.modules
                 if m.startswith("alliance") and graph.direct_import_exists(importer=m, imported="streamlit")}
    assert importing - STREAMLIT_MODULES == set(), "Streamlit imported outside the app-facing modules"
    assert STREAMLIT_MODULES - importing == set(), "the declared set names modules that no longer need Streamlit"

"""The load command (`python -m alliance bench --load N`): its figures, its usage errors, and a small real run
against a served app: phones on both paths, a big screen and viewers, with answers read back from the file."""
from __future__ import annotations

import json

import pytest

from alliance import bench, cli
from alliance.app import load


def test_the_protocol_messages_are_imported_with_the_harness_never_in_a_timed_request():
    """Their first import takes ~0.3 s: inside StreamlitSession.run it made bench/first_visit.py report the
    server's first visit of `/` (its first page) at 6x a warm one, although the server ran it in 70 ms."""
    import subprocess
    import sys

    from alliance.paths import REPO_ROOT

    code = ("import sys; from alliance.app import load; "
            "print(all(f'streamlit.proto.{m}_pb2' in sys.modules for m in ('BackMsg', 'ForwardMsg', 'WidgetStates')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
                          check=True)
    assert done.stdout.strip() == "True"


def test_percentiles_are_nearest_rank():
    values = [0.1 * i for i in range(1, 101)]  # 0.1 .. 10.0 s
    assert load.percentile(values, 50) == pytest.approx(5.0)
    assert load.percentile(values, 95) == pytest.approx(9.5)
    assert load.percentile([], 95) is None
    assert load.summary([0.2, 0.4]) == {"n": 2, "p50_ms": 200.0, "p95_ms": 400.0, "max_ms": 400.0}


@pytest.mark.parametrize("argv", [["bench", "--load", "0"], ["bench", "--load", "x"], ["bench", "--load", "5000"],
                                  ["bench", "--load", "5", "--paths", "ftp"], ["bench", "--load", "5", "--arrive", "0"]])
def test_bad_load_arguments_are_usage_errors(argv, capsys):
    assert cli.main(argv) == 2
    assert "--load" in capsys.readouterr().err


def test_a_small_run_measures_both_paths_and_loses_nothing(demo_db, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "ensure_dataset", lambda name: (demo_db, None))
    out = tmp_path / "load.json"
    report = load.run([4], [2], ["streamlit", "light"], arrive_s=1.0, out=out, qa_phones=3, qa_votes=2,
                      qa_arrive_s=1.0)
    assert json.loads(out.read_text()) == report
    by_path = {r["path"]: r for r in report["phones"]}
    assert set(by_path) == {"streamlit", "light"}
    for result in by_path.values():
        assert result["errors"] == 0, result["error_samples"]
        assert result["answers_sent"] == result["answers_stored"] == 4 * load.QUESTIONS
        assert result["requests"]["load"]["n"] == 4 and result["all_requests"]["p95_ms"] > 0
        assert result["screen_final_s"] is not None  # the big screen showed the final count
    room = report["qa"]
    assert room["errors"] == 0, room["error_samples"]
    assert (room["questions_stored"], room["votes_stored"]) == (3, 6) == (room["answers_sent"], room["votes_sent"])
    assert room["moderator_rerun"]["n"] >= 1  # the signed-in moderator's page reran during the run
    assert report["viewers"][0]["viewers"] == 2 and report["viewers"][0]["errors"] == 0
    assert "light" in load.format_table(report) and "/map" in load.format_table(report)

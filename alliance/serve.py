"""Starting the app (or any Streamlit script) on a loopback port, for browser tests and the benchmark."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from alliance.paths import REPO_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, offline: no background calls home, WebGL drawn in software.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--use-gl=swiftshader",
                 "--enable-unsafe-swiftshader"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(script: Path, db_path: Path, log_path: Path, timeout_s: float = 90) -> tuple[subprocess.Popen, str]:
    """Run `streamlit run script` on a free port with ALLIANCE_DB=db_path; return the process and its URL
    once /_stcore/health answers."""
    port = free_port()
    env = {**os.environ, "ALLIANCE_DB": str(db_path)}
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--global.developmentMode", "false"],
        cwd=Path(script).parent, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early, see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start within {timeout_s} s, see {log_path}")


def start_app(db_path: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    return start_streamlit(REPO_ROOT / "app.py", db_path, log_path)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()

"""deploy/haproxy.cfg, run by the real HAProxy in front of two small HTTP servers that stand for app processes:
the proxy's health check asks /readyz, so a process still warming up (503) gets no visitor, and gets them once it
says it is ready. (/_stcore/health answers 200 as soon as Streamlit listens, before the warm-up.) The whole
cluster, with Streamlit and PostgreSQL, is tested in tests/e2e/test_cluster_browser.py."""
from __future__ import annotations

import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from alliance.paths import REPO_ROOT
from alliance.serve import free_port, wait_for


class FakeProcess(ThreadingHTTPServer):
    """An app process as the proxy sees it: /readyz 503 until `ready` is set, 200 after; anything else 200."""

    def __init__(self):
        self.ready = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        status = 503 if self.path == "/readyz" and not self.server.ready.is_set() else 200
        body = b"warming up" if status == 503 else b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _node(url: str, cookie: str | None = None) -> str | None:
    request = urllib.request.Request(url, headers={"Cookie": f"ALLIANCE_NODE={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.headers.get("X-Alliance-Node")
    except (urllib.error.URLError, OSError):
        return None


@pytest.fixture
def proxy(tmp_path):
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if haproxy is None:
        pytest.skip("HAProxy is not installed: `apt-get install haproxy` (.ci/run does) to run the proxy tests")
    processes = [FakeProcess(), FakeProcess()]
    for process in processes:
        threading.Thread(target=process.serve_forever, daemon=True).start()
    config = tmp_path / "haproxy.cfg"  # as scripts/run-cluster.sh writes it: the file, then one line per process
    config.write_text((REPO_ROOT / "deploy" / "haproxy.cfg").read_text() + "".join(
        f"    server app{i} 127.0.0.1:{p.server_address[1]} check cookie app{i}\n"
        for i, p in enumerate(processes, start=1)))
    port = free_port()
    proc = subprocess.Popen([haproxy, "-db", "-f", str(config)], env={"ALLIANCE_PROXY_BIND": f"127.0.0.1:{port}"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{port}", processes
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for process in processes:
            process.shutdown()
            process.server_close()


def test_the_proxy_sends_visitors_only_to_processes_that_say_they_are_ready(proxy):
    url, (first, second) = proxy
    first.ready.set()  # the second is still warming up
    wait_for(lambda: _node(url + "/") == "app1", 10)
    # the proxy's checks (every second) have had time to mark the warming process down
    wait_for(lambda: all(_node(url + "/") == "app1" for _ in range(6)), 10, every_s=0.5)
    assert {_node(url + "/") for _ in range(10)} == {"app1"}
    # even a browser whose cookie names the warming process is sent to the ready one
    assert _node(url + "/", cookie="app2") == "app1"

    second.ready.set()  # its warm-up is done: two good checks later it gets its visitors
    assert wait_for(lambda: _node(url + "/", cookie="app2") == "app2", 10, every_s=0.3)

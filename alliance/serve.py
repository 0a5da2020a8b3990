"""Starting the app (or any Streamlit script) on a loopback port, for browser tests and the benchmark; and the
cluster mode's parts (a private PostgreSQL, scripts/run-cluster.sh) for its tests and bench/compare_cluster.py.
PostgreSQL refuses to run as root: as root, the server runs as the `postgres` account, in a folder of its own."""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alliance.paths import REPO_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium, offline: no background calls home, WebGL drawn in software.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--use-gl=swiftshader",
                 "--enable-unsafe-swiftshader"]
# The browser tests drive Debian's headless build of the same Chromium (package chromium-headless-shell): the
# same engine without the desktop browser around it, a quarter less CPU per page here. Pages of one context
# share one renderer process, which keeps the compiled scripts of the app between tests.
TEST_CHROMIUM = os.environ.get("TEST_CHROMIUM") or next(
    (p for p in ("/usr/lib/chromium/chromium-headless-shell",) if Path(p).exists()), CHROMIUM)
TEST_CHROMIUM_ARGS = CHROMIUM_ARGS + ["--renderer-process-limit=1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TRIED_PORTS = 5  # a server that finds its port taken tries the range's next one, this many at most


def server_ports() -> list[int]:
    """Ports to try for a server, in order. With ALLIANCE_SERVER_PORTS=first-last (the browser tests set one range
    per worker), the free ports of that range, lowest first: servers started one after another then share one
    origin, so the browser's cached and compiled copy of the app's scripts (kept by URL, port included) serves
    them all. Otherwise one free port the system chose."""
    spec = os.environ.get("ALLIANCE_SERVER_PORTS", "")
    if spec:
        first, last = (int(part) for part in spec.split("-"))
        ports = list(itertools.islice((p for p in range(first, last + 1) if _port_free(p, reuse=True)), TRIED_PORTS))
        if ports:
            return ports
    return [free_port()]


def start_streamlit(script: Path, db_path: Path, log_path: Path, timeout_s: float = 90) -> tuple[subprocess.Popen, str]:
    """Run `streamlit run script` on a free port with ALLIANCE_DB=db_path; return the process and its URL
    once /_stcore/health answers. A port found free that the server still cannot take (a socket of a server
    just stopped, at times) is left for the next one of the range."""
    for port in server_ports():
        proc = _launch_streamlit(script, db_path, log_path, port)
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    return proc, f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            raise RuntimeError(f"streamlit did not start within {timeout_s} s, see {log_path}")
        if f"Port {port} is not available" not in Path(log_path).read_text(errors="replace"):
            break
    raise RuntimeError(f"streamlit exited early, see {log_path}")


def _launch_streamlit(script: Path, db_path: Path, log_path: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "ALLIANCE_DB": str(db_path)}
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--global.developmentMode", "false"],
            cwd=Path(script).parent, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_app(db_path: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    return start_streamlit(REPO_ROOT / "app.py", db_path, log_path)


def wait_ready(url: str, timeout_s: float = 120) -> float:
    """Seconds until the server says it is ready (/readyz 200: its start-up warm-up is done), as a proxy would
    wait before sending visitors; a checkout without /readyz (404) counts as ready at once."""
    import urllib.error

    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=5):
                return time.perf_counter() - started
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return 0.0
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} never said it was ready")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# ------------------------------------------------------------------------------- checkouts, for bench/*.py
def checkouts(argv: list[str], usage: str) -> dict[str, Path]:
    """`label=path` arguments naming the checkouts a bench script compares (exits with `usage` otherwise)."""
    if not argv or any("=" not in arg for arg in argv):
        sys.exit(usage)
    return {label: Path(path).resolve() for label, path in (arg.split("=", 1) for arg in argv)}


def checkout_demo(tree: Path, work: Path, name: str) -> Path:
    """The demo database built by checkout `tree`'s own code (`work`/NAME-source.duckdb): a file's schema follows
    the code that built it, and an older checkout cannot always open a newer file."""
    path = work / f"{name}-source.duckdb"
    subprocess.run([sys.executable, "-m", "alliance", "build-demo", "--out", str(path)], cwd=tree, check=True,
                   stdout=subprocess.DEVNULL)
    return path


@contextmanager
def checkout_served(tree: Path, source: Path, work: Path, name: str, ready_timeout_s: float = 120):
    """Serve checkout `tree`'s app.py on a private copy of `source` (`work`/NAME.duckdb, log NAME.log) and wait
    until it says it is ready, as a proxy would; yields (process, url, seconds from its health check to ready)."""
    db = work / f"{name}.duckdb"
    shutil.copyfile(source, db)
    proc, url = start_streamlit(tree / "app.py", db, work / f"{name}.log")
    try:
        yield proc, url, wait_ready(url, ready_timeout_s)
    finally:
        stop(proc)


# ------------------------------------------------------------------------------------- cluster mode
def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _as_pg(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def private_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    return folder


@dataclass
class Postgres:
    bin: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://alliance@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        subprocess.run(_as_pg([str(self.bin / "pg_ctl"), "-D", str(self.data), *args]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        self.ctl("-l", str(self.data.parent / "postgresql.log"), "-w", "-o",
                 f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-m", mode, "-w", "stop")


@contextmanager
def private_postgres():
    """A PostgreSQL server of its own on a free port, stopped and removed at the end."""
    pg_bin = postgres_bin()
    if pg_bin is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    folder = private_folder("alliance-pg-")
    server = Postgres(pg_bin, folder / "data", free_port())
    subprocess.run(_as_pg([str(pg_bin / "initdb"), "-D", str(server.data), "-U", "alliance", "-A", "trust",
                           "-E", "UTF8", "--no-locale", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop("immediate")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Cluster:
    url: str  # the proxy
    folder: Path
    database_url: str
    proc: subprocess.Popen
    first_app_port: int

    def app_pid(self, number: int) -> int:
        return int((self.folder / f"app-{number}.pid").read_text())

    def app_url(self, number: int) -> str:
        """App process `number` (1, 2 ...) directly, not through the proxy."""
        return f"http://127.0.0.1:{self.first_app_port + number - 1}"


@contextmanager
def running_cluster(database_url: str, source_db: Path, processes: int = 2, timeout_s: float = 180):
    """`bash scripts/run-cluster.sh N` against `database_url` (filled from `source_db` when empty), on free
    ports; stopped (the script's trap stops its app processes and the proxy) at the end."""
    folder = private_folder("alliance-cluster-")
    proxy, first_app_port = free_port(), _free_range(processes)
    env = {**os.environ, "ALLIANCE_DATABASE_URL": database_url, "ALLIANCE_CLUSTER_DIR": str(folder),
           "ALLIANCE_DB": str(source_db), "ALLIANCE_PROXY_PORT": str(proxy),
           "ALLIANCE_APP_PORT": str(first_app_port)}
    env.pop("ALLIANCE_SECRET", None)
    log = open(folder / "run-cluster.out", "w")
    proc = subprocess.Popen(["bash", str(REPO_ROOT / "scripts" / "run-cluster.sh"), str(processes)],
                            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    cluster = Cluster(f"http://127.0.0.1:{proxy}", folder, database_url, proc, first_app_port)
    try:
        deadline = time.time() + timeout_s
        while "cluster mode:" not in (folder / "run-cluster.out").read_text():
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("run-cluster.sh did not start: " + (folder / "run-cluster.out").read_text())
            time.sleep(0.3)
        for number in range(1, processes + 1):  # every process has built its read copy (the warm-up)
            wait_for(lambda n=number: _warm(folder, n), timeout_s)
            # and the proxy's health check counts it up: its cookie reaches it
            wait_for(lambda n=number: _node(cluster.url, f"app{n}") == f"app{n}", timeout_s, every_s=0.3)
        yield cluster
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _node(url: str, node: str) -> str | None:
    """The app process the proxy sends a browser holding the cookie of `node` to, or None when it fails."""
    request = urllib.request.Request(url + "/_stcore/health", headers={"Cookie": f"ALLIANCE_NODE={node}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers.get("X-Alliance-Node")
    except OSError:
        return None


def _warm(folder: Path, number: int) -> bool:
    return (folder / f"read-copy-{number}.duckdb").exists()


def _free_range(count: int) -> int:
    """A first port whose `count` successors are free too (the app processes take consecutive ports)."""
    for _ in range(50):
        first = free_port()
        if first + count < 65000 and all(_port_free(first + i) for i in range(count)):
            return first
    raise RuntimeError("no free port range")


def _port_free(port: int, reuse: bool = False) -> bool:
    """`reuse`: as a server binds (SO_REUSEADDR), so a port whose last server has just stopped counts as free."""
    with socket.socket() as s:
        if reuse:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for(condition, timeout_s: float, every_s: float = 0.1):
    deadline = time.time() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.time() > deadline:
            raise TimeoutError(f"condition not met within {timeout_s} s")
        time.sleep(every_s)

#!/usr/bin/env bash
# Cluster mode on one machine (docs/scaling.md): PostgreSQL, N app processes and HAProxy in front of them.
#   bash scripts/run-cluster.sh [N]          # N app processes (default 2), the proxy on http://localhost:8501
# PostgreSQL: the one ALLIANCE_DATABASE_URL names, else a private one initialised in $ALLIANCE_CLUSTER_DIR/pg
# (default data/cluster/pg) on port ALLIANCE_PG_PORT (55432), filled with the demonstration data on first start.
# Ctrl-C (or the end of any of them) stops them all. Ports: ALLIANCE_PROXY_PORT (8501), app processes from
# ALLIANCE_APP_PORT (8601) up. Other arguments go to every `streamlit run` (e.g. --server.address 0.0.0.0 is
# not needed: the proxy is the public door and binds ALLIANCE_PROXY_ADDRESS, default 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
N="${1:-2}"
[[ "$N" =~ ^[1-9][0-9]?$ ]] || { echo "usage: bash scripts/run-cluster.sh [N]  (1-99 app processes)" >&2; exit 2; }
shift || true
DIR="${ALLIANCE_CLUSTER_DIR:-$ROOT/data/cluster}"
PG_PORT="${ALLIANCE_PG_PORT:-55432}"
PROXY_PORT="${ALLIANCE_PROXY_PORT:-8501}"
PROXY_ADDRESS="${ALLIANCE_PROXY_ADDRESS:-127.0.0.1}"
APP_PORT="${ALLIANCE_APP_PORT:-8601}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
mkdir -p "$DIR"

# What a fresh Debian machine lacks: PostgreSQL and HAProxy from Debian's packages, the Python packages.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
missing=()
[ -n "${ALLIANCE_DATABASE_URL:-}" ] || [ -n "$(pg_bin)" ] || missing+=(postgresql)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq "${missing[@]}"
fi
HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt

pids=()
stop_all() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done  # the keepers first: no restart
    for file in "$DIR"/app-*.pid; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null; rm -f "$file"; done
    wait 2>/dev/null || true
    if [ -n "${PG_DATA:-}" ]; then as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true; fi
}
trap stop_all EXIT INT TERM

# PostgreSQL refuses to run as root: the private server runs as the `postgres` account when we are root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -z "${ALLIANCE_DATABASE_URL:-}" ]; then
    PG_BIN="$(pg_bin)"
    PG_DATA="$DIR/pg"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        mkdir -p "$PG_DATA"
        [ "$(id -u)" -ne 0 ] || chown postgres "$PG_DATA" "$DIR"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U alliance -A trust -E UTF8 --no-locale >"$DIR/initdb.log"
    fi
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$DIR/postgresql.log" -w \
        -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1" start >/dev/null
    as_pg "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U alliance -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'alliance'" | grep -q 1 \
        || as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U alliance alliance
    export ALLIANCE_DATABASE_URL="postgresql://alliance@127.0.0.1:$PG_PORT/alliance"
fi
.venv/bin/python -m alliance cluster-init

# One signing key for every process: a participant's cookie signed by one process is read by the others.
if [ -z "${ALLIANCE_SECRET:-}" ]; then
    [ -s "$DIR/secret" ] || (umask 077; .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" >"$DIR/secret")
    ALLIANCE_SECRET="$(cat "$DIR/secret")"
fi
export ALLIANCE_SECRET

# App process i on its port, started again when it ends (a crash, a kill): meanwhile the proxy sends its
# visitors to the others.
keep_app() {
    local i="$1" port="$2"; shift 2
    while true; do
        ALLIANCE_READ_COPY="$DIR/read-copy-$i.duckdb" .venv/bin/python -m streamlit run app.py \
            --server.port "$port" --server.address 127.0.0.1 --server.headless true \
            --browser.gatherUsageStats false --server.fileWatcherType none "$@" &
        echo $! >"$DIR/app-$i.pid"
        wait $! || true
        echo "app process $i ended; starting it again" >&2
        sleep 1
    done
}

cp deploy/haproxy.cfg "$DIR/haproxy.cfg"
rm -f "$DIR"/app-*.pid
for i in $(seq 1 "$N"); do
    port=$((APP_PORT + i - 1))
    keep_app "$i" "$port" "$@" >>"$DIR/app-$i.log" 2>&1 &
    pids+=($!)
    echo "    server app$i 127.0.0.1:$port check cookie app$i" >>"$DIR/haproxy.cfg"
done
ALLIANCE_PROXY_BIND="$PROXY_ADDRESS:$PROXY_PORT" "$HAPROXY" -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 &
pids+=($!)

# Wait until every process is ready (/readyz: its start-up warm-up is done; the proxy checks the same), at most
# 2 minutes each: a large database warms for a while, and the proxy sends visitors to the ready ones meanwhile.
for i in $(seq 1 "$N"); do
    port=$((APP_PORT + i - 1))
    for _ in $(seq 1 240); do
        curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.5
    done
done
echo "Alliance Dashboard, cluster mode: $N app processes (ports $APP_PORT-$((APP_PORT + N - 1))) behind HAProxy" \
     "on http://$PROXY_ADDRESS:$PROXY_PORT, PostgreSQL at ${ALLIANCE_DATABASE_URL##*@}. Logs in $DIR. Ctrl-C stops all."
wait -n "${pids[@]}" || true
echo "the proxy ended; stopping the cluster (logs in $DIR)" >&2

#!/usr/bin/env bash
# End-to-end benchmark: each echo server on loopback under the load generator, the server
# pinned to core 0 and the generator to core 1 (taskset), one server at a time.
#
#   bash benches/e2e/run.sh                 # everything (≈ 12 min)
#   SECS=2 CONNS="100" SIZES="20 1024" bash benches/e2e/run.sh    # a subset
#   SERVERS="rfc6455 uws" bash benches/e2e/run.sh
#   DEPTHS= IDLE=10000 bash benches/e2e/run.sh    # idle memory only
#
# Servers: rfc6455 (examples/echo_server, this crate's tokio driver), tokio-tungstenite,
# fastwebsockets, tokio-websockets (all single-threaded tokio), and uWebSockets' own
# EchoServer (C++, built by build-uws.sh; needs g++ and zlib headers, skipped if it fails).
# Results: target/e2e.jsonl (one JSON line per run), then the tables (report.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SECS=${SECS-3}
WARMUP=${WARMUP-1}
DEPTHS=${DEPTHS-"16 1"}
CONNS=${CONNS-"100 500"}
SIZES=${SIZES-"20 1024 16384 65536"}
IDLE=${IDLE-10000}
SERVERS=${SERVERS-"rfc6455 tokio-tungstenite fastwebsockets tokio-websockets uws"}
SERVER_CPU=${SERVER_CPU-0}
LOAD_CPU=${LOAD_CPU-1}

(cd "$root" && cargo build -q --release --example echo_server)
(cd "$here" && cargo build -q --release)
bin=$here/target/release
uws=""
if [[ " $SERVERS " == *" uws "* ]]; then
    uws=$(bash "$here/build-uws.sh" 9105 2>"$here/target/uws-build.log") || {
        echo "uWebSockets did not build (see $here/target/uws-build.log); skipping it" >&2
        uws=""
    }
fi

command_for() {
    case $1 in
        rfc6455) echo "$root/target/release/examples/echo_server 127.0.0.1:9101" ;;
        tokio-tungstenite) echo "$bin/echo_tungstenite 127.0.0.1:9102" ;;
        fastwebsockets) echo "$bin/echo_fastwebsockets 127.0.0.1:9103" ;;
        tokio-websockets) echo "$bin/echo_tokio_websockets 127.0.0.1:9104" ;;
        uws) [ -n "$uws" ] && echo "$uws" ;;
        idle-floor) echo "$bin/idle_floor 127.0.0.1:9106" ;;
    esac
}
port_for() {
    case $1 in
        rfc6455) echo 9101 ;; tokio-tungstenite) echo 9102 ;; fastwebsockets) echo 9103 ;; idle-floor) echo 9106 ;;
        tokio-websockets) echo 9104 ;; uws) echo 9105 ;;
    esac
}

pid=""
start() { # name
    local cmd
    cmd=$(command_for "$1") || return 1
    taskset -c "$SERVER_CPU" $cmd >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$(port_for "$1")") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "$1 did not start" >&2
    return 1
}
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }
trap stop EXIT

out=$here/target/e2e.jsonl
: >"$out"
[ -z "$uws" ] && SERVERS=$(echo " $SERVERS " | sed 's/ uws / /')
# Points outer, servers inner (a fresh server process per point): the machine's speed drifts
# over minutes, and interleaving spreads that drift over all servers alike.
for depth in $DEPTHS; do
    for conns in $CONNS; do
        for size in $SIZES; do
            echo "== depth $depth, $conns × $size B" >&2
            for server in $SERVERS; do
                start "$server"
                taskset -c "$LOAD_CPU" "$bin/loadgen" load --addr "127.0.0.1:$(port_for "$server")" \
                    --conns "$conns" --size "$size" --depth "$depth" --secs "$SECS" \
                    --warmup "$WARMUP" --pid "$pid" --label "$server" | tee -a "$out" >&2
                stop
            done
        done
    done
done
# Idle memory, each on a fresh process.
for server in $SERVERS; do
    start "$server"
    taskset -c "$LOAD_CPU" "$bin/loadgen" idle --addr "127.0.0.1:$(port_for "$server")" \
        --conns "$IDLE" --pid "$pid" --label "$server" | tee -a "$out" >&2
    stop
done
# For reference: tokio's own cost per idle connection (a task that holds only its socket).
if [ -z "${NO_FLOOR:-}" ]; then
    echo "== tokio floor" >&2
    start idle-floor
    taskset -c "$LOAD_CPU" "$bin/loadgen" idle --addr 127.0.0.1:9106 --conns "$IDLE" --pid "$pid" \
        --label "tokio floor" | tee -a "$out" >&2
    stop
fi
python3 "$here/report.py" "$out"

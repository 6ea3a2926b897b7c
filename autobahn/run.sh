#!/usr/bin/env bash
# Runs the Autobahn|Testsuite against this crate in both roles and compares the results with
# autobahn/expected-results.json. Exits non-zero on any failure or regression.
#
#   autobahn/run.sh            # both roles
#   autobahn/run.sh server     # only the server role (wstest -m fuzzingclient)
#   autobahn/run.sh client     # only the client role (wstest -m fuzzingserver)
#   autobahn/run.sh c          # the C example examples/c/echo_server.c (over the C ABI) as the
#                              # server, on 127.0.0.1:9012; compared with the server role's
#                              # expected results. Build it first: bash ffi/build-c-examples.sh
#                              # (run.sh does unless SKIP_BUILD=1); C_ECHO_SERVER=path picks
#                              # another build, e.g. target/c/asan/echo_server.
#   autobahn/run.sh hyper      # the examples/hyper_server/ example (hyper 1, HTTP/1.1 upgrade to
#                              # /ws) as the server, on 127.0.0.1:9013; compared with the server
#                              # role's expected results.
#   autobahn/run.sh --update   # both roles, then rewrite expected-results.json
#
# Set SKIP_BUILD=1 to reuse release binaries already built in target/release/examples.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$HERE"

roles=()
update=""
for a in "$@"; do
    case "$a" in
        server|client|c|hyper) roles+=("$a") ;;
        --update) update="--update" ;;
        *) echo "unknown argument: $a" >&2; exit 2 ;;
    esac
done
[ ${#roles[@]} -gt 0 ] || roles=(server client)

WSTEST=$("$HERE/install.sh")
if [ -z "${SKIP_BUILD:-}" ]; then
    for role in "${roles[@]}"; do
        if [ "$role" = c ]; then
            bash "$ROOT/ffi/build-c-examples.sh"
        fi
    done
    for role in "${roles[@]}"; do
        if [ "$role" != c ]; then
            (cd "$ROOT" && cargo build --release --example echo_server --example autobahn_client --example hyper_server)
            break
        fi
    done
fi
C_ECHO_SERVER="${C_ECHO_SERVER:-$ROOT/target/c/echo_server}"
BIN="$ROOT/target/release/examples"
TIMEOUT="${AUTOBAHN_TIMEOUT:-1500}"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() {
    for _ in $(seq 1 150); do
        (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "nothing listens on 127.0.0.1:$1" >&2
    return 1
}

port_free() {
    if (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
        echo "127.0.0.1:$1 is already in use; stop what listens there" >&2
        exit 1
    fi
}

# A server testee (command, port, wstest spec): start it, run wstest -m fuzzingclient
# against it, stop it. Logs go to reports-<role>-testee.log and reports-<role>-wstest.log.
fuzz_server() {
    local role="$1" bin="$2" port="$3" spec="$4"
    "$bin" "127.0.0.1:$port" 2> "reports-$role-testee.log" &
    local testee=$!
    wait_port "$port"
    echo "== $role: wstest -m fuzzingclient against $(basename "$bin") on port $port" >&2
    timeout "$TIMEOUT" "$WSTEST" -m fuzzingclient -s "$spec" > "reports-$role-wstest.log" 2>&1 || true
    kill "$testee" 2>/dev/null || true
    wait "$testee" 2>/dev/null || true
}

run_role() {
    local role="$1"
    rm -rf "reports/$role"
    case "$role" in
        server) fuzz_server server "$BIN/echo_server" 9010 fuzzingclient.json ;;
        c) fuzz_server c "$C_ECHO_SERVER" 9012 fuzzingclient-c.json ;;
        hyper) fuzz_server hyper "$BIN/hyper_server" 9013 fuzzingclient-hyper.json ;;
        client)
            "$WSTEST" -m fuzzingserver -s fuzzingserver.json -u 0 > reports-client-wstest.log 2>&1 &
            local suite=$!
            wait_port 9011
            echo "== client role: wstest -m fuzzingserver" >&2
            timeout "$TIMEOUT" "$BIN/autobahn_client" ws://127.0.0.1:9011 rfc6455 2> reports-client-testee.log || true
            kill "$suite" 2>/dev/null || true
            ;;
    esac
}

# wstest is single-threaded Python: the two roles run side by side, one per core.
args=()
c_role=""
hyper_role=""
for role in "${roles[@]}"; do
    [ "$role" = server ] && port_free 9010
    [ "$role" = client ] && port_free 9011
    [ "$role" = c ] && port_free 9012
    [ "$role" = hyper ] && port_free 9013
    run_role "$role" &
    pids+=($!)
    case "$role" in
        c) c_role=1 ;;
        hyper) hyper_role=1 ;;
        *) args+=("$role=reports/$role") ;;
    esac
done
for p in "${pids[@]}"; do wait "$p" || true; done
pids=()
cleanup
status=0
if [ ${#args[@]} -gt 0 ]; then
    python3 "$HERE/summary.py" $update "${args[@]}" || status=1
fi
if [ -n "$c_role" ]; then
    # The C testee is held to the server role's expected results (never rewritten by --update).
    echo "== C example (examples/c/echo_server.c), against the server role's expected results" >&2
    python3 "$HERE/summary.py" server=reports/c || status=1
fi
if [ -n "$hyper_role" ]; then
    # hyper_server is held to the server role's expected results (never rewritten by --update).
    echo "== hyper_server example, against the server role's expected results" >&2
    python3 "$HERE/summary.py" server=reports/hyper || status=1
fi
exit "$status"

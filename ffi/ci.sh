#!/usr/bin/env bash
# Everything CI runs for the C ABI (issue #13), self-contained on a machine with Rust, a C
# compiler (cc, gcc for -fsanitize=address) and python3:
#
#   bash ffi/ci.sh
#
#  1. cargo clippy and cargo test -p rfc6455-ffi: the committed ffi/include/rfc6455.h equals
#     a fresh cbindgen generation (tests/header.rs), a panic at every entry point is caught.
#  2. The C example and the C unit test, built plain and with AddressSanitizer/LeakSanitizer
#     (bash ffi/build-c-examples.sh); the unit test runs in both builds.
#  3. A Python venv under target/tmp with websockets==17.4 (pip, as tests/interop_python.rs
#     does), then bindings/python/test_echo.py: the websockets client against the asyncio
#     echo server over ctypes, and the same client tests against the C example built with
#     ASan, which must then stop on SIGTERM with no sanitizer report.
#
# Autobahn for the C example is separate: bash autobahn/run.sh c (builds it first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
step() { echo "== ffi/ci.sh: $*" >&2; }

step "clippy and cargo test -p rfc6455-ffi"
cargo clippy -p rfc6455-ffi --all-targets -- -D warnings
cargo test -p rfc6455-ffi

step "build the C programs (plain, then ASan)"
bash ffi/build-c-examples.sh
SANITIZE=1 SKIP_CARGO=1 bash ffi/build-c-examples.sh

step "C unit test"
"$TARGET"/c/test_ffi
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0"
"$TARGET"/c/asan/test_ffi

step "review programs: hostile arguments, deflate parameters, a call from a thread-exit destructor (ASan)"
SKIP_CARGO=1 bash ffi/tests/c/review_build.sh
for t in review_probe review_deflate_params review_tls_dtor; do
    "$TARGET"/c/asan/$t
done

step "review attacks on the C example (plain build; CPU and RSS are measured) and the Python server"
python3 ffi/tests/review/attack_c_server.py "$TARGET"/c/echo_server
RFC6455_LIB="$TARGET/release/librfc6455_ffi.so" python3 ffi/tests/review/attack_python_server.py

step "Python venv with websockets"
VENV="$TARGET/tmp/py-websockets-17.4"
if ! "$VENV/bin/python" -c "import websockets" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "websockets==17.4"
fi
export RFC6455_LIB="$TARGET/release/librfc6455_ffi.so"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in bindings/python

step "Python: websockets client against the ctypes asyncio echo server"
"$VENV/bin/python" bindings/python/test_echo.py

step "Python client tests against the C example under ASan/LSan"
LOG="$TARGET/c/asan/echo_server.log"
"$TARGET"/c/asan/echo_server 127.0.0.1:0 2> "$LOG" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 100); do
    URL=$(grep -o 'ws://127\.0\.0\.1:[0-9]*' "$LOG" | head -1 || true)
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { cat "$LOG" >&2; echo "the ASan echo server did not start" >&2; exit 1; }
RFC6455_ECHO_URL="$URL" "$VENV/bin/python" bindings/python/test_echo.py
kill -TERM "$SERVER"
status=0
wait "$SERVER" || status=$?
trap - EXIT
if [ "$status" -ne 0 ] || grep -q "Sanitizer" "$LOG"; then
    cat "$LOG" >&2
    echo "the ASan echo server exited with $status or reported an error" >&2
    exit 1
fi
echo "== ffi/ci.sh: all passed ($(grep -c 'connect /' "$LOG") connections served by the ASan C server)" >&2

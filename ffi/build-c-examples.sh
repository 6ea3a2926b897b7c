#!/usr/bin/env bash
# Builds the C programs against the static library of rfc6455-ffi, with the system cc:
#
#   bash ffi/build-c-examples.sh            # target/c/echo_server and target/c/test_ffi
#   SANITIZE=1 bash ffi/build-c-examples.sh # "$TARGET"/c/asan/{echo_server,test_ffi}, built with
#                                           # -fsanitize=address (AddressSanitizer + LeakSanitizer)
#
# The library is built in release mode (cargo build --release -p rfc6455-ffi); set
# SKIP_CARGO=1 to reuse target/release/librfc6455_ffi.a as it is.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -z "${SKIP_CARGO:-}" ]; then
    cargo build --release -p rfc6455-ffi
fi
LIB="$TARGET/release/librfc6455_ffi.a"
CC="${CC:-cc}"
# What a Rust static library needs from the C side on Linux (rustc --print native-static-libs).
LIBS=(-lpthread -ldl -lm -lrt -lutil)
CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror -I "$ROOT/ffi/include")
if [ -n "${SANITIZE:-}" ]; then
    OUT="$TARGET/c/asan"
    CFLAGS+=(-O1 -g -fno-omit-frame-pointer -fsanitize=address)
else
    OUT="$TARGET/c"
    CFLAGS+=(-O2)
fi
mkdir -p "$OUT"
"$CC" "${CFLAGS[@]}" examples/c/echo_server.c "$LIB" "${LIBS[@]}" -o "$OUT/echo_server"
"$CC" "${CFLAGS[@]}" ffi/tests/c/test_ffi.c "$LIB" "${LIBS[@]}" -o "$OUT/test_ffi"
echo "built $OUT/echo_server $OUT/test_ffi" >&2

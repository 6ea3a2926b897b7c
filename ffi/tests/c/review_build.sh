#!/usr/bin/env bash
# Builds the review programs ffi/tests/c/review_*.c as ffi/build-c-examples.sh builds the C
# programs (against the static library, -fsanitize=address), into target/c/asan/.
#   bash ffi/tests/c/review_build.sh     (SKIP_CARGO=1 to reuse target/release/librfc6455_ffi.a)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
[ -n "${SKIP_CARGO:-}" ] || cargo build --release -p rfc6455-ffi
OUT="$TARGET/c/asan"
mkdir -p "$OUT"
for src in ffi/tests/c/review_*.c; do
    name=$(basename "$src" .c)
    "${CC:-cc}" -std=c99 -Wall -Wextra -Wpedantic -O1 -g -fno-omit-frame-pointer -fsanitize=address \
        -I ffi/include "$src" "$TARGET/release/librfc6455_ffi.a" -lpthread -ldl -lm -lrt -lutil \
        -o "$OUT/$name"
    echo "built $OUT/$name" >&2
done

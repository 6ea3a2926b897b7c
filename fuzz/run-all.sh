#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30), JOBS at a time (default: number of
# cores), and prints executions and crashes per target. Exits non-zero if any target crashed.
#
#   fuzz/run-all.sh 600          # ten minutes per target
#   TARGETS="frame_decode roundtrip" fuzz/run-all.sh 60
#
# cargo-fuzz needs nightly features; on the stable toolchain RUSTC_BOOTSTRAP=1 unlocks them.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SECONDS_EACH="${1:-30}"
JOBS="${JOBS:-$(nproc)}"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
TARGETS="${TARGETS:-$(cargo fuzz list)}"
cargo fuzz build || exit 1
mkdir -p logs
run_one() {
    local t="$1" corpus="corpus/$1"
    mkdir -p "$corpus"
    local seeds=""
    [ -d "seeds/$t" ] && seeds="seeds/$t"
    cargo fuzz run "$t" "$corpus" $seeds -- -max_total_time="$SECONDS_EACH" -dict=ws.dict \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 > "logs/$t.log" 2>&1
    echo $? > "logs/$t.rc"
}
export -f run_one
export SECONDS_EACH
printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'run_one {}'
status=0
printf '\n%-20s %12s %8s %s\n' target executions crashes result
for t in $TARGETS; do
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -n1)
    crashes=$(ls "artifacts/$t" 2>/dev/null | grep -c -E '^(crash|timeout|oom|leak)-' || true)
    rc=$(cat "logs/$t.rc")
    result=ok
    if [ "$rc" != 0 ]; then result="FAILED (see fuzz/logs/$t.log)"; status=1; fi
    printf '%-20s %12s %8s %s\n' "$t" "${execs:-?}" "$crashes" "$result"
done
exit $status

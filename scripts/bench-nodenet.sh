#!/usr/bin/env bash
# Scrape-cost benchmark of nodenet-exporter (netlink with and without tcp_info, /proc) vs
# node_exporter's tcpstat, `ss -tin` and `cat /proc/net/tcp*`, interleaved in one run.
#   bash scripts/bench-nodenet.sh [--rounds R] [--json FILE] [--no-port-allowlist]
# Env: CONNECTIONS (default 30000,60000: 60,000 then 120,000 ESTABLISHED sockets, one run), ROUNDS (default 15),
#      NODENET_EXPORTER_BIN=path  -> use that binary and skip the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1

bash scripts/setup.sh
if [ -z "${NODENET_EXPORTER_BIN:-}" ]; then
  echo "bench: swift build -c release --product nodenet-exporter"
  swift build -c release --product nodenet-exporter
  NODENET_EXPORTER_BIN="$(swift build -c release --show-bin-path)/nodenet-exporter"
fi
[ -x "$NODENET_EXPORTER_BIN" ] || { echo "bench: no executable at $NODENET_EXPORTER_BIN" >&2; exit 1; }

exec python3 scripts/bench_nodenet.py --bin "$NODENET_EXPORTER_BIN" \
  --connections "${CONNECTIONS:-30000,60000}" --rounds "${ROUNDS:-15}" "$@"

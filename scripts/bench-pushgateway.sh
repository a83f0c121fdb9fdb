#!/usr/bin/env bash
# Push throughput, scrape time and memory: push-gateway vs Debian's Prometheus Pushgateway, one run.
#   bash scripts/bench-pushgateway.sh [--groups N] [--series N] [--pushes N] [--rounds N] [--json FILE]
# Takes about 20 minutes with the defaults (1000 groups of 200 series): the Pushgateway checks
# every push against everything it holds, so its fill alone takes 10-17 minutes on 2 cores.
# Env: PUSH_GATEWAY_BIN=path -> use that binary and skip the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1

bash scripts/setup.sh
if [ -z "${PUSH_GATEWAY_BIN:-}" ]; then
  echo "bench: swift build -c release --product push-gateway"
  swift build -c release --product push-gateway
  PUSH_GATEWAY_BIN="$(swift build -c release --show-bin-path)/push-gateway"
fi
[ -x "$PUSH_GATEWAY_BIN" ] || { echo "bench: no executable at $PUSH_GATEWAY_BIN" >&2; exit 1; }

exec python3 scripts/bench_pushgateway.py --bin "$PUSH_GATEWAY_BIN" "$@"

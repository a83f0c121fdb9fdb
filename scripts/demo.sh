#!/usr/bin/env bash
# The README's first command: the whole stack on this machine, on loopback.
# Installs what is missing (scripts/setup.sh: Debian prometheus, node_exporter, the PyPI test
# broker and client), builds the exporters and push-gateway (release; the first build takes
# several minutes), then runs scripts/stack.py: the test broker with demo traffic and three
# consumer groups (healthy, lagging, stopped), lag-exporter, cluster-exporter, nodenet-exporter,
# node_exporter, push-gateway with a producer pushing its client metrics, and Prometheus with
# deploy/prometheus/rules. Prints the URLs; Ctrl-C stops all.
#   scripts/demo.sh                 # alert `for:` shortened to 10s so alerts fire during the demo
#   DEMO_ALERT_FOR=1m scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v swift >/dev/null || { echo "demo.sh: swift not found (Swift 6.3 toolchain required)" >&2; exit 1; }
echo "==> installing what is missing (scripts/setup.sh)"
bash scripts/setup.sh

echo "==> building the exporters (release; the first build takes several minutes)"
swift build -c release --product lag-exporter
swift build -c release --product cluster-exporter
swift build -c release --product nodenet-exporter
swift build -c release --product push-gateway
BIN_DIR="$(swift build -c release --show-bin-path)"

exec python3 scripts/stack.py --bin-dir "$BIN_DIR" --for "${DEMO_ALERT_FOR:-10s}"

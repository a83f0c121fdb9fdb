#!/usr/bin/env bash
# The README's first command: build nodenet-exporter and run it on this host with the example
# peer groups and process attribution, print its URLs, stop cleanly on Ctrl-C.
#   scripts/demo.sh            # listens on 127.0.0.1:9574 (DEMO_ADDRESS=:9574 for all interfaces)
# Later issues grow this into the full stack (broker, lag and cluster exporters, Prometheus).
set -euo pipefail
cd "$(dirname "$0")/.."

ADDRESS="${DEMO_ADDRESS:-127.0.0.1:9574}"
command -v swift >/dev/null || { echo "demo.sh: swift not found (Swift 6.3 toolchain required)" >&2; exit 1; }
command -v curl >/dev/null || {
    echo "demo.sh: installing curl"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; } >/dev/null
}

echo "==> building nodenet-exporter (release; the first build takes a few minutes)"
swift build -c release --product nodenet-exporter
BIN="$(swift build -c release --show-bin-path)/nodenet-exporter"

"$BIN" --web.listen-address="$ADDRESS" \
    --collector.peers --collector.peers.config=examples/nodenet-peer-groups.yml \
    --collector.processes --collector.processes.names='.+' &
PID=$!
trap 'kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; echo; echo "stopped"' EXIT
trap 'exit 0' INT TERM

HOSTPORT="$ADDRESS"
[[ "$HOSTPORT" == :* ]] && HOSTPORT="127.0.0.1$HOSTPORT"
for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "http://$HOSTPORT/-/healthy" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { echo "demo.sh: nodenet-exporter exited" >&2; exit 1; }
    sleep 0.2
done

cat <<MSG

nodenet-exporter is running (pid $PID):
  landing page   http://$HOSTPORT/
  metrics        http://$HOSTPORT/metrics
  try            curl -s http://$HOSTPORT/metrics | grep '^nodenet_tcp_connections'
Press Ctrl-C to stop.
MSG
wait "$PID"

#!/usr/bin/env bash
# Show nodenet-exporter next to node_exporter on a few thousand real loopback connections.
#   bash scripts/compare-nodenet.sh            (CONNECTIONS=3000 by default; NODENET_EXPORTER_BIN to skip the build)
# Starts a connection holder, our exporter (with the holder's ports allowlisted) and node_exporter
# (tcpstat only), prints both views, then stops everything it started (by pid).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1
bash scripts/setup.sh
if [ -z "${NODENET_EXPORTER_BIN:-}" ]; then
  swift build -c release --product nodenet-exporter
  NODENET_EXPORTER_BIN="$(swift build -c release --show-bin-path)/nodenet-exporter"
fi
exec python3 - "$NODENET_EXPORTER_BIN" "${CONNECTIONS:-3000}" <<'PY'
import shutil, sys, tempfile
from pathlib import Path
sys.path.insert(0, "scripts")
from harness import (ProcessManager, free_ports, start_conn_holder, start_exporter,
                     start_node_exporter)
binary, n = Path(sys.argv[1]), int(sys.argv[2])
pm = ProcessManager(Path(tempfile.mkdtemp(prefix="nodenet-demo-")))
try:
    ports = free_ports(3)
    _, info = start_conn_holder(pm, n, 0, ports, half_closed=min(30, n))
    print(f"holding {n} loopback connections ({info['sockets']} sockets) on ports {ports}\n")
    ours = start_exporter(pm, binary, f"--collector.tcp.ports={','.join(map(str, ports))}")
    node = start_node_exporter(pm, shutil.which("prometheus-node-exporter"))
    print(f"--- nodenet-exporter {ours.metrics_url}")
    for line in ours.scrape().text.splitlines():
        if line.startswith("nodenet_tcp_connections"):
            print(line)
    print(f"\n--- node_exporter {node.metrics_url}")
    for line in node.scrape().text.splitlines():
        if line.startswith("node_tcp_connection_states"):
            print(line)
finally:
    pm.stop_all()
PY

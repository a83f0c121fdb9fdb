#!/usr/bin/env python3
"""Benchmark driver for nodenet-exporter (called by scripts/bench-nodenet.sh).

Holds N established loopback connections (2N ESTABLISHED sockets), starts nodenet-exporter and
node_exporter (tcpstat only), then, interleaved in the same run, ROUNDS times each:
  floor : wall time of `cat /proc/net/tcp /proc/net/tcp6 >/dev/null` (kernel text generation)
  ours  : wall time of a full GET of our /metrics (whole body read)
  node  : wall time of a full GET of node_exporter's /metrics (netlink based)
and prints medians, p90, ours/floor, ours/node, our peak RSS (VmHWM) and CPU per scrape.
Every process it starts is stopped by pid on exit, also on failure or ^C.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from harness import (
    ProcessManager, cpu_seconds, free_ports, http_get, median, parse_samples, peak_rss_mb, percentile,
    start_conn_holder, start_exporter, start_node_exporter, sum_by,
)


def fetch(port: int, path: str = "/metrics") -> tuple[float, bytes]:
    t0 = time.perf_counter()
    status, body = http_get(port, path, timeout=120)  # plain text, like a default scrape
    dt = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"GET :{port}{path} -> HTTP {status}")
    return dt, body


def floor_once() -> float:
    t0 = time.perf_counter()
    subprocess.run("cat /proc/net/tcp /proc/net/tcp6 >/dev/null", shell=True, check=True,
                   timeout=120)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="nodenet-exporter binary")
    ap.add_argument("--connections", type=int, default=60000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--no-port-allowlist", action="store_true",
                    help="do not pass the listener ports as --collector.tcp.ports")
    ap.add_argument("--json", help="also write the results as JSON here")
    ap.add_argument("--workdir", default="/tmp/bench-nodenet")
    a = ap.parse_args()

    node_bin = subprocess.run(["sh", "-c", "command -v prometheus-node-exporter"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    if not node_bin:
        print("bench: prometheus-node-exporter not installed (scripts/setup.sh)", file=sys.stderr)
        return 1
    pm = ProcessManager(Path(a.workdir) / f"run-{os.getpid()}")
    try:
        nports = max(1, -(-a.connections // 20000))
        ports = free_ports(nports)
        print(f"bench: opening {a.connections} loopback connections on ports {ports} ...",
              flush=True)
        t0 = time.perf_counter()
        _, info = start_conn_holder(pm, a.connections, 0, ports, timeout=300)
        print(f"bench: {info['sockets']} sockets held by {len(info['workers'])} processes "
              f"({time.perf_counter() - t0:.1f}s)", flush=True)

        extra = [] if a.no_port_allowlist else [
            f"--collector.tcp.ports={','.join(map(str, info['ports']))}"]
        ours = start_exporter(pm, Path(a.bin), *extra)
        node = start_node_exporter(pm, node_bin)

        # warm-up (first scrape allocates buffers, faults pages in) + sanity check of counts
        _, body = fetch(ours.port)
        fetch(node.port)
        floor_once()
        est = sum_by(parse_samples(body.decode()), "nodenet_tcp_connections", "state").get(
            "established", 0)
        if est < 2 * a.connections:
            print(f"bench: WARNING: exporter reports {est:.0f} established sockets, "
                  f"expected >= {2 * a.connections}", file=sys.stderr)

        times: dict[str, list[float]] = {"floor": [], "ours": [], "node": []}
        sizes = {"ours": len(body), "node": 0}
        cpu0 = cpu_seconds(ours.proc.pid)
        for _ in range(a.rounds):
            times["floor"].append(floor_once())
            dt, b = fetch(ours.port)
            times["ours"].append(dt)
            sizes["ours"] = len(b)
            dt, b = fetch(node.port)
            times["node"].append(dt)
            sizes["node"] = len(b)
        cpu_per_scrape = (cpu_seconds(ours.proc.pid) - cpu0) / a.rounds
        hwm_ours = peak_rss_mb(ours.proc.pid)
        hwm_node = peak_rss_mb(node.proc.pid)
        lines_tcp = sum(1 for f in ("/proc/net/tcp", "/proc/net/tcp6")
                        for _ in open(f)) - 2

        med = {k: median(v) for k, v in times.items()}
        p90 = {k: percentile(v, 0.9) for k, v in times.items()}
        res = {
            "connections": a.connections, "sockets_held": info["sockets"],
            "proc_net_rows": lines_tcp, "established_reported": est, "rounds": a.rounds,
            "median_s": med, "p90_s": p90,
            "ratio_ours_floor": med["ours"] / med["floor"],
            "ratio_ours_node": med["ours"] / med["node"],
            "ours_cpu_per_scrape_s": cpu_per_scrape,
            "ours_peak_rss_mb": hwm_ours, "node_peak_rss_mb": hwm_node,
            "body_bytes": sizes, "samples_s": times,
        }
        print()
        print(f"nodenet-exporter benchmark: {info['sockets']} held sockets "
              f"({lines_tcp} rows in /proc/net/tcp{{,6}}), {a.rounds} interleaved rounds")
        print(f"{'':28}{'median ms':>10}{'p90 ms':>10}")
        for k, label in (("floor", "floor (cat /proc/net/tcp*)"), ("ours", "nodenet-exporter"),
                         ("node", "node_exporter tcpstat")):
            print(f"{label:28}{med[k] * 1000:10.1f}{p90[k] * 1000:10.1f}")
        print(f"{'ours / floor':28}{res['ratio_ours_floor']:10.2f}")
        print(f"{'ours / node_exporter':28}{res['ratio_ours_node']:10.2f}")
        print(f"{'ours CPU per scrape':28}{cpu_per_scrape * 1000:10.1f} ms")
        print(f"{'ours peak RSS (VmHWM)':28}{hwm_ours:10.1f} MB   (node_exporter {hwm_node:.1f} MB)")
        print(f"{'body bytes ours / node':28}{sizes['ours']:10d} / {sizes['node']}")
        if a.json:
            Path(a.json).write_text(json.dumps(res, indent=2))
        return 0
    finally:
        pm.stop_all()


if __name__ == "__main__":
    sys.exit(main())

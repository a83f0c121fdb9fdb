#!/usr/bin/env python3
"""Benchmark driver for nodenet-exporter (called by scripts/bench-nodenet.sh).

Holds N established loopback connections (2N ESTABLISHED sockets), starts three nodenet-exporters
(netlink source without tcp_info, netlink with tcp_info, /proc source) and node_exporter (tcpstat
only, which reads sock_diag too), then, interleaved in the same run, ROUNDS times each:
  netlink       : full GET of /metrics, --collector.tcp.source=netlink --no-collector.tcp.info
  netlink+info  : full GET of /metrics, --collector.tcp.source=netlink (tcp_info metrics)
  procfs        : full GET of /metrics, --collector.tcp.source=procfs
  node          : full GET of node_exporter's /metrics
  ss -tin       : `ss -tin >/dev/null`, the floor for the same sockets with tcp_info
  cat           : `cat /proc/net/tcp /proc/net/tcp6 >/dev/null`, the floor of the /proc text
and prints, per contender, the median and p90 wall time, the CPU time per scrape (the server
process's own CPU for the exporters, the child's rusage for ss and cat), peak RSS, and the ratios
the issue sets goals for. Every process it starts is stopped by pid on exit, also on failure or ^C.
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

EXPORTERS = {
    "netlink": ["--collector.tcp.source=netlink", "--no-collector.tcp.info"],
    "netlink+info": ["--collector.tcp.source=netlink"],
    "procfs": ["--collector.tcp.source=procfs"],
}
COMMANDS = {
    "ss -tin": ["ss", "-tin"],
    "cat": ["cat", "/proc/net/tcp", "/proc/net/tcp6"],
}


def fetch(port: int) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    status, body = http_get(port, "/metrics", timeout=120)  # plain text, like a default scrape
    dt = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"GET :{port}/metrics -> HTTP {status}")
    return dt, body


def run_command(cmd: list[str]) -> tuple[float, float]:
    """Wall time and the child's own CPU time (user + system from wait4's rusage)."""
    with open(os.devnull, "wb") as null:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=null)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd} exited {p.returncode}")
    return dt, ru.ru_utime + ru.ru_stime


def measure(servers: dict, rounds: int) -> dict:
    """ROUNDS interleaved rounds over every exporter and command: wall and CPU samples, sizes."""
    names = [*servers, *COMMANDS]
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        for name, s in servers.items():
            c0 = cpu_seconds(s.proc.pid)
            dt, body = fetch(s.port)
            wall[name].append(dt)
            cpu[name].append(cpu_seconds(s.proc.pid) - c0)
            sizes[name] = len(body)
        for name, cmd in COMMANDS.items():
            dt, c = run_command(cmd)
            wall[name].append(dt)
            cpu[name].append(c)
    # /proc's CPU figures tick in 10 ms steps: the mean over the rounds, not the median.
    cpu_mean = {n: sum(v) / len(v) for n, v in cpu.items()}
    med = {n: median(v) for n, v in wall.items()}
    return {
        "median_wall_s": med, "p90_wall_s": {n: percentile(v, 0.9) for n, v in wall.items()},
        "cpu_per_scrape_s": cpu_mean,
        "ratios": {
            "netlink_cpu_vs_node": cpu_mean["netlink"] / cpu_mean["node"],
            "netlink_info_cpu_vs_node": cpu_mean["netlink+info"] / cpu_mean["node"],
            "netlink_info_cpu_vs_ss_tin": cpu_mean["netlink+info"] / cpu_mean["ss -tin"],
            "netlink_info_wall_vs_ss_tin": med["netlink+info"] / med["ss -tin"],
            "procfs_cpu_vs_node": cpu_mean["procfs"] / cpu_mean["node"],
        },
        "body_bytes": sizes, "wall_samples_s": wall, "cpu_samples_s": cpu,
    }


LABELS = {
    "netlink": "nodenet netlink (no tcp_info)", "netlink+info": "nodenet netlink + tcp_info",
    "procfs": "nodenet /proc", "node": "node_exporter tcpstat", "ss -tin": "ss -tin",
    "cat": "cat /proc/net/tcp{,6}",
}


def report(res: dict, sockets: int, rounds: int, rss: dict) -> None:
    print()
    print(f"nodenet-exporter benchmark: {sockets} held sockets, {rounds} interleaved rounds")
    print(f"{'':34}{'wall median':>12}{'wall p90':>10}{'CPU/scrape':>12}{'peak RSS':>10}")
    for n, label in LABELS.items():
        mem = f"{rss[n]:8.1f} MB" if n in rss else ""
        print(f"{label:34}{res['median_wall_s'][n] * 1000:9.1f} ms{res['p90_wall_s'][n] * 1000:7.1f} ms"
              f"{res['cpu_per_scrape_s'][n] * 1000:9.1f} ms{mem:>12}")
    for k, v in res["ratios"].items():
        print(f"{k:34}{v:9.2f}x")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="nodenet-exporter binary")
    ap.add_argument("--connections", default="30000,60000",
                    help="connection totals measured in turn in one run (comma list, ascending): "
                         "each step opens the difference, so 30000,60000 measures 60k then 120k sockets")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--no-port-allowlist", action="store_true",
                    help="do not pass the listener ports as --collector.tcp.ports")
    ap.add_argument("--json", help="also write the results as JSON here")
    ap.add_argument("--workdir", default="/tmp/bench-nodenet")
    a = ap.parse_args()
    totals = [int(x) for x in a.connections.split(",")]
    if totals != sorted(totals) or totals[0] <= 0:
        ap.error("--connections: ascending positive totals")

    node_bin = subprocess.run(["sh", "-c", "command -v prometheus-node-exporter"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    if not node_bin:
        print("bench: prometheus-node-exporter not installed (scripts/setup.sh)", file=sys.stderr)
        return 1
    pm = ProcessManager(Path(a.workdir) / f"run-{os.getpid()}")
    try:
        # Ports for every step up front: the exporters' allowlist names them all.
        steps = [t - p for t, p in zip(totals, [0, *totals[:-1]], strict=True)]
        step_ports = [max(1, -(-n // 20000)) for n in steps]
        all_ports = free_ports(sum(step_ports))
        allow = [] if a.no_port_allowlist else [f"--collector.tcp.ports={','.join(map(str, all_ports))}"]
        servers = None
        results = []
        held = 0
        for i, n in enumerate(steps):
            first = sum(step_ports[:i])
            ports = all_ports[first:first + step_ports[i]]
            print(f"bench: opening {n} more loopback connections on ports {ports} ...", flush=True)
            t0 = time.perf_counter()
            _, info = start_conn_holder(pm, n, 0, ports, timeout=300)
            held += info["sockets"]
            print(f"bench: {held} sockets held ({time.perf_counter() - t0:.1f}s)", flush=True)
            if servers is None:
                servers = {name: start_exporter(pm, Path(a.bin), *allow, *flags) for name, flags in EXPORTERS.items()}
                servers["node"] = start_node_exporter(pm, node_bin)
            # warm-up (first scrapes allocate buffers, fault pages in) + sanity check of the counts
            for name, s in servers.items():
                _, body = fetch(s.port)
                if name != "node":
                    est = sum_by(parse_samples(body.decode()), "nodenet_tcp_connections", "state").get(
                        "established", 0)
                    if est < 2 * totals[i]:
                        print(f"bench: WARNING: {name} reports {est:.0f} established sockets, "
                              f"expected >= {2 * totals[i]}", file=sys.stderr)
            for cmd in COMMANDS.values():
                run_command(cmd)
            res = measure(servers, a.rounds)
            rss = {name: peak_rss_mb(s.proc.pid) for name, s in servers.items()}
            res.update({"connections": totals[i], "sockets_held": held, "rounds": a.rounds, "peak_rss_mb": rss})
            results.append(res)
            report(res, held, a.rounds, rss)
        if a.json:
            Path(a.json).write_text(json.dumps(results, indent=2))
        return 0
    finally:
        pm.stop_all()


if __name__ == "__main__":
    sys.exit(main())

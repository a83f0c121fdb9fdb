"""Push throughput, scrape time and memory of push-gateway against Debian's Prometheus
Pushgateway, on the same machine in one run (see scripts/bench-pushgateway.sh).

Workload: GROUPS groups (job="bench", instance="client-<i>") of SERIES series each, the shape of
Kafka clients pushing their metrics: gauges and counters labelled by topic and partition. Both
gateways get the same bodies from the same client (WORKERS threads, keep-alive connections).

Measured, per gateway:
- fill: the first push of every group (the held state grows from 0 to GROUPS x SERIES);
- re-push rounds: PUSHES pushes replacing random groups of the full state, rounds alternated
  between the gateways so that machine noise hits both alike;
- pushes per second (wall clock) and the gateway's own CPU seconds per push (utime + stime of its
  process: what the gateway costs, not the Python client);
- scrape: SCRAPES GETs of /metrics on the full state, median seconds and body size;
- memory: RSS once full, minus RSS when empty, per held series.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ProcessManager, cpu_seconds, free_port, median, rss_mb, wait_until  # noqa: E402


def body(i: int, series: int) -> bytes:
    """SERIES series of one client: families of 20 (topic, partition) series each."""
    lines = []
    families = max(1, series // 20)
    n = 0
    for f in range(families):
        kind = "counter" if f % 2 else "gauge"
        name = f"kafka_client_metric_{f}" + ("_total" if kind == "counter" else "")
        lines.append(f"# HELP {name} Client metric {f}.")
        lines.append(f"# TYPE {name} {kind}")
        for s in range(20):
            if n == series:
                break
            lines.append(f'{name}{{topic="orders-{s // 4}",partition="{s % 4}"}} {(i * 7919 + f * 31 + s) % 100000}.5')
            n += 1
    return ("\n".join(lines) + "\n").encode()


class Gateway:
    def __init__(self, name: str, proc, port: int):
        self.name, self.proc, self.port = name, proc, port

    def get(self, path: str) -> bytes:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        c.request("GET", path)
        r = c.getresponse()
        data = r.read()
        assert r.status == 200, (self.name, r.status)
        c.close()
        return data

    def push_all(self, items: list[tuple[int, bytes]], workers: int) -> float:
        """PUTs every (group, body) with `workers` keep-alive connections; wall seconds."""
        queue = list(items)
        lock = threading.Lock()
        errors: list[str] = []

        def run():
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            while True:
                with lock:
                    if not queue:
                        break
                    i, data = queue.pop()
                c.request("PUT", f"/metrics/job/bench/instance/client-{i}", body=data,
                          headers={"Content-Type": "text/plain; version=0.0.4"})
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    errors.append(f"{self.name}: {r.status}")
            c.close()

        t0 = time.perf_counter()
        threads = [threading.Thread(target=run) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]
        return time.perf_counter() - t0


def start(pm: ProcessManager, name: str, args: list[str], port: int) -> Gateway:
    proc = pm.start(name, args)
    gw = Gateway(name, proc, port)
    wait_until(lambda: gw.get("/-/ready") is not None, 30, what=f"{name} ready", proc=proc)
    return gw


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="push-gateway binary (release build)")
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--pushes", type=int, default=30,
                    help="pushes per re-push round (the Pushgateway takes about a second each on the full state)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scrapes", type=int, default=5)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()

    ref_bin = shutil.which("prometheus-pushgateway")
    if not ref_bin:
        print("bench: prometheus-pushgateway not installed (scripts/setup.sh)", file=sys.stderr)
        return 1
    bodies = [(i, body(i, a.series)) for i in range(a.groups)]
    held = a.groups * a.series
    pm = ProcessManager(Path("/tmp") / f"bench-pushgateway-{int(time.time())}")
    results: dict[str, dict] = {}
    try:
        p1, p2 = free_port(), free_port()
        ref = start(pm, "prometheus-pushgateway",
                    [ref_bin, f"--web.listen-address=127.0.0.1:{p1}", "--persistence.file="], p1)
        ours = start(pm, "push-gateway", [a.bin, f"--web.listen-address=127.0.0.1:{p2}",
                                          f"--push.max-groups={a.groups}",
                                          f"--push.max-series-per-group={a.series}"], p2)
        gws = [ref, ours]
        for gw in gws:
            gw.get("/metrics")
            time.sleep(1)
            r = results.setdefault(gw.name, {})
            r["rss_empty_mb"] = rss_mb(gw.proc.pid)
            c0 = cpu_seconds(gw.proc.pid)
            r["fill_seconds"] = gw.push_all(bodies, a.workers)
            r["fill_cpu_per_push_ms"] = (cpu_seconds(gw.proc.pid) - c0) / a.groups * 1000
            r["fill_pushes_per_second"] = a.groups / r["fill_seconds"]
            print(f"bench: {gw.name}: filled {a.groups} groups in {r['fill_seconds']:.1f}s", flush=True)
        rng = random.Random(14)
        walls = {gw.name: [] for gw in gws}
        cpus = {gw.name: [] for gw in gws}
        for rnd in range(a.rounds):
            sample = [bodies[rng.randrange(a.groups)] for _ in range(a.pushes)]
            for gw in (gws if rnd % 2 == 0 else gws[::-1]):
                c0 = cpu_seconds(gw.proc.pid)
                walls[gw.name].append(gw.push_all(sample, a.workers))
                cpus[gw.name].append(cpu_seconds(gw.proc.pid) - c0)
        for gw in gws:
            r = results[gw.name]
            r["repush_pushes_per_second"] = a.pushes / median(walls[gw.name])
            r["repush_cpu_per_push_ms"] = median(cpus[gw.name]) / a.pushes * 1000
            times, size = [], 0
            for _ in range(a.scrapes):
                t0 = time.perf_counter()
                size = len(gw.get("/metrics"))
                times.append(time.perf_counter() - t0)
            r["scrape_seconds"] = median(times)
            r["scrape_bytes"] = size
            time.sleep(1)
            r["rss_full_mb"] = rss_mb(gw.proc.pid)
            r["rss_bytes_per_series"] = (r["rss_full_mb"] - r["rss_empty_mb"]) * 1024 * 1024 / held
    finally:
        pm.stop_all()

    ref, ours = results["prometheus-pushgateway"], results["push-gateway"]
    print(f"\n{a.groups} groups x {a.series} series = {held} series held; {a.workers} client threads; "
          f"re-push: {a.rounds} rounds of {a.pushes} pushes (medians)\n")
    rows = [
        ("fill, pushes/s (wall)", "fill_pushes_per_second", "{:.2f}", "higher is better"),
        ("fill, gateway CPU ms/push", "fill_cpu_per_push_ms", "{:.2f}", ""),
        ("re-push, pushes/s (wall)", "repush_pushes_per_second", "{:.2f}", "higher is better"),
        ("re-push, gateway CPU ms/push", "repush_cpu_per_push_ms", "{:.2f}", ""),
        ("scrape, seconds", "scrape_seconds", "{:.3f}", ""),
        ("scrape, MB", "scrape_bytes", "{:.1f}", ""),
        ("RSS full, MiB", "rss_full_mb", "{:.0f}", ""),
        ("RSS per held series, bytes", "rss_bytes_per_series", "{:.0f}", ""),
    ]
    print(f"{'':32} {'Pushgateway 1.5.1':>18} {'push-gateway':>14} {'ratio ours/ref':>15}")
    for label, key, fmt, _ in rows:
        rv, ov = ref[key], ours[key]
        if key == "scrape_bytes":
            rv, ov = rv / 1e6, ov / 1e6
        ratio = ov / rv if rv else float("nan")
        print(f"{label:32} {fmt.format(rv):>18} {fmt.format(ov):>14} {ratio:>15.3g}")
    if a.json:
        a.json.write_text(json.dumps({"groups": a.groups, "series": a.series, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

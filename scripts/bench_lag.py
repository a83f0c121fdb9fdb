#!/usr/bin/env python3
"""Benchmark driver for lag-exporter vs Burrow (called by scripts/bench-lag.sh).

Once per invocation: starts the test broker (Tansu) behind the Burrow rig's ListOffsets-v0 proxy
and fills `__consumer_offsets` with the rig's fill_offsets_topic.py (GROUPS x 3 partitions x ROUNDS
offset commits, then one `marker-<p>` group per offsets partition), and starts ZooKeeper for
Burrow's locks. Then RUNS times per side, alternating which side goes first, each run a fresh
process reading the same topic from the earliest offset:
  ours   : lag-exporter, polled on GET /v3/kafka/local/consumer
  burrow : Burrow 1.2.1 (Debian), polled on GET /v3/kafka/local/consumer
"visible" = the consumer list holds all 8 marker groups and GROUPS + 8 groups in total (the same
test for both). At that instant it reads the process's CPU seconds (utime+stime of
/proc/PID/stat) and peak RSS (VmHWM). Then, with everything loaded, it times full /metrics scrapes
of lag-exporter (body size, series count, CPU per scrape) and, for both tools, the Burrow-API
request a burrow exporter makes per group (GET /v3/kafka/local/consumer/<group>/lag).
Prints medians and the ratios ours/Burrow against the goals. Every process it starts is stopped
by pid on exit, also on failure, ^C or SIGTERM.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import (
    ProcessManager, WaitFailed, cpu_seconds, cpu_split, free_ports, http_get, median, peak_rss_mb,
    tansu_bin, wait_port,
)

GOALS = {"wall": 0.75, "cpu": 0.10, "rss": 0.25}
SCRAPE_GOAL_S = 1.0
PARTS = 8  # offsets-topic partitions the rig's fill script creates (one marker group each)


class BenchError(RuntimeError):
    pass


class Bench:
    def __init__(self, a: argparse.Namespace, work: Path):
        self.a = a
        self.work = work
        self.pm = ProcessManager(work / "logs")
        self.rig = Path(a.rig).resolve()
        self.expected_groups = a.groups + PARTS
        self.markers = [f'"marker-{p}"'.encode() for p in range(PARTS)]
        (self.broker_port, self.proxy_port, self.zk_port, self.ours_port,
         self.burrow_port) = free_ports(5)
        self.broker = self.proxy = self.zk = None

    # ------------------------------------------------------------------ fixtures (once)

    def start_broker_and_fill(self) -> dict:
        self.broker = self.pm.start("tansu", [
            tansu_bin(), "broker", "--listener-url", f"tcp://127.0.0.1:{self.broker_port}",
            "--advertised-listener-url", f"tcp://127.0.0.1:{self.proxy_port}", "--silent"])
        wait_port(self.broker_port, 30, "broker", self.broker)
        self.proxy = self.pm.start("listoffsets-v0-proxy", [
            sys.executable, str(self.rig / "listoffsets_v0_proxy.py"), str(self.proxy_port),
            str(self.broker_port)])
        wait_port(self.proxy_port, 30, "ListOffsets-v0 proxy", self.proxy)
        commits = self.a.groups * 3 * self.a.rounds
        print(f"bench: filling __consumer_offsets: {self.a.groups} groups x 3 partitions x "
              f"{self.a.rounds} rounds = {commits} commits + {PARTS} markers ...", flush=True)
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, str(self.rig / "fill_offsets_topic.py"),
                            f"127.0.0.1:{self.proxy_port}", str(self.a.groups), str(self.a.rounds)],
                           capture_output=True, text=True, timeout=3600)
        fill_s = time.perf_counter() - t0
        if r.returncode != 0:
            raise BenchError(f"fill failed (rc {r.returncode}):\n{r.stdout}\n{r.stderr[-3000:]}")
        print(f"bench: {r.stdout.strip()} (fill {fill_s:.1f}s)", flush=True)
        records = self.topic_records()
        print(f"bench: __consumer_offsets holds {records} records by its high watermarks", flush=True)
        return {"commits": commits, "fill_s": fill_s, "offsets_topic_records": records}

    def topic_records(self) -> int:
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": f"127.0.0.1:{self.proxy_port}", "group.id": "bench-lag-wm",
                      "enable.auto.commit": False})
        try:
            total = 0
            for p in range(PARTS):
                lo, hi = c.get_watermark_offsets(TopicPartition("__consumer_offsets", p), timeout=30)
                total += hi - lo
            return total
        finally:
            c.close()

    def start_zookeeper(self) -> None:
        d = self.work / "zookeeper"
        (d / "data").mkdir(parents=True)
        cfg = d / "zoo.cfg"
        cfg.write_text(f"tickTime=2000\ndataDir={d / 'data'}\nclientPort={self.zk_port}\n"
                       f"clientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
                       f"4lw.commands.whitelist=\n")
        jars = ":".join(str(p) for p in sorted(Path("/usr/share/java").glob("*.jar")))
        self.zk = self.pm.start("zookeeper", [
            "java", "-Xmx256m", "-Dzookeeper.admin.enableServer=false", "-cp", jars,
            "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)])
        wait_port(self.zk_port, 60, "zookeeper", self.zk)

    # ------------------------------------------------------------------ one run

    def ours_args(self, run_dir: Path) -> list[str]:
        cfg = run_dir / "lag-exporter.yml"
        # The rig's Burrow settings: intervals 10, min-distance 1 s, expire-group 7 d.
        cfg.write_text(
            "clusters:\n"
            "  - name: local\n"
            f"    bootstrap: [127.0.0.1:{self.proxy_port}]\n"
            "    offset_refresh: 10s\n"
            "    topic_refresh: 60s\n"
            "    evaluator: {intervals: 10, min_distance: 1s, expire_group: 7d}\n")
        return [str(self.a.bin), f"--config.file={cfg}",
                f"--web.listen-address=127.0.0.1:{self.ours_port}"]

    def burrow_args(self, run_dir: Path) -> list[str]:
        toml = (self.rig / "burrow.toml").read_text()
        toml = (toml.replace("127.0.0.1:19094", f"127.0.0.1:{self.proxy_port}")
                .replace("127.0.0.1:12181", f"127.0.0.1:{self.zk_port}")
                .replace("127.0.0.1:18000", f"127.0.0.1:{self.burrow_port}")
                .replace('pidfile="burrow.pid"', f'pidfile="{run_dir / "burrow.pid"}"')
                .replace('root-path="/burrow"', f'root-path="/burrow-{run_dir.name}"'))
        (run_dir / "burrow.toml").write_text(toml)
        return [shutil.which("Burrow") or "/usr/bin/Burrow", "--config-dir", str(run_dir)]

    def infra_cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in (self.broker, self.proxy) if p and p.alive())

    def run_one(self, side: str, n: int) -> dict:
        run_dir = self.work / f"run{n}-{side}"
        run_dir.mkdir()
        port = self.ours_port if side == "ours" else self.burrow_port
        args = self.ours_args(run_dir) if side == "ours" else self.burrow_args(run_dir)
        infra0 = self.infra_cpu()
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = self.pm.start(f"{side}-run{n}", args)
        pid = proc.pid
        res: dict = {"side": side, "run": n, "loadavg1_at_start": load}
        deadline = t0 + self.a.timeout
        polls = 0
        try:
            while True:
                now = time.perf_counter()
                if now > deadline:
                    raise BenchError(f"{side} run {n}: not all groups visible after {self.a.timeout}s\n"
                                     f"{proc.describe()}")
                if not proc.alive():
                    raise BenchError(f"{side} run {n}: process exited\n{proc.describe()}")
                hwm_before = peak_rss_mb(pid)  # peak before this request (ingest only)
                try:
                    status, body = http_get(port, "/v3/kafka/local/consumer")
                except OSError:
                    status, body = 0, b""
                polls += 1
                if status == 200 and all(m in body for m in self.markers):
                    t = time.perf_counter() - t0
                    cpu, (ut, st), hwm = cpu_seconds(pid), cpu_split(pid), peak_rss_mb(pid)
                    res.setdefault("markers_s", t)
                    count = len(json.loads(body)["consumers"])
                    if count >= self.expected_groups:
                        res.update(wall_s=t, cpu_s=cpu, utime_s=ut, stime_s=st, rss_mb=hwm,
                                   rss_pre_mb=hwm_before, groups_visible=count, polls=polls)
                        break
                    res["groups_at_markers"] = count
                time.sleep(self.a.poll)
            res["infra_cpu_s"] = self.infra_cpu() - infra0
            res.update(self.list_requests(proc, port))
            if side == "ours":
                res.update(self.scrapes(proc, port))
            res.update(self.lag_requests(proc, port))
            res["rss_end_mb"] = peak_rss_mb(pid)
        finally:
            self.pm.stop(proc, grace=5.0)
            self.pm.procs.remove(proc)
        return res

    def scrapes(self, proc, port: int) -> dict:
        times: list[float] = []
        body = b""
        cpu0 = cpu_seconds(proc.pid)
        for _ in range(self.a.scrapes):
            t0 = time.perf_counter()
            status, body = http_get(port, "/metrics", timeout=300)
            times.append(time.perf_counter() - t0)
            if status != 200:
                raise BenchError(f"GET /metrics -> HTTP {status}")
        cpu = (cpu_seconds(proc.pid) - cpu0) / max(1, self.a.scrapes)
        series = sum(1 for ln in body.split(b"\n") if ln and not ln.startswith(b"#"))
        lag_series = sum(1 for ln in body.split(b"\n")
                         if ln.startswith(b"kafka_consumergroup_") and b'partition="' in ln)
        return {"scrape_first_s": times[0], "scrape_median_s": median(times), "scrape_cpu_s": cpu,
                "scrape_bytes": len(body), "scrape_series": series,
                "scrape_partition_series": lag_series, "scrape_rss_mb": peak_rss_mb(proc.pid)}

    def list_requests(self, proc, port: int, n: int = 5) -> dict:
        """What one poll of the full consumer list costs the tool (wall and CPU)."""
        times = []
        cpu0 = cpu_seconds(proc.pid)
        for _ in range(n):
            t0 = time.perf_counter()
            status, _ = http_get(port, "/v3/kafka/local/consumer")
            times.append(time.perf_counter() - t0)
        return {"list_request_median_s": median(times),
                "list_request_cpu_s": (cpu_seconds(proc.pid) - cpu0) / n}

    def lag_requests(self, proc, port: int) -> dict:
        if self.a.lag_requests <= 0:
            return {}
        rnd = random.Random(42)
        names = [f"group-{rnd.randrange(self.a.groups):06d}" for _ in range(self.a.lag_requests)]
        times = []
        cpu0 = cpu_seconds(proc.pid)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for g in names:
                t0 = time.perf_counter()
                c.request("GET", f"/v3/kafka/local/consumer/{g}/lag")
                r = c.getresponse()
                b = r.read()
                times.append(time.perf_counter() - t0)
                if r.status != 200 or b'"partition_count":3' not in b:
                    raise BenchError(f"GET lag of {g}: HTTP {r.status} {b[:300]!r}")
        finally:
            c.close()
        cpu = (cpu_seconds(proc.pid) - cpu0) / len(names)
        return {"lag_request_median_s": median(times), "lag_request_cpu_s": cpu}

    # ------------------------------------------------------------------ all

    def run(self) -> dict:
        fill = self.start_broker_and_fill()
        self.start_zookeeper()
        runs: list[dict] = []
        for i in range(self.a.runs):
            order = ("ours", "burrow") if i % 2 == 0 else ("burrow", "ours")
            for side in order:
                if side in self.a.skip:
                    continue
                r = self.run_one(side, i + 1)
                runs.append(r)
                extra = ""
                if "scrape_median_s" in r:
                    extra = f", /metrics {r['scrape_median_s'] * 1000:.0f} ms"
                print(f"bench: run {i + 1} {side:6}: visible after {r['wall_s']:.2f}s "
                      f"(markers {r['markers_s']:.2f}s), CPU {r['cpu_s']:.2f}s "
                      f"(user {r['utime_s']:.2f} sys {r['stime_s']:.2f}), peak RSS {r['rss_mb']:.0f} MB, "
                      f"{r['groups_visible']} groups, broker+proxy CPU {r['infra_cpu_s']:.1f}s, "
                      f"load {r['loadavg1_at_start']:.2f}{extra}", flush=True)
        return {"config": {"groups": self.a.groups, "rounds": self.a.rounds, "runs": self.a.runs,
                           "poll_s": self.a.poll}, "fill": fill, "runs": runs}


def summarize(res: dict) -> dict:
    by = {s: [r for r in res["runs"] if r["side"] == s] for s in ("ours", "burrow")}
    keys = ["wall_s", "markers_s", "cpu_s", "utime_s", "stime_s", "rss_mb", "rss_pre_mb", "rss_end_mb",
            "infra_cpu_s", "polls", "list_request_median_s", "list_request_cpu_s",
            "lag_request_median_s", "lag_request_cpu_s", "scrape_first_s", "scrape_median_s",
            "scrape_cpu_s", "scrape_bytes", "scrape_series", "scrape_partition_series", "scrape_rss_mb"]
    m = {s: {k: median([r[k] for r in rs if k in r]) for k in keys} for s, rs in by.items()}
    ratios = {}
    for k, key in (("wall", "wall_s"), ("cpu", "cpu_s"), ("rss", "rss_mb")):
        if by["ours"] and by["burrow"]:
            ratios[k] = m["ours"][key] / m["burrow"][key]
    return {"median": m, "ratios": ratios}


def report(res: dict, s: dict) -> None:
    c, f, m = res["config"], res["fill"], s["median"]
    o, b = m["ours"], m["burrow"]
    n_o = sum(1 for r in res["runs"] if r["side"] == "ours")
    n_b = sum(1 for r in res["runs"] if r["side"] == "burrow")
    print()
    print(f"lag-exporter ingestion benchmark: {c['groups']} groups x 3 partitions x {c['rounds']} rounds "
          f"= {f['commits']} commits (+{PARTS} markers, {f['offsets_topic_records']} records), "
          f"medians of {n_o} / {n_b} runs (ours / Burrow)")
    print(f"{'':34}{'lag-exporter':>14}{'Burrow 1.2.1':>14}{'ours/Burrow':>13}{'goal':>8}")

    def row(label, ko, fmt, ratio=None, goal=None):
        vo = fmt(o[ko]) if o.get(ko) == o.get(ko) and ko in o else "-"  # NaN: not measured
        vb = fmt(b[ko]) if b.get(ko) == b.get(ko) and ko in b else "-"
        rr = f"{ratio:.3f}" if ratio is not None else ""
        gg = ""
        if ratio is not None and goal is not None:
            gg = f"<={goal:g}  " + ("ok" if ratio <= goal else f"MISS ({ratio / goal:.1f}x over)")
        print(f"{label:34}{vo:>14}{vb:>14}{rr:>13}  {gg}")

    r = s["ratios"]
    row("wall to all groups visible (s)", "wall_s", lambda v: f"{v:.2f}", r.get("wall"), GOALS["wall"])
    row("  (all 8 markers listed) (s)", "markers_s", lambda v: f"{v:.2f}")
    row("CPU at that moment (s)", "cpu_s", lambda v: f"{v:.2f}", r.get("cpu"), GOALS["cpu"])
    row("  user (s)", "utime_s", lambda v: f"{v:.2f}")
    row("  sys (s)", "stime_s", lambda v: f"{v:.2f}")
    row("peak RSS at that moment (MB)", "rss_mb", lambda v: f"{v:.0f}", r.get("rss"), GOALS["rss"])
    row("  before the poll that saw all (MB)", "rss_pre_mb", lambda v: f"{v:.0f}")
    row("peak RSS at the end of the run (MB)", "rss_end_mb", lambda v: f"{v:.0f}")
    row("consumer-list polls until visible", "polls", lambda v: f"{v:.0f}")
    row("one consumer-list request (ms)", "list_request_median_s", lambda v: f"{v * 1000:.1f}")
    row("  CPU per consumer-list request (ms)", "list_request_cpu_s", lambda v: f"{v * 1000:.1f}")
    row("broker+proxy CPU during ingest (s)", "infra_cpu_s", lambda v: f"{v:.1f}")
    row("one group's /lag request (ms)", "lag_request_median_s", lambda v: f"{v * 1000:.1f}")
    row("  CPU per /lag request (ms)", "lag_request_cpu_s", lambda v: f"{v * 1000:.1f}")
    if o.get("scrape_median_s") == o.get("scrape_median_s"):
        ok = "ok" if o["scrape_median_s"] < SCRAPE_GOAL_S else \
            f"MISS ({o['scrape_median_s'] / SCRAPE_GOAL_S:.1f}x over)"
        print(f"lag-exporter /metrics scrape with everything loaded: median {o['scrape_median_s'] * 1000:.0f} ms "
              f"(first {o['scrape_first_s'] * 1000:.0f} ms; goal < {SCRAPE_GOAL_S * 1000:.0f} ms: {ok}), "
              f"CPU {o['scrape_cpu_s'] * 1000:.0f} ms/scrape, {o['scrape_bytes'] / 1e6:.1f} MB, "
              f"{o['scrape_series']:.0f} series ({o['scrape_partition_series']:.0f} with a partition label), "
              f"peak RSS after scrapes {o['scrape_rss_mb']:.0f} MB")
        if b.get("lag_request_median_s") == b.get("lag_request_median_s"):
            sweep = b["lag_request_median_s"] * c["groups"]
            print(f"Burrow 1.2.1 has no /metrics: a burrow exporter reads the consumer list and one /lag per "
                  f"group; {c['groups']} x {b['lag_request_median_s'] * 1000:.1f} ms = ~{sweep:.1f} s per sweep "
                  f"(ours through the same API: ~{o['lag_request_median_s'] * c['groups']:.1f} s)")


def check_rig(ap: argparse.ArgumentParser, rig: str | None, files: list[str]) -> None:
    """Stops with a usage error, before anything is installed or started, unless `rig` holds `files`."""
    if not rig:
        ap.error("no Burrow rig: pass --rig DIR or set BURROW_RIG (see --help)")
    missing = [f for f in files if not (Path(rig) / f).is_file()]
    if missing:
        ap.error(f"the Burrow rig {rig} lacks {', '.join(missing)} (see --help)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="lag-exporter binary")
    ap.add_argument("--rig", metavar="DIR", default=os.environ.get("BURROW_RIG") or None, help=(
        "the Burrow rig directory (default: $BURROW_RIG; one is required): listoffsets_v0_proxy.py, a "
        "loopback proxy that answers Burrow 1.2.1's ListOffsets v0 requests for the test broker; "
        "fill_offsets_topic.py BOOTSTRAP GROUPS ROUNDS, which writes the offset commits and one "
        "marker-<p> group per offsets-topic partition last; and burrow.toml, Burrow's config for that "
        "setup (cluster `local`); not part of this repository"))
    ap.add_argument("--groups", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=16)
    ap.add_argument("--runs", type=int, default=3, help="runs per side (alternating order)")
    ap.add_argument("--poll", type=float, default=0.1, help="seconds between consumer-list polls")
    ap.add_argument("--scrapes", type=int, default=5, help="timed /metrics scrapes per run of ours")
    ap.add_argument("--lag-requests", type=int, default=20,
                    help="timed /v3/kafka/local/consumer/<group>/lag requests per run (0: none)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds a run may take to show every group")
    ap.add_argument("--skip", action="append", default=[], choices=["ours", "burrow"],
                    help="leave one side out (profiling)")
    ap.add_argument("--json", help="also write the results as JSON here")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (configs, process logs)")
    a = ap.parse_args()
    check_rig(ap, a.rig, ["listoffsets_v0_proxy.py", "fill_offsets_topic.py", "burrow.toml"])
    if a.groups < 1 or a.rounds < 1 or a.runs < 1:
        ap.error("--groups, --rounds and --runs must be >= 1")

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    # SIGINT too: a shell starts background jobs with SIGINT ignored, which Python would keep.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    work = Path(tempfile.mkdtemp(prefix="bench-lag-"))
    bench = Bench(a, work)
    keep = a.keep
    try:
        res = bench.run()
        s = summarize(res)
        report(res, s)
        if a.json:
            Path(a.json).write_text(json.dumps({**res, **s}, indent=2))
        return 0
    except (BenchError, WaitFailed) as e:
        print(f"bench: ERROR: {e}", file=sys.stderr)
        keep = True  # the process logs explain it
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for p in list(reversed(bench.pm.procs)):
            # The broker may ignore SIGTERM: kill it at once.
            bench.pm.stop(p, grace=0.2 if p.name == "tansu" else 5.0)
        bench.pm.procs.clear()
        if keep:
            print(f"bench: logs and configs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

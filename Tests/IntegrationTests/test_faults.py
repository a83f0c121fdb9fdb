"""A broker that hangs: its process is stopped (SIGSTOP), so the kernel still accepts
connections and takes requests, but nothing answers until SIGCONT. This is what a broker in a
long GC pause, a frozen VM or a half-dead network path looks like to an exporter; requests fail
only at their timeout (30 s by default). The exporters must report the cluster down while it
hangs, on time, inside Prometheus' scrape timeout, and never stamp a failed refresh as done.
"""
from __future__ import annotations

import os
import signal
import time

import pytest
import requests

import offsets_records as R
from helpers import ProcessManager, free_port, parse_samples, select_samples, wait_until
from kafka_env import Broker
from test_lag_e2e import LagExporter, cluster, write_config

OFFSETS = "__consumer_offsets"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    pm = ProcessManager(tmp_path_factory.mktemp("faults-procs"))
    b = None
    try:
        b = Broker(pm).start()
        b.create_topic(OFFSETS, 1)
        b.create_topic("orders", 1)
        b.produce("orders", 0, 5)
        now = int(time.time() * 1000)
        b.produce_raw(OFFSETS, 0, [(R.commit_key("g", "orders", 0), R.commit_value(3, 5, now))])
        b.commit("polled", "orders", 0, 4)  # a real group for the admin-API source
        yield {"pm": pm, "broker": b, "dir": tmp_path_factory.mktemp("faults")}
    finally:
        if b is not None and b.proc is not None:
            os.kill(b.proc.pid, signal.SIGCONT)
        pm.stop_all()


class Frozen:
    """The broker stopped for the duration of the with-block, resumed after (even on failure)."""

    def __init__(self, broker: Broker):
        self.pid = broker.proc.pid

    def __enter__(self) -> float:
        os.kill(self.pid, signal.SIGSTOP)
        return time.monotonic()

    def __exit__(self, *exc) -> None:
        os.kill(self.pid, signal.SIGCONT)


def value(text: str, name: str, **labels) -> float | None:
    got = select_samples(parse_samples(text), name, **labels)
    return got[0][1] if got else None


def test_cluster_exporter_reports_hung_cluster_down_within_scrape_timeout(world, cluster_bin):
    """Prometheus sends its scrape timeout (here 3 s, below the cluster's 10 s scrape_timeout):
    the answer must come within it and carry kafka_cluster_up 0, or the shipped alert on
    kafka_cluster_up == 0 could never fire."""
    b = world["broker"]
    cfg = world["dir"] / "cluster.yml"
    cfg.write_text(f"clusters:\n  - name: local\n    bootstrap: [{b.bootstrap}]\n    scrape_timeout: 10s\n")
    port = free_port()
    proc = world["pm"].start("cluster-exporter", [cluster_bin, f"--config.file={cfg}",
                                                  f"--web.listen-address=127.0.0.1:{port}"])
    url = f"http://127.0.0.1:{port}/metrics"
    headers = {"X-Prometheus-Scrape-Timeout-Seconds": "3"}
    wait_until(lambda: value(requests.get(url, headers=headers, timeout=5).text,
                             "kafka_cluster_up", cluster="local") == 1, 60, what="cluster up", proc=proc)
    with Frozen(b):
        t0 = time.monotonic()
        r = requests.get(url, headers=headers, timeout=10)
        took = time.monotonic() - t0
        assert r.status_code == 200, r.text[:500]
        print(f"cluster-exporter: hung-cluster scrape answered in {took:.2f}s")
        assert took < 3.0, f"the scrape took {took:.2f}s, past Prometheus' 3 s timeout"
        assert value(r.text, "kafka_cluster_up", cluster="local") == 0, r.text[:2000]
    # Back: reported up again (the hung requests time out first).
    wait_until(lambda: value(requests.get(url, headers=headers, timeout=5).text,
                             "kafka_cluster_up", cluster="local") == 1, 60, interval=0.5,
               what="cluster up after the broker resumed", proc=proc)


def test_lag_exporter_reports_hung_broker_down_and_stamps_no_failed_refresh(world, lag_bin):
    """Both sources: the offsets topic and the admin API. Down within the loop's cadence plus
    10 s (it read as up for ~27 s, until requests timed out), and no last_refresh moves while
    nothing answers."""
    b = world["broker"]
    d = world["dir"]
    topic = LagExporter(world["pm"], lag_bin, write_config(d / "lag-topic.yml", [
        cluster("local", b.bootstrap)])).start()
    admin = LagExporter(world["pm"], lag_bin, write_config(d / "lag-admin.yml", [
        cluster("local", b.bootstrap, source="admin-api", poll_interval="1s")])).start()
    for e in (topic, admin):
        e.wait_ready()
        e.wait_value("kafka_lag_cluster_up", 1, timeout=30, cluster="local")
    admin.wait_value("kafka_lag_last_refresh_timestamp_seconds", lambda v: v > 0, cluster="local", kind="groups")

    with Frozen(b) as t0:
        frozen_at = time.time()
        for e in (topic, admin):
            e.wait_value("kafka_lag_cluster_up", 0, timeout=25, cluster="local")
        took = time.monotonic() - t0
        print(f"lag-exporter: hung broker reported down after {took:.1f}s (both sources)")
        assert took < 15, f"reported down only after {took:.1f}s"
        time.sleep(2)
        for e in (topic, admin):
            for labels, ts in select_samples(e.samples(), "kafka_lag_last_refresh_timestamp_seconds"):
                assert ts < frozen_at + 1.5, f"{labels} stamped {ts - frozen_at:.1f}s into the hang"
    for e in (topic, admin):
        e.wait_value("kafka_lag_cluster_up", 1, timeout=60, cluster="local")
    admin.wait_value("kafka_lag_last_refresh_timestamp_seconds", lambda v: v > frozen_at,
                     cluster="local", kind="groups")

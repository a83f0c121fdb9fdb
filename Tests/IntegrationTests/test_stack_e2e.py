"""The monitoring stack end to end: the test broker with real traffic and consumer groups
(healthy, lagging, stopped), the three exporters, node_exporter and a real Prometheus running
deploy/prometheus/rules (scripts/stack.py, the same code as the demo). Everything is asserted
through Prometheus' HTTP API, as an operator would see it.
"""
from __future__ import annotations

import json
import sys
import time
import urllib.parse
import urllib.request

import pytest

from helpers import REPO

sys.path.insert(0, str(REPO / "scripts"))
import stack as stack_mod  # noqa: E402


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = stack_mod.Stack(REPO / ".build" / "debug", tmp_path_factory.mktemp("stack"), alert_for="10s")
    try:
        s.start()
    except BaseException:
        for name in ("broker", "lag-exporter", "cluster-exporter", "nodenet-exporter", "prometheus"):
            print(f"--- {name} log ---\n{s.log(name)[-2000:]}", file=sys.stderr)
        raise
    yield s
    s.stop()
    if s.traffic and s.traffic.error:
        raise s.traffic.error


def api(s, path: str, **params):
    url = s.url("prometheus") + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]


def query(s, expr: str) -> dict[tuple, float]:
    return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in api(s, "/api/v1/query", query=expr)["result"]}


def eventually(pred, timeout: float, what: str, s=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except Exception as e:  # noqa: BLE001
            last = e
        time.sleep(1)
    logs = ""
    if s is not None:
        logs = "\n".join(f"--- {n} ---\n{s.log(n)[-1500:]}" for n in ("lag-exporter", "prometheus"))
    raise AssertionError(f"timed out after {timeout}s: {what} (last: {last})\n{logs}")


def test_every_target_is_up(stack):
    def all_up():
        targets = api(stack, "/api/v1/targets")["activeTargets"]
        jobs = {t["labels"]["job"]: t["health"] for t in targets}
        return jobs if jobs == {"consumer-lag": "up", "cluster-volumes": "up", "nodenet": "up", "kafka_node": "up"} \
            else None
    eventually(all_up, 60, "all four targets up", stack)
    labels = {t["labels"]["job"]: t["labels"] for t in api(stack, "/api/v1/targets")["activeTargets"]}
    assert labels["nodenet"]["cluster"] == "demo" and labels["nodenet"]["brokerId"] == "1"


def test_consumer_group_statuses(stack):
    def statuses():
        r = query(stack, 'kafka_consumergroup_status{cluster="demo"}')
        got = {dict(k)["consumergroup"]: v for k, v in r.items()}
        return got if got == {"billing": 1, "reporting": 2, "archiver": 3} else None
    eventually(statuses, 150, "billing OK, reporting WARN, archiver ERR", stack)
    lag = query(stack, 'kafka_consumergroup_total_lag{consumergroup="archiver"}')
    assert list(lag.values())[0] > 0
    assert query(stack, 'kafka_lag_source_info{cluster="demo",source="admin-api"}')


def test_stopped_group_alert_fires(stack):
    def firing():
        alerts = api(stack, "/api/v1/alerts")["alerts"]
        errs = {a["labels"].get("consumergroup") for a in alerts
                if a["labels"]["alertname"] == "KafkaConsumerGroupError" and a["state"] == "firing"}
        return errs if "archiver" in errs else None
    errs = eventually(firing, 120, "KafkaConsumerGroupError firing for archiver", stack)
    assert "billing" not in errs


def test_cluster_and_host_series(stack):
    assert query(stack, 'kafka_cluster_up{cluster="demo"}') and \
        list(query(stack, 'kafka_cluster_up{cluster="demo"}').values()) == [1.0]
    parts = query(stack, 'kafka_cluster_topic_partitions{cluster="demo",topic="orders"}')
    assert list(parts.values()) == [3.0]
    # The broker's port seen by nodenet-exporter: the exporters' and clients' connections to it.
    conns = query(stack, f'sum(nodenet_tcp_connections{{port="{stack.ports["broker"]}"}})')
    assert conns and list(conns.values())[0] > 0
    assert query(stack, 'node_cpu_seconds_total')

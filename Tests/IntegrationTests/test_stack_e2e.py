"""The monitoring stack end to end: the test broker with real traffic and consumer groups
(healthy, lagging, stopped), the three exporters, node_exporter and a real Prometheus running
deploy/prometheus/rules (scripts/stack.py, the same code as the demo). Everything is asserted
through Prometheus' HTTP API, as an operator would see it. Rule edits are applied by the shipped
reloader (deploy/prometheus/reload-on-change.sh, as in the compose stack); the tests never call
/-/reload themselves.
"""
from __future__ import annotations

import json
import sys
import urllib.parse
import urllib.request

import pytest
import yaml

import stack as stack_mod  # scripts/stack.py (helpers puts scripts/ on sys.path)
from helpers import REPO, WaitFailed, wait_until


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
    """wait_until polling once a second; on a timeout, with the stack's logs (s given)."""
    try:
        return wait_until(pred, timeout, interval=1, what=what)
    except WaitFailed as e:
        if s is None:
            raise
        logs = "\n".join(f"--- {n} ---\n{s.log(n)[-1500:]}" for n in ("lag-exporter", "prometheus",
                                                                   "prometheus-reloader"))
        raise WaitFailed(f"{e}\n{logs}") from None


def test_every_target_is_up(stack):
    def all_up():
        targets = api(stack, "/api/v1/targets")["activeTargets"]
        jobs = {t["labels"]["job"]: t["health"] for t in targets}
        return jobs if jobs == {"consumer-lag": "up", "cluster-volumes": "up", "nodenet": "up", "kafka_node": "up",
                                "kafka-clients": "up"} else None
    eventually(all_up, 60, "all five targets up", stack)
    labels = {t["labels"]["job"]: t["labels"] for t in api(stack, "/api/v1/targets")["activeTargets"]}
    assert labels["nodenet"]["cluster"] == "demo" and labels["nodenet"]["brokerId"] == "1"


def test_pushed_client_metrics_reach_prometheus_with_their_grouping_key(stack):
    """The producer's pushed series keep its job and instance (honor_labels) and gain the target's
    cluster label."""
    expr = (f'kafka_client_messages_total{{job="kafka-client",instance="{stack_mod.CLIENT_INSTANCE}",'
            f'direction="sent",cluster="demo"}}')
    eventually(lambda: any(v > 0 for v in query(stack, expr).values()), 60, "the producer's pushed series", stack)


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


# ---------------------------------------------------------------- reload on change

RELOAD_TIMEOUT = 20  # the stack's reloader looks every second; a loaded 2-core machine is slow


def served_rules(s) -> dict[str, str]:
    """Recording/alert rule name -> query, as the running Prometheus evaluates them."""
    return {r.get("name"): r["query"] for g in api(s, "/api/v1/rules")["groups"] for r in g["rules"]}


def edit_rules(s, rule: dict, extra: dict | None = None) -> None:
    """Puts `rule` (and `extra`) into the first group of the stack's consumer-lag.yml (a copy of
    deploy/prometheus/rules/consumer-lag.yml), replacing earlier test rules; written in place."""
    path = s.work / "prometheus" / "rules" / "consumer-lag.yml"
    doc = yaml.safe_load(path.read_text())
    group = doc["groups"][0]
    group["rules"] = [r for r in group["rules"] if not r.get("record", "").startswith("stack_reload_test:")]
    group["rules"] += [rule] + ([extra] if extra else [])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def test_rule_file_change_is_applied_without_manual_reload(stack):
    assert "stack_reload_test:marker" not in served_rules(stack)
    edit_rules(stack, {"record": "stack_reload_test:marker", "expr": "vector(1)"})
    eventually(lambda: served_rules(stack).get("stack_reload_test:marker") == "vector(1)", RELOAD_TIMEOUT,
               "the added recording rule served by Prometheus", stack)
    # The rest of the edited file is still loaded, and the new rule is evaluated.
    assert "cluster:kafka_consumergroup_total_lag:sum" in served_rules(stack)
    eventually(lambda: list(query(stack, "stack_reload_test:marker").values()) == [1.0], RELOAD_TIMEOUT,
               "the new rule evaluated", stack)


def test_broken_rule_file_is_not_applied(stack):
    edit_rules(stack, {"record": "stack_reload_test:marker", "expr": "vector(2)"})
    eventually(lambda: served_rules(stack).get("stack_reload_test:marker") == "vector(2)", RELOAD_TIMEOUT,
               "the good edit served", stack)
    before = api(stack, "/api/v1/status/runtimeinfo")
    refusals = stack.log("prometheus-reloader").count("NOT reloading")
    # A broken expression beside a good new rule: the file as a whole must not be applied.
    edit_rules(stack, {"record": "stack_reload_test:marker", "expr": "vector(3"},
               {"record": "stack_reload_test:other", "expr": "vector(4)"})
    eventually(lambda: stack.log("prometheus-reloader").count("NOT reloading") > refusals, RELOAD_TIMEOUT,
               "the reloader refusing the broken rule file", stack)
    log = stack.log("prometheus-reloader")
    assert "unclosed left parenthesis" in log, log[-2000:]  # promtool's message is in the log
    rules = served_rules(stack)
    assert rules.get("stack_reload_test:marker") == "vector(2)" and "stack_reload_test:other" not in rules
    after = api(stack, "/api/v1/status/runtimeinfo")
    assert after["reloadConfigSuccess"] and after["lastConfigTime"] == before["lastConfigTime"], (before, after)
    # Fixing the file applies it: the reloader is not stuck on the broken state.
    edit_rules(stack, {"record": "stack_reload_test:marker", "expr": "vector(5)"},
               {"record": "stack_reload_test:other", "expr": "vector(4)"})
    eventually(lambda: served_rules(stack).get("stack_reload_test:marker") == "vector(5)"
               and "stack_reload_test:other" in served_rules(stack), RELOAD_TIMEOUT, "the fixed file served", stack)

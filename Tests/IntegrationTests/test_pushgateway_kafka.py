"""The Kafka client path of issue 14, end to end: a producer and a consumer (confluent-kafka,
examples/kafka-client-metrics) push their librdkafka statistics with prometheus_client to
push-gateway, which a real Prometheus scrapes with honor_labels: true; one client dies (SIGKILL: no
goodbye), and its series, and only its series, are gone from push-gateway after the TTL and from
Prometheus one scrape later (staleness), while the other client's stay."""
from __future__ import annotations

import sys
import time

import requests

from helpers import REPO, free_port, wait_until
from kafka_env import Broker
from test_pushgateway import sample, start_ours

EXAMPLE = REPO / "examples" / "kafka-client-metrics" / "kafka_client_metrics.py"


def test_a_dead_clients_series_expire_and_the_live_ones_stay(procs):
    broker = Broker(procs).start()
    broker.create_topic("orders", 1)
    gw = start_ours(procs, "--metric.ttl=60s", f"--config.file={write_ttls(procs)}")
    common = ["--bootstrap", broker.bootstrap, "--topic", "orders", "--gateway", gw.url[7:],
              "--push-interval", "1", "--stats-interval-ms", "500"]
    prom = start_prometheus(procs, gw.url[7:])
    producer = procs.start("producer", [sys.executable, str(EXAMPLE), "producer", "--instance", "producer-1",
                                        *common])
    consumer = procs.start("consumer", [sys.executable, str(EXAMPLE), "consumer", "--instance", "consumer-1",
                                        "--group", "billing", *common])

    def seen(instance: str, name: str, **labels) -> float | None:
        return sample(gw, name, instance=instance, job="kafka-client", **labels)

    wait_until(lambda: (seen("producer-1", "kafka_client_messages_total", direction="sent") or 0) > 0, 60,
               what="the producer's sent messages", proc=producer)
    wait_until(lambda: (seen("consumer-1", "kafka_client_messages_total", direction="received") or 0) > 0, 60,
               what="the consumer's received messages", proc=consumer)
    wait_until(lambda: seen("consumer-1", "kafka_client_consumer_lag_messages", partition="0", topic="orders")
               is not None, 60, what="the consumer's lag", proc=consumer)
    assert seen("producer-1", "kafka_client_produce_delivery_errors_total") == 0
    text = requests.get(gw.url + "/metrics", timeout=10).text
    assert 'kafka_client_info{client_id="producer-1",instance="producer-1",job="kafka-client",type="producer"} 1' \
        in text, text

    # Prometheus has both clients, with the pushed job and instance labels (honor_labels).
    wait_until(lambda: prom_instances(prom, 'kafka_client_messages_total{job="kafka-client"}')
               == {"producer-1", "consumer-1"}, 30, what="both clients in Prometheus", proc=prom)
    producer.popen.kill()
    producer.popen.wait(10)
    died = time.monotonic()
    wait_until(lambda: seen("producer-1", "kafka_client_messages_total", direction="sent") is None, 15,
               what="the dead producer's group expires", proc=gw.proc)
    gone_after = time.monotonic() - died
    # Not before its TTL (3 s from its last push, which preceded the kill by at most 1 s).
    assert gone_after >= 1.5, gone_after
    assert seen("producer-1", "push_time_seconds") is None
    assert seen("consumer-1", "kafka_client_messages_total", direction="received") is not None
    assert sample(gw, "pushgateway_groups_expired_total", job="kafka-client") == 1
    assert consumer.alive()
    # One scrape later Prometheus has marked the producer's series stale; the consumer's remain.
    wait_until(lambda: prom_instances(prom, 'kafka_client_messages_total{job="kafka-client"}') == {"consumer-1"},
               10, what="the producer's series stale in Prometheus", proc=prom)


def write_ttls(procs):
    path = procs.workdir / "push-gateway.yml"
    path.write_text("job_ttls:\n  kafka-client: 3s\n")
    return path


def start_prometheus(procs, target: str):
    """Debian's Prometheus scraping push-gateway every second, honoring the pushed labels."""
    d = procs.workdir / "prometheus"
    d.mkdir(exist_ok=True)
    (d / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: push-gateway\n"
        "    honor_labels: true\n"
        f"    static_configs: [{{targets: ['{target}']}}]\n")
    port = free_port()
    proc = procs.start("prometheus", ["prometheus", f"--config.file={d / 'prometheus.yml'}",
                                      f"--storage.tsdb.path={d / 'data'}", f"--web.listen-address=127.0.0.1:{port}"])
    proc.url = f"http://127.0.0.1:{port}"
    wait_until(lambda: requests.get(proc.url + "/-/ready", timeout=2).ok, 60, what="prometheus ready", proc=proc)
    return proc


def prom_instances(prom, query: str) -> set[str]:
    r = requests.get(prom.url + "/api/v1/query", params={"query": query}, timeout=10).json()
    assert r["status"] == "success", r
    return {s["metric"].get("instance", "") for s in r["data"]["result"]}

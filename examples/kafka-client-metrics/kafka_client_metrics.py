"""A Kafka producer or consumer (confluent-kafka) that pushes its own librdkafka statistics to
push-gateway (or any Pushgateway) with prometheus_client, the way the talk's monitoring does.

    python3 kafka_client_metrics.py producer --bootstrap localhost:9092 --topic orders \
        --gateway localhost:9091 --instance producer-1
    python3 kafka_client_metrics.py consumer --bootstrap localhost:9092 --topic orders \
        --gateway localhost:9091 --instance consumer-1 --group billing

librdkafka calls `stats_cb` every `statistics.interval.ms` with a JSON document; the latest one is
turned into metric families at each push (every --push-interval seconds, `PUT`: the group holds
exactly the last snapshot). The grouping key is job="kafka-client", instance=<--instance>. A
client that dies stops pushing and push-gateway removes its group after the job's TTL; a client
that stops cleanly could also DELETE its group (`--delete-on-exit`).
"""
from __future__ import annotations

import argparse
import json
import signal
import threading

from confluent_kafka import Consumer, Producer, TopicPartition
from prometheus_client import CollectorRegistry, delete_from_gateway, push_to_gateway
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

JOB = "kafka-client"


class StatsCollector:
    """Metric families from the latest librdkafka statistics (and delivery errors counted here)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stats: dict | None = None
        self.delivery_errors = 0

    def on_stats(self, text: str) -> None:
        with self.lock:
            self.stats = json.loads(text)

    def on_delivery(self, err, _msg) -> None:
        if err is not None:
            with self.lock:
                self.delivery_errors += 1

    def collect(self):
        with self.lock:
            s, delivery_errors = self.stats, self.delivery_errors
        if s is None:
            return
        info = GaugeMetricFamily("kafka_client_info", "The client, from librdkafka statistics.",
                                 labels=["client_id", "type"])
        info.add_metric([s.get("client_id", ""), s.get("type", "")], 1)
        yield info
        yield GaugeMetricFamily("kafka_client_queue_messages",
                                "Messages waiting in the client (producer queue, consumer prefetch).",
                                value=s.get("msg_cnt", 0))
        msgs = CounterMetricFamily("kafka_client_messages", "Messages sent to or received from brokers.",
                                   labels=["direction"])
        msgs.add_metric(["sent"], s.get("txmsgs", 0))
        msgs.add_metric(["received"], s.get("rxmsgs", 0))
        yield msgs
        if s.get("type") == "producer":
            yield CounterMetricFamily("kafka_client_produce_delivery_errors",
                                      "Messages whose delivery failed (delivery report with an error).",
                                      value=delivery_errors)
        requests = CounterMetricFamily("kafka_client_broker_requests", "Requests sent to a broker.",
                                       labels=["broker"])
        errors = CounterMetricFamily("kafka_client_broker_request_errors",
                                     "Transmit and receive errors with a broker.", labels=["broker", "direction"])
        rtt_avg = GaugeMetricFamily("kafka_client_broker_rtt_avg_seconds",
                                    "Average request round trip to a broker in the last statistics window.",
                                    labels=["broker"])
        rtt_p99 = GaugeMetricFamily("kafka_client_broker_rtt_p99_seconds",
                                    "99th percentile request round trip to a broker in the last statistics window.",
                                    labels=["broker"])
        for b in s.get("brokers", {}).values():
            if b.get("nodeid", -1) < 0:  # bootstrap and coordinator pseudo-brokers
                continue
            broker = str(b["nodeid"])
            requests.add_metric([broker], b.get("tx", 0))
            errors.add_metric([broker, "tx"], b.get("txerrs", 0))
            errors.add_metric([broker, "rx"], b.get("rxerrs", 0))
            rtt = b.get("rtt", {})
            if rtt.get("cnt", 0) > 0:
                rtt_avg.add_metric([broker], rtt["avg"] / 1e6)
                rtt_p99.add_metric([broker], rtt["p99"] / 1e6)
        yield from (requests, errors, rtt_avg, rtt_p99)
        lag = GaugeMetricFamily("kafka_client_consumer_lag_messages",
                                "Consumer lag as the client sees it (high watermark minus its position).",
                                labels=["topic", "partition"])
        for topic, t in s.get("topics", {}).items():
            for pid, p in t.get("partitions", {}).items():
                if int(pid) >= 0 and p.get("consumer_lag", -1) >= 0:
                    lag.add_metric([topic, pid], p["consumer_lag"])
        yield lag


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["producer", "consumer"])
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--gateway", required=True, help="host:port of push-gateway")
    ap.add_argument("--instance", required=True, help="grouping key instance (one per client)")
    ap.add_argument("--group", default="example", help="consumer group (consumer)")
    ap.add_argument("--partitions", type=int, default=1, help="partitions the consumer assigns itself")
    ap.add_argument("--push-interval", type=float, default=5.0)
    ap.add_argument("--stats-interval-ms", type=int, default=1000)
    ap.add_argument("--delete-on-exit", action="store_true")
    a = ap.parse_args()

    collector = StatsCollector()
    registry = CollectorRegistry()
    registry.register(collector)
    conf = {"bootstrap.servers": a.bootstrap, "client.id": a.instance,
            "statistics.interval.ms": a.stats_interval_ms, "stats_cb": collector.on_stats}
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def pusher() -> None:
        while not stop.wait(a.push_interval):
            try:
                push_to_gateway(a.gateway, job=JOB, registry=registry, grouping_key={"instance": a.instance})
            except Exception as e:  # noqa: BLE001 - a gateway outage must not stop the client
                print(f"push failed: {e}", flush=True)

    threading.Thread(target=pusher, daemon=True).start()
    if a.role == "producer":
        p = Producer({**conf, "linger.ms": 0, "acks": "all"})
        i = 0
        while not stop.is_set():
            p.produce(a.topic, value=b"v%d" % i, key=b"k%d" % i, on_delivery=collector.on_delivery)
            p.flush(10)  # one record per batch: the test broker's quirk, harmless elsewhere
            i += 1
            stop.wait(0.2)
        p.flush(10)
    else:
        c = Consumer({**conf, "group.id": a.group, "enable.auto.commit": True, "auto.offset.reset": "earliest"})
        # assign() rather than subscribe(): no rebalance wait (and the test broker is slow to join).
        c.assign([TopicPartition(a.topic, p) for p in range(a.partitions)])
        while not stop.is_set():
            c.poll(0.5)
        c.close()
    if a.delete_on_exit:
        delete_from_gateway(a.gateway, job=JOB, grouping_key={"instance": a.instance})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

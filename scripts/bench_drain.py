#!/usr/bin/env python3
"""Drain benchmark: KafkaWire vs confluent-kafka's consumer (called by scripts/bench-drain.sh).

Issue goal: draining 1,000,000 small records from the broker, wall and CPU vs confluent-kafka's
consumer reading the same topic: no slower in wall time, at most half its CPU.

Once per invocation: starts the test broker (Tansu, memory storage) on a free loopback port,
creates a topic (PARTITIONS partitions) and produces RECORDS small records (VALUE_SIZE-byte values,
no key) round-robin over the partitions with confluent-kafka, batched (linger.ms, batch.size;
BATCH_RECORDS = 10,000 records per batch by default). Then, after one untimed warm-up run of
each, ROUNDS interleaved rounds (the side that goes first alternates), each run a fresh process
draining the topic from the earliest offsets until it has COUNTED exactly RECORDS records (not
until the high watermark: Tansu reports base-of-last-batch + 1 after multi-record batches):
  ours      : drain-bench (KafkaWire: fetch all partitions, decode every batch with CRC check)
  confluent : confluent-kafka Consumer, assign() from the beginning, consume(num_messages=10000)
              (never more than remain),
              check.crcs=true, summing value lengths in Python
  librdkafka: (informational floor, when a C compiler is present) the same loop in C against the
              librdkafka bundled in the confluent-kafka wheel, i.e. confluent's engine without
              CPython: rd_kafka_consume_batch_queue(10000)
Each drainer measures itself from just before it creates its client until it has counted RECORDS:
wall (monotonic clock) and CPU (getrusage(RUSAGE_SELF) user + sys: every thread of the process,
so librdkafka's broker threads and SwiftNIO's event loops count). The driver also records each
child's whole-process CPU (RUSAGE_CHILDREN delta: interpreter start, imports, teardown included)
and the broker's CPU during the run. Prints medians, records/s and the ratios ours/confluent
against the goals. Every process it starts is stopped by pid on exit, failure, ^C or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import WaitFailed, cpu_seconds, free_port, median, stop_process, tansu_bin, wait_port

GOALS = {"wall": 1.0, "cpu": 0.5}  # ours/confluent must be <= these


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# the librdkafka C floor: the same drain without CPython, against the wheel's own librdkafka

FLOOR_C = r"""
/* librdkafka drain floor for bench_drain.py. Declares the few librdkafka entry points it uses
   (stable public ABI) so it needs no headers: it links the librdkafka of the confluent-kafka wheel. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_queue_s rd_kafka_queue_t;
typedef struct {
    char *topic; int32_t partition; int64_t offset; void *metadata; size_t metadata_size;
    void *opaque; int err; void *_private;
} rd_kafka_topic_partition_t;
typedef struct { int cnt; int size; rd_kafka_topic_partition_t *elems; } rd_kafka_topic_partition_list_t;
typedef struct {
    int err; void *rkt; int32_t partition; void *payload; size_t len; void *key; size_t key_len;
    int64_t offset; void *_private;
} rd_kafka_message_t;

rd_kafka_conf_t *rd_kafka_conf_new(void);
int rd_kafka_conf_set(rd_kafka_conf_t *, const char *, const char *, char *, size_t);
rd_kafka_t *rd_kafka_new(int type, rd_kafka_conf_t *, char *, size_t);
rd_kafka_topic_partition_list_t *rd_kafka_topic_partition_list_new(int);
rd_kafka_topic_partition_t *rd_kafka_topic_partition_list_add(rd_kafka_topic_partition_list_t *,
                                                              const char *, int32_t);
void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t *);
int rd_kafka_assign(rd_kafka_t *, const rd_kafka_topic_partition_list_t *);
rd_kafka_queue_t *rd_kafka_queue_get_consumer(rd_kafka_t *);
void rd_kafka_queue_destroy(rd_kafka_queue_t *);
ssize_t rd_kafka_consume_batch_queue(rd_kafka_queue_t *, int, rd_kafka_message_t **, size_t);
void rd_kafka_message_destroy(rd_kafka_message_t *);
const char *rd_kafka_err2str(int);
int rd_kafka_consumer_close(rd_kafka_t *);
void rd_kafka_destroy(rd_kafka_t *);
int rd_kafka_metadata(rd_kafka_t *, int, void *, const void **, int);
void rd_kafka_metadata_destroy(const void *);
int rd_kafka_position(rd_kafka_t *, rd_kafka_topic_partition_list_t *);

static double now(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec / 1e9;
}
static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }
static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(c, k, v, err, sizeof err) != 0) { fprintf(stderr, "floor: %s\n", err); exit(1); }
}

int main(int argc, char **argv) {
    if (argc != 8) { fprintf(stderr, "usage: floor BOOTSTRAP TOPIC N PARTITIONS PMB MAXBYTES TIMEOUT\n"); return 2; }
    long n = atol(argv[3]); int parts = atoi(argv[4]); double timeout = atof(argv[7]);
    struct rusage r0, r1; getrusage(RUSAGE_SELF, &r0); double t0 = now();
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", argv[1]); set(conf, "group.id", "bench-drain-floor");
    set(conf, "enable.auto.commit", "false"); set(conf, "enable.auto.offset.store", "false");
    set(conf, "auto.offset.reset", "earliest"); set(conf, "max.partition.fetch.bytes", argv[5]);
    set(conf, "fetch.max.bytes", argv[6]); set(conf, "fetch.wait.max.ms", "500");
    set(conf, "check.crcs", "true"); set(conf, "fetch.queue.backoff.ms", "10");
    set(conf, "queued.min.messages", "10000000"); set(conf, "queued.max.messages.kbytes", "1048576");
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(1 /* RD_KAFKA_CONSUMER */, conf, err, sizeof err);
    if (!rk) { fprintf(stderr, "floor: %s\n", err); return 1; }
    /* Metadata before assign(), as the Python drainer's list_topics(): without it the first
       batch comes ~0.5 s later (librdkafka's metadata-wait path). */
    const void *md = NULL;
    int merr = rd_kafka_metadata(rk, 1, NULL, &md, 30000);
    if (merr) { fprintf(stderr, "floor: metadata: %s\n", rd_kafka_err2str(merr)); return 1; }
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++) rd_kafka_topic_partition_list_add(l, argv[2], p)->offset = -2; /* BEGINNING */
    if (rd_kafka_assign(rk, l) != 0) { fprintf(stderr, "floor: assign failed\n"); return 1; }
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    static rd_kafka_message_t *msgs[10000];
    long count = 0, value_bytes = 0, calls = 0;
    while (count < n) {
        if (now() - t0 > timeout) { fprintf(stderr, "floor: timed out after %ld of %ld\n", count, n); return 1; }
        /* consume_batch waits for a FULL batch (or the timeout): never ask for more than remain */
        size_t want = n - count < 10000 ? (size_t)(n - count) : 10000;
        ssize_t got = rd_kafka_consume_batch_queue(q, 1000, msgs, want);
        if (got < 0) { fprintf(stderr, "floor: consume_batch_queue failed\n"); return 1; }
        calls++;
        for (ssize_t i = 0; i < got; i++) {
            if (msgs[i]->err) { fprintf(stderr, "floor: %s\n", rd_kafka_err2str(msgs[i]->err)); return 1; }
            value_bytes += (long)msgs[i]->len;
            count++;
            rd_kafka_message_destroy(msgs[i]);
        }
    }
    double wall = now() - t0; getrusage(RUSAGE_SELF, &r1);
    double user = tv(r1.ru_utime) - tv(r0.ru_utime), sys = tv(r1.ru_stime) - tv(r0.ru_stime);
    long end_sum = 0;
    if (rd_kafka_position(rk, l) != 0) { fprintf(stderr, "floor: position failed\n"); return 1; }
    for (int i = 0; i < l->cnt; i++) end_sum += (long)l->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(l);
    printf("{\"records\": %ld, \"value_bytes\": %ld, \"consume_calls\": %ld, \"wall_s\": %.6f, "
           "\"cpu_s\": %.6f, \"user_s\": %.6f, \"sys_s\": %.6f, \"end_offsets_sum\": %ld}\n",
           count, value_bytes, calls, wall, user + sys, user, sys, end_sum);
    fflush(stdout);
    rd_kafka_queue_destroy(q); rd_kafka_consumer_close(rk); rd_kafka_destroy(rk);
    if (count != n) { fprintf(stderr, "floor: counted %ld records, expected %ld\n", count, n); return 1; }
    return 0;
}
"""


def build_floor(work: Path) -> Path | None:
    """Compiles the C floor against the confluent-kafka wheel's librdkafka; None if impossible."""
    cc = shutil.which("cc") or shutil.which("gcc")
    import confluent_kafka
    libs = Path(confluent_kafka.__file__).resolve().parent.parent / "confluent_kafka.libs"
    lib = next(iter(sorted(libs.glob("librdkafka*.so*"))), None) if libs.is_dir() else None
    if cc is None or lib is None:
        print(f"bench: no librdkafka floor (cc={cc}, wheel librdkafka={lib})", flush=True)
        return None
    src, exe = work / "drain_floor.c", work / "drain-floor"
    src.write_text(FLOOR_C)
    r = subprocess.run([cc, "-O2", "-o", str(exe), str(src), str(lib), f"-Wl,-rpath,{lib.parent}"],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        print(f"bench: no librdkafka floor: cc failed:\n{r.stderr[-2000:]}", flush=True)
        return None
    return exe


# ---------------------------------------------------------------------------------------------
# driver


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Bench:
    def __init__(self, a: argparse.Namespace, work: Path):
        self.a = a
        self.work = work
        self.broker: subprocess.Popen | None = None
        self.child: subprocess.Popen | None = None
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.topic = "drain-bench"
        self.runs = 0

    # ------------------------------------------------------------------ broker and data

    def start_broker(self) -> None:
        url = f"tcp://{self.bootstrap}"
        log = open(self.work / "tansu.log", "wb")
        self.broker = subprocess.Popen(
            [tansu_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url, "--silent"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        try:
            wait_port(self.port, 30, "broker", self.broker)
        except WaitFailed as e:
            raise BenchError(f"{e}\n{(self.work / 'tansu.log').read_text()[-2000:]}") from None

    def fill(self) -> dict:
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic

        a = self.a
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for f in admin.create_topics([NewTopic(self.topic, num_partitions=a.partitions,
                                               replication_factor=1)]).values():
            f.result(30)
        failed: list[str] = []

        def on_delivery(err, _msg):
            if err is not None:
                failed.append(str(err))

        p = Producer({
            "bootstrap.servers": self.bootstrap, "acks": 1, "linger.ms": 100,
            "batch.size": 1_000_000, "batch.num.messages": a.batch_records,
            "compression.type": "none",
            "queue.buffering.max.messages": 2_000_000, "queue.buffering.max.kbytes": 1_048_576,
        })
        # Small JSON-ish values of exactly VALUE_SIZE bytes, each different.
        base = b'{"user":%07d,"order":%08d,"status":"created","amount":'
        pad = b"0" * a.value_size
        t0 = time.perf_counter()
        for i in range(a.records):
            v = (base % (i % 9_999_999, i) + pad)[: a.value_size - 1] + b"}"
            while True:
                try:
                    p.produce(self.topic, value=v, partition=i % a.partitions,
                              on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.05)
            if i % 10_000 == 0:
                p.poll(0)
        left = p.flush(120)
        if left or failed:
            raise BenchError(f"produce: {left} undelivered, {len(failed)} failed: {failed[:3]}")
        return {"produce_s": time.perf_counter() - t0}

    # ------------------------------------------------------------------ one drain

    def run(self, side: str, cmd: list[str]) -> dict:
        self.runs += 1
        out_path = self.work / f"{self.runs:02d}-{side}.out"
        err_path = self.work / f"{self.runs:02d}-{side}.err"
        broker_cpu0 = cpu_seconds(self.broker.pid)
        child_cpu0 = children_cpu()
        t0 = time.perf_counter()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self.child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                          start_new_session=True)
        try:
            rc = self.child.wait(timeout=self.a.timeout + 30)
        except subprocess.TimeoutExpired:
            stop_process(self.child, grace=0)
            raise BenchError(f"{side}: no exit after {self.a.timeout + 30} s (killed)") from None
        finally:
            self.child = None
        proc_wall = time.perf_counter() - t0
        proc_cpu_s = children_cpu() - child_cpu0
        broker_cpu = cpu_seconds(self.broker.pid) - broker_cpu0
        out, err = out_path.read_text(), err_path.read_text()
        if rc != 0:
            raise BenchError(f"{side} exited {rc}:\n{err[-3000:]}\n{out[-1000:]}")
        try:
            r = json.loads(out.strip().splitlines()[-1])
        except (IndexError, ValueError) as e:
            raise BenchError(f"{side}: no JSON result ({e}):\n{out[-1000:]}\n{err[-2000:]}") from e
        if r["records"] != self.a.records:
            raise BenchError(f"{side} counted {r['records']} records, expected {self.a.records}")
        if r["end_offsets_sum"] != self.a.records:  # a record counted twice would show here
            raise BenchError(f"{side}: end offsets add up to {r['end_offsets_sum']}, "
                             f"expected {self.a.records}")
        if r["value_bytes"] != self.a.records * self.a.value_size:
            raise BenchError(f"{side}: {r['value_bytes']} value bytes, expected "
                             f"{self.a.records * self.a.value_size}")
        r.update(process_wall_s=proc_wall, process_cpu_s=proc_cpu_s, broker_cpu_s=broker_cpu)
        return r

    def commands(self, floor: Path | None) -> dict[str, list[str]]:
        a = self.a
        n = str(a.records)
        cmds = {
            "ours": [a.bin, self.bootstrap, self.topic, n, "--partition-max-bytes",
                     str(a.partition_max_bytes), "--max-bytes", str(a.max_bytes),
                     "--timeout", str(a.timeout)],
            "confluent": [sys.executable, str(Path(__file__).resolve().parent / "drain_confluent.py"),
                          self.bootstrap, self.topic, n, str(a.partition_max_bytes),
                          str(a.max_bytes), str(a.timeout)],
        }
        if floor is not None:
            cmds["librdkafka"] = [str(floor), self.bootstrap, self.topic, n, str(a.partitions),
                                  str(a.partition_max_bytes), str(a.max_bytes), str(a.timeout)]
        return cmds

    # ------------------------------------------------------------------ the whole benchmark

    def main(self) -> int:
        a = self.a
        floor = None if a.no_floor else build_floor(self.work)
        self.start_broker()
        print(f"bench: broker on {self.bootstrap}; producing {a.records} records of "
              f"{a.value_size} B "
              f"into {a.partitions} partitions ...", flush=True)
        info = self.fill()
        print(f"bench: produced in {info['produce_s']:.1f}s", flush=True)
        cmds = self.commands(floor)
        sides = list(cmds)
        for side in sides:  # warm-up, untimed: broker caches, page cache of the binaries
            r = self.run(side, cmds[side])
            print(f"bench: warm-up {side:10} {r['wall_s']:.3f}s wall {r['cpu_s']:.3f}s CPU",
                  flush=True)
        samples: dict[str, list[dict]] = {s: [] for s in sides}
        for i in range(a.rounds):
            order = sides if i % 2 == 0 else list(reversed(sides))
            for side in order:
                r = self.run(side, cmds[side])
                samples[side].append(r)
                print(f"bench: round {i + 1}/{a.rounds} {side:10} {r['wall_s']:.3f}s wall "
                      f"{r['cpu_s']:.3f}s CPU (user {r['user_s']:.3f} sys {r['sys_s']:.3f}); "
                      f"broker {r['broker_cpu_s']:.2f}s CPU", flush=True)
        self.report(samples, info)
        return 0

    def report(self, samples: dict[str, list[dict]], info: dict) -> None:
        a = self.a
        keys = ("wall_s", "cpu_s", "user_s", "sys_s", "process_wall_s", "process_cpu_s",
                "broker_cpu_s")
        m = {s: {k: median([r[k] for r in rs]) for k in keys} for s, rs in samples.items()}
        ratio = {k: m["ours"][k] / m["confluent"][k] for k in ("wall_s", "cpu_s", "process_cpu_s")}
        ok = {"wall": ratio["wall_s"] <= GOALS["wall"], "cpu": ratio["cpu_s"] <= GOALS["cpu"]}
        labels = {"ours": "ours (KafkaWire)", "confluent": "confluent-kafka (Python)",
                  "librdkafka": "librdkafka C floor"}
        print()
        print(f"drain benchmark: {a.records} records x {a.value_size} B values, {a.partitions} "
              f"partitions, {a.batch_records} records/batch, Tansu on loopback, {a.rounds} "
              f"interleaved rounds (medians)")
        print(f"{'':26}{'wall s':>8}{'CPU s':>8}{'user s':>8}{'sys s':>8}{'rec/s':>11}"
              f"{'proc CPU s':>11}{'broker CPU s':>13}")
        for s, row in m.items():
            print(f"{labels[s]:26}{row['wall_s']:8.3f}{row['cpu_s']:8.3f}{row['user_s']:8.3f}"
                  f"{row['sys_s']:8.3f}{a.records / row['wall_s']:11,.0f}"
                  f"{row['process_cpu_s']:11.3f}"
                  f"{row['broker_cpu_s']:13.2f}")
        print(f"ours / confluent  wall {ratio['wall_s']:.2f} (goal <= {GOALS['wall']:.2f}: "
              f"{'met' if ok['wall'] else 'MISSED'})   CPU {ratio['cpu_s']:.2f} "
              f"(goal <= {GOALS['cpu']:.2f}: {'met' if ok['cpu'] else 'MISSED'})   "
              f"whole-process CPU {ratio['process_cpu_s']:.2f}")
        if "librdkafka" in m:
            fl = m["librdkafka"]
            print(f"ours / librdkafka C floor  wall {m['ours']['wall_s'] / fl['wall_s']:.2f}   "
                  f"CPU {m['ours']['cpu_s'] / fl['cpu_s']:.2f}   (confluent's CPython share: "
                  f"{max(0.0, m['confluent']['cpu_s'] - fl['cpu_s']):.3f} s CPU)")
        r_ours = samples["ours"][-1]
        print(f"ours: {r_ours['fetches']} fetch rounds, {r_ours['batches']} record batches per "
              f"drain; "
              f"consume() calls per drain: confluent {samples['confluent'][-1]['consume_calls']}"
              + (f", librdkafka {samples['librdkafka'][-1]['consume_calls']}" if "librdkafka" in m
                 else ""))
        print("wall/CPU s: the drainer's own window, from before it creates its client until it "
              "has counted every record (getrusage RUSAGE_SELF, all threads); proc CPU s: the "
              "whole child process incl. start-up, imports and close")
        if a.json:
            Path(a.json).write_text(json.dumps({
                "records": a.records, "value_size": a.value_size, "partitions": a.partitions,
                "batch_records": a.batch_records, "rounds": a.rounds,
                "partition_max_bytes": a.partition_max_bytes,
                "produce": info, "median": m, "ratio_ours_confluent": ratio, "goals": GOALS,
                "goals_met": ok, "samples": samples}, indent=2))

    def stop(self) -> None:
        # By pid only. Tansu may ignore SIGTERM: SIGKILL it.
        for p in (self.child, self.broker):
            if p is not None:
                stop_process(p, grace=0)
        self.child = self.broker = None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="drain-bench binary")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--value-size", type=int, default=80)
    ap.add_argument("--batch-records", type=int, default=10_000,
                    help="records per produced batch (the producer's batch.num.messages)")
    ap.add_argument("--partition-max-bytes", type=int, default=4 << 20,
                    help="max.partition.fetch.bytes of every drainer (default 4 MiB)")
    ap.add_argument("--max-bytes", type=int, default=50 << 20,
                    help="fetch.max.bytes of every drainer (default 50 MiB)")
    ap.add_argument("--timeout", type=float, default=300, help="per drain, seconds")
    ap.add_argument("--no-floor", action="store_true", help="skip the librdkafka C floor")
    ap.add_argument("--json", help="also write the results as JSON here")
    ap.add_argument("--workdir",
                    help="for logs and the floor binary (default: a mktemp dir, removed)")
    a = ap.parse_args()
    if a.value_size < 60:
        ap.error("--value-size must be >= 60")
    own = a.workdir is None
    work = Path(tempfile.mkdtemp(prefix="bench-drain-")) if own else Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(a, work)

    def on_term(_sig, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        return bench.main()
    except BenchError as e:
        print(f"bench: FAILED: {e}\n(logs in {work})", file=sys.stderr)
        own = False  # keep the logs
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        bench.stop()
        if own:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

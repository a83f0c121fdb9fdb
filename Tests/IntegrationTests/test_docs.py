"""The documentation names everything a user can type or query, in full.

Every long flag of each exporter and of each of its subcommands (from the built binary's
`--help`), every subcommand, and every metric family each exporter serves must appear in
README.md or in a docs/*.md file that README.md links. Metric families come from two sources:

- a real scrape of each exporter on real inputs: nodenet-exporter with every collector on, and
  lag-exporter and cluster-exporter on the test broker with an offsets topic, consumer groups,
  a transaction, sidecar log dirs and an unreachable cluster;
- the families the Swift sources register (`MetricFamily(name:...)`, `.single(name:...)` and
  FamilyBuilder's `gauge`/`counter`/`bytes` calls), so a family added to the code is caught even
  when it only appears under conditions the test cannot produce cheaply (a Kafka 4.1 broker's
  cordoned log dirs). The scrape checks the extraction: a scraped family the extraction does not
  know fails the test, and so does a registered family the scrape lacks unless MAY_BE_ABSENT
  lists it, with the reason.

Names are matched as whole words: `_lag_seconds` shorthand does not document
`kafka_consumergroup_lag_seconds`, and `kafka_consumergroup_lag` inside
`kafka_consumergroup_lag_seconds` does not document `kafka_consumergroup_lag`.
"""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

import offsets_records as R
from conftest import built_binary
from helpers import REPO, free_port, start_exporter, wait_until
from kafka_env import Broker
from test_lag_e2e import LagExporter, cluster, write_config

EXPORTERS = ("nodenet-exporter", "lag-exporter", "cluster-exporter", "push-gateway")
SOURCE_DIRS = {
    "nodenet-exporter": "NodeNetExporter",
    "lag-exporter": "LagExporter",
    "cluster-exporter": "ClusterExporter",
    "push-gateway": "PushGateway",
}

# Families the sources register but the scrapes below may not show, and why. Every entry must
# still be registered by the sources (a stale entry fails) and documented like the rest.
MAY_BE_ABSENT: dict[str, dict[str, str]] = {
    "push-gateway": {
        "pushgateway_groups_expired_total": "one series per job, none before a group expires "
                                            "(test_pushgateway.py's TTL test scrapes it)",
    },
    "nodenet-exporter": {},
    "lag-exporter": {},
    "cluster-exporter": {
        "kafka_cluster_log_dir_cordoned": "DescribeLogDirs v5 (Kafka 4.1+): the test broker lacks the API",
        "kafka_cluster_mode_info": "the test broker answers neither mode's signs (no finalized metadata.version, "
                                   "no LeaderAndIsr): unknown mode, no series; codec tests cover both modes",
        "kafka_cluster_controller_id": "ZooKeeper mode only, which the test broker does not show",
    },
}


# --------------------------------------------------------------------------------- the docs


def linked_docs() -> set[str]:
    text = (REPO / "README.md").read_text()
    return {m.group(1) for m in re.finditer(r"\]\((docs/[^)#\s]+\.md)(?:#[^)]*)?\)", text)}


def docs_text() -> str:
    parts = [(REPO / "README.md").read_text()]
    for rel in sorted(linked_docs()):
        p = REPO / rel
        assert p.is_file(), f"README.md links {rel}, which does not exist"
        parts.append(p.read_text())
    return "\n".join(parts)


def named(text: str, word: str) -> bool:
    """`word` appears whole: not as part of a longer name or flag (`--a.b` in `--a.b.c` is not it)."""
    return re.search(r"(?<![\w.-])" + re.escape(word) + r"(?![\w-]|\.\w)", text) is not None


def test_readme_links_every_docs_file():
    on_disk = {f"docs/{p.name}" for p in (REPO / "docs").glob("*.md")}
    assert on_disk, "docs/ has no .md file"
    assert not on_disk - linked_docs(), f"README.md does not link {sorted(on_disk - linked_docs())}"


# --------------------------------------------------------------------------------- flags


def help_of(binary: Path, *sub: str) -> str:
    cp = subprocess.run([str(binary), *sub, "--help"], capture_output=True, text=True, timeout=30)
    assert cp.returncode == 0, f"{binary.name} {' '.join(sub)} --help: rc {cp.returncode}\n{cp.stderr}"
    return cp.stdout


def option_flags(help_text: str) -> list[tuple[str, bool]]:
    """Long flags defined in argument-parser's OPTIONS section (`  -h, --help`, `  --x <v>`), each
    with whether it is one of an on/off pair (printed `--x/--no-x`)."""
    flags = []
    for line in help_text.splitlines():
        # Definitions are indented by two spaces, descriptions (which may name flags) further.
        m = re.match(r"^ {2}(?:-\w, )?(--\S+)", line)
        if m:
            pair = m.group(1).split("/")
            flags += [(f, len(pair) == 2) for f in pair]
    return flags


def subcommands(help_text: str) -> list[str]:
    """Names listed under SUBCOMMANDS: (`  serve (default)  ...`), without argument-parser's `help`."""
    m = re.search(r"^SUBCOMMANDS:\n(.*?)(?:\n\n|\Z)", help_text, re.S | re.M)
    if not m:
        return []
    names = [re.match(r"^\s{2}(\S+)", line).group(1) for line in m.group(1).splitlines()
             if re.match(r"^\s{2}\S", line)]
    return [n for n in names if n != "help"]


def flag_documented(text: str, flag: str, switch: bool) -> bool:
    """A switch's two spellings may be documented together as `--[no-]x`, node_exporter's way."""
    if named(text, flag):
        return True
    return switch and named(text, "--[no-]" + flag.removeprefix("--no-").removeprefix("--"))


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_every_flag_and_subcommand_is_documented(exporter):
    binary = built_binary(exporter)
    text = docs_text()
    top = help_of(binary)
    commands = [()] + [(s,) for s in subcommands(top)]
    missing = []
    seen = 0
    for sub in commands:
        h = help_of(binary, *sub)
        flags = option_flags(h)
        assert ("--help", False) in flags, f"could not parse the options of {exporter} {' '.join(sub)} --help:\n{h}"
        seen += len(flags)
        command = " ".join((exporter, *sub))
        missing += [f"{command}: {f}" for f, switch in flags if not flag_documented(text, f, switch)]
        if sub and not named(text, f"{exporter} {sub[0]}"):
            missing.append(f"subcommand `{exporter} {sub[0]}`")
    assert seen > 2
    assert not missing, "not documented in README.md or docs/*.md:\n  " + "\n  ".join(missing)


# --------------------------------------------------------------------------------- metric families


def scraped_families(text: str) -> set[str]:
    """Family names as exposed in the text format's `# TYPE` lines (counters with `_total`)."""
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


def _call_span(src: str, start: int) -> str:
    """The text of the call whose argument list opens before `start`, up to its closing paren."""
    depth, i, in_str = 1, start, False
    while i < len(src) and depth:
        c = src[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        i += 1
    return src[start:i]


def source_families(exporter: str) -> dict[str, str]:
    """Exposed family names registered by the exporter's sources and ExporterKit -> where."""
    files = sorted((REPO / "Sources" / SOURCE_DIRS[exporter]).rglob("*.swift"))
    files += sorted((REPO / "Sources" / "ExporterKit").rglob("*.swift"))
    own = (REPO / "Sources" / SOURCE_DIRS[exporter]).rglob("*.swift")
    namespaces = {m for f in own for m in re.findall(r'\bnamespace: "(\w+)"', f.read_text())}
    assert len(namespaces) == 1, f"{exporter}: expected one runtime namespace, found {namespaces}"
    namespace = namespaces.pop()
    out: dict[str, str] = {}
    for f in files:
        src = f.read_text()
        rel = f.relative_to(REPO)
        values = {"namespace": [namespace]}
        ns = re.search(r'static let ns = "(\w+)"', src)
        if ns:
            values["ns"] = [ns.group(1)]
        # FamilyBuilder's prefix applies to every builder call of the file; other `prefix:`
        # arguments are the values of a `\(prefix)` inside names.
        builder = re.search(r'FamilyBuilder\(prefix: "([^"]*)"\)', src)
        values["prefix"] = re.findall(r'(?<!FamilyBuilder\()\bprefix: "(\w*)"', src)

        def expand(raw: str, where: str, values: dict = values) -> list[str]:
            names = [raw]
            for var in re.findall(r"\\\((\w+)\)", raw):
                assert values.get(var), f"{where}: cannot resolve \\({var}) in \"{raw}\": extend test_docs.py"
                names = [n.replace(f"\\({var})", v) for n in names for v in values[var]]
            return names

        for m in re.finditer(r'(?:\bMetricFamily|\bStreamedFamily|\.single)\(\s*name:\s*"([^"]+)"', src):
            where = f"{rel}:{src.count(chr(10), 0, m.start()) + 1}"
            counter = ".counter" in _call_span(src, m.end())
            for n in expand(m.group(1), where):
                out[n + "_total" if counter else n] = where
        # Streamed families built by a helper taking the scrape first (LagMetrics' groupFamily(scrape, "name", ...)).
        for m in re.finditer(r'\b\w+Family\(\s*\w+,\s*"([^"]+)"', src):
            where = f"{rel}:{src.count(chr(10), 0, m.start()) + 1}"
            counter = "type: .counter" in _call_span(src, m.end())
            for n in expand(m.group(1), where):
                out[n + "_total" if counter else n] = where
        for m in re.finditer(r'\.(gauge|counter|bytes)\(\s*"([^"]+)"', src):
            where = f"{rel}:{src.count(chr(10), 0, m.start()) + 1}"
            for n in expand(m.group(2), where):
                if builder:
                    n = expand(builder.group(1), where)[0] + n
                if m.group(1) == "counter":
                    n = n if n.endswith("_total") else n + "_total"
                out[n] = where
    return out


def check_families(exporter: str, scrape_text: str, must_scrape: set[str]) -> None:
    scraped = scraped_families(scrape_text)
    # The scrape really exercised the exporter (not only its self metrics).
    assert must_scrape <= scraped, f"{exporter}: scrape lacks {sorted(must_scrape - scraped)}"
    source = source_families(exporter)
    unknown = scraped - source.keys()
    assert not unknown, (f"{exporter} serves {sorted(unknown)}, which the source extraction in "
                         "test_docs.py does not find: update the extraction")
    allowed = MAY_BE_ABSENT[exporter]
    stale = allowed.keys() - source.keys()
    assert not stale, f"MAY_BE_ABSENT lists {sorted(stale)}, which {exporter}'s sources no longer register"
    absent = {n: source[n] for n in source.keys() - scraped if n not in allowed}
    assert not absent, (f"{exporter}: the sources register families the scrape did not show and "
                        f"MAY_BE_ABSENT does not explain: {absent}")
    text = docs_text()
    undocumented = sorted(n for n in scraped | source.keys() if not named(text, n))
    assert not undocumented, (f"{exporter}: metric families not named in full in README.md or "
                              "docs/*.md:\n  " + "\n  ".join(undocumented))


def test_nodenet_metric_families_are_documented(procs, exporter_bin, tmp_path):
    peers = tmp_path / "peers.yml"
    # Loopback is a group; top_peers 0 folds every other address into "other".
    peers.write_text("peer_groups:\n  - name: localhost\n    cidrs: [127.0.0.0/8, \"::1/128\"]\ntop_peers: 0\n")
    e = start_exporter(procs, exporter_bin, "--collector.peers", f"--collector.peers.config={peers}",
                       "--collector.processes", "--collector.processes.names=nodenet-export.*|python3.*")
    requests.get(e.base + "/", timeout=5)  # one more connection in the tables
    text = e.scrape().text
    check_families("nodenet-exporter", text, {
        "nodenet_tcp_connections", "nodenet_tcp_peer_connections", "nodenet_tcp_process_connections",
        "nodenet_tcp_listen_accept_queue", "nodenet_build_info"})


@pytest.fixture(scope="module")
def kafka(module_procs):
    """A broker with a data topic and an offsets topic in the coordinator's format: a caught-up
    group with members, a lagging one, a skipped KIP-848 record, an undecodable key and an aborted
    transactional commit."""
    b = Broker(module_procs).start()
    b.create_topic("__consumer_offsets", 1)
    b.create_topic("orders", 2)
    b.create_topic("payments", 1)
    b.produce("orders", 0, 3)
    b.produce("payments", 0, 2)
    now = int(time.time() * 1000)
    b.produce_raw("__consumer_offsets", 0, [
        (R.commit_key("billing", "orders", 0), R.commit_value(3, 3, now - 2_000)),
        (R.group_key("billing"), R.group_value([{"id": "m1", "assignment": {"orders": [0, 1]}}])),
        (R.commit_key("reporting", "payments", 0), R.commit_value(3, 1, now - 1_000)),
        (R.other_key(4, "kip848"), b"\x00\x00noise"),
        (b"\x00", b"junk"),
    ])
    tp = b.producer(**{"transactional.id": "docs-txn"})
    tp.init_transactions(20)
    tp.begin_transaction()
    tp.produce("__consumer_offsets", key=R.commit_key("txn", "payments", 0), value=R.commit_value(3, 2, now),
               partition=0)
    tp.flush(20)
    tp.abort_transaction(20)
    return b


def test_lag_metric_families_are_documented(kafka, module_procs, tmp_path):
    # A second cluster nobody listens for: its failed requests are counted. It never gets ready,
    # so the test waits for the families instead of /-/ready.
    cfg = write_config(tmp_path / "lag.yml", [
        cluster("local", kafka.bootstrap, burrow_compat_metrics="true"),
        cluster("down", f"127.0.0.1:{free_port()}", timeouts="{connect: 1s, request: 2s}")])
    e = LagExporter(module_procs, built_binary("lag-exporter"), cfg).start()
    try:
        want = {"kafka_consumergroup_lag", "kafka_consumergroup_lag_seconds", "kafka_consumergroup_info",
                "kafka_topic_partition_oldest_offset", "burrow_kafka_topic_partition_offset",
                "kafka_lag_offsets_topic_decode_errors_total", "kafka_lag_offsets_topic_records_skipped_total",
                "kafka_lag_request_errors_total"}
        wait_until(lambda: want <= scraped_families(e.text()), 30, interval=0.25,
                   what=f"lag-exporter serving {sorted(want)}", proc=e.proc)
        check_families("lag-exporter", e.text(), want)
    finally:
        e.stop()


def test_cluster_metric_families_are_documented(kafka, module_procs, tmp_path):
    # Sidecar log dirs on real directories (the test broker has no DescribeLogDirs), two topics
    # with max_topics 1 (one is folded into "other"); a second cluster whose broker lacks the API.
    dirs = [tmp_path / "data-1", tmp_path / "data-2"]
    for d, topic in zip(dirs, ("orders", "payments"), strict=True):
        (d / f"{topic}-0").mkdir(parents=True)
        (d / f"{topic}-0" / "00000000000000000000.log").write_bytes(b"x" * 4096)
    cfg = tmp_path / "cluster.yml"
    cfg.write_text(
        "clusters:\n"
        f"  - name: sidecar\n    bootstrap: [{kafka.bootstrap}]\n    max_topics: 1\n"
        f"    sidecar: {{log_dirs: [{dirs[0]}, {dirs[1]}], broker_id: 1}}\n"
        f"  - name: remote\n    bootstrap: [{kafka.bootstrap}]\n    log_dirs: {{topic_detail: true}}\n")
    port = free_port()
    proc = module_procs.start("cluster-exporter", [built_binary("cluster-exporter"), f"--config.file={cfg}",
                                                   f"--web.listen-address=127.0.0.1:{port}"])
    base = f"http://127.0.0.1:{port}"

    def text() -> str:
        r = requests.get(base + "/metrics", timeout=30)
        assert r.status_code == 200, r.text
        return r.text

    try:
        wait_until(lambda: requests.get(base + "/-/healthy", timeout=2).ok, 60, what="cluster-exporter healthy",
                   proc=proc)
        want = {"kafka_cluster_log_dir_total_bytes", "kafka_cluster_topic_size_bytes", "kafka_cluster_volumes",
                "kafka_cluster_broker_request_success", "kafka_cluster_under_replicated_partitions"}
        wait_until(lambda: want <= scraped_families(text()), 30, interval=0.25,
                   what=f"cluster-exporter serving {sorted(want)}", proc=proc)
        check_families("cluster-exporter", text(), want)
    finally:
        module_procs.stop(proc)


def test_push_gateway_metric_families_are_documented(procs, tmp_path):
    """Its own families from a scrape before any push (pushed families are the clients'); the two
    per-group timestamp families it adds for every group after a push."""
    port = free_port()
    proc = procs.start("push-gateway", [built_binary("push-gateway"), f"--web.listen-address=127.0.0.1:{port}"])
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: requests.get(base + "/-/healthy", timeout=2).ok, 30, what="push-gateway healthy", proc=proc)
    r = requests.get(base + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    check_families("push-gateway", r.text, {"pushgateway_groups", "pushgateway_pushes_total", "pushgateway_build_info"})
    assert requests.put(base + "/metrics/job/docs", data=b"m 1\n", timeout=10).status_code == 200
    after = scraped_families(requests.get(base + "/metrics", timeout=10).text)
    added = after - scraped_families(r.text) - {"m"}
    assert added == {"push_time_seconds", "push_failure_time_seconds"}, added
    text = docs_text()
    assert [n for n in sorted(added) if not named(text, n)] == []

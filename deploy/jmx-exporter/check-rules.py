#!/usr/bin/env python3
"""Offline check of kafka-broker.yml: applies the rules the way jmx_exporter does to sample beans.

jmx_exporter compiles each pattern as ^.*(?:PATTERN).*$, matches it against
`domain<key=value, ...><>Attribute: value`, takes the first rule that matches, expands $N in
name/labels/value, replaces characters outside [a-zA-Z0-9:_] by `_`, collapses `__`, and lowercases
the name (lowercaseOutputName). The sample's value is the rule's `value` when it has one, else the
attribute's own value; when that is not a number (a String attribute such as a ZooKeeper session
state) the first matching rule drops it: later rules are not tried. Python's re is close enough to
java.util.regex for these patterns.
This is not the real exporter (Maven Central is not reachable here): it catches typos, rule order
mistakes and name drift between the rules and the alert rules.

    python3 deploy/jmx-exporter/check-rules.py        # needs PyYAML
"""
import pathlib
import re
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
CONFIG = yaml.safe_load((HERE / "kafka-broker.yml").read_text())

# (bean as jmx_exporter prints it, expected metric name or None for "dropped", expected labels
# [, expected sample value]). The text after `Attribute: ` stands for the attribute's value: a
# number or true/false is numeric, anything else a String.
SAMPLES = [
    ("kafka.server<type=KafkaServer, name=ClusterId><>Value: Mk3OEYBSD34fcwNTJENDM2Qk",
     "kafka_server_kafkaserver_clusterid_info", {"clusterId": "Mk3OEYBSD34fcwNTJENDM2Qk"}),
    ("kafka.server<type=app-info, id=1><>Version: 3.9.1", "kafka_server_app_info", {"id": "1", "version": "3.9.1"}),
    ("kafka.server<type=app-info, id=1><>CommitId: f745dfdcee2b9851", "kafka_server_app_commit_info",
     {"id": "1", "commitId": "f745dfdcee2b9851"}),
    # The same facts as Kafka metrics (JmxReporter): no id key, lower-case attribute names.
    ("kafka.server<type=app-info><>version: 3.9.1", "kafka_server_app_info", {"version": "3.9.1"}),
    ("kafka.server<type=app-info><>commit-id: f745dfdcee2b9851", "kafka_server_app_commit_info",
     {"commitId": "f745dfdcee2b9851"}),
    ("kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value: 0",
     "kafka_server_replicamanager_underreplicatedpartitions", {}),
    ("kafka.server<type=ReplicaManager, name=UnderMinIsrPartitionCount><>Value: 0",
     "kafka_server_replicamanager_underminisrpartitioncount", {}),
    ("kafka.server<type=ReplicaManager, name=IsrShrinksPerSec><>Count: 12",
     "kafka_server_replicamanager_isrshrinks_total", {}),
    ("kafka.controller<type=KafkaController, name=ActiveControllerCount><>Value: 1",
     "kafka_controller_kafkacontroller_activecontrollercount", {}),
    ("kafka.controller<type=KafkaController, name=OfflinePartitionsCount><>Value: 0",
     "kafka_controller_kafkacontroller_offlinepartitionscount", {}),
    ("kafka.controller<type=ControllerStats, name=UncleanLeaderElectionsPerSec><>Count: 0",
     "kafka_controller_controllerstats_uncleanleaderelections_total", {}),
    ("kafka.cluster<type=Partition, name=UnderMinIsr, topic=orders, partition=3><>Value: 0",
     "kafka_cluster_partition_underminisr", {"topic": "orders", "partition": "3"}),
    ("kafka.log<type=Log, name=Size, topic=orders, partition=3><>Value: 1048576",
     "kafka_log_log_size", {"topic": "orders", "partition": "3"}),
    ("kafka.log<type=Log, name=LogEndOffset, topic=__consumer_offsets, partition=49><>Value: 77",
     "kafka_log_log_logendoffset", {"topic": "__consumer_offsets", "partition": "49"}),
    ("kafka.log<type=LogManager, name=OfflineLogDirectoryCount><>Value: 0",
     "kafka_log_logmanager_offlinelogdirectorycount", {}),
    ("kafka.server<type=BrokerTopicMetrics, name=MessagesInPerSec, topic=orders><>Count: 5",
     "kafka_server_brokertopicmetrics_messagesin_total", {"topic": "orders"}),
    ("kafka.server<type=BrokerTopicMetrics, name=BytesOutPerSec><>Count: 5",
     "kafka_server_brokertopicmetrics_bytesout_total", {}),
    ("kafka.network<type=RequestMetrics, name=RequestsPerSec, request=Produce, version=9><>Count: 5",
     "kafka_network_requestmetrics_requests_total", {"request": "Produce", "version": "9"}),
    ("kafka.network<type=RequestMetrics, name=ErrorsPerSec, request=Fetch, error=NONE><>Count: 5",
     "kafka_network_requestmetrics_errors_total", {"request": "Fetch", "error": "NONE"}),
    ("kafka.network<type=RequestMetrics, name=TotalTimeMs, request=Produce><>99thPercentile: 12.5",
     "kafka_network_requestmetrics_total_time_seconds", {"request": "Produce", "quantile": "0.99"}),
    ("kafka.network<type=SocketServer, name=NetworkProcessorAvgIdlePercent><>Value: 0.9",
     "kafka_network_socketserver_networkprocessoravgidle_ratio", {}),
    ("kafka.server<type=Produce, user=alice, client-id=billing><>byte-rate: 1000.0",
     "kafka_server_client_produce_byte_rate", {"user": "alice", "clientId": "billing"}),
    ("kafka.server<type=Fetch, client-id=billing><>throttle-time: 0.0",
     "kafka_server_client_fetch_throttle_time", {"clientId": "billing"}),
    ("kafka.server<type=socket-server-metrics, clientSoftwareName=apache-kafka-java, "
     "clientSoftwareVersion=3.9.1, listener=PLAINTEXT, networkProcessor=0><>connections: 4",
     "kafka_server_socketservermetrics_client_connections",
     {"clientSoftwareName": "apache-kafka-java", "clientSoftwareVersion": "3.9.1", "listener": "PLAINTEXT",
      "networkProcessor": "0"}),
    ("kafka.server<type=socket-server-metrics, listener=PLAINTEXT, networkProcessor=0><>connection-creation-total: 9",
     "kafka_server_socketservermetrics_connection_creation_total", {"listener": "PLAINTEXT", "networkProcessor": "0"}),
    ("kafka.server<type=KafkaRequestHandlerPool, name=RequestHandlerAvgIdlePercent><>OneMinuteRate: 0.8",
     "kafka_server_kafkarequesthandlerpool_requesthandleravgidle_ratio", {}),
    ("kafka.server<type=SessionExpireListener, name=ZooKeeperExpiresPerSec><>Count: 0",
     "kafka_server_sessionexpirelistener_zookeeperexpires_total", {}),
    ("kafka.server<type=SessionExpireListener, name=ZooKeeperDisconnectsPerSec><>Count: 4",
     "kafka_server_sessionexpirelistener_zookeeperdisconnects_total", {}, 4),
    ("kafka.server<type=SessionExpireListener, name=ZooKeeperSyncConnectsPerSec><>Count: 5",
     "kafka_server_sessionexpirelistener_zookeepersyncconnects_total", {}),
    ("kafka.server<type=SessionExpireListener, name=ZooKeeperAuthFailuresPerSec><>Count: 0",
     "kafka_server_sessionexpirelistener_zookeeperauthfailures_total", {}),
    # The ZooKeeper session state is a String: exported as 1 with the state in a label.
    ("kafka.server<type=SessionExpireListener, name=SessionState><>Value: CONNECTED",
     "kafka_server_sessionexpirelistener_sessionstate", {"state": "CONNECTED"}, 1),
    ("kafka.server<type=SessionExpireListener, name=SessionState><>Value: AUTH_FAILED",
     "kafka_server_sessionexpirelistener_sessionstate", {"state": "AUTH_FAILED"}, 1),
    ("kafka.server<type=raft-metrics><>current-leader: 101", "kafka_server_raftmetrics_current_leader", {}),
    ("kafka.server<type=raft-metrics><>current-leader: -1", "kafka_server_raftmetrics_current_leader", {}, -1),
    ("kafka.server<type=raft-metrics><>current-state: candidate", "kafka_server_raftmetrics_current_state",
     {"state": "candidate"}, 1),
    # Other String attributes are dropped by the first rule that matches them.
    ("kafka.server<type=raft-metrics><>current-vote-directory-id: AAAAAAAAAAAAAAAAAAAAAA", None, {}),
    # KRaft controllers (ControllerMetadataMetrics, QuorumControllerMetrics) and brokers
    # (BrokerServerMetrics: Kafka metrics, no `-total` suffix although some are counts).
    ("kafka.controller<type=KafkaController, name=FencedBrokerCount><>Value: 1",
     "kafka_controller_kafkacontroller_fencedbrokercount", {}, 1),
    ("kafka.controller<type=KafkaController, name=ActiveBrokerCount><>Value: 3",
     "kafka_controller_kafkacontroller_activebrokercount", {}),
    ("kafka.controller<type=KafkaController, name=MetadataErrorCount><>Value: 0",
     "kafka_controller_kafkacontroller_metadataerrorcount", {}),
    ("kafka.controller<type=KafkaController, name=LastAppliedRecordLagMs><>Value: 120",
     "kafka_controller_kafkacontroller_lastappliedrecordlagms", {}),
    ("kafka.controller<type=KafkaController, name=LastCommittedRecordOffset><>Value: 884211",
     "kafka_controller_kafkacontroller_lastcommittedrecordoffset", {}),
    ("kafka.server<type=broker-metadata-metrics><>last-applied-record-lag-ms: 250",
     "kafka_server_brokermetadatametrics_last_applied_record_lag_ms", {}, 250),
    ("kafka.server<type=broker-metadata-metrics><>last-applied-record-offset: 884200",
     "kafka_server_brokermetadatametrics_last_applied_record_offset", {}),
    ("kafka.server<type=broker-metadata-metrics><>metadata-load-error-count: 0",
     "kafka_server_brokermetadatametrics_metadata_load_error_count", {}),
    ("kafka.server<type=broker-metadata-metrics><>metadata-apply-error-count: 2",
     "kafka_server_brokermetadatametrics_metadata_apply_error_count", {}, 2),
    ("kafka.log<type=LogManager, name=OfflineLogDirectoryCount><>Value: 1",
     "kafka_log_logmanager_offlinelogdirectorycount", {}, 1),
    # Generic fallbacks.
    ("kafka.server<type=DelayedOperationPurgatory, name=PurgatorySize, delayedOperation=Produce><>Value: 0",
     None, {}),
    ("kafka.server<type=ZooKeeperClientMetrics, name=ZooKeeperRequestLatencyMs><>Count: 3",
     "kafka_server_zookeeperclientmetrics_zookeeperrequestlatency_total", {}),
    ("kafka.server<type=KafkaServer, name=LinuxDiskReadBytes><>Value: 3",
     "kafka_server_kafkaserver_linuxdiskreadbytes", {}),
    ("kafka.server<type=group-coordinator-metrics><>offset-commit-count: 3",
     "kafka_server_group_coordinator_metrics_offset_commit_count", {}),
]


def safe(name):
    name = re.sub(r"[^a-zA-Z0-9:_]", "_", name)
    return re.sub(r"__+", "_", name)


def expand(template, m):
    return re.sub(r"\$(\d+)", lambda g: m.group(int(g.group(1))) or "", str(template))


def number(text):
    """The attribute or configured value as jmx_exporter sees it: a number, a boolean, or None."""
    if text in ("true", "false"):
        return 1.0 if text == "true" else 0.0
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def apply(bean):
    """(name, labels, value) of the sample the rules make of `bean`; name None when dropped."""
    attribute_value = bean.split("><>", 1)[1].split(": ", 1)[1] if ": " in bean else None
    for rule in CONFIG["rules"]:
        m = re.fullmatch(r"^.*(?:" + rule["pattern"] + r").*$", bean)
        if m:
            value = number(expand(rule["value"], m) if "value" in rule else attribute_value)
            if value is None:
                return None, {}, None
            value *= float(rule.get("valueFactor", 1))
            name = safe(expand(rule["name"], m))
            if CONFIG.get("lowercaseOutputName"):
                name = name.lower()
            labels = {k: expand(v, m) for k, v in (rule.get("labels") or {}).items()}
            labels = {k: v for k, v in labels.items() if v != ""}
            if rule.get("type") == "COUNTER" and not name.endswith("_total"):
                raise SystemExit(f"counter without _total: {name} ({rule['pattern']})")
            return name, labels, value
    return None, {}, None


def main():
    for rule in CONFIG["rules"]:
        re.compile(rule["pattern"])
    failures = 0
    for bean, want_name, want_labels, *want_value in SAMPLES:
        name, labels, value = apply(bean)
        got = (name, labels if name else {}, value if want_value else None)
        want = (want_name, want_labels if want_name else {}, float(want_value[0]) if want_value else None)
        if got != want:
            failures += 1
            print(f"FAIL {bean}\n  got  {got}\n  want {want}")
    print(f"{len(SAMPLES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

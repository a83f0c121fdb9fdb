#!/usr/bin/env python3
"""Writes dashboards/kafka-overview.json (run after editing the panels below; the JSON is committed).

    python3 deploy/grafana/make-dashboard.py           # write the JSON
    python3 deploy/grafana/make-dashboard.py --check   # the test command: the committed JSON is what
                                                       # this generates, and every query parses (promtool)
"""
import json
import pathlib
import subprocess
import sys
import tempfile

DS = {"type": "prometheus", "uid": "prometheus"}
panels = []
y = 0


def row(title):
    global y
    panels.append({"type": "row", "title": title, "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}})
    y += 1


def add(kind, title, targets, w, h=6, unit=None, x=None, thresholds=None, description=None, mappings=None):
    global y
    used = sum(p["gridPos"]["w"] for p in panels if p["gridPos"]["y"] == y and p["type"] != "row")
    if used + w > 24:
        y += h
        used = 0
    p = {
        "type": kind,
        "title": title,
        "datasource": DS,
        "gridPos": {"h": h, "w": w, "x": used if x is None else x, "y": y},
        "targets": [
            {"datasource": DS, "expr": e, "legendFormat": legend, "refId": chr(ord("A") + i)}
            for i, (e, legend) in enumerate(targets)
        ],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {},
    }
    d = p["fieldConfig"]["defaults"]
    if unit:
        d["unit"] = unit
    if thresholds:
        d["thresholds"] = {"mode": "absolute", "steps": [{"color": c, "value": v} for v, c in thresholds]}
        d["color"] = {"mode": "thresholds"}
    if mappings:
        d["mappings"] = mappings
    if description:
        p["description"] = description
    if kind == "stat":
        p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "none", "textMode": "value_and_name"}
    if kind == "timeseries":
        p["options"] = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}}
    panels.append(p)


def newline():
    global y
    hs = [p["gridPos"]["h"] for p in panels if p["gridPos"]["y"] == y]
    y += max(hs) if hs else 0


C = 'cluster=~"$cluster"'
RED0 = [(None, "green"), (1, "red")]

row("Cluster health")
add("stat", "Brokers", [(f'max by (cluster) (kafka_cluster_brokers{{{C}}})', "{{cluster}}")], 4)
add("stat", "Active controllers (JMX)",
    [(f'sum by (cluster) (kafka_controller_kafkacontroller_activecontrollercount{{{C}}})', "{{cluster}}")], 4,
    thresholds=[(None, "red"), (1, "green"), (2, "red")])
add("stat", "Offline partitions", [(f'max by (cluster) (kafka_cluster_offline_partitions{{{C}}})', "{{cluster}}")], 4,
    thresholds=RED0)
add("stat", "Under-replicated partitions",
    [(f'max by (cluster) (kafka_cluster_under_replicated_partitions{{{C}}})', "{{cluster}}")], 4,
    thresholds=[(None, "green"), (1, "orange")])
add("stat", "Under min ISR partitions",
    [(f'max by (cluster) (kafka_cluster_under_min_isr_partitions{{{C}}})', "{{cluster}}")], 4, thresholds=RED0)
add("stat", "Targets down", [(f'count by (job) (up{{{C}}} == 0)', "{{job}}")], 4, thresholds=RED0,
    description="Scrape targets not answering, per job (empty: all up).")
newline()
add("timeseries", "Messages in / s", [(f'sum by (cluster) (rate(kafka_server_brokertopicmetrics_messagesin_total{{{C},topic=""}}[5m]))', "{{cluster}}")], 8, h=8, unit="short")
add("timeseries", "Bytes in / out per s",
    [(f'sum by (cluster) (rate(kafka_server_brokertopicmetrics_bytesin_total{{{C},topic=""}}[5m]))', "{{cluster}} in"),
     (f'sum by (cluster) (rate(kafka_server_brokertopicmetrics_bytesout_total{{{C},topic=""}}[5m]))', "{{cluster}} out")], 8, h=8, unit="Bps")
add("timeseries", "Busiest topics (messages in / s)",
    [(f'topk(10, sum by (cluster, topic) (rate(kafka_server_brokertopicmetrics_messagesin_total{{{C},topic!=""}}[5m])))', "{{cluster}} {{topic}}")], 8, h=8, unit="short")
newline()

row("Coordination: ZooKeeper sessions, KRaft quorum (JMX)")
add("stat", "Brokers not connected to ZooKeeper",
    [(f'count by (cluster) (kafka_server_sessionexpirelistener_sessionstate{{{C},state!="CONNECTED"}})', "{{cluster}}")], 6,
    thresholds=RED0, description="ZooKeeper-mode brokers whose session state is not CONNECTED (empty: all connected).")
add("stat", "Fenced brokers (KRaft)",
    [(f'cluster:kafka_controller_kafkacontroller_fencedbrokercount:max{{{C}}}', "{{cluster}}")], 6, thresholds=RED0)
add("stat", "KRaft quorum leader",
    [(f'max by (cluster) (kafka_server_raftmetrics_current_leader{{{C}}})', "{{cluster}}")], 6,
    thresholds=[(None, "green")], mappings=[{"type": "value", "options": {"-1": {"text": "none", "color": "red"}}}],
    description="Node id of the controller quorum's leader as the nodes see it (none: -1).")
add("stat", "Metadata errors since start",
    [(f'sum by (cluster) (kafka_controller_kafkacontroller_metadataerrorcount{{{C}}})', "{{cluster}} controllers"),
     (f'sum by (cluster) (kafka_server_brokermetadatametrics_metadata_load_error_count{{{C}}} + kafka_server_brokermetadatametrics_metadata_apply_error_count{{{C}}})', "{{cluster}} brokers")],
    6, thresholds=[(None, "green"), (1, "orange")])
newline()
add("timeseries", "ZooKeeper disconnects and session expiries (30 min)",
    [(f'increase(kafka_server_sessionexpirelistener_zookeeperdisconnects_total{{{C}}}[30m])', "{{cluster}} {{brokerId}} disconnects"),
     (f'increase(kafka_server_sessionexpirelistener_zookeeperexpires_total{{{C}}}[30m])', "{{cluster}} {{brokerId}} expiries")],
    12, h=8, unit="short")
add("timeseries", "KRaft metadata applied late (s)",
    [(f'(kafka_server_brokermetadatametrics_last_applied_record_lag_ms{{{C}}} or kafka_controller_kafkacontroller_lastappliedrecordlagms{{{C}}}) / 1000', "{{cluster}} {{brokerId}}")],
    12, h=8, unit="s", thresholds=[(None, "green"), (60, "red")])
newline()

row("Log-dir volumes (cluster-exporter)")
add("timeseries", "Usable space per log dir",
    [(f'kafka_cluster_log_dir_usable_bytes{{{C}}} / kafka_cluster_log_dir_total_bytes{{{C}}}', "{{cluster}} broker {{broker}} {{log_dir}}")],
    12, h=8, unit="percentunit", thresholds=[(None, "red"), (0.1, "orange"), (0.2, "green")])
add("timeseries", "Cluster volume total / usable",
    [(f'kafka_cluster_volume_total_bytes{{{C}}}', "{{cluster}} total"),
     (f'kafka_cluster_volume_usable_bytes{{{C}}}', "{{cluster}} usable")], 12, h=8, unit="bytes")
newline()

row("Log-dir filesystems (node_exporter; mountpoint pattern in prometheus/rules/logdir-disks.yml)")
add("timeseries", "Available space per log-dir filesystem",
    [(f'kafka:logdir_filesystem_avail:ratio{{{C}}}', "{{cluster}} broker {{brokerId}} {{mountpoint}}")],
    10, h=8, unit="percentunit", thresholds=[(None, "red"), (0.1, "orange"), (0.2, "green")])
add("timeseries", "Hours to full at the 6h trend (filling filesystems only)",
    [(f'kafka:logdir_filesystem_hours_to_full{{{C}}}', "{{cluster}} broker {{brokerId}} {{mountpoint}}")],
    10, h=8, unit="h", thresholds=[(None, "red"), (6, "orange"), (48, "green")],
    description="Available space divided by the rate it was used over the last 6 hours; absent while usage is flat or shrinking.")
add("stat", "Offline log dirs (JMX)",
    [(f'sum by (cluster) (kafka_log_logmanager_offlinelogdirectorycount{{{C}}})', "{{cluster}}")], 4, h=8, thresholds=RED0)
newline()

row("Consumer groups (lag-exporter)")
add("stat", "Groups in WARN / ERR",
    [(f'count by (cluster) (kafka_consumergroup_status{{{C}}} == 2)', "{{cluster}} WARN"),
     (f'count by (cluster) (kafka_consumergroup_status{{{C}}} == 3)', "{{cluster}} ERR")], 6, h=8,
    thresholds=[(None, "green"), (1, "orange")])
add("timeseries", "Max lag in seconds (top 10 groups)",
    [(f'topk(10, kafka_consumergroup_max_lag_seconds{{{C}}})', "{{cluster}} {{consumergroup}}")], 9, h=8, unit="s")
add("timeseries", "Lag in messages (top 10 groups)",
    [(f'topk(10, kafka_consumergroup_total_lag{{{C}}})', "{{cluster}} {{consumergroup}}")], 9, h=8, unit="short")
newline()
add("table", "Group status (1 OK, 2 WARN, 3 ERR, 0 NOTFOUND)",
    [(f'kafka_consumergroup_status{{{C}}}', "")], 24, h=8,
    mappings=[{"type": "value", "options": {"0": {"text": "NOTFOUND"}, "1": {"text": "OK", "color": "green"},
                                            "2": {"text": "WARN", "color": "orange"}, "3": {"text": "ERR", "color": "red"}}}])
panels[-1]["targets"][0]["format"] = "table"
panels[-1]["targets"][0]["instant"] = True
newline()

row("Kafka clients (pushed to push-gateway; a client gone longer than the TTL disappears)")
add("stat", "Clients pushing", [(f'count by (cluster) (push_time_seconds{{{C},job="kafka-client"}})', "{{cluster}}")], 4,
    h=8, description="Groups held by push-gateway for the example's job `kafka-client` (one per client instance).")
add("timeseries", "Produce delivery errors (per 5 min)",
    [(f'sum by (cluster, instance) (increase(kafka_client_produce_delivery_errors_total{{{C}}}[5m]))', "{{cluster}} {{instance}}")],
    5, h=8, unit="short", thresholds=RED0)
add("timeseries", "Request round trip p99 per broker",
    [(f'max by (cluster, instance, broker) (kafka_client_broker_rtt_p99_seconds{{{C}}})', "{{instance}} -> {{broker}}")], 5, h=8,
    unit="s")
add("timeseries", "Consumer lag as the client sees it",
    [(f'sum by (cluster, instance, topic) (kafka_client_consumer_lag_messages{{{C}}})', "{{instance}} {{topic}}")], 5, h=8,
    unit="short")
add("timeseries", "Messages per second",
    [(f'sum by (cluster, instance, direction) (rate(kafka_client_messages_total{{{C}}}[5m]))', "{{instance}} {{direction}}")],
    5, h=8, unit="short")
newline()

row("Broker hosts (node_exporter, nodenet-exporter)")
add("timeseries", "CPU busy", [(f'instance:node_cpu_utilisation:rate5m{{{C}}}', "{{cluster}} {{brokerId}}")], 8, h=8,
    unit="percentunit", thresholds=[(None, "green"), (0.7, "red")])
add("timeseries", "Inbound client connections (Kafka ports)",
    [(f'sum by (cluster, brokerId) (nodenet_tcp_connections{{{C},port=~"9092|9093|9094",direction="inbound",state="established"}})', "{{cluster}} {{brokerId}}")], 8, h=8)
add("timeseries", "Longest accept queue per port",
    [(f'max by (cluster, brokerId, port) (nodenet_tcp_listen_accept_queue_max{{{C},port!="other"}})', "{{cluster}} {{brokerId}} :{{port}}")], 8, h=8)

dashboard = {
    "uid": "kafka-exporters-overview",
    "title": "Kafka overview (exporters)",
    "tags": ["kafka"],
    "timezone": "browser",
    "schemaVersion": 39,
    "version": 1,
    "refresh": "30s",
    "time": {"from": "now-6h", "to": "now"},
    "templating": {"list": [{
        "name": "cluster", "label": "cluster", "type": "query", "datasource": DS,
        "query": {"query": "label_values(up, cluster)", "refId": "cluster"},
        "definition": "label_values(up, cluster)", "includeAll": True, "multi": True,
        "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1,
    }]},
    "annotations": {"list": []},
    "panels": panels,
}
for i, p in enumerate(panels, 1):
    p["id"] = i
out = pathlib.Path(__file__).resolve().parent / "dashboards" / "kafka-overview.json"
text = json.dumps(dashboard, indent=2) + "\n"
if "--check" not in sys.argv[1:]:
    out.write_text(text)
    print(f"wrote {out} ({len(panels)} panels)")
    sys.exit(0)
if out.read_text() != text:
    sys.exit(f"{out} is not what make-dashboard.py generates: run it and commit the result")
# promtool has no parse-only command for a query: check them as recording rules.
exprs = [t["expr"].replace("$cluster", ".*") for p in panels for t in p.get("targets", [])]
with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    f.writelines(f"      - record: dashboard:query{i}\n        expr: {json.dumps(e)}\n" for i, e in enumerate(exprs))
    f.flush()
    r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"a dashboard query does not parse:\n{r.stdout}{r.stderr}")
print(f"dashboard: {out.name} up to date, {len(exprs)} queries parse")

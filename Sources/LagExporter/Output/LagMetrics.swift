import ExporterKit
import KafkaWire

/// Turns evaluated clusters into metric families (pure). Unknown values are left out, never
/// written as -1/NaN; groups appear only once their cluster caught up; series of deleted or
/// expired groups vanish because nothing is kept between scrapes.
enum LagMetrics {
    static let ns = "kafka_lag"

    static func families(_ clusters: [(view: ClusterView, config: LagClusterConfig)]) -> [MetricFamily] {
        var f = FamilyBuilder()
        for (view, config) in clusters.sorted(by: { $0.view.name < $1.view.name }) {
            addSelf(view, groups: view.groups.count, to: &f)
            for g in view.groups { addGroup(g, cluster: view.name, config, to: &f) }
            if config.granularity == .partition { addTopics(view, config, to: &f) }
        }
        return f.families
    }

    /// The same from the stores directly: groups are evaluated and turned into series one at a
    /// time, so a scrape never holds every group's evaluation at once (60k partitions).
    static func families(stores: [LagStore], now: Int64) -> [MetricFamily] {
        var f = FamilyBuilder()
        for store in stores.sorted(by: { $0.config.name < $1.config.name }) {
            let snapshot = store.snapshot()
            let header = store.header(snapshot)
            let config = store.config
            let count = store.forEachGroup(snapshot, now: now) { addGroup($0, cluster: config.name, config, to: &f) }
            addSelf(header, groups: count, to: &f)
            if config.granularity == .partition { addTopics(header, config, to: &f) }
        }
        return f.families
    }

    private static func addSelf(_ v: ClusterView, groups: Int, to f: inout FamilyBuilder) {
        let clusterLabel = Label("cluster", v.name)
        let p = v.progress
        f.gauge(
            "\(ns)_cluster_up", "1 when the last requests of ingest to the cluster succeeded.", [clusterLabel],
            p.up ? 1 : 0)
        if let s = p.source {
            f.gauge(
                "\(ns)_source_info", "The offsets source in use (auto resolves to one).",
                [clusterLabel, Label("source", s.rawValue)], 1
            )
        }
        f.gauge(
            "\(ns)_offsets_topic_caught_up",
            "1 once every offsets-topic partition reached the high watermark seen at start (admin-api: first poll done); groups are reported only then.",
            [clusterLabel], p.caughtUp ? 1 : 0)
        if let b = p.recordsBehind {
            f.gauge(
                "\(ns)_offsets_topic_records_behind",
                "Records between the read positions and the start high watermarks (catching up) or current ones.",
                [clusterLabel],
                Double(b))
        }
        for (kind, ts) in p.lastRefresh {
            f.gauge(
                "\(ns)_last_refresh_timestamp_seconds", "Time of the last successful refresh of this kind.",
                [clusterLabel, Label("kind", kind)], ts, unit: "seconds")
        }
        f.gauge("\(ns)_groups", "Consumer groups reported for the cluster.", [clusterLabel], Double(groups))
        let s = v.stats
        for (type, n) in s.recordsByType {
            f.counter(
                "\(ns)_offsets_topic_records_total", "Offsets-topic records read, by key type.",
                [clusterLabel, Label("type", String(type))], Double(n))
        }
        for (reason, n) in s.skipped {
            f.counter(
                "\(ns)_offsets_topic_records_skipped_total",
                "Records read but not stored, by reason (unused_type: KIP-848/share/streams records).",
                [clusterLabel, Label("reason", reason)], Double(n))
        }
        for (reason, n) in s.decodeErrors {
            f.counter(
                "\(ns)_offsets_topic_decode_errors_total", "Records or batches that could not be decoded, by reason.",
                [clusterLabel, Label("reason", reason)], Double(n))
        }
        f.counter(
            "\(ns)_offsets_topic_aborted_records_total", "Records of aborted transactions dropped.", [clusterLabel],
            Double(s.abortedRecords))
        for (api, n) in s.requestErrors {
            f.counter(
                "\(ns)_request_errors_total", "Failed Kafka requests of ingest, by API.",
                [clusterLabel, Label("api", api)],
                Double(n))
        }
    }

    private static func addGroup(_ g: GroupView, cluster: String, _ config: LagClusterConfig, to f: inout FamilyBuilder)
    {
        let clusterLabel = Label("cluster", cluster)
        let compat = config.burrowCompatMetrics
        let groupLabels = [clusterLabel, Label("consumergroup", g.name)]
        let e = g.evaluation
        f.gauge(
            "kafka_consumergroup_status",
            "Burrow group status: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR (STOP, STALL and REWIND partitions count as ERR).",
            groupLabels, Double(e.status.rawValue))
        f.gauge(
            "kafka_consumergroup_total_lag",
            "Sum of the current lag of the group's partitions (Burrow's totallag; kafka_exporter's lag_sum, renamed: promtool rejects a _sum suffix on a gauge).",
            groupLabels,
            Double(e.totalLag))
        f.gauge(
            "kafka_consumergroup_complete_ratio",
            "Share of the partitions of consumed topics whose commit window is full (Burrow's complete).", groupLabels,
            e.complete)
        if let s = g.maxLagSeconds {
            f.gauge(
                "kafka_consumergroup_max_lag_seconds", "Largest lag in seconds over the group's partitions.",
                groupLabels, s,
                unit: "seconds")
        }
        f.counter(
            "kafka_consumergroup_offset_commits_total", "Offset commits stored for the group since it appeared.",
            groupLabels,
            Double(g.commits))
        if let m = g.meta {
            f.gauge("kafka_consumergroup_members", "Members of the group.", groupLabels, Double(m.members))
            f.gauge(
                "kafka_consumergroup_info", "Group facts as labels (value 1).",
                groupLabels + [
                    Label("state", m.state), Label("protocol_type", m.protocolType),
                    Label("protocol", m.protocol ?? ""),
                ], 1)
        }
        if compat {
            let burrowLabels = [clusterLabel, Label("consumer_group", g.name)]
            f.gauge(
                "burrow_kafka_consumer_status", "Burrow: group status code.", burrowLabels, Double(e.status.rawValue))
            f.gauge(
                "burrow_kafka_consumer_lag_total", "Burrow: total lag of the group.", burrowLabels, Double(e.totalLag))
        }
        switch config.granularity {
        case .partition: addPartitions(g, clusterLabel, compat: compat, to: &f)
        case .topic: addTopicsOfGroup(g, clusterLabel, to: &f)
        }
    }

    private static func addPartitions(
        _ g: GroupView, _ clusterLabel: Label, compat: Bool, to f: inout FamilyBuilder
    ) {
        for p in g.partitions {
            // Labels in byte order already: the encoder then sorts nothing.
            let partitionLabels = [
                clusterLabel, Label("consumergroup", g.name), Label("partition", String(p.partition)),
                Label("topic", p.topic),
            ]
            f.gauge(
                "kafka_consumergroup_current_offset", "Newest committed offset of the partition.", partitionLabels,
                Double(p.committed.offset))
            f.gauge(
                "kafka_consumergroup_last_commit_timestamp_seconds", "Broker time of the newest commit.",
                partitionLabels,
                Double(p.committed.timestamp) / 1000, unit: "seconds")
            if let e = p.evaluation {
                f.gauge(
                    "kafka_consumergroup_partition_status",
                    "Burrow partition status: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND.", partitionLabels,
                    Double(e.status.rawValue))
                f.gauge(
                    "kafka_consumergroup_lag", "Current lag in messages (log-end offset minus committed offset).",
                    partitionLabels,
                    Double(e.currentLag))
            }
            if let s = p.lagSeconds {
                f.gauge(
                    "kafka_consumergroup_lag_seconds",
                    "Current lag in seconds (age of the first unconsumed message; 0 when caught up).", partitionLabels,
                    s,
                    unit: "seconds")
            }
            if compat {
                let burrowLabels = [
                    clusterLabel, Label("consumer_group", g.name), Label("partition", String(p.partition)),
                    Label("topic", p.topic),
                ]
                f.gauge(
                    "burrow_kafka_consumer_current_offset", "Burrow: newest committed offset.", burrowLabels,
                    Double(p.committed.offset))
                if let e = p.evaluation {
                    f.gauge(
                        "burrow_kafka_topic_partition_status", "Burrow: partition status code.", burrowLabels,
                        Double(e.status.rawValue))
                    f.gauge(
                        "burrow_kafka_consumer_partition_lag", "Burrow: partition lag.", burrowLabels,
                        Double(e.currentLag))
                }
            }
        }
    }

    /// `granularity: topic`: one series per group and topic (worst status, summed lag,
    /// largest lag seconds, newest commit).
    private static func addTopicsOfGroup(_ g: GroupView, _ clusterLabel: Label, to f: inout FamilyBuilder) {
        for (topic, parts) in Dictionary(grouping: g.partitions, by: \.topic) {
            let topicLabels = [clusterLabel, Label("consumergroup", g.name), Label("topic", topic)]
            let evaluated = parts.compactMap(\.evaluation)
            if let worst = evaluated.map(\.status).max() {
                f.gauge(
                    "kafka_consumergroup_partition_status",
                    "Worst Burrow partition status of the topic: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND.", topicLabels,
                    Double(worst.rawValue))
                f.gauge(
                    "kafka_consumergroup_lag", "Current lag in messages, summed over the topic's partitions.",
                    topicLabels,
                    Double(evaluated.reduce(0) { $0 + $1.currentLag }))
            }
            if let s = parts.compactMap(\.lagSeconds).max() {
                f.gauge(
                    "kafka_consumergroup_lag_seconds", "Largest lag in seconds over the topic's partitions.",
                    topicLabels, s,
                    unit: "seconds")
            }
            if let ts = parts.map(\.committed.timestamp).max() {
                f.gauge(
                    "kafka_consumergroup_last_commit_timestamp_seconds",
                    "Broker time of the newest commit to the topic.",
                    topicLabels, Double(ts) / 1000, unit: "seconds")
            }
        }
    }

    private static func addTopics(_ v: ClusterView, _ config: LagClusterConfig, to f: inout FamilyBuilder) {
        let clusterLabel = Label("cluster", v.name)
        for (tp, o) in v.partitions {
            let partitionLabels = [clusterLabel, Label("partition", String(tp.partition)), Label("topic", tp.topic)]
            if let end = o.logEnd {
                f.gauge(
                    "kafka_topic_partition_current_offset", "Log-end offset of the partition (last sample).",
                    partitionLabels,
                    Double(end))
                if config.burrowCompatMetrics {
                    f.gauge(
                        "burrow_kafka_topic_partition_offset", "Burrow: latest log-end offset.", partitionLabels,
                        Double(end))
                }
            }
            if let oldest = o.oldest {
                f.gauge(
                    "kafka_topic_partition_oldest_offset", "Log-start offset of the partition.", partitionLabels,
                    Double(oldest))
            }
        }
    }
}

import ExporterKit
import KafkaWire

/// Turns evaluated clusters into metric families (pure). Unknown values are left out, never
/// written as -1/NaN; groups appear only once their cluster caught up; series of deleted or
/// expired groups vanish because nothing is kept between scrapes.
/// Turns evaluated clusters into metric families (pure). Unknown values are left out, never
/// written as -1/NaN; groups appear only once their cluster caught up; series of deleted or
/// expired groups vanish because nothing is kept between scrapes.
///
/// The per-group and per-partition families are streamed: each is written straight into the
/// answer from the scrape's compact rows (`LagScrape`), so a 60,000-partition scrape holds those
/// rows and one family's text, not a sample model of every series.
enum LagMetrics {
    static let ns = "kafka_lag"

    static func families(_ clusters: [(view: ClusterView, config: LagClusterConfig)]) throws -> [MetricFamily] {
        try output(LagScrape(views: clusters)).materialized()
    }

    static func families(stores: [LagStore], now: Int64) throws -> [MetricFamily] {
        try output(LagScrape(stores: stores, now: now)).materialized()
    }

    static func output(_ scrape: LagScrape) -> CollectorOutput {
        var f = FamilyBuilder()
        for cluster in scrape.clusters {
            addSelf(cluster.header, groups: cluster.groups.count, to: &f)
        }
        return CollectorOutput(families: f.families, streamed: groupFamilies(scrape) + partitionFamilies(scrape))
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

    private typealias GroupValue = @Sendable (LagScrape.Group) -> Double?

    /// One series per group: labels `cluster`, `consumergroup` (`consumer_group` for Burrow's names).
    private static func groupFamily(
        _ scrape: LagScrape, _ name: String, _ help: String, type: MetricType = .gauge, unit: String? = nil,
        burrow: Bool = false, _ value: @escaping GroupValue
    ) -> StreamedFamily {
        StreamedFamily(name: name, help: help, type: type, unit: unit) { writer throws(ExpositionError) in
            for cluster in scrape.clusters where !burrow || cluster.config.burrowCompatMetrics {
                let clusterLabel = Label("cluster", cluster.header.name)
                for group in cluster.groups {
                    if let v = value(group) {
                        try writer.sample(
                            [clusterLabel, Label(burrow ? "consumer_group" : "consumergroup", group.name)], v)
                    }
                }
            }
        }
    }

    private static func groupFamilies(_ scrape: LagScrape) -> [StreamedFamily] {
        [
            groupFamily(
                scrape, "kafka_consumergroup_status",
                "Burrow group status: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR (STOP, STALL and REWIND partitions count as ERR)."
            ) { Double($0.status.rawValue) },
            groupFamily(
                scrape, "kafka_consumergroup_total_lag",
                "Sum of the current lag of the group's partitions (Burrow's totallag; kafka_exporter's lag_sum, renamed: promtool rejects a _sum suffix on a gauge)."
            ) { Double($0.totalLag) },
            groupFamily(
                scrape, "kafka_consumergroup_complete_ratio",
                "Share of the partitions of consumed topics whose commit window is full (Burrow's complete)."
            ) { $0.complete },
            groupFamily(
                scrape, "kafka_consumergroup_max_lag_seconds", "Largest lag in seconds over the group's partitions.",
                unit: "seconds"
            ) { $0.maxLagSeconds },
            groupFamily(
                scrape, "kafka_consumergroup_offset_commits", "Offset commits stored for the group since it appeared.",
                type: .counter
            ) { Double($0.commits) },
            groupFamily(scrape, "kafka_consumergroup_members", "Members of the group.") {
                $0.meta.map { Double($0.members) }
            },
            StreamedFamily(name: "kafka_consumergroup_info", help: "Group facts as labels (value 1).", type: .gauge) {
                writer throws(ExpositionError) in
                for cluster in scrape.clusters {
                    let clusterLabel = Label("cluster", cluster.header.name)
                    for group in cluster.groups {
                        guard let meta = group.meta else { continue }
                        try writer.sample(
                            [
                                clusterLabel, Label("consumergroup", group.name),
                                Label("protocol", meta.protocol ?? ""),
                                Label("protocol_type", meta.protocolType), Label("state", meta.state),
                            ], 1)
                    }
                }
            },
            groupFamily(scrape, "burrow_kafka_consumer_status", "Burrow: group status code.", burrow: true) {
                Double($0.status.rawValue)
            },
            groupFamily(scrape, "burrow_kafka_consumer_lag_total", "Burrow: total lag of the group.", burrow: true) {
                Double($0.totalLag)
            },
        ]
    }

    /// A family with a series per partition (partition granularity) and, where `topicValue` is
    /// given, per topic (topic granularity). The help of the first cluster with groups applies,
    /// as when the family was built sample by sample.
    private static func partitionFamily(
        _ scrape: LagScrape, _ name: String, partitionHelp: String, topicHelp: String? = nil, unit: String? = nil,
        burrow: Bool = false, _ value: @escaping @Sendable (LagScrape.PartitionRow) -> Double?,
        topic topicValue: (@Sendable (LagScrape.TopicRow) -> Double?)? = nil
    ) -> StreamedFamily {
        let first = scrape.clusters.first { !$0.groups.isEmpty }?.config.granularity
        let help = first == .topic ? topicHelp ?? partitionHelp : partitionHelp
        return StreamedFamily(name: name, help: help, type: .gauge, unit: unit) { writer throws(ExpositionError) in
            for cluster in scrape.clusters where !burrow || cluster.config.burrowCompatMetrics {
                let clusterLabel = Label("cluster", cluster.header.name)
                for group in cluster.groups {
                    let groupLabel = Label(burrow ? "consumer_group" : "consumergroup", group.name)
                    for row in group.partitions {
                        guard let v = value(row) else { continue }
                        try writer.sample(
                            [
                                clusterLabel, groupLabel, Label("partition", String(row.partition)),
                                Label("topic", row.topic),
                            ], v)
                    }
                    guard let topicValue else { continue }
                    for topic in group.topics {
                        if let v = topicValue(topic) {
                            try writer.sample([clusterLabel, groupLabel, Label("topic", topic.topic)], v)
                        }
                    }
                }
            }
        }
    }

    /// A family with a series per partition of a consumed topic: labels `cluster`, `partition`, `topic`.
    private static func topicPartitionFamily(
        _ scrape: LagScrape, _ name: String, _ help: String, burrow: Bool = false,
        _ value: @escaping @Sendable (LagScrape.TopicPartitionRow) -> Int64?
    ) -> StreamedFamily {
        StreamedFamily(name: name, help: help, type: .gauge) { writer throws(ExpositionError) in
            for cluster in scrape.clusters
            where cluster.config.granularity == .partition && (!burrow || cluster.config.burrowCompatMetrics) {
                let clusterLabel = Label("cluster", cluster.header.name)
                for row in cluster.topicPartitions {
                    guard let v = value(row) else { continue }
                    try writer.sample(
                        [clusterLabel, Label("partition", String(row.partition)), Label("topic", row.topic)], Double(v))
                }
            }
        }
    }

    private static func partitionFamilies(_ scrape: LagScrape) -> [StreamedFamily] {
        [
            partitionFamily(
                scrape, "kafka_consumergroup_current_offset", partitionHelp: "Newest committed offset of the partition."
            ) { Double($0.offset) },
            partitionFamily(
                scrape, "kafka_consumergroup_last_commit_timestamp_seconds",
                partitionHelp: "Broker time of the newest commit.",
                topicHelp: "Broker time of the newest commit to the topic.", unit: "seconds"
            ) {
                Double($0.timestamp) / 1000
            } topic: {
                $0.newestTimestamp.map { Double($0) / 1000 }
            },
            partitionFamily(
                scrape, "kafka_consumergroup_partition_status",
                partitionHelp: "Burrow partition status: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND.",
                topicHelp: "Worst Burrow partition status of the topic: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND."
            ) {
                $0.status.map { Double($0.rawValue) }
            } topic: {
                $0.worst.map { Double($0.rawValue) }
            },
            partitionFamily(
                scrape, "kafka_consumergroup_lag",
                partitionHelp: "Current lag in messages (log-end offset minus committed offset).",
                topicHelp: "Current lag in messages, summed over the topic's partitions."
            ) {
                $0.status == nil ? nil : Double($0.lag)
            } topic: {
                $0.worst == nil ? nil : Double($0.lag)
            },
            partitionFamily(
                scrape, "kafka_consumergroup_lag_seconds",
                partitionHelp: "Current lag in seconds (age of the first unconsumed message; 0 when caught up).",
                topicHelp: "Largest lag in seconds over the topic's partitions.", unit: "seconds"
            ) {
                $0.lagSeconds
            } topic: {
                $0.lagSeconds
            },
            partitionFamily(
                scrape, "burrow_kafka_consumer_current_offset", partitionHelp: "Burrow: newest committed offset.",
                burrow: true
            ) { Double($0.offset) },
            partitionFamily(
                scrape, "burrow_kafka_topic_partition_status", partitionHelp: "Burrow: partition status code.",
                burrow: true
            ) { $0.status.map { Double($0.rawValue) } },
            partitionFamily(
                scrape, "burrow_kafka_consumer_partition_lag", partitionHelp: "Burrow: partition lag.", burrow: true
            ) { $0.status == nil ? nil : Double($0.lag) },
            topicPartitionFamily(
                scrape, "kafka_topic_partition_current_offset", "Log-end offset of the partition (last sample)."
            ) { $0.logEnd },
            topicPartitionFamily(
                scrape, "burrow_kafka_topic_partition_offset", "Burrow: latest log-end offset.", burrow: true
            ) {
                $0.logEnd
            },
            topicPartitionFamily(scrape, "kafka_topic_partition_oldest_offset", "Log-start offset of the partition.") {
                $0.oldest
            },
        ]
    }
}

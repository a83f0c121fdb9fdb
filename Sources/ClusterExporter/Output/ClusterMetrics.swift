import ExporterKit

/// Turns cluster snapshots into metric families (pure; unknown values are left out, never -1).
enum ClusterMetrics {
    static let ns = "kafka_cluster"

    static func families(_ snapshots: [ClusterSnapshot]) -> [MetricFamily] {
        var f = FamilyBuilder(prefix: "\(ns)_")
        for s in snapshots.sorted(by: { $0.cluster < $1.cluster }) { add(s, to: &f) }
        return f.families
    }

    private static func add(_ s: ClusterSnapshot, to f: inout FamilyBuilder) {
        let c = ("cluster", s.cluster)
        f.gauge("up", "1 when the cluster's Metadata could be read in this scrape.", [c], s.up ? 1 : 0)
        f.gauge(
            "scrape_duration_seconds", "Time the scrape of this cluster took.", [c], s.seconds, unit: "seconds")
        for r in s.requests {
            if let broker = r.broker {
                let labels = [c, ("broker", broker), ("api", r.api)]
                f.gauge(
                    "broker_request_success",
                    "1 when the broker answered the request in this scrape, 0 when it failed.",
                    labels, r.success ? 1 : 0)
                f.gauge(
                    "broker_request_duration_seconds", "Time the request to this broker took.", labels, r.seconds,
                    unit: "seconds")
            } else {
                let labels = [c, ("api", r.api)]
                f.gauge(
                    "request_success", "1 when the cluster-wide request (any broker) succeeded in this scrape.",
                    labels, r.success ? 1 : 0)
                f.gauge(
                    "request_duration_seconds", "Time the cluster-wide request took.", labels, r.seconds,
                    unit: "seconds")
            }
        }
        if let h = s.health {
            f.gauge("brokers", "Brokers in the cluster's Metadata.", [c], Double(h.brokers))
            if let mode = h.mode {
                f.gauge(
                    "mode_info", "1, labelled with how the cluster keeps its metadata (kraft or zookeeper).",
                    [c, ("mode", mode.rawValue)], 1)
            }
            if let id = h.controllerId {
                f.gauge(
                    "controller_id", "Node id of the active controller (ZooKeeper-mode clusters that have one).",
                    [c], Double(id))
            }
            f.gauge("partitions", "Partitions of all topics.", [c], Double(h.partitions))
            f.gauge(
                "under_replicated_partitions", "Partitions whose ISR is smaller than their replica set.", [c],
                Double(h.underReplicated))
            f.gauge("offline_partitions", "Partitions without a leader.", [c], Double(h.offline))
            if let u = h.underMinISR {
                f.gauge(
                    "under_min_isr_partitions",
                    "Partitions whose ISR is smaller than min.insync.replicas (topic config, else broker default).",
                    [c], Double(u))
            }
            let (shown, folded) = capTopics(h.topicPartitions.mapValues(Int64.init), max: s.maxTopics)
            for (topic, n) in shown {
                f.gauge(
                    "topic_partitions",
                    "Partitions of the topic (topics past max_topics are summed in topic=\"other\").",
                    [c, ("topic", topic)], Double(n))
            }
            f.gauge(
                "topics_folded", "Topics summed into topic=\"other\" because of max_topics.", [c], Double(folded))
        }
        var topicBytes: [String: Int64] = [:]
        for d in s.logDirs {
            let labels = [c, ("broker", d.broker), ("log_dir", d.logDir)]
            f.gauge(
                "log_dir_online", "1 when the broker reports the log dir without error, 0 when offline.", labels,
                d.online ? 1 : 0)
            if let cordoned = d.cordoned {
                f.gauge(
                    "log_dir_cordoned", "1 when the log dir is cordoned: no new replicas go there (Kafka 4.1+).",
                    labels, cordoned ? 1 : 0)
            }
            if let v = d.totalBytes {
                f.bytes("log_dir_total_bytes", "Size of the volume holding the log dir.", labels, v)
            }
            if let v = d.usableBytes {
                f.bytes("log_dir_usable_bytes", "Bytes still usable on the volume holding the log dir.", labels, v)
            }
            if let v = d.usedBytes {
                f.bytes("log_dir_used_bytes", "Bytes of Kafka partitions in the log dir.", labels, v)
                f.gauge(
                    "log_dir_future_replicas", "Replicas being moved into the log dir (future logs).", labels,
                    Double(d.futureReplicas))
            }
            for (t, b) in d.topicBytes { topicBytes[t, default: 0] += b }
        }
        for (t, b) in capTopics(topicBytes, max: s.maxTopics).shown {
            f.bytes(
                "topic_size_bytes", "Bytes of the topic's partitions over all replicas and log dirs.",
                [c, ("topic", t)], b)
        }
        guard !s.logDirs.isEmpty else { return }
        let totals = VolumeTotals.compute(s.logDirs)
        for (broker, t) in totals.brokers.sorted(by: { $0.key < $1.key }) {
            add(t, prefix: "broker_", scope: "the broker", labels: [c, ("broker", broker)], to: &f)
        }
        add(totals.cluster, prefix: "", scope: "all brokers", labels: [c], to: &f)
    }

    /// Keeps the `max` largest topics (ties by name) and sums the rest into "other", so the
    /// topic label stays bounded on clusters with thousands of topics.
    static func capTopics(_ values: [String: Int64], max: Int) -> (shown: [(String, Int64)], folded: Int) {
        let ranked = values.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var shown = ranked.prefix(max).map { ($0.key, $0.value) }
        let rest = ranked.dropFirst(max)
        if !rest.isEmpty {
            let sum = rest.reduce(0) { $0 + $1.value }
            // A real topic named "other" shares the bucket rather than duplicating the series.
            if let i = shown.firstIndex(where: { $0.0 == "other" }) {
                shown[i].1 += sum
            } else {
                shown.append(("other", sum))
            }
        }
        return (shown.sorted { $0.0 < $1.0 }, rest.count)
    }

    private static func add(
        _ t: VolumeTotals, prefix: String, scope: String, labels: [(String, String)], to f: inout FamilyBuilder
    ) {
        let rule = "each filesystem counted once"
        f.gauge("\(prefix)volumes", "Distinct log-dir volumes of \(scope) (\(rule)).", labels, Double(t.volumes))
        if let v = t.totalBytes {
            f.bytes("\(prefix)volume_total_bytes", "Size of the log-dir volumes of \(scope) (\(rule)).", labels, v)
        }
        if let v = t.usableBytes {
            f.bytes(
                "\(prefix)volume_usable_bytes", "Usable bytes on the log-dir volumes of \(scope) (\(rule)).", labels, v)
        }
        if let v = t.usedBytes {
            f.bytes("\(prefix)log_dirs_used_bytes", "Bytes of Kafka partitions in the log dirs of \(scope).", labels, v)
        }
    }
}

extension FamilyBuilder {
    fileprivate mutating func bytes(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int64) {
        gauge(name, help, labels, Double(value), unit: "bytes")
    }
}

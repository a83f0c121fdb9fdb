import KafkaWire

/// The clusters of one scrape, evaluated and reduced to what the series need, in the order the
/// series are written (names and label values in byte order). Kept compact (about 70 bytes a
/// partition) because the whole scrape holds it while its families are streamed one by one.
struct LagScrape: Sendable {
    struct Cluster: Sendable {
        /// Progress and counters; `groups` empty.
        var header: ClusterView
        var config: LagClusterConfig
        var groups: [Group]
        var topicPartitions: [TopicPartitionRow]
    }

    struct Group: Sendable {
        var name: String
        var status: ConsumerStatus
        var totalLag: Int64
        var complete: Double
        var maxLagSeconds: Double?
        var commits: Int64
        var meta: GroupMeta?
        /// Partition granularity: by partition (as text), then topic.
        var partitions: [PartitionRow]
        /// Topic granularity: by topic.
        var topics: [TopicRow]
    }

    struct PartitionRow: Sendable {
        var topic: String
        var partition: Int32
        var offset: Int64
        /// Broker time of the newest commit, ms.
        var timestamp: Int64
        /// nil while the log-end offset is unknown.
        var status: ConsumerStatus?
        var lag: Int64
        var lagSeconds: Double?
    }

    struct TopicRow: Sendable {
        var topic: String
        var worst: ConsumerStatus?
        var lag: Int64
        var lagSeconds: Double?
        var newestTimestamp: Int64?
    }

    struct TopicPartitionRow: Sendable {
        var topic: String
        var partition: Int32
        var logEnd: Int64?
        var oldest: Int64?
    }

    /// By name.
    var clusters: [Cluster] = []

    /// Evaluates each store's snapshot one group at a time, keeping only the rows.
    init(stores: [LagStore], now: Int64) {
        for store in stores {
            let snapshot = store.snapshot()
            var groups: [Group] = []
            _ = store.forEachGroup(snapshot, now: now) { groups.append(Self.group($0, store.config.granularity)) }
            clusters.append(Self.cluster(store.header(snapshot), store.config, groups))
        }
        clusters.sort { byteLess($0.header.name, $1.header.name) }
    }

    init(views: [(view: ClusterView, config: LagClusterConfig)]) {
        for (view, config) in views {
            var header = view
            header.groups = []
            clusters.append(Self.cluster(header, config, view.groups.map { Self.group($0, config.granularity) }))
        }
        clusters.sort { byteLess($0.header.name, $1.header.name) }
    }

    private static func cluster(_ header: ClusterView, _ config: LagClusterConfig, _ groups: [Group]) -> Cluster {
        var rows = header.partitions.map {
            TopicPartitionRow(
                topic: $0.key.topic, partition: $0.key.partition, logEnd: $0.value.logEnd, oldest: $0.value.oldest)
        }
        rows.sort { partitionLess(($0.partition, $0.topic), ($1.partition, $1.topic)) }
        var header = header
        header.partitions = [:]
        return Cluster(
            header: header, config: config, groups: groups.sorted { byteLess($0.name, $1.name) }, topicPartitions: rows)
    }

    private static func group(_ g: GroupView, _ granularity: Granularity) -> Group {
        var result = Group(
            name: g.name, status: g.evaluation.status, totalLag: g.evaluation.totalLag, complete: g.evaluation.complete,
            maxLagSeconds: g.maxLagSeconds, commits: g.commits, meta: g.meta, partitions: [], topics: [])
        switch granularity {
        case .partition:
            result.partitions = g.partitions.map {
                PartitionRow(
                    topic: $0.topic, partition: $0.partition, offset: $0.committed.offset,
                    timestamp: $0.committed.timestamp, status: $0.evaluation?.status,
                    lag: $0.evaluation?.currentLag ?? 0,
                    lagSeconds: $0.lagSeconds)
            }
            result.partitions.sort { partitionLess(($0.partition, $0.topic), ($1.partition, $1.topic)) }
        case .topic:
            // One row per topic: worst status, summed lag, largest lag seconds, newest commit.
            for (topic, parts) in Dictionary(grouping: g.partitions, by: \.topic) {
                let evaluated = parts.compactMap(\.evaluation)
                result.topics.append(
                    TopicRow(
                        topic: topic, worst: evaluated.map(\.status).max(),
                        lag: evaluated.reduce(0) { $0 + $1.currentLag },
                        lagSeconds: parts.compactMap(\.lagSeconds).max(),
                        newestTimestamp: parts.map(\.committed.timestamp).max()))
            }
            result.topics.sort { byteLess($0.topic, $1.topic) }
        }
        return result
    }
}

/// Prometheus orders label values as bytes (String's `<` is Unicode order).
func byteLess(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

/// The order of `partition="…",topic="…"` label pairs: the partition as text first.
func partitionLess(_ a: (Int32, String), _ b: (Int32, String)) -> Bool {
    if a.0 != b.0 {
        let (x, y) = (String(a.0), String(b.0))
        if x != y { return byteLess(x, y) }
    }
    return byteLess(a.1, b.1)
}

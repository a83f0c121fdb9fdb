/// What is known about one log dir of one broker. Unknown values are nil (never -1): the
/// metrics for them are left out.
struct LogDirReport: Sendable, Equatable {
    var broker: String
    var logDir: String
    var online: Bool
    var totalBytes: Int64?
    var usableBytes: Int64?
    /// Bytes used by Kafka's partitions in the dir; nil when not asked for (dir-only request).
    var usedBytes: Int64?
    /// Identity of the filesystem when known (sidecar: `st_dev`). Remote mode leaves it nil and
    /// `VolumeTotals` falls back to the identical-totals rule.
    var device: UInt64?
    /// Bytes per topic (all partitions of the topic in this dir, future replicas excluded).
    var topicBytes: [String: Int64] = [:]
    /// Partitions being moved into this dir (future replicas, AlterReplicaLogDirs).
    var futureReplicas: Int = 0
    /// Cordoned (no new replicas placed here, KIP-1066); nil before DescribeLogDirs v5.
    var cordoned: Bool?
}

import KafkaWire

/// What the store keeps per consumer group.
struct GroupState: Sendable {
    var partitions: [TopicPartition: CommitRing] = [:]
    /// Boxed: most groups' metadata is rarely written, and an inline GroupMeta would make every
    /// slot of the groups dictionary ~100 bytes wide.
    private var metaBox: MetaBox?

    var meta: GroupMeta? {
        get { metaBox?.value }
        set { metaBox = newValue.map(MetaBox.init) }
    }

    private final class MetaBox: Sendable {
        let value: GroupMeta
        init(_ value: GroupMeta) { self.value = value }
    }
    /// Offset commits stored for this group since it appeared (the `_total` counter).
    var commits: Int64 = 0

    var isEmpty: Bool { partitions.isEmpty && meta == nil }

    /// Stores a commit in the partition's ring; false when it was a duplicate.
    mutating func add(_ sample: CommitSample, to tp: TopicPartition, capacity: Int, minDistanceMs: Int64) -> Bool {
        let added = partitions[tp, default: CommitRing(capacity: capacity)].add(sample, minDistanceMs: minDistanceMs)
        if added { commits += 1 }
        return added
    }
}

/// Membership facts from GroupMetadata records (offsets-topic) or DescribeGroups (admin-api).
struct GroupMeta: Sendable, Equatable {
    /// DescribeGroups' state; from the offsets topic "Stable" with members, else "Empty"
    /// (the record does not carry the rebalance phase).
    var state: String
    var protocolType: String
    var `protocol`: String?
    var generation: Int32
    var members: Int
    /// Topics assigned to members (consumer protocol only).
    var assignedTopics: Set<String>
}

extension GroupMeta {
    init(_ v: OffsetsRecord.GroupMetadata.Value) {
        state = v.members.isEmpty ? "Empty" : "Stable"
        protocolType = v.protocolType
        `protocol` = v.protocol
        generation = v.generation
        members = v.members.count
        assignedTopics = Set(v.members.flatMap { $0.assignment ?? [] }.map(\.topic))
    }
}

/// Per partition of a consumed topic: Burrow's log-end window and the longer history that
/// lag-in-seconds interpolates over.
struct PartitionHistory: Sendable {
    var logEnd: LogEndRing
    var table: OffsetTimeTable
    /// Earliest offset (log start), sampled with the metadata refresh.
    var oldest: Int64?
    /// Record timestamps (ms) of committed offsets, from exact-mode fetches: offset -> time.
    var recordTimes: [Int64: Int64] = [:]

    init(intervals: Int, historyPoints: Int) {
        logEnd = LogEndRing(capacity: intervals)
        table = OffsetTimeTable(capacity: historyPoints)
    }
}

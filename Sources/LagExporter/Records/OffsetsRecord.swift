import KafkaWire

/// One record of `__consumer_offsets`, decoded from its key and value bytes.
///
/// Keys are `int16 type` + body; values `int16 version` + body, or null (a tombstone). Types
/// 0/1 are offset commits, 2 group metadata; 3..8 are KIP-848 consumer-group records (a type-3
/// tombstone deletes the group), 9.. share and streams groups: those are reported as skipped.
public enum OffsetsRecord: Sendable, Equatable {
    case offsetCommit(OffsetCommit)
    case groupMetadata(GroupMetadata)
    /// A record type the exporter does not use; `group` when the key starts with one.
    case skipped(type: Int16, group: String?, tombstone: Bool)

    public struct OffsetCommit: Sendable, Equatable {
        public var type: Int16
        public var group: String
        public var topic: String
        public var partition: Int32
        /// nil for a tombstone (the commit was deleted or expired).
        public var value: Value?

        public struct Value: Sendable, Equatable {
            public var version: Int16
            public var offset: Int64
            /// -1 when absent (value versions before 3).
            public var leaderEpoch: Int32
            public var metadata: String
            /// Broker clock at commit time, ms.
            public var commitTimestamp: Int64
            /// -1 when absent (only v1 carries it).
            public var expireTimestamp: Int64
            /// Set by Kafka 4.1+ (v4 tag 0).
            public var topicId: KafkaUUID?
        }
    }

    public struct GroupMetadata: Sendable, Equatable {
        public var group: String
        /// nil for a tombstone (the group was deleted).
        public var value: Value?

        public struct Value: Sendable, Equatable {
            public var version: Int16
            public var protocolType: String
            public var generation: Int32
            public var `protocol`: String?
            public var leader: String?
            /// -1 when absent (value versions before 2).
            public var currentStateTimestamp: Int64
            public var members: [Member]
        }

        public struct Member: Sendable, Equatable {
            public var memberId: String
            public var groupInstanceId: String?
            public var clientId: String
            public var clientHost: String
            /// -1 when absent (v0).
            public var rebalanceTimeout: Int32
            public var sessionTimeout: Int32
            /// Partitions assigned to the member; nil when the protocol type is not "consumer"
            /// (Connect and others use their own formats).
            public var assignment: [Assignment]?
        }

        public struct Assignment: Sendable, Equatable {
            public var topic: String
            public var partitions: [Int32]
        }
    }

    public var type: Int16 {
        switch self {
        case .offsetCommit(let c): return c.type
        case .groupMetadata: return 2
        case .skipped(let t, _, _): return t
        }
    }

    public var isTombstone: Bool {
        switch self {
        case .offsetCommit(let c): return c.value == nil
        case .groupMetadata(let g): return g.value == nil
        case .skipped(_, _, let t): return t
        }
    }
}

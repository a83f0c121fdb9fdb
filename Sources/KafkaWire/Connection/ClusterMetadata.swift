/// What Metadata says about the cluster, in lookup-friendly form.
public struct ClusterMetadata: Sendable, Equatable {
    public struct Broker: Sendable, Equatable {
        public var id: Int32
        public var host: String
        public var port: Int
        public var rack: String?
    }

    public struct Partition: Sendable, Equatable {
        public var id: Int32
        /// -1 when the partition has no leader (offline).
        public var leader: Int32
        public var replicas: [Int32]
        public var isr: [Int32]
        public var offlineReplicas: [Int32]
        public var errorCode: KafkaErrorCode

        public init(
            id: Int32, leader: Int32, replicas: [Int32] = [], isr: [Int32] = [], offlineReplicas: [Int32] = [],
            errorCode: KafkaErrorCode = .none
        ) {
            self.id = id
            self.leader = leader
            self.replicas = replicas
            self.isr = isr
            self.offlineReplicas = offlineReplicas
            self.errorCode = errorCode
        }
    }

    public struct Topic: Sendable, Equatable {
        public var name: String
        public var topicId: KafkaUUID
        public var isInternal: Bool
        public var errorCode: KafkaErrorCode
        public var partitions: [Int32: Partition]

        public init(
            name: String, topicId: KafkaUUID = .zero, isInternal: Bool = false, errorCode: KafkaErrorCode = .none,
            partitions: [Int32: Partition]
        ) {
            self.name = name
            self.topicId = topicId
            self.isInternal = isInternal
            self.errorCode = errorCode
            self.partitions = partitions
        }
    }

    public var clusterId: String?
    public var controllerId: Int32
    public var brokers: [Int32: Broker]
    public var topics: [String: Topic]
    /// The ApiVersions answer of the broker that answered this Metadata request: how to read
    /// `controllerId` depends on that broker's mode (ZooKeeper or KRaft), which its features tell.
    public var answeringBrokerApiVersions: ApiVersionsResponse?

    /// Metadata built by hand (tests, or a client-side view assembled from other sources).
    public init(
        clusterId: String? = nil, controllerId: Int32 = -1, brokers: [Int32: Broker] = [:], topics: [String: Topic]
    ) {
        self.clusterId = clusterId
        self.controllerId = controllerId
        self.brokers = brokers
        self.topics = topics
    }

    init(_ r: MetadataResponse) {
        clusterId = r.clusterId
        controllerId = r.controllerId
        brokers = [:]
        for b in r.brokers { brokers[b.nodeId] = Broker(id: b.nodeId, host: b.host, port: Int(b.port), rack: b.rack) }
        topics = [:]
        for t in r.topics {
            guard let name = t.name else { continue }
            var partitions: [Int32: Partition] = [:]
            for p in t.partitions {
                partitions[p.partitionIndex] = Partition(
                    id: p.partitionIndex, leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes,
                    offlineReplicas: p.offlineReplicas, errorCode: KafkaErrorCode(p.errorCode))
            }
            topics[name] = Topic(
                name: name, topicId: t.topicId, isInternal: t.isInternal, errorCode: KafkaErrorCode(t.errorCode),
                partitions: partitions)
        }
    }

    public func leader(of topic: String, partition: Int32) -> Int32? {
        guard let p = topics[topic]?.partitions[partition], p.leader >= 0 else { return nil }
        return p.leader
    }
}

/// A topic and partition.
public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)-\(partition)" }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
}

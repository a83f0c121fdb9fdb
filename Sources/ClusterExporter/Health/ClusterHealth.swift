/// Partition health as a client sees it, from Metadata (+ `min.insync.replicas`). Pure.
struct ClusterHealth: Sendable, Equatable {
    struct PartitionState: Sendable, Equatable {
        var topic: String
        var leader: Int32
        var replicas: [Int32]
        var isr: [Int32]

        init(topic: String, leader: Int32, replicas: [Int32], isr: [Int32]) {
            self.topic = topic
            self.leader = leader
            self.replicas = replicas
            self.isr = isr
        }
    }

    var brokers: Int
    /// nil when the answering broker's mode is unknown.
    var mode: ClusterMode?
    /// The active controller; known only in ZooKeeper mode (a KRaft broker names a random live
    /// broker) and only when there is one (Metadata says -1 when there is none).
    var controllerId: Int32?
    var partitions: Int
    var underReplicated: Int
    var offline: Int
    /// nil when `min.insync.replicas` could not be learned (DescribeConfigs failed).
    var underMinISR: Int?
    var topicPartitions: [String: Int]

    /// - `minISR`: the effective `min.insync.replicas` per topic (topic config, else the broker
    ///   default); nil when unknown.
    init(
        brokers: Int, controllerId: Int32, mode: ClusterMode?, partitions list: [PartitionState],
        minISR: [String: Int]?
    ) {
        self.brokers = brokers
        self.mode = mode
        self.controllerId = mode == .zookeeper && controllerId >= 0 ? controllerId : nil
        partitions = list.count
        underReplicated = list.count { $0.isr.count < $0.replicas.count }
        offline = list.count { $0.leader < 0 }
        if let minISR {
            underMinISR = list.count { p in p.isr.count < (minISR[p.topic] ?? 1) }
        } else {
            underMinISR = nil
        }
        var perTopic: [String: Int] = [:]
        for p in list { perTopic[p.topic, default: 0] += 1 }
        topicPartitions = perTopic
    }
}

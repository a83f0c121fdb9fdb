import KafkaWire

/// Asks the log-start (earliest) offset of every sampled partition, for
/// `kafka_topic_partition_oldest_offset`, on the metadata cadence (retention moves it a whole
/// segment at a time). A partition whose answer failed keeps its last value.
struct LogStartRefresh: Sendable {
    let client: any IngestClient
    let store: LagStore

    func run() async {
        var oldest: [TopicPartition: Int64] = [:]
        for (tp, r) in await client.listOffsets(store.sampleTargets.all, spec: .earliest) {
            if case .success(let o) = r { oldest[tp] = o.offset }
        }
        store.addOldest(oldest)
    }
}

import KafkaWire

/// What the offsets-topic reader and the log-end sampler need from a Kafka client. The real one
/// is `KafkaClient`; the unit tests put a scripted partition log behind it, so truncation,
/// OFFSET_OUT_OF_RANGE, bad batches and catch-up are tested without a broker.
protocol IngestClient: Sendable {
    func refreshMetadata(topics: [String]?) async throws -> ClusterMetadata
    func listOffsets(
        _ partitions: [TopicPartition], spec: OffsetSpec, readCommitted: Bool
    ) async -> [TopicPartition: Result<PartitionOffset, any Error>]
    func fetch(
        _ offsets: [TopicPartition: Int64], isolation: IsolationLevel, maxBytes: Int32, partitionMaxBytes: Int32,
        maxWait: Duration
    ) async -> [TopicPartition: Result<FetchedPartition, any Error>]
}

extension KafkaClient: IngestClient {}

extension IngestClient {
    func refreshMetadata() async throws -> ClusterMetadata { try await refreshMetadata(topics: nil) }

    func listOffsets(_ partitions: [TopicPartition], spec: OffsetSpec) async -> [TopicPartition: Result<
        PartitionOffset, any Error
    >] {
        await listOffsets(partitions, spec: spec, readCommitted: false)
    }
}

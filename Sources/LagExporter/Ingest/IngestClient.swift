import KafkaWire

/// What ingest (the offsets-topic reader, the admin-API poller, the cluster sampler) needs from a
/// Kafka client. The real one is `KafkaClient`; the unit tests put scripted brokers behind it,
/// so truncation, OFFSET_OUT_OF_RANGE, bad batches, catch-up and partial answers are tested
/// without a broker.
protocol IngestClient: Sendable {
    func refreshMetadata(topics: [String]?) async throws -> ClusterMetadata
    func listOffsets(
        _ partitions: [TopicPartition], spec: OffsetSpec, readCommitted: Bool
    ) async -> [TopicPartition: Result<PartitionOffset, any Error>]
    func fetch(
        _ offsets: [TopicPartition: Int64], isolation: IsolationLevel, maxBytes: Int32, partitionMaxBytes: Int32,
        maxWait: Duration
    ) async -> [TopicPartition: Result<FetchedPartition, any Error>]
    func listGroups(
        types: [String]
    ) async throws -> (groups: [ListGroupsResponse.ListedGroup], failures: [Int32: any Error])
    func committedOffsets(ofGroups groups: [String], batchSize: Int) async
        -> [String: Result<[TopicPartition: Int64], any Error>]
    func describeGroups(_ groups: [String], batchSize: Int) async
        -> [String: Result<DescribeGroupsResponse.DescribedGroup, any Error>]
    func describeConsumerGroups(_ groups: [String], batchSize: Int) async
        -> [String: Result<ConsumerGroupDescribeResponse.DescribedGroup, any Error>]
}

extension KafkaClient: IngestClient {}

extension IngestClient {
    func refreshMetadata() async throws -> ClusterMetadata { try await refreshMetadata(topics: nil) }

    func listOffsets(_ partitions: [TopicPartition], spec: OffsetSpec) async -> [TopicPartition: Result<
        PartitionOffset, any Error
    >] {
        await listOffsets(partitions, spec: spec, readCommitted: false)
    }

    /// Batches of 100 groups per request (what `KafkaClient` uses by default).
    func committedOffsets(ofGroups groups: [String]) async -> [String: Result<[TopicPartition: Int64], any Error>] {
        await committedOffsets(ofGroups: groups, batchSize: 100)
    }

    func describeGroups(_ groups: [String]) async -> [String: Result<DescribeGroupsResponse.DescribedGroup, any Error>]
    {
        await describeGroups(groups, batchSize: 100)
    }

    func describeConsumerGroups(
        _ groups: [String]
    ) async -> [String: Result<ConsumerGroupDescribeResponse.DescribedGroup, any Error>] {
        await describeConsumerGroups(groups, batchSize: 100)
    }
}

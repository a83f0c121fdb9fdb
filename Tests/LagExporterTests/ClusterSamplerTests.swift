import ExporterKit
import KafkaWire
import Logging
import Synchronization
import Testing

@testable import LagExporter

/// The cluster sampler's jobs against a scripted client: what each asks the brokers, what it
/// stores, and what a failed answer leaves behind.
@Suite struct ClusterSamplerTests {
    final class Brokers: IngestClient {
        struct Script {
            var metadata: Result<ClusterMetadata, any Error> = .success(ClusterMetadata(topics: [:]))
            var earliest: [TopicPartition: Result<PartitionOffset, any Error>] = [:]
            var latest: [TopicPartition: Result<PartitionOffset, any Error>] = [:]
        }
        let script = Mutex(Script())
        /// Every ListOffsets (its spec) and Fetch (the offsets asked) in order.
        let listed = Mutex<[(OffsetSpec, [TopicPartition])]>([])
        let fetched = Mutex<[[TopicPartition: Int64]]>([])

        func refreshMetadata(topics: [String]?) async throws -> ClusterMetadata {
            try script.withLock { $0.metadata }.get()
        }
        func listOffsets(_ partitions: [TopicPartition], spec: OffsetSpec, readCommitted: Bool) async
            -> [TopicPartition: Result<PartitionOffset, any Error>]
        {
            listed.withLock { $0.append((spec, partitions)) }
            let answers = script.withLock { spec == .earliest ? $0.earliest : $0.latest }
            return answers.filter { partitions.contains($0.key) }
        }
        func fetch(
            _ offsets: [TopicPartition: Int64], isolation: IsolationLevel, maxBytes: Int32, partitionMaxBytes: Int32,
            maxWait: Duration
        ) async -> [TopicPartition: Result<FetchedPartition, any Error>] {
            fetched.withLock { $0.append(offsets) }
            return [:]
        }
        func listGroups(types: [String]) async throws -> (
            groups: [ListGroupsResponse.ListedGroup], failures: [Int32: any Error]
        ) { ([], [:]) }
        func committedOffsets(ofGroups groups: [String], batchSize: Int) async
            -> [String: Result<[TopicPartition: Int64], any Error>]
        { [:] }
        func describeGroups(_ groups: [String], batchSize: Int) async
            -> [String: Result<DescribeGroupsResponse.DescribedGroup, any Error>]
        { [:] }
        func describeConsumerGroups(_ groups: [String], batchSize: Int) async
            -> [String: Result<ConsumerGroupDescribeResponse.DescribedGroup, any Error>]
        { [:] }
    }

    struct Unreachable: Error {}

    static func sampler(_ yaml: String = "") throws -> (ClusterSampler, LagStore, Brokers) {
        let store = try LagStoreTests.store(yaml)
        let brokers = Brokers()
        let logger = Logger(label: "cluster-sampler-test")
        return (
            ClusterSampler(client: brokers, store: store, logger: logger, outages: OutageLog(logger: logger)), store,
            brokers
        )
    }

    static func topic(_ name: String, partitions: Int32) -> ClusterMetadata.Topic {
        .init(
            name: name,
            partitions: Dictionary(uniqueKeysWithValues: (0..<partitions).map { ($0, .init(id: $0, leader: 1)) }))
    }

    @Test func logStartOffsetsAreAskedOnlyAfterTheMetadataArrived() async throws {
        let (sampler, store, brokers) = try Self.sampler()
        let tp0 = TopicPartition("orders", 0)
        let tp1 = TopicPartition("orders", 1)
        brokers.script.withLock {
            $0.metadata = .failure(Unreachable())
            $0.earliest = [tp0: .success(.init(offset: 7)), tp1: .failure(Unreachable())]
        }
        await sampler.refreshTopics()
        #expect(brokers.listed.withLock { $0.isEmpty })
        #expect(store.snapshot().stats.requestErrors["Metadata"] == 1)
        #expect(store.progress.lastError?.hasPrefix("Metadata: ") == true)

        brokers.script.withLock {
            $0.metadata = .success(ClusterMetadata(topics: ["orders": Self.topic("orders", partitions: 2)]))
        }
        await sampler.refreshTopics()
        let asked = brokers.listed.withLock { $0 }
        #expect(asked.count == 1 && asked.first?.0 == .earliest && asked.first?.1 == [tp0, tp1])
        let partitions = store.snapshot().partitions
        #expect(partitions[tp0]?.oldest == 7)
        #expect(partitions[tp1]?.oldest == nil, "a failed answer stores nothing")
        #expect(store.progress.lastRefresh["metadata"] != nil)
    }

    @Test func aPartialLogEndAnswerStoresWhatCameAndCountsTheRest() async throws {
        let (sampler, store, brokers) = try Self.sampler()
        let tp0 = TopicPartition("orders", 0)
        let tp1 = TopicPartition("orders", 1)
        brokers.script.withLock {
            $0.metadata = .success(ClusterMetadata(topics: ["orders": Self.topic("orders", partitions: 2)]))
            $0.latest = [tp0: .success(.init(offset: 100)), tp1: .failure(Unreachable())]
        }
        await sampler.refreshTopics()
        await sampler.refreshOffsets()
        let snapshot = store.snapshot()
        #expect(snapshot.partitions[tp0]?.logEnd.newest?.offset == 100)
        #expect(snapshot.partitions[tp1]?.logEnd.newest == nil)
        #expect(snapshot.stats.requestErrors["ListOffsets"] == 1)
        #expect(store.progress.lastRefresh["log_end_offsets"] != nil)

        // Every answer failing: counted, and the loop is not heard from.
        let (failing, failingStore, failingBrokers) = try Self.sampler()
        failingBrokers.script.withLock {
            $0.metadata = .success(ClusterMetadata(topics: ["orders": Self.topic("orders", partitions: 2)]))
            $0.latest = [tp0: .failure(Unreachable()), tp1: .failure(Unreachable())]
        }
        await failing.refreshTopics()
        await failing.refreshOffsets()
        #expect(failingStore.snapshot().stats.requestErrors["ListOffsets"] == 2)
        #expect(failingStore.progress.lastRefresh["log_end_offsets"] == nil)
    }

    @Test(arguments: [false, true])
    func recordTimesAreFetchedOnlyInExactModeAndWithinTheBudget(exact: Bool) async throws {
        let (sampler, store, brokers) = try Self.sampler(
            exact ? "    lag_seconds: {mode: exact, exact_budget: 2}\n" : "")
        var ends: [TopicPartition: Int64] = [:]
        var commits: [OffsetsRecord] = []
        for p in Int32(0)..<5 {
            ends[TopicPartition("orders", p)] = 1000
            commits.append(LagStoreTests.commit("g", "orders", p, 1000 - 100 * Int64(p), at: LagStoreTests.now))
        }
        store.applyMetadata(topicPartitions: ["orders": 5])
        store.addLogEnds(ends, now: LagStoreTests.now)
        LagStoreTests.feed(store, commits)
        brokers.script.withLock {
            $0.metadata = .success(ClusterMetadata(topics: ["orders": Self.topic("orders", partitions: 5)]))
            $0.latest = ends.mapValues { .success(.init(offset: $0)) }
        }
        await sampler.refreshOffsets()
        let fetches = brokers.fetched.withLock { $0 }
        if exact {
            // The two largest lags (partitions 4 and 3), at their committed offsets.
            #expect(fetches == [[TopicPartition("orders", 4): 600, TopicPartition("orders", 3): 700]])
        } else {
            #expect(fetches.isEmpty)
        }
    }
}

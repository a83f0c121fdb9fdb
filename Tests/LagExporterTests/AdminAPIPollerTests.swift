import ExporterKit
import KafkaWire
import Logging
import Synchronization
import Testing

@testable import LagExporter

/// The admin-API source without a broker: which groups are polled, what a partial answer may
/// and may not change, and when the cluster counts as heard from.
@Suite struct AdminAPIPollerTests {
    /// A scripted set of brokers answering the group APIs; each poll reads the script as it is then.
    final class Brokers: IngestClient {
        struct Script {
            var listed: [ListGroupsResponse.ListedGroup] = []
            var listFailures: [Int32: any Error] = [:]
            var listThrows: (any Error)?
            var offsets: [String: Result<[TopicPartition: Int64], any Error>] = [:]
        }
        let script = Mutex(Script())
        let asked = Mutex<[String]>([])

        func listGroups(types: [String]) async throws -> (
            groups: [ListGroupsResponse.ListedGroup], failures: [Int32: any Error]
        ) {
            let s = script.withLock { ($0.listed, $0.listFailures, $0.listThrows) }
            if let e = s.2 { throw e }
            return (s.0, s.1)
        }
        func committedOffsets(ofGroups groups: [String], batchSize: Int) async
            -> [String: Result<[TopicPartition: Int64], any Error>]
        {
            asked.withLock { $0 += groups }
            return script.withLock { s in s.offsets.filter { groups.contains($0.key) } }
        }
        func describeGroups(_ groups: [String], batchSize: Int) async
            -> [String: Result<DescribeGroupsResponse.DescribedGroup, any Error>]
        {
            Dictionary(
                uniqueKeysWithValues: groups.map {
                    ($0, .success(.init(groupId: $0, groupState: "Stable", protocolType: "consumer")))
                })
        }
        func describeConsumerGroups(_ groups: [String], batchSize: Int) async
            -> [String: Result<ConsumerGroupDescribeResponse.DescribedGroup, any Error>]
        {
            Dictionary(
                uniqueKeysWithValues: groups.map { ($0, .success(.init(groupId: $0, groupState: "Stable"))) })
        }
        func refreshMetadata(topics: [String]?) async throws -> ClusterMetadata { ClusterMetadata(topics: [:]) }
        func listOffsets(_ partitions: [TopicPartition], spec: OffsetSpec, readCommitted: Bool) async
            -> [TopicPartition: Result<PartitionOffset, any Error>]
        { [:] }
        func fetch(
            _ offsets: [TopicPartition: Int64], isolation: IsolationLevel, maxBytes: Int32, partitionMaxBytes: Int32,
            maxWait: Duration
        ) async -> [TopicPartition: Result<FetchedPartition, any Error>] { [:] }
    }

    struct Unreachable: Error {}

    static let tp = TopicPartition("orders", 0)

    static func poller() throws -> (AdminAPIPoller, LagStore, Brokers) {
        let store = try LagStoreTests.store()
        store.applyMetadata(topicPartitions: ["orders": 1])
        store.addLogEnds([tp: 100], now: LagStoreTests.now)
        let brokers = Brokers()
        let logger = Logger(label: "admin-api-test")
        return (
            AdminAPIPoller(client: brokers, store: store, logger: logger, outages: OutageLog(logger: logger)), store,
            brokers
        )
    }

    static func group(_ id: String, protocolType: String = "consumer", type: String = "classic")
        -> ListGroupsResponse.ListedGroup
    {
        .init(groupId: id, protocolType: protocolType, groupState: "Stable", groupType: type)
    }

    @Test func onlyConsumerGroupsArePolledAndKIP848GroupsAreDescribedTheirWay() async throws {
        let (poller, store, brokers) = try Self.poller()
        brokers.script.withLock {
            $0.listed = [
                Self.group("classic"), Self.group("assign-only", protocolType: ""),
                Self.group("connect-cluster", protocolType: "connect"), Self.group("shared", type: "share"),
                Self.group("modern", type: "consumer"),
            ]
            for g in ["classic", "assign-only", "modern"] { $0.offsets[g] = .success([Self.tp: 40]) }
        }
        #expect(await poller.pollOnce())
        #expect(brokers.asked.withLock { $0.sorted() } == ["assign-only", "classic", "modern"])
        let groups = store.snapshot().groups
        #expect(groups.keys.sorted() == ["assign-only", "classic", "modern"])
        #expect(groups["modern"]?.meta?.generation == 0)  // ConsumerGroupDescribe's epoch, not -1
        #expect(groups["classic"]?.meta?.generation == -1)
        #expect(groups["classic"]?.partitions[Self.tp]?.newest?.lag == 60)
    }

    @Test func aBrokerThatFailedListGroupsHidesGroupsButRemovesNone() async throws {
        let (poller, store, brokers) = try Self.poller()
        brokers.script.withLock {
            $0.listed = [Self.group("a"), Self.group("b")]
            $0.offsets = ["a": .success([Self.tp: 1]), "b": .success([Self.tp: 2])]
        }
        #expect(await poller.pollOnce())
        // Broker 2 (coordinator of b) does not answer ListGroups: b is not listed but stays.
        brokers.script.withLock {
            $0.listed = [Self.group("a")]
            $0.listFailures = [2: Unreachable()]
        }
        #expect(await poller.pollOnce())
        #expect(store.snapshot().groups.keys.sorted() == ["a", "b"])
        #expect(store.progress.lastError?.contains("ListGroups failed on 1 broker") == true)
        #expect(store.progress.lastRefresh["groups"] != nil)  // only from the first, complete poll
        let firstRefresh = store.progress.lastRefresh["groups"]
        // A complete answer without b: b is gone.
        brokers.script.withLock { $0.listFailures = [:] }
        #expect(await poller.pollOnce())
        #expect(store.snapshot().groups.keys.sorted() == ["a"])
        #expect(store.progress.lastError == nil)
        #expect(store.progress.lastRefresh["groups"]! >= firstRefresh!)
    }

    @Test func aGroupRefusedWithAKafkaErrorIsCountedNotAnOutage() async throws {
        let (poller, store, brokers) = try Self.poller()
        brokers.script.withLock {
            $0.listed = [Self.group("mine"), Self.group("theirs")]
            $0.offsets = [
                "mine": .success([Self.tp: 5]),
                "theirs": .failure(KafkaResponseError(api: "OffsetFetch", code: .groupAuthorizationFailed)),
            ]
        }
        #expect(await poller.pollOnce())
        #expect(store.snapshot().stats.requestErrors["OffsetFetch"] == 1)
        #expect(store.progress.lastError == nil)
        #expect(store.progress.contactDue["groups"] != nil)
        // A group whose offsets got no answer at all is an outage: not heard from.
        brokers.script.withLock { $0.offsets["theirs"] = .failure(Unreachable()) }
        let due = store.progress.contactDue["groups"]
        #expect(await poller.pollOnce())
        #expect(store.progress.lastError?.contains("OffsetFetch theirs") == true)
        #expect(store.progress.contactDue["groups"] == due)
    }

    @Test func listGroupsFailingEverywhereIsAFailedPoll() async throws {
        let (poller, store, brokers) = try Self.poller()
        brokers.script.withLock { $0.listThrows = Unreachable() }
        #expect(await poller.pollOnce() == false)
        #expect(store.snapshot().stats.requestErrors["ListGroups"] == 1)
        #expect(store.progress.lastError?.hasPrefix("ListGroups:") == true)
    }
}

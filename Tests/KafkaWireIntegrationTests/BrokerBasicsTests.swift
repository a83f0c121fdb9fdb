import Foundation
import TestSupport
import Testing

@testable import KafkaWire

@Suite(.serialized) struct BrokerBasicsTests {
    @Test func negotiatesVersionsAndReadsMetadata() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await kafkaPeer(["create-topic", broker.bootstrap, "orders", "3"])
        let c = try client(broker.bootstrap)
        let m = try await c.refreshMetadata()
        #expect(m.brokers.count == 1)
        let b = try #require(m.brokers.values.first)
        #expect(b.host == "127.0.0.1" && b.port == broker.port)
        let topic = try #require(m.topics["orders"])
        #expect(topic.partitions.count == 3)
        #expect(topic.partitions.values.allSatisfy { $0.leader == b.id })
        let conn = try await c.connection(to: b.id)
        #expect(conn.supportedVersions[MetadataRequest.apiKey] != nil)
        #expect(try conn.version(for: MetadataRequest.self) >= 1)
        await c.close()
    }

    @Test func listOffsetsEarliestAndLatest() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await kafkaPeer(["create-topic", broker.bootstrap, "events", "2"])
        // One record per batch: Tansu's high watermark is wrong after multi-record batches.
        try await kafkaPeer(["produce", broker.bootstrap, "events", "7", "--partitions", "2"])
        let c = try client(broker.bootstrap)
        let tps = [TopicPartition("events", 0), TopicPartition("events", 1)]
        let latest = await c.listOffsets(tps, spec: .latest)
        #expect(try latest[tps[0]]?.get().offset == 4)
        #expect(try latest[tps[1]]?.get().offset == 3)
        let earliest = await c.listOffsets(tps, spec: .earliest)
        #expect(try earliest[tps[0]]?.get().offset == 0)
        let missing = await c.listOffsets([TopicPartition("nope", 0)], spec: .latest)
        #expect(throws: KafkaResponseError.self) { try missing[TopicPartition("nope", 0)]?.get() }
        await c.close()
    }

    @Test(arguments: ["none", "gzip", "snappy", "lz4", "zstd"])
    func fetchesRecordsOfEveryCodec(codec: String) async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await kafkaPeer(["create-topic", broker.bootstrap, "c", "1"])
        try await kafkaPeer([
            "produce", broker.bootstrap, "c", "20", "--compression", codec, "--value-size", "200", "--batch",
        ])
        let c = try client(broker.bootstrap)
        let tp = TopicPartition("c", 0)
        var records: [Record] = []
        var next: Int64 = 0
        // Read until all 20 records arrived (the broker may return them over several fetches).
        for _ in 0..<10 where records.count < 20 {
            let fetched = try #require(await c.fetch([tp: next])[tp]).get()
            let decoded = fetched.decode(readCommitted: true)
            #expect(decoded.errors.isEmpty, "\(decoded.errors)")
            for batch in decoded.batches {
                if codec != "none" { #expect(batch.codec.description == codec) }
                records += batch.records
            }
            if let n = decoded.nextOffset { next = n }
        }
        #expect(records.count == 20)
        for (i, r) in records.enumerated() {
            #expect(r.offset == Int64(i))
            #expect(r.key.map { String(decoding: $0, as: UTF8.self) } == "k\(i)")
            #expect(r.value.map { String(decoding: $0.prefix(12), as: UTF8.self) }?.hasPrefix("value-\(i)-") == true)
            #expect(r.value?.count == "value-\(i)-".utf8.count + 200)
            #expect(r.headers.first?.key == "h")
        }
        await c.close()
    }

    @Test func transactionalCommitVisibleAbortHidden() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await kafkaPeer(["create-topic", broker.bootstrap, "tx", "1"])
        try await kafkaPeer(["produce", broker.bootstrap, "tx", "3", "--transactional", "commit", "--key-prefix", "c"])
        try await kafkaPeer(["produce", broker.bootstrap, "tx", "2", "--transactional", "abort", "--key-prefix", "a"])
        let c = try client(broker.bootstrap)
        let tp = TopicPartition("tx", 0)
        let fetched = try #require(await c.fetch([tp: 0], isolation: .readCommitted)[tp]).get()
        let decoded = fetched.decode(readCommitted: true)
        let keys = decoded.batches.flatMap(\.records).compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }
        #expect(keys == ["c0", "c1", "c2"])
        #expect(decoded.batches.allSatisfy { !$0.isControl })
        await c.close()
    }

    @Test func consumerGroupsOffsetsAndDescribe() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await kafkaPeer(["create-topic", broker.bootstrap, "g", "2"])
        try await kafkaPeer(["produce", broker.bootstrap, "g", "4", "--partitions", "2"])
        try await kafkaPeer(["commit", broker.bootstrap, "billing", "g", "0", "1"])
        try await kafkaPeer(["commit", broker.bootstrap, "billing", "g", "1", "2"])
        let c = try client(broker.bootstrap)
        let (groups, failures) = try await c.listGroups()
        #expect(failures.isEmpty)
        #expect(groups.map(\.groupId).contains("billing"))
        let committed = try await c.committedOffsets(of: "billing")
        #expect(committed == [TopicPartition("g", 0): 1, TopicPartition("g", 1): 2])
        let described = try await c.describeGroup("billing")
        #expect(described.groupId == "billing")
        #expect(described.members.isEmpty)
        await c.close()
    }

    @Test func manyGroupsInBatches() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await kafkaPeer(["create-topic", broker.bootstrap, "m", "1"])
        try await kafkaPeer(["produce", broker.bootstrap, "m", "9"])
        for (i, g) in ["a", "b", "c"].enumerated() {
            try await kafkaPeer(["commit", broker.bootstrap, g, "m", "0", String(i + 1)])
        }
        let c = try client(broker.bootstrap)
        // Batches of two: two OffsetFetch requests (v8+ carries many groups), one per batch.
        let offsets = await c.committedOffsets(ofGroups: ["a", "b", "c", "never-committed"], batchSize: 2)
        #expect(try offsets["a"]?.get() == [TopicPartition("m", 0): 1])
        #expect(try offsets["b"]?.get() == [TopicPartition("m", 0): 2])
        #expect(try offsets["c"]?.get() == [TopicPartition("m", 0): 3])
        #expect(try offsets["never-committed"]?.get() == [:])
        let described = await c.describeGroups(["a", "b", "c"], batchSize: 2)
        #expect(Set(described.keys) == ["a", "b", "c"])
        #expect(try described["b"]?.get().groupId == "b")
        await c.close()
    }
}

import Dispatch
import Foundation
import KafkaWire
import Testing

@testable import LagExporter

/// A scrape evaluates Burrow's rules for every group; at 60,000 partitions that takes hundreds of
/// milliseconds. Ingest (offsets-topic records, log-end samples) and the Burrow API must not wait
/// for it, or the exporter falls behind the topic it reads while Prometheus scrapes.
@Suite struct ScrapeSnapshotTests {
    typealias T = LagStoreTests

    /// Ingest writes while a scrape is in the middle of evaluating (inside its per-group
    /// callback). When evaluation held the store's lock, the write waited for the scrape, which
    /// waited for the write: the 10 s wait below ran out.
    @Test func ingestIsNotBlockedWhileAScrapeEvaluates() throws {
        let s = try T.store()
        s.applyMetadata(topicPartitions: ["t": 4])
        s.addLogEnds((0..<4).reduce(into: [:]) { $0[TopicPartition("t", $1)] = 100 }, now: T.now - 5000)
        T.feed(s, ["a", "b", "c"].map { T.commit($0, "t", 0, 50, at: T.now - 4000) })

        var seen: [String] = []
        var ingestFinished = false
        _ = s.forEachGroup(s.snapshot(), now: T.now) { group in
            seen.append(group.name)
            guard group.name == "a" else { return }
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                T.feed(s, [T.commit("new", "t", 1, 70, at: T.now - 1000)], from: 100)
                s.addLogEnds([TopicPartition("t", 1): 120], now: T.now)
                done.signal()
            }
            ingestFinished = done.wait(timeout: .now() + 10) == .success
        }
        #expect(ingestFinished, "ingest waited for the scrape")
        // The scrape saw the state of its start; the next one sees the write.
        #expect(seen == ["a", "b", "c"])
        let next = s.view(now: T.now)
        #expect(next.groups.map(\.name) == ["a", "b", "c", "new"])
        #expect(next.groups.last?.partitions.first?.committed.offset == 70)
        #expect(next.partitions[TopicPartition("t", 1)]?.logEnd == 120)
    }

    /// The snapshot is a value: ingest after it changes neither its groups nor their rings.
    @Test func aSnapshotIsNotChangedByLaterIngest() throws {
        let s = try T.store()
        s.applyMetadata(topicPartitions: ["t": 1])
        s.addLogEnds([TopicPartition("t", 0): 100], now: T.now - 5000)
        T.feed(s, [T.commit("g", "t", 0, 10, at: T.now - 4000)])
        let before = s.snapshot()
        T.feed(s, [T.commit("g", "t", 0, 90, at: T.now - 1000)], from: 10)
        s.addLogEnds([TopicPartition("t", 0): 200], now: T.now)
        s.expire(now: T.now + 100 * 86_400_000)  // everything expires in the live store
        let g = try #require(before.groups["g"]?.partitions[TopicPartition("t", 0)])
        #expect(g.commits.map(\.offset) == [10])
        #expect(before.partitions[TopicPartition("t", 0)]?.logEnd.newest?.offset == 100)
        #expect(s.snapshot().groups.isEmpty)
    }
}

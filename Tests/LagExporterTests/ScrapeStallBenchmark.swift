import ExporterKit
import Foundation
import KafkaWire
import Synchronization
import Testing

@testable import LagExporter

/// How long ingest waits while a scrape builds the metrics of 60,000 partitions, with the
/// evaluation under the store's lock (the previous design, reproduced here by holding the lock
/// around it) and from a snapshot (now). A benchmark, not a test: it prints figures and asserts
/// nothing about time. Run it with
///   LAG_STALL_BENCH=1 swift test --filter ScrapeStallBenchmark
/// (add `-c release` for release figures).
@Suite struct ScrapeStallBenchmark {
    typealias T = LagStoreTests
    static let enabled = ProcessInfo.processInfo.environment["LAG_STALL_BENCH"] == "1"

    @Test(.enabled(if: enabled, "set LAG_STALL_BENCH=1 to run this benchmark"))
    func ingestStallDuringA60kPartitionScrape() throws {
        let groups = 600
        let perGroup = 100  // 600 groups x 100 partitions (one topic each) = 60,000 partitions
        let s = try T.store()
        var topics: [String: Int] = [:]
        for g in 0..<groups { topics["topic-\(g)"] = perGroup }
        s.applyMetadata(topicPartitions: topics)
        for round in 0..<10 {
            let t = T.now - Int64(10 - round) * 60_000
            var ends: [TopicPartition: Int64] = [:]
            for g in 0..<groups {
                for p in 0..<perGroup { ends[TopicPartition("topic-\(g)", Int32(p))] = Int64(round * 1000 + 900) }
            }
            s.addLogEnds(ends, now: t)
            var records: [OffsetsRecord] = []
            for g in 0..<groups {
                for p in 0..<perGroup {
                    records.append(T.commit("group-\(g)", "topic-\(g)", Int32(p), Int64(round * 1000), at: t))
                }
            }
            T.feed(s, records, from: Int64(round * groups * perGroup))
        }

        for design in ["evaluation under the lock (before)", "snapshot, evaluation outside the lock (now)"] {
            let underLock = design.hasPrefix("evaluation under")
            let stop = Atomic<Bool>(false)
            let longest = Mutex<(Duration, Int)>((.zero, 0))
            let ingest = Thread {
                let clock = ContinuousClock()
                var order: Int64 = 10_000_000
                var calls = 0
                var worst = Duration.zero
                while !stop.load(ordering: .relaxed) {
                    let started = clock.now
                    order += 1
                    T.feed(s, [T.commit("group-1", "topic-1", 0, 20_000 + order, at: T.now)], from: order)
                    worst = max(worst, clock.now - started)
                    calls += 1
                }
                longest.withLock { $0 = (worst, calls) }
            }
            ingest.start()
            Thread.sleep(forTimeInterval: 0.2)
            let clock = ContinuousClock()
            let started = clock.now
            var series = 0
            let families: [MetricFamily]
            if underLock {
                families = try s.state.withLock { state in
                    var view = s.header(state)
                    _ = s.forEachGroup(state, now: T.now) { view.groups.append($0) }
                    return try LagMetrics.families([(view, s.config)])
                }
            } else {
                families = try LagMetrics.families(stores: [s], now: T.now)
            }
            series = families.reduce(0) { $0 + $1.samples.count }
            let scrape = clock.now - started
            Thread.sleep(forTimeInterval: 0.2)
            stop.store(true, ordering: .relaxed)
            while longest.withLock({ $0.1 }) == 0 { Thread.sleep(forTimeInterval: 0.01) }
            let (worst, calls) = longest.withLock { $0 }
            print(
                "scrape-stall: \(design): scrape \(scrape.milliseconds) ms (\(series) series), "
                    + "longest ingest call \(worst.milliseconds) ms over \(calls) calls")
        }
    }
}

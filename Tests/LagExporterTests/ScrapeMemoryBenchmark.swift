import Foundation
import KafkaWire
import Logging
import Testing

@testable import ExporterKit
@testable import LagExporter

/// Memory of a lag-exporter scrape against the steady memory of the store it reads, at 60,000
/// and 240,000 tracked partitions (groups of 100 partitions, 10 commits and log-end samples per
/// partition: full Burrow windows). A benchmark, not a test: it prints figures and asserts
/// nothing about them. Run it with
///   LAG_MEMORY_BENCH=1 swift test --filter ScrapeMemoryBenchmark
/// Peak is the process's VmHWM, reset (`/proc/self/clear_refs`) right before each scrape.
@Suite(.serialized) struct ScrapeMemoryBenchmark {
    typealias T = LagStoreTests
    static let enabled = ProcessInfo.processInfo.environment["LAG_MEMORY_BENCH"] == "1"

    struct StoreCollector: Collector {
        let name = "lag"
        let store: LagStore
        func collect() async throws -> [MetricFamily] { try await collectOutput().materialized() }
        func collectOutput() async throws -> CollectorOutput {
            LagMetrics.output(LagScrape(stores: [store], now: T.now))
        }
    }

    @Test(.enabled(if: enabled, "set LAG_MEMORY_BENCH=1 to run this benchmark"), arguments: [60_000, 240_000])
    func scrapePeakAgainstSteadyMemory(partitions: Int) async throws {
        let perGroup = 100
        let groups = partitions / perGroup
        trim()
        let base = Self.status("VmRSS")
        var store: LagStore? = try Self.fill(groups: groups, perGroup: perGroup)
        let runner = ScrapeRunner(
            namespace: "kafka_lag", collectors: [StoreCollector(store: store!)], logger: Logger(label: "bench"))
        _ = await scrape(runner, gzip: true)  // first-use allocations out of the way
        trim()
        let steady = Self.status("VmRSS")
        print(
            "scrape-memory: \(partitions) partitions: steady RSS \(mb(steady)) (process before the store \(mb(base))), "
                + "\((steady - base) / partitions) bytes per tracked partition")
        for path in [
            "streamed, gzip (Prometheus)", "streamed, identity (curl)", "held model, then gzip (previous path)",
        ] {
            trim()
            Self.resetPeak()
            let before = Self.status("VmRSS")
            let bytes: Int
            switch path {
            case "streamed, gzip (Prometheus)": bytes = await scrape(runner, gzip: true)
            case "streamed, identity (curl)": bytes = await scrape(runner, gzip: false)
            default: bytes = try await held(runner)
            }
            let peak = Self.status("VmHWM")
            print(
                "scrape-memory: \(partitions) partitions: \(path): body \(bytes) bytes, peak RSS \(mb(peak)) = "
                    + String(format: "%.2f", Double(peak) / Double(before)) + "x the steady \(mb(before))")
        }
        store = nil
        trim()
    }

    /// What ExporterRoutes does: encode into a gzip stream family by family, or into one buffer.
    private func scrape(_ runner: ScrapeRunner, gzip: Bool) async -> Int {
        var scrape = await runner.scrape(timeout: .seconds(600))
        return scrape.body(format: .text004, gzip: gzip).body.readableBytes
    }

    /// Every sample held before encoding, then the whole text, then its gzip.
    private func held(_ runner: ScrapeRunner) async throws -> Int {
        let families = await runner.gather(timeout: .seconds(600))
        let body = try ExpositionEncoder.encodeBuffer(families, format: .text004)
        return Gzip.compress(body)?.readableBytes ?? -1
    }

    static func fill(groups: Int, perGroup: Int) throws -> LagStore {
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
            for g in 0..<groups {
                let records = (0..<perGroup).map {
                    T.commit("group-\(g)", "topic-\(g)", Int32($0), Int64(round * 1000), at: t)
                }
                T.feed(s, records, from: Int64((round * groups + g) * perGroup))
            }
        }
        return s
    }

    /// A field of /proc/self/status in bytes.
    static func status(_ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
            return (kb ?? 0) * 1024
        }
        return 0
    }

    /// VmHWM back to the current RSS (Linux >= 4.0).
    static func resetPeak() {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return }
        _ = write(fd, "5", 1)
        close(fd)
    }

    private func trim() { MemoryTrim.trimNow() }

    private func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
}

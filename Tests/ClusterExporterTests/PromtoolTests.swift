import ExporterKit
import Foundation
import TestSupport
import Testing

@testable import ClusterExporter

/// Runs `promtool check metrics` on exposition text; lint findings fail the test.
func checkWithPromtool(_ text: String) async throws {
    let r = try await offPool {
        try runToolStatus("/usr/bin/promtool", ["check", "metrics"], stdin: text, timeout: 30)
    }
    #expect(r.status == 0, "promtool: \(r.output)\n\(text)")
    #expect(r.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool: \(r.output)")
}

@Suite struct PromtoolTests {
    @Test func everyFamilyPassesPromtool() async throws {
        var s = ClusterSnapshot(cluster: "c1", up: true)
        s.seconds = 0.25
        s.health = ClusterHealth(
            brokers: 2, controllerId: 1, mode: .zookeeper,
            partitions: [.init(topic: "a", leader: 1, replicas: [1, 2], isr: [1])], minISR: ["a": 2])
        s.requests = [
            .init(broker: nil, api: "Metadata", success: true, seconds: 0.01),
            .init(broker: "1", api: "DescribeLogDirs", success: true, seconds: 0.02),
            .init(broker: "2", api: "DescribeLogDirs", success: false, seconds: 0.03),
        ]
        var d = LogDirReport(
            broker: "1", logDir: "/data/\"x\"", online: true, totalBytes: 100, usableBytes: 50, usedBytes: 20)
        d.topicBytes = ["a": 20]
        s.logDirs = [d, LogDirReport(broker: "1", logDir: "/data/y", online: false)]
        let families = ClusterMetrics.families([s, ClusterSnapshot(cluster: "c2", up: false)])
        for format in [ExpositionFormat.text004] {
            try await checkWithPromtool(try ExpositionEncoder.encodeString(families, format: format))
        }
        #expect(families.count >= 20)
    }
}

import ExporterKit
import Foundation
import TestSupport
import Testing

@testable import ClusterExporter

@Suite struct ReloadTests {
    @Test func validFileSwapsClustersInvalidKeepsThem() async throws {
        let dir = try temporaryDirectory("ce-reload")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/c.yml"
        try writeFile(path, "clusters:\n  - name: a\n    bootstrap: [127.0.0.1:1]\n")
        let set = try ClusterSet(path: path, logger: recordingLogger().0)
        let first = set.current
        #expect(first.map(\.config.name) == ["a"])

        try writeFile(
            path, "clusters:\n  - name: a\n    bootstrap: [127.0.0.1:1]\n  - name: b\n    bootstrap: [127.0.0.1:2]\n")
        #expect((try? await set.reload().get()) != nil)
        #expect(set.current.map(\.config.name) == ["a", "b"])
        #expect(set.current[0] !== first[0], "a reload builds new clients")

        try writeFile(path, "clusters:\n  - name: a\n    bootstrap: [127.0.0.1:1]\n    bogus: 1\n")
        guard case .failure(let e) = await set.reload() else {
            Issue.record("invalid config accepted")
            return
        }
        #expect("\(e)".contains("clusters[0].bogus"))
        #expect(set.current.map(\.config.name) == ["a", "b"], "the running config is kept")
        await set.closeAll()
    }
}

@Suite struct ServeEndToEndTests {
    @Test func binaryServesMetricsThatPassPromtool() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await broker.createTopic("events", partitions: 4)
        let dir = try temporaryDirectory("ce-e2e")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(dir + "/c.yml", "clusters:\n  - name: e2e\n    bootstrap: [\(broker.bootstrap)]\n")
        let port = try freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try exporterBinary())
        p.arguments = ["--config.file", dir + "/c.yml", "--web.listen-address", "127.0.0.1:\(port)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { stopProcess(p, signal: SIGTERM) }
        try await offPool { try waitForPort(port, timeout: 10) }
        let text = try await offPool { try runTool("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/metrics"]) }
        #expect(text.contains("kafka_cluster_up{cluster=\"e2e\"} 1"), "\(text)")
        #expect(text.contains("kafka_cluster_topic_partitions{cluster=\"e2e\",topic=\"events\"} 4"))
        #expect(text.contains("kafka_cluster_broker_request_success{api=\"DescribeLogDirs\""))
        try await checkWithPromtool(text)
    }
}

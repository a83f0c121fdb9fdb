import ExporterKit
import Foundation
import TestSupport
import Testing

@testable import ClusterExporter

@Suite struct SidecarTests {
    /// Creates `<dir>/<partition>/<file>` with `size` bytes each.
    func makeFiles(_ dir: String, _ files: [(String, String, Int)]) throws {
        for (partition, file, size) in files {
            try FileManager.default.createDirectory(atPath: dir + "/" + partition, withIntermediateDirectories: true)
            let path = dir + "/" + partition + "/" + file
            guard FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x61, count: size)) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
    }

    @Test func usedBytesAndTopicSizesFromRealFiles() throws {
        let root = try temporaryDirectory("ce-sidecar")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = root + "/a"
        let b = root + "/b"
        try makeFiles(
            a,
            [
                ("orders-0", "00000000000000000000.log", 1000), ("orders-0", "00000000000000000000.index", 24),
                ("orders-1", "00000000000000000000.log", 3000), ("logs-0", "00000000000000000000.log", 500),
                ("orders-2.abc-future", "00000000000000000000.log", 77),
            ])
        try makeFiles(b, [("logs-1", "00000000000000000000.log", 4096)])
        try writeFile(a + "/meta.properties", "version=1\n")  // top-level files are not partitions
        let reports = SidecarLogDirs.read(broker: "1", dirs: [a, b, root + "/missing"])
        #expect(reports[0].usedBytes == Int64(4601))
        #expect(reports[0].topicBytes == ["orders": 4024, "logs": 500])
        #expect(reports[1].usedBytes == 4096)
        #expect(reports[2].online == false && reports[2].totalBytes == nil)
        // Same filesystem: counted once in the totals.
        #expect(reports[0].device == reports[1].device)
        let t = VolumeTotals.broker(reports)
        #expect(t.volumes == 1)
        #expect(t.totalBytes == reports[0].totalBytes)
        #expect(t.usedBytes == Int64(4601 + 4096), "the offline dir adds nothing")
    }

    @Test func statvfsMatchesDf() async throws {
        let root = try temporaryDirectory("ce-df")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = SidecarLogDirs.read(broker: "1", dir: root)
        let out = try await offPool { try runTool("/usr/bin/df", ["-B1", "--output=size,avail", root]) }
        let numbers = out.split(whereSeparator: \.isNewline).last!.split(separator: " ").compactMap { Int64($0) }
        try #require(numbers.count == 2, "df printed \(out)")
        #expect(r.totalBytes == numbers[0])
        let usable = try #require(r.usableBytes)
        #expect(abs(usable - numbers[1]) <= 64 << 20, "usable \(usable) vs df avail \(numbers[1])")
    }

    @Test func logDirsFromServerProperties() async throws {
        let root = try temporaryDirectory("ce-props")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try makeFiles(root + "/d1", [("t-0", "x.log", 10)])
        try makeFiles(root + "/d2", [("t-1", "x.log", 20)])
        try writeFile(root + "/server.properties", "node.id=7\nlog.dirs=\(root)/d1,\(root)/d2\n")
        let props = try ServerProperties.load(path: root + "/server.properties")
        let reports = SidecarLogDirs.read(broker: props.brokerId!, dirs: props.logDirs)
        let families = ClusterMetrics.families([snapshot(reports)])
        #expect(value(families, "kafka_cluster_log_dir_used_bytes", ["broker": "7", "log_dir": root + "/d1"]) == 10)
        #expect(value(families, "kafka_cluster_broker_log_dirs_used_bytes", ["broker": "7"]) == 30)
        #expect(value(families, "kafka_cluster_broker_volumes", ["broker": "7"]) == 1)
        #expect(value(families, "kafka_cluster_topic_size_bytes", ["topic": "t"]) == 30)
    }
}

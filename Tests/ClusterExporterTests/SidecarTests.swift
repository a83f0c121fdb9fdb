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
        #expect(reports[0].futureReplicas == 1)
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

    @Test func partitionDirNamesAsKafkaWritesThem() {
        typealias N = PartitionDirName
        let id = "1b4e28ba2fa1416f8a4b3c5e2d7f9a01"  // Kafka: a UUID without its dashes
        let cases: [(String, N?)] = [
            ("com.acme.orders-0", N(topic: "com.acme.orders", partition: 0, kind: .live)),
            ("my-topic-12", N(topic: "my-topic", partition: 12, kind: .live)),
            ("my_topic-3", N(topic: "my_topic", partition: 3, kind: .live)),
            ("a-b.c_d-7", N(topic: "a-b.c_d", partition: 7, kind: .live)),
            ("__consumer_offsets-49", N(topic: "__consumer_offsets", partition: 49, kind: .live)),
            // Topics whose names end like a suffix are still live dirs: the name ends in -<partition>.
            ("x-delete-0", N(topic: "x-delete", partition: 0, kind: .live)),
            ("y.future-1", N(topic: "y.future", partition: 1, kind: .live)),
            ("com.acme.orders-0.\(id)-future", N(topic: "com.acme.orders", partition: 0, kind: .future)),
            ("com.acme.orders-2.\(id)-delete", N(topic: "com.acme.orders", partition: 2, kind: .delete)),
            ("my-topic-3.\(id)-stray", N(topic: "my-topic", partition: 3, kind: .stray)),
            ("my_topic-10.\(id)-delete", N(topic: "my_topic", partition: 10, kind: .delete)),
            // Not partition directories.
            ("lost+found", nil), ("orders", nil), ("orders-", nil), ("-0", nil), ("orders-x", nil),
            ("orders-0-delete", nil), ("orders-0.-delete", nil), ("orders-+1", nil), ("meta.properties", nil),
        ]
        for (name, expected) in cases {
            #expect(N(name) == expected, "\(name)")
        }
    }

    @Test func dottedDashedAndUnderscoredTopicsAndSuffixedDirs() throws {
        let root = try temporaryDirectory("ce-names")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let id = "0f9e8d7c6b5a49382716a5b4c3d2e1f0"
        try makeFiles(
            root,
            [
                ("com.acme.orders-0", "00000000000000000000.log", 100),
                ("com.acme.orders-1", "00000000000000000000.log", 200),
                ("my-topic-0", "00000000000000000000.log", 30),
                ("my_topic-0", "00000000000000000000.log", 4),
                ("com.acme.orders-2.\(id)-future", "00000000000000000000.log", 5000),
                ("com.acme.old-0.\(id)-delete", "00000000000000000000.log", 60000),
                ("my-topic-1.\(id)-stray", "00000000000000000000.log", 700_000),
                ("lost+found", "x", 8_000_000),
            ])
        let report = SidecarLogDirs.read(broker: "1", dir: root)
        // Every partition directory fills the volume (lost+found is none); only live replicas
        // count toward their topic.
        #expect(report.usedBytes == 765_334)
        #expect(report.topicBytes == ["com.acme.orders": 300, "my-topic": 30, "my_topic": 4])
        #expect(report.futureReplicas == 1)
        let families = ClusterMetrics.families([snapshot([report])])
        #expect(value(families, "kafka_cluster_topic_size_bytes", ["topic": "com.acme.orders"]) == 300)
        #expect(value(families, "kafka_cluster_topic_size_bytes", ["topic": "com.acme.old"]) == nil)
        #expect(value(families, "kafka_cluster_log_dir_future_replicas", ["broker": "1"]) == 1)
    }
}

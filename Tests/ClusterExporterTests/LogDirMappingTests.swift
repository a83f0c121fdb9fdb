import ExporterKit
import KafkaWire
import Testing

@testable import ClusterExporter

typealias Result_ = DescribeLogDirsResponse.DescribeLogDirsResult
typealias Topic_ = DescribeLogDirsResponse.DescribeLogDirsTopic
typealias Partition_ = DescribeLogDirsResponse.DescribeLogDirsPartition

/// A response as a broker would send it, passed through the wire codec at `version`.
func wireResponse(_ results: [Result_], version: Int16) throws -> DescribeLogDirsResponse {
    var w = KafkaWriter()
    try DescribeLogDirsResponse(results: results).encode(into: &w, version: version)
    var r = KafkaReader(w.bytes)
    return try DescribeLogDirsResponse(from: &r, version: version)
}

@Suite struct LogDirMappingTests {
    static let dirs: [Result_] = [
        Result_(
            logDir: "/data/a",
            topics: [
                Topic_(
                    name: "orders",
                    partitions: [
                        Partition_(partitionIndex: 0, partitionSize: 1000),
                        Partition_(partitionIndex: 1, partitionSize: 500),
                    ]),
                Topic_(
                    name: "logs",
                    partitions: [
                        Partition_(partitionIndex: 0, partitionSize: 200),
                        Partition_(partitionIndex: 1, partitionSize: 50, isFutureKey: true),
                    ]),
            ], totalBytes: 10_000, usableBytes: 4_000),
        Result_(errorCode: 57, logDir: "/data/b", totalBytes: 10_000, usableBytes: 4_000),  // KAFKA_STORAGE_ERROR
        Result_(logDir: "/data/c", topics: [Topic_(name: "orders", partitions: [Partition_(partitionSize: 7)])]),
    ]

    @Test(arguments: [Int16(1), 2, 3])
    func beforeV4TotalsAreAbsent(version: Int16) throws {
        let response = try wireResponse(Self.dirs, version: version)
        let reports = LogDirMapping.reports(broker: "1", response: response, topicDetail: true)
        #expect(reports.map(\.logDir) == ["/data/a", "/data/b", "/data/c"])
        #expect(reports.allSatisfy { $0.totalBytes == nil && $0.usableBytes == nil })
        #expect(reports.map(\.online) == [true, false, true])
        #expect(reports[0].usedBytes == 1750)
        #expect(reports[0].topicBytes == ["orders": 1500, "logs": 200])
        #expect(reports[0].futureReplicas == 1)
        #expect(reports[1].usedBytes == nil)
        #expect(reports[2].usedBytes == 7)
        let families = ClusterMetrics.families([snapshot(reports)])
        #expect(family(families, "kafka_cluster_log_dir_total_bytes") == nil)
        #expect(family(families, "kafka_cluster_broker_volume_total_bytes") == nil)
        #expect(value(families, "kafka_cluster_log_dir_online", ["log_dir": "/data/b"]) == 0)
        #expect(value(families, "kafka_cluster_broker_log_dirs_used_bytes", ["broker": "1"]) == 1757)
        #expect(value(families, "kafka_cluster_topic_size_bytes", ["topic": "orders"]) == 1507)
    }

    @Test(arguments: [Int16(4), 5])
    func v4TotalsMinusOneMeansUnknown(version: Int16) throws {
        let response = try wireResponse(Self.dirs, version: version)
        let reports = LogDirMapping.reports(broker: "1", response: response, topicDetail: true)
        #expect(reports[0].totalBytes == 10_000)
        #expect(reports[0].usableBytes == 4_000)
        #expect(reports[1].totalBytes == nil, "offline dir: totals not trusted")
        #expect(reports[2].totalBytes == nil && reports[2].usableBytes == nil, "-1 from the broker")
        let families = ClusterMetrics.families([snapshot(reports)])
        let totals = family(families, "kafka_cluster_log_dir_total_bytes")
        #expect(totals?.samples.count == 1)
        #expect(!families.flatMap(\.samples).contains { $0.value == -1 && $0.labels.contains { $0.name == "log_dir" } })
        #expect(value(families, "kafka_cluster_volume_total_bytes", [:]) == 10_000)
    }

    @Test(arguments: [Int16(4), 5])
    func cordonedFromVersion5(version: Int16) throws {
        let response = try wireResponse(
            [
                Result_(logDir: "/a", totalBytes: 100, usableBytes: 40, isCordoned: true),
                Result_(logDir: "/b", totalBytes: 100, usableBytes: 40),
            ], version: version)
        let reports = LogDirMapping.reports(broker: "1", response: response, topicDetail: false, version: version)
        let families = ClusterMetrics.families([snapshot(reports)])
        if version >= 5 {
            #expect(reports.map(\.cordoned) == [true, false])
            #expect(value(families, "kafka_cluster_log_dir_cordoned", ["log_dir": "/a"]) == 1)
            #expect(value(families, "kafka_cluster_log_dir_cordoned", ["log_dir": "/b"]) == 0)
        } else {
            // v4 has no such field: unknown, so no series (not a false 0).
            #expect(reports.allSatisfy { $0.cordoned == nil })
            #expect(family(families, "kafka_cluster_log_dir_cordoned") == nil)
        }
    }

    @Test func dirOnlyRequestLeavesUsedUnknown() throws {
        let response = try wireResponse(
            [Result_(logDir: "/d", totalBytes: 100, usableBytes: 40)], version: 4)
        let reports = LogDirMapping.reports(broker: "2", response: response, topicDetail: false)
        #expect(reports[0].usedBytes == nil)
        let families = ClusterMetrics.families([snapshot(reports)])
        #expect(family(families, "kafka_cluster_log_dir_used_bytes") == nil)
        #expect(family(families, "kafka_cluster_log_dirs_used_bytes") == nil)
        #expect(value(families, "kafka_cluster_log_dir_usable_bytes", ["broker": "2"]) == 40)
    }

    @Test func manyTopics() throws {
        let topics = (0..<300).map { i in
            Topic_(name: "t\(i)", partitions: (0..<4).map { Partition_(partitionIndex: $0, partitionSize: Int64(i)) })
        }
        let response = try wireResponse(
            [Result_(logDir: "/d", topics: topics, totalBytes: 1, usableBytes: 1)], version: 4)
        let r = LogDirMapping.reports(broker: "1", response: response, topicDetail: true)[0]
        #expect(r.usedBytes == Int64((0..<300).reduce(0, +) * 4))
        #expect(r.topicBytes.count == 300)
    }
}

func snapshot(_ dirs: [LogDirReport], cluster: String = "c1") -> ClusterSnapshot {
    var s = ClusterSnapshot(cluster: cluster, up: true)
    s.logDirs = dirs
    return s
}

func family(_ families: [MetricFamily], _ name: String) -> MetricFamily? {
    families.first { $0.name == name }
}

/// The value of the one sample of `name` whose labels include `labels`.
func value(_ families: [MetricFamily], _ name: String, _ labels: [String: String]) -> Double? {
    let matching = family(families, name)?.samples.filter { s in
        labels.allSatisfy { k, v in s.labels.contains(Label(k, v)) }
    }
    guard let matching, matching.count == 1 else { return nil }
    return matching[0].value
}

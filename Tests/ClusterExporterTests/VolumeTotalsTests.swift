import Testing

@testable import ClusterExporter

@Suite struct VolumeTotalsTests {
    func dir(
        _ broker: String, _ path: String, _ total: Int64?, _ usable: Int64?, used: Int64? = nil, device: UInt64? = nil,
        online: Bool = true
    ) -> LogDirReport {
        LogDirReport(
            broker: broker, logDir: path, online: online, totalBytes: total, usableBytes: usable, usedBytes: used,
            device: device)
    }

    @Test func identicalTotalsOnOneBrokerCountOnce() {
        let t = VolumeTotals.broker([dir("1", "/a", 1000, 300, used: 10), dir("1", "/b", 1000, 300, used: 20)])
        #expect(t.totalBytes == 1000)
        #expect(t.usableBytes == 300)
        #expect(t.volumes == 1)
        #expect(t.usedBytes == 30, "used bytes are per dir and always summed")
    }

    @Test func differentUsableMeansDifferentVolumes() {
        let t = VolumeTotals.broker([dir("1", "/a", 1000, 300), dir("1", "/b", 1000, 301)])
        #expect(t.totalBytes == 2000)
        #expect(t.volumes == 2)
    }

    @Test func brokersAreNeverMerged() {
        let (brokers, cluster) = VolumeTotals.compute([
            dir("1", "/a", 1000, 300), dir("1", "/b", 1000, 300), dir("2", "/a", 1000, 300),
        ])
        #expect(brokers["1"]?.totalBytes == 1000)
        #expect(brokers["2"]?.totalBytes == 1000)
        #expect(cluster.totalBytes == 2000)
        #expect(cluster.usableBytes == 600)
        #expect(cluster.volumes == 2)
        #expect(cluster.usedBytes == nil, "no dir reported used bytes")
    }

    @Test func knownDeviceWinsOverNumbers() {
        // Same device, numbers differ (measured at different instants): one volume.
        let same = VolumeTotals.broker([dir("1", "/a", 1000, 300, device: 7), dir("1", "/b", 1000, 299, device: 7)])
        #expect(same.volumes == 1)
        #expect(same.totalBytes == 1000)
        // Different devices, identical numbers (two equal disks): two volumes.
        let twins = VolumeTotals.broker([dir("1", "/a", 1000, 300, device: 7), dir("1", "/b", 1000, 300, device: 8)])
        #expect(twins.volumes == 2)
        #expect(twins.totalBytes == 2000)
    }

    @Test func offlineAndUnknownDirsDoNotCount() {
        let t = VolumeTotals.broker([
            dir("1", "/a", 1000, 300), dir("1", "/b", 5000, 100, online: false), dir("1", "/c", nil, nil),
        ])
        #expect(t.totalBytes == 1000)
        #expect(t.volumes == 1)
        let none = VolumeTotals.broker([dir("1", "/c", nil, nil)])
        #expect(none.totalBytes == nil && none.usableBytes == nil)
    }

    @Test func metricsUseTheRule() {
        let families = ClusterMetrics.families([
            snapshot([
                dir("1", "/a", 1000, 300, used: 1), dir("1", "/b", 1000, 300, used: 2),
                dir("2", "/a", 800, 100, used: 3),
            ])
        ])
        #expect(value(families, "kafka_cluster_broker_volume_total_bytes", ["broker": "1"]) == 1000)
        #expect(value(families, "kafka_cluster_broker_volumes", ["broker": "1"]) == 1)
        #expect(value(families, "kafka_cluster_volume_total_bytes", [:]) == 1800)
        #expect(value(families, "kafka_cluster_volume_usable_bytes", [:]) == 400)
        #expect(value(families, "kafka_cluster_log_dirs_used_bytes", [:]) == 6)
        #expect(family(families, "kafka_cluster_log_dir_total_bytes")?.samples.count == 3)
    }
}

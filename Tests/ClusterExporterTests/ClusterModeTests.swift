import ExporterKit
import KafkaWire
import TestSupport
import Testing

@testable import ClusterExporter

/// Mode detection from ApiVersions answers built from Kafka's spec (ApiVersionsResponse.json),
/// and what the mode does to the controller series.
@Suite struct ClusterModeTests {
    /// A v3+ body: the API keys (key, min, max), then the tagged fields.
    func flexibleAnswer(
        keys: [(Int16, Int16, Int16)], supported: [(String, Int16, Int16)], epoch: Int64,
        finalized: [(String, Int16, Int16)]
    ) -> [UInt8] {
        build { b in
            b.i16(0)  // ErrorCode
            b.ccount(keys.count)
            for (key, low, high) in keys {
                b.i16(key)
                b.i16(low)
                b.i16(high)
                b.noTags()
            }
            b.i32(0)  // ThrottleTimeMs
            b.uvarint(4)
            b.tag(
                0,
                build { s in  // SupportedFeatures: Name, MinVersion, MaxVersion
                    s.ccount(supported.count)
                    for (name, low, high) in supported {
                        s.cstr(name)
                        s.i16(low)
                        s.i16(high)
                        s.noTags()
                    }
                })
            b.tag(1, build { $0.i64(epoch) })  // FinalizedFeaturesEpoch
            b.tag(
                2,
                build { f in  // FinalizedFeatures: Name, MaxVersionLevel, MinVersionLevel
                    f.ccount(finalized.count)
                    for (name, high, low) in finalized {
                        f.cstr(name)
                        f.i16(high)
                        f.i16(low)
                        f.noTags()
                    }
                })
            b.tag(3, build { $0.bool(false) })  // ZkMigrationReady
        }
    }

    func decode(_ bytes: [UInt8], version: Int16) throws -> ApiVersionsResponse {
        var reader = KafkaReader(bytes)
        let r = try ApiVersionsResponse(from: &reader, version: version)
        #expect(reader.isAtEnd)
        return r
    }

    @Test func kraftBrokerFinalizesMetadataVersion() throws {
        // A Kafka 3.9 KRaft broker: no LeaderAndIsr, metadata.version finalized at level 21.
        let bytes = flexibleAnswer(
            keys: [(0, 0, 11), (3, 0, 12), (18, 0, 4), (60, 0, 1)],
            supported: [("kraft.version", 0, 1), ("metadata.version", 1, 21)], epoch: 3_127,
            finalized: [("metadata.version", 21, 21)])
        #expect(ClusterMode.detect(try decode(bytes, version: 3)) == .kraft)
        #expect(ClusterMode.detect(try decode(bytes, version: 4)) == .kraft)
    }

    @Test func zooKeeperBrokerOfKafka3ListsLeaderAndIsrAndFinalizesNoMetadataVersion() throws {
        // A Kafka 3.6 ZooKeeper broker: it *supports* metadata.version but never finalizes it;
        // its feature znode gives epoch 0 and no finalized features.
        let bytes = flexibleAnswer(
            keys: [(0, 0, 9), (3, 0, 12), (4, 0, 7), (5, 0, 4), (6, 0, 8), (18, 0, 3)],
            supported: [("metadata.version", 1, 14)], epoch: 0, finalized: [])
        #expect(ClusterMode.detect(try decode(bytes, version: 3)) == .zookeeper)
    }

    @Test func oldBrokerWithoutApiVersionsV3IsZooKeeper() throws {
        // Kafka 2.3 answers ApiVersions at most v2: no tagged fields, no features. KRaft did not
        // exist before 2.8, and the broker lists LeaderAndIsr.
        let v2 = build { b in
            b.i16(0)
            b.count(4)
            for (key, high) in [(Int16(0), Int16(7)), (3, 8), (4, 2), (18, 2)] {
                b.i16(key)
                b.i16(0)
                b.i16(high)
            }
            b.i32(0)  // ThrottleTimeMs (v1+)
        }
        #expect(ClusterMode.detect(try decode(v2, version: 2)) == .zookeeper)
        let v0 = build { b in
            b.i16(0)
            b.count(2)
            for (key, high) in [(Int16(3), Int16(2)), (4, 0)] {
                b.i16(key)
                b.i16(0)
                b.i16(high)
            }
        }
        #expect(ClusterMode.detect(try decode(v0, version: 0)) == .zookeeper)
    }

    @Test func neitherSignalIsUnknown() throws {
        // What the test broker (Tansu 0.6) answers: empty features, epoch -1, no LeaderAndIsr.
        let tansu = flexibleAnswer(keys: [(0, 0, 11), (3, 0, 12), (18, 0, 4)], supported: [], epoch: -1, finalized: [])
        #expect(ClusterMode.detect(try decode(tansu, version: 3)) == nil)
        // Finalized features are invalid with epoch -1 (the spec's rule): not taken as KRaft.
        let invalid = flexibleAnswer(
            keys: [(3, 0, 12)], supported: [], epoch: -1, finalized: [("metadata.version", 21, 21)])
        #expect(ClusterMode.detect(try decode(invalid, version: 3)) == nil)
        #expect(ClusterMode.detect(nil) == nil)
        #expect(ClusterMode.detect(ApiVersionsResponse(errorCode: 35, apiKeys: [.init(apiKey: 4)])) == nil)
    }

    func families(mode: ClusterMode?, controllerId: Int32) -> [MetricFamily] {
        var s = ClusterSnapshot(cluster: "c", up: true)
        s.health = ClusterHealth(brokers: 3, controllerId: controllerId, mode: mode, partitions: [], minISR: [:])
        return ClusterMetrics.families([s])
    }

    func samples(_ families: [MetricFamily], _ name: String) -> [Sample] {
        families.first { $0.name == name }?.samples ?? []
    }

    @Test func controllerIdOnlyInZooKeeperModeAndNeverMinusOne() throws {
        let zk = families(mode: .zookeeper, controllerId: 2)
        #expect(samples(zk, "kafka_cluster_controller_id").map(\.value) == [2])
        let zkMode = samples(zk, "kafka_cluster_mode_info")
        #expect(zkMode.count == 1 && zkMode[0].value == 1)
        #expect(zkMode.first?.labels.contains(Label("mode", "zookeeper")) == true)

        // No active controller: the series is absent (the alert fires on that), not -1.
        let none = families(mode: .zookeeper, controllerId: -1)
        #expect(samples(none, "kafka_cluster_controller_id").isEmpty)
        #expect(samples(none, "kafka_cluster_mode_info").count == 1)

        // KRaft: Metadata's id is a random live broker, so it is not served.
        let kraft = families(mode: .kraft, controllerId: 3)
        #expect(samples(kraft, "kafka_cluster_controller_id").isEmpty)
        #expect(samples(kraft, "kafka_cluster_mode_info").first?.labels.contains(Label("mode", "kraft")) == true)

        // Unknown mode: neither series.
        let unknown = families(mode: nil, controllerId: 1)
        #expect(samples(unknown, "kafka_cluster_controller_id").isEmpty)
        #expect(samples(unknown, "kafka_cluster_mode_info").isEmpty)
        #expect(samples(unknown, "kafka_cluster_brokers").map(\.value) == [3])
    }
}

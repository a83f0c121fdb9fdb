import ExporterKit
import KafkaWire
import Testing

@testable import LagExporter

@Suite struct LagMetricsTests {
    static let now: Int64 = 1_800_000_000_000

    static func world(_ extra: String = "") throws -> (LagStore, LagClusterConfig) {
        let config = try ConfigLoader.decode(
            LagExporterConfig.self, yaml: "clusters:\n  - name: c\n    bootstrap: [x:1]\n" + extra, file: "t.yml"
        ).clusters[0]
        let s = LagStore(config: config)
        s.updateProgress {
            $0.caughtUp = true
            $0.source = .offsetsTopic
        }
        s.applyMetadata(topicPartitions: ["t": 2])
        s.addLogEnds([TopicPartition("t", 0): 100, TopicPartition("t", 1): 50], now: now - 10_000)
        let records: [OffsetsRecord] = [(0, 90), (1, 50)].map { p, o in
            .offsetCommit(
                .init(
                    type: 1, group: "g", topic: "t", partition: Int32(p),
                    value: .init(
                        version: 3, offset: Int64(o), leaderEpoch: -1, metadata: "", commitTimestamp: now - 1000,
                        expireTimestamp: -1, topicId: nil)))
        }
        s.apply(records.enumerated().map { ($1, Int64($0)) }, live: { _ in true }, now: now)
        return (s, config)
    }

    static func text(_ s: LagStore, _ c: LagClusterConfig) throws -> String {
        String(
            decoding: try ExpositionEncoder.encode(LagMetrics.families([(s.view(now: now), c)]), format: .text004),
            as: UTF8.self)
    }

    @Test func partitionSeries() throws {
        let (s, c) = try Self.world()
        let text = try Self.text(s, c)
        #expect(text.contains(#"kafka_consumergroup_lag{cluster="c",consumergroup="g",partition="0",topic="t"} 10"#))
        #expect(
            text.contains(#"kafka_consumergroup_lag_seconds{cluster="c",consumergroup="g",partition="1",topic="t"} 0"#))
        #expect(text.contains(#"kafka_consumergroup_total_lag{cluster="c",consumergroup="g"} 10"#))
        #expect(text.contains(#"kafka_consumergroup_offset_commits_total{cluster="c",consumergroup="g"} 2"#))
        #expect(text.contains("# TYPE kafka_consumergroup_offset_commits_total counter"))
        #expect(text.contains(#"kafka_topic_partition_current_offset{cluster="c",partition="0",topic="t"} 100"#))
        // One log-end point: lag seconds of the lagging partition is unknown, so absent (never NaN/-1).
        #expect(!text.contains(#"kafka_consumergroup_lag_seconds{cluster="c",consumergroup="g",partition="0""#))
        #expect(!text.contains("NaN") && !text.contains("burrow_"))
        // ... and the group's max is not "0 s" while that partition lags.
        #expect(!text.contains("kafka_consumergroup_max_lag_seconds{"))
    }

    @Test func topicGranularityAndBurrowNames() throws {
        let (s, c) = try Self.world("    granularity: topic\n    burrow_compat_metrics: true\n")
        let text = try Self.text(s, c)
        #expect(text.contains(#"kafka_consumergroup_lag{cluster="c",consumergroup="g",topic="t"} 10"#))
        #expect(!text.contains(#"partition="0",topic="t"} 10"#))
        #expect(text.contains(#"burrow_kafka_consumer_lag_total{cluster="c",consumer_group="g"} 10"#))
        #expect(text.contains(#"burrow_kafka_consumer_status{cluster="c",consumer_group="g"} 3"#))
    }

    @Test func nothingAboutGroupsWhileCatchingUp() throws {
        let (s, c) = try Self.world()
        s.updateProgress { $0.caughtUp = false }
        let text = try Self.text(s, c)
        #expect(!text.contains("kafka_consumergroup_"))
        #expect(text.contains(#"kafka_lag_offsets_topic_caught_up{cluster="c"} 0"#))
    }

    @Test func burrowJSONShape() throws {
        let (s, _) = try Self.world()
        let g = try #require(s.view(now: Self.now).groups.first)
        // One commit with lag, and time has passed since: Burrow's STOP, the group ERR.
        let json = BurrowAPI.status(g, cluster: "c", all: false)
        #expect(
            json.hasPrefix(
                #"{"cluster":"c","group":"g","status":"ERR","complete":0,"partitions":[{"topic":"t","partition":0,"#))
        #expect(
            json.contains(
                #""status":"STOP","start":{"offset":90,"timestamp":1799999999000,"observedAt":1799999999000,"lag":10}"#)
        )
        #expect(json.contains(#""partition_count":2"#) && json.contains(#""totallag":10"#))
        #expect(json.contains(#""maxlag":{"topic":"t","partition":0"#))
        // /lag lists every partition, /status only the non-OK ones.
        #expect(BurrowAPI.status(g, cluster: "c", all: true).contains(#"{"topic":"t","partition":1,"#))
        #expect(!json.contains(#"{"topic":"t","partition":1,"#))
    }

    @Test func streamingFromTheStoreEqualsTheView() throws {
        let (s, c) = try Self.world("    burrow_compat_metrics: true\n")
        let fromView = try ExpositionEncoder.encode(LagMetrics.families([(s.view(now: Self.now), c)]), format: .text004)
        let streamed = try ExpositionEncoder.encode(LagMetrics.families(stores: [s], now: Self.now), format: .text004)
        #expect(streamed == fromView)
        #expect(String(decoding: streamed, as: UTF8.self).contains("kafka_consumergroup_lag{"))
    }
}

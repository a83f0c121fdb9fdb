import ExporterKit
import Testing

@testable import ClusterExporter

@Suite struct TopicCapTests {
    @Test func largestTopicsKeptRestSummedIntoOther() {
        let (shown, folded) = ClusterMetrics.capTopics(["a": 5, "b": 9, "c": 1, "d": 9], max: 2)
        #expect(shown.map(\.0) == ["b", "d", "other"])
        #expect(shown.last?.1 == 6)
        #expect(folded == 2)
    }

    @Test func noFoldingUnderTheCap() {
        let (shown, folded) = ClusterMetrics.capTopics(["a": 5, "b": 9], max: 10)
        #expect(shown.map(\.0) == ["a", "b"] && folded == 0)
    }

    @Test func aTopicNamedOtherSharesTheBucket() {
        let (shown, folded) = ClusterMetrics.capTopics(["other": 50, "x": 1, "y": 2], max: 1)
        #expect(shown.count == 1 && shown[0].0 == "other" && shown[0].1 == 53 && folded == 2)
    }

    @Test func snapshotMetricsStayValidWithACap() throws {
        var s = ClusterSnapshot(cluster: "c", up: true)
        s.maxTopics = 1
        let parts = [("orders", 3), ("payments", 2), ("other", 1)].flatMap { topic, n in
            (0..<n).map { _ in ClusterHealth.PartitionState(topic: topic, leader: 1, replicas: [1], isr: [1]) }
        }
        s.health = ClusterHealth(brokers: 1, controllerId: 1, mode: .kraft, partitions: parts, minISR: [:])
        let text = try ExpositionEncoder.encodeString(ClusterMetrics.families([s]), format: .text004)
        #expect(text.contains(#"kafka_cluster_topic_partitions{cluster="c",topic="orders"} 3"#))
        #expect(text.contains(#"kafka_cluster_topic_partitions{cluster="c",topic="other"} 3"#))
        #expect(text.contains(#"kafka_cluster_topics_folded{cluster="c"} 2"#))
    }
}

import KafkaWire
import Testing

@testable import ClusterExporter

@Suite struct ClusterHealthTests {
    typealias P = ClusterHealth.PartitionState

    @Test func countsFromMetadata() {
        let h = ClusterHealth(
            brokers: 3, controllerId: 2, mode: .zookeeper,
            partitions: [
                P(topic: "a", leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3]),
                P(topic: "a", leader: 1, replicas: [1, 2, 3], isr: [1, 2]),
                P(topic: "a", leader: 2, replicas: [1, 2, 3], isr: [2]),
                P(topic: "b", leader: -1, replicas: [1, 2, 3], isr: []),
            ], minISR: ["a": 2, "b": 1])
        #expect(h.partitions == 4)
        #expect(h.underReplicated == 3)
        #expect(h.offline == 1)
        #expect(h.underMinISR == 2)
        #expect(h.topicPartitions == ["a": 3, "b": 1])
        let unknown = ClusterHealth(brokers: 1, controllerId: 1, mode: nil, partitions: [], minISR: nil)
        #expect(unknown.underMinISR == nil)
    }

    @Test func minISRTopicThenBrokerDefault() throws {
        typealias R = DescribeConfigsResponse.DescribeConfigsResult
        typealias C = DescribeConfigsResponse.DescribeConfigsResourceResult
        let response = DescribeConfigsResponse(results: [
            R(resourceType: 2, resourceName: "a", configs: [C(name: "min.insync.replicas", value: "3")]),
            R(resourceType: 2, resourceName: "b", configs: []),
            R(resourceType: 4, resourceName: "1", configs: [C(name: "min.insync.replicas", value: "2")]),
        ])
        let m = try MinISRResolver.resolve(topics: ["a", "b", "c"], response: response)
        #expect(m == ["a": 3, "b": 2, "c": 2])
        let noBroker = try MinISRResolver.resolve(
            topics: ["b"], response: DescribeConfigsResponse(results: [R(resourceType: 2, resourceName: "b")]))
        #expect(noBroker == ["b": 1], "Kafka's default")
        #expect(throws: KafkaResponseError.self) {
            try MinISRResolver.resolve(
                topics: ["a"],
                response: DescribeConfigsResponse(results: [R(errorCode: 29, resourceType: 2, resourceName: "a")]))
        }
    }
}

import ExporterKit
import Foundation
import KafkaWire
import Logging
import TestSupport
import Testing

@testable import ClusterExporter

@Suite(.serialized) struct TansuIntegrationTests {
    func cluster(_ broker: TansuBroker, name: String = "tansu") -> ClusterConfig {
        ClusterConfig(
            name: name,
            connection: KafkaConnectionConfig(
                bootstrap: [BrokerAddress(parsing: broker.bootstrap)!], clientId: "cluster-exporter-tests",
                connectTimeout: .seconds(3), requestTimeout: .seconds(5)),
            scrapeTimeout: .seconds(20))
    }

    @Test func healthServedAndMissingDescribeLogDirsReportedOnce() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await broker.createTopic("orders", partitions: 3)
        try await broker.createTopic("logs", partitions: 2)
        let (logger, lines) = recordingLogger()
        let scraper = try ClusterScraper(config: cluster(broker), logger: logger)
        defer { Task { await scraper.close() } }

        var families: [MetricFamily] = []
        for _ in 0..<3 { families = ClusterMetrics.families([await scraper.scrape()]) }
        let text = try ExpositionEncoder.encodeString(families, format: .text004)

        #expect(value(families, "kafka_cluster_up", ["cluster": "tansu"]) == 1, "\(text)")
        #expect(value(families, "kafka_cluster_brokers", [:]) == 1)
        // Tansu is neither a KRaft nor a ZooKeeper broker: its ApiVersions v3 answer finalizes no
        // feature (epoch -1) and lists no LeaderAndIsr, and its Metadata names itself as
        // controller. The mode is unknown, so neither series is served.
        let answer = try #require(scraper.client.cachedMetadata?.answeringBrokerApiVersions)
        #expect(!answer.apiKeys.isEmpty && answer.finalizedFeaturesEpoch == -1 && answer.finalizedFeatures.isEmpty)
        #expect(!answer.apiKeys.contains { $0.apiKey == ClusterMode.leaderAndIsrApiKey })
        #expect(family(families, "kafka_cluster_mode_info") == nil)
        #expect(family(families, "kafka_cluster_controller_id") == nil)
        #expect(value(families, "kafka_cluster_topic_partitions", ["topic": "orders"]) == 3)
        #expect(value(families, "kafka_cluster_topic_partitions", ["topic": "logs"]) == 2)
        let partitions = try #require(value(families, "kafka_cluster_partitions", [:]))
        #expect(partitions >= 5)
        #expect(value(families, "kafka_cluster_under_replicated_partitions", [:]) == 0)
        #expect(value(families, "kafka_cluster_offline_partitions", [:]) == 0)
        // Tansu answers DescribeConfigs without min.insync.replicas: Kafka's default (1) applies.
        #expect(value(families, "kafka_cluster_request_success", ["api": "DescribeConfigs"]) == 1)
        #expect(value(families, "kafka_cluster_under_min_isr_partitions", [:]) == 0)
        // Tansu has no DescribeLogDirs: a per-broker failure series, no log-dir series.
        let failed = family(families, "kafka_cluster_broker_request_success")?.samples.filter {
            $0.labels.contains(Label("api", "DescribeLogDirs"))
        }
        #expect(failed?.count == 1)
        #expect(failed?.first?.value == 0)
        #expect(family(families, "kafka_cluster_log_dir_online") == nil)
        // Logged once over three scrapes.
        let logged = lines.all.filter { $0.contains("DescribeLogDirs") && $0.contains("request failing") }
        #expect(logged.count == 1, "\(lines.all)")
        try await checkWithPromtool(text)
    }

    @Test func topicFilterLeavesTopicsOutOfHealthAndTopicSeries() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        try await broker.createTopic("orders", partitions: 3)
        try await broker.createTopic("scratch-1", partitions: 4)
        var config = cluster(broker)
        config.topics = try NameFilter(deny: "^scratch-")
        let scraper = try ClusterScraper(config: config, logger: Logger(label: "t"))
        defer { Task { await scraper.close() } }
        let families = ClusterMetrics.families([await scraper.scrape()])
        #expect(value(families, "kafka_cluster_topic_partitions", ["topic": "orders"]) == 3)
        #expect(value(families, "kafka_cluster_topic_partitions", ["topic": "scratch-1"]) == nil)
        let partitions = try #require(value(families, "kafka_cluster_partitions", [:]))
        #expect(partitions >= 3 && partitions < 7)
    }

    @Test func unreachableClusterIsDownAndOthersServed() async throws {
        let broker = try await TansuBroker.start()
        defer { broker.stop() }
        let deadPort = try freePort()
        var dead = cluster(broker, name: "dead")
        dead.connection.bootstrap = [BrokerAddress(host: "127.0.0.1", port: deadPort)]
        dead.scrapeTimeout = ConfigDuration(.seconds(3))
        let set = try ClusterSet(
            config: ClusterExporterConfig(clusters: [cluster(broker), dead]), logger: recordingLogger().0)
        let families = try await ClusterCollector(clusters: set).collect()
        await set.closeAll()
        #expect(value(families, "kafka_cluster_up", ["cluster": "dead"]) == 0)
        #expect(value(families, "kafka_cluster_up", ["cluster": "tansu"]) == 1)
        #expect(value(families, "kafka_cluster_brokers", ["cluster": "tansu"]) == 1)
        #expect(value(families, "kafka_cluster_brokers", ["cluster": "dead"]) == nil)
        try await checkWithPromtool(try ExpositionEncoder.encodeString(families, format: .text004))
    }
}

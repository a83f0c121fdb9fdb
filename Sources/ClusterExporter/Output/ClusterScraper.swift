import ExporterKit
import KafkaWire
import Logging

/// Scrapes one cluster: Metadata, DescribeConfigs (min ISR), and log dirs (DescribeLogDirs per
/// broker, or the local filesystem in sidecar mode), bounded by the cluster's scrape timeout.
final class ClusterScraper: Sendable {
    let config: ClusterConfig
    let client: KafkaClient
    let logger: Logger
    let failures: OutageLog

    init(config: ClusterConfig, logger: Logger) throws {
        self.config = config
        var logger = logger
        logger[metadataKey: "cluster"] = "\(config.name)"
        self.logger = logger
        self.client = try KafkaClient(config: config.connection, logger: logger)
        self.failures = OutageLog(logger: logger)
    }

    func close() async { await client.close() }

    func scrape() async -> ClusterSnapshot {
        let start = ContinuousClock.now
        let name = config.name
        var snapshot: ClusterSnapshot
        // Within the scrape's own deadline: a cluster whose brokers hang is reported down
        // (kafka_cluster_up 0), never cut off with the whole collector.
        let budget = ScrapeDeadline.budget(upTo: config.scrapeTimeout.duration)
        do {
            snapshot = try await withTimeout(budget) { try await self.scrapeUnbounded() }
            failures.record("timeout", error: nil, "cluster scrape")
        } catch {
            failures.record("timeout", error: error, "cluster scrape", metadata: ["timeout": "\(budget)"])
            snapshot = ClusterSnapshot(cluster: name, up: false)
        }
        snapshot.maxTopics = config.maxTopics
        let elapsed = ContinuousClock.now - start
        snapshot.seconds = elapsed.seconds
        return snapshot
    }

    private func scrapeUnbounded() async throws -> ClusterSnapshot {
        var snapshot = ClusterSnapshot(cluster: config.name, up: false)
        let (metadataResult, metadataRequest) = await timed(broker: nil, api: "Metadata") {
            try await self.client.refreshMetadata()
        }
        snapshot.requests.append(metadataRequest)
        guard case .success(let metadata) = metadataResult else { return snapshot }
        snapshot.up = true

        let filter = config.topics
        let topics = metadata.topics.keys.filter { filter.keeps($0) }.sorted()
        let (minISRResult, configsRequest) = await timed(broker: nil, api: "DescribeConfigs") {
            let request = MinISRResolver.request(topics: topics, broker: metadata.brokers.keys.min())
            do {
                let response = try await self.client.sendToAnyBroker(request)
                return try MinISRResolver.resolve(topics: topics, response: response)
            } catch {
                // Some brokers close the connection on a key filter (Tansu): ask for all keys.
                let all = MinISRResolver.request(topics: topics, broker: nil, onlyMinISR: false)
                let response = try await self.client.sendToAnyBroker(all)
                return try MinISRResolver.resolve(topics: topics, response: response)
            }
        }
        snapshot.requests.append(configsRequest)
        var partitions: [ClusterHealth.PartitionState] = []
        for t in metadata.topics.values where filter.keeps(t.name) {
            for p in t.partitions.values {
                partitions.append(.init(topic: t.name, leader: p.leader, replicas: p.replicas, isr: p.isr))
            }
        }
        snapshot.health = ClusterHealth(
            brokers: metadata.brokers.count, controllerId: metadata.controllerId,
            mode: ClusterMode.detect(metadata.answeringBrokerApiVersions), partitions: partitions,
            minISR: try? minISRResult.get())

        if let sidecar = config.sidecar {
            snapshot.logDirs = try sidecarLogDirs(sidecar)
        } else {
            let (dirs, requests) = await remoteLogDirs(brokers: metadata.brokers.keys.sorted())
            snapshot.logDirs = dirs
            snapshot.requests += requests
        }
        if !filter.isEmpty {
            for i in snapshot.logDirs.indices {
                snapshot.logDirs[i].topicBytes = snapshot.logDirs[i].topicBytes.filter { filter.keeps($0.key) }
            }
        }
        return snapshot
    }

    private func sidecarLogDirs(_ sidecar: SidecarConfig) throws -> [LogDirReport] {
        var dirs = sidecar.logDirs
        var broker = sidecar.brokerId
        if let path = sidecar.serverProperties {
            let props = try ServerProperties.load(path: path)
            if dirs.isEmpty { dirs = props.logDirs }
            broker = broker ?? props.brokerId
        }
        return SidecarLogDirs.read(broker: broker ?? "local", dirs: dirs)
    }

    private func remoteLogDirs(brokers: [Int32]) async -> ([LogDirReport], [ClusterSnapshot.Request]) {
        let topicDetail = config.logDirs.topicDetail
        return await withTaskGroup(of: ([LogDirReport], ClusterSnapshot.Request).self) { group in
            for id in brokers {
                group.addTask {
                    let (result, request) = await self.timed(broker: String(id), api: DescribeLogDirsRequest.apiName) {
                        let response = try await self.client.send(
                            DescribeLogDirsRequest(topics: topicDetail ? nil : []), to: id)
                        if response.errorCode != 0 {
                            throw KafkaResponseError(api: "DescribeLogDirs", code: KafkaErrorCode(response.errorCode))
                        }
                        let version = try await self.client.connection(to: id).version(for: DescribeLogDirsRequest.self)
                        return LogDirMapping.reports(
                            broker: String(id), response: response, topicDetail: topicDetail, version: version)
                    }
                    return ((try? result.get()) ?? [], request)
                }
            }
            var dirs: [LogDirReport] = []
            var requests: [ClusterSnapshot.Request] = []
            for await (d, r) in group {
                dirs += d
                requests.append(r)
            }
            return (dirs, requests)
        }
    }

    /// Runs one request, timing it and logging its failure once.
    private func timed<T: Sendable>(
        broker: String?, api: String, _ body: @Sendable () async throws -> T
    ) async -> (Result<T, any Error>, ClusterSnapshot.Request) {
        let start = ContinuousClock.now
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        let d = ContinuousClock.now - start
        let seconds = d.seconds
        var error: (any Error)?
        if case .failure(let e) = result { error = e }
        var metadata: Logger.Metadata = ["api": "\(api)"]
        if let broker { metadata["broker"] = "\(broker)" }
        failures.record("\(broker ?? "any")/\(api)", error: error, "\(api) request", metadata: metadata)
        return (result, ClusterSnapshot.Request(broker: broker, api: api, success: error == nil, seconds: seconds))
    }
}

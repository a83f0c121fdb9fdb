import ExporterKit
import Logging
import Synchronization

/// The running clusters; a reload swaps them all (new KafkaClients) or keeps them.
final class ClusterSet: Sendable {
    let path: String
    let logger: Logger
    private let scrapers: Mutex<[ClusterScraper]>

    init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let config = try ConfigLoader.load(ClusterExporterConfig.self, path: path)
        scrapers = Mutex(try Self.make(config, logger: logger))
    }

    init(config: ClusterExporterConfig, logger: Logger) throws {
        path = ""
        self.logger = logger
        scrapers = Mutex(try Self.make(config, logger: logger))
    }

    static func make(_ config: ClusterExporterConfig, logger: Logger) throws -> [ClusterScraper] {
        try config.clusters.map { try ClusterScraper(config: $0, logger: logger) }
    }

    var current: [ClusterScraper] { scrapers.withLock { $0 } }

    /// Loads the file again; on success swaps the clusters and closes the old clients.
    func reload() async -> Result<Void, any Error> {
        let fresh: [ClusterScraper]
        do {
            let config = try ConfigLoader.load(ClusterExporterConfig.self, path: path)
            fresh = try Self.make(config, logger: logger)
        } catch {
            return .failure(error)
        }
        let old = scrapers.withLock { s in
            let o = s
            s = fresh
            return o
        }
        logger.info("config reloaded", metadata: ["clusters": "\(fresh.map(\.config.name))"])
        for s in old { await s.close() }
        return .success(())
    }

    func closeAll() async {
        for s in current { await s.close() }
    }
}

/// The collector: scrapes every cluster concurrently.
struct ClusterCollector: Collector {
    let name = "cluster"
    let clusters: ClusterSet

    func collect() async throws -> [MetricFamily] {
        let scrapers = clusters.current
        let snapshots = await withTaskGroup(of: ClusterSnapshot.self) { group in
            for s in scrapers { group.addTask { await s.scrape() } }
            var out: [ClusterSnapshot] = []
            for await s in group { out.append(s) }
            return out
        }
        return ClusterMetrics.families(snapshots)
    }
}

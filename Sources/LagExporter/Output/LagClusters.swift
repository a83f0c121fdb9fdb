import ExporterKit
import Logging
import ServiceLifecycle
import Synchronization

/// The running clusters. A reload keeps the runners (and their state) of clusters whose config
/// did not change, starts added or changed ones, and stops removed ones.
final class LagClusters: Sendable {
    let path: String
    let logger: Logger
    private let runners: Mutex<[ClusterRunner]>

    init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        let config = try ConfigLoader.load(LagExporterConfig.self, path: path)
        runners = Mutex(try config.clusters.map { try ClusterRunner(config: $0, logger: logger) })
    }

    var current: [ClusterRunner] { runners.withLock { $0 } }

    func runner(named name: String) -> ClusterRunner? { current.first { $0.config.name == name } }

    /// Ready when every cluster caught up (or finished its first admin-api poll).
    var isReady: Bool { current.allSatisfy { $0.store.progress.caughtUp } }

    func reload() async -> Result<Void, any Error> {
        let config: LagExporterConfig
        do {
            config = try ConfigLoader.load(LagExporterConfig.self, path: path)
        } catch {
            return .failure(error)
        }
        let old = current
        var fresh: [ClusterRunner] = []
        var started: [ClusterRunner] = []
        do {
            for c in config.clusters {
                if let same = old.first(where: { $0.config == c }) {
                    fresh.append(same)
                } else {
                    let r = try ClusterRunner(config: c, logger: logger)
                    fresh.append(r)
                    started.append(r)
                }
            }
        } catch {
            for r in started { await r.stop() }
            return .failure(error)
        }
        runners.withLock { $0 = fresh }
        let stopped = old.filter { r in !fresh.contains { $0 === r } }
        logger.info(
            "config reloaded",
            metadata: [
                "clusters": "\(fresh.map(\.config.name))", "started": "\(started.map(\.config.name))",
                "stopped": "\(stopped.map(\.config.name))",
            ])
        for r in stopped { await r.stop() }
        return .success(())
    }

    func stopAll() async {
        for r in current { await r.stop() }
    }

    /// Every cluster evaluated now.
    func views() -> [(view: ClusterView, config: LagClusterConfig)] {
        let now = WallClock.nowMs
        return current.map { ($0.store.view(now: now), $0.config) }
    }
}

/// Ingest is a service of the exporter's service group, beside the HTTP server: a graceful
/// shutdown (SIGTERM, SIGINT) or the failure of another service stops every cluster's ingest
/// and closes its client. (Each cluster's ingest is a task of its runner, so a reload can start
/// and stop clusters one by one.)
extension LagClusters: Service {
    func run() async throws {
        try? await gracefulShutdown()
        await stopAll()
    }
}

/// The `/metrics` collector of consumer-group lag.
struct LagCollector: Collector {
    let name = "lag"
    let clusters: LagClusters

    func collect() async throws -> [MetricFamily] { try await collectOutput().materialized() }

    func collectOutput() async throws -> CollectorOutput {
        LagMetrics.output(LagScrape(stores: clusters.current.map(\.store), now: WallClock.nowMs))
    }
}

import ExporterKit
import Logging
import ServiceLifecycle

/// Writes the persistence file at most every `interval` when something changed, and once
/// more at shutdown.
struct PersistenceService: Service {
    let path: String
    let interval: Duration
    let store: MetricStore
    let stats: GatewayStats
    let logger: Logger

    func run() async throws {
        var written: UInt64? = store.generation
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            if Task.isShuttingDownGracefully { break }
            written = persist(unless: written)
        }
        _ = persist(unless: nil)
    }

    /// Writes when the store's generation differs from `unless`; returns the generation the
    /// file now holds (or `unless` after a failure, to try again next time).
    func persist(unless: UInt64?) -> UInt64? {
        let (groups, generation) = store.snapshot()
        if let unless, unless == generation { return unless }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try PersistenceFile.write(groups, to: path)
            stats.persisted(ok: true, at: WallClock.nowSeconds)
            logger.info(
                "metrics persisted",
                metadata: [
                    "file": "\(path)", "groups": "\(groups.count)",
                    "duration_seconds": "\((clock.now - start).seconds)",
                ])
            return generation
        } catch {
            stats.persisted(ok: false, at: WallClock.nowSeconds)
            logger.error("cannot persist metrics", metadata: ["file": "\(path)", "err": "\(error)"])
            return unless
        }
    }
}

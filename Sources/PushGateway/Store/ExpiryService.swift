import ExporterKit
import Logging
import ServiceLifecycle
import Synchronization

/// Removes groups not pushed within their TTL, logs each and counts it by job.
struct ExpiryService: Service {
    let store: MetricStore
    let stats: GatewayStats
    let settings: TTLSettings
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = settings.current.checkInterval
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            sweep(now: WallClock.nowSeconds)
        }
    }

    /// One pass; returns the groups removed.
    @discardableResult
    func sweep(now: Double) -> [Group] {
        let current = settings.current
        guard current.anyTTL else { return [] }
        let gone = store.expire(now: now) { current.seconds(job: $0) }
        for g in gone {
            stats.expired(job: g.key.job)
            logger.info(
                "group expired",
                metadata: [
                    "group": "\(g.key.description)",
                    "last_push_age_seconds": "\(Int(now - g.ttlStart))",
                    "ttl_seconds": "\(Int(current.seconds(job: g.key.job) ?? 0))",
                    "series": "\(g.sampleCount)",
                ])
        }
        return gone
    }
}

/// The TTL policy in force, replaced on reload.
final class TTLSettings: Sendable {
    private let policy: Mutex<TTLPolicy>

    init(_ policy: TTLPolicy) { self.policy = Mutex(policy) }

    var current: TTLPolicy {
        get { policy.withLock { $0 } }
        set { policy.withLock { $0 = newValue } }
    }
}

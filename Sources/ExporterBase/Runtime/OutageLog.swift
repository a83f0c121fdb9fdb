import Logging
import Synchronization

/// Logs an outage twice: one warning when something starts failing, one info line when it
/// recovers, with how long it failed. Nothing in between: retries during a long outage are
/// counted in metrics, not repeated in the log. Cancellation (a scrape deadline, a shutdown) is
/// neither a failure nor a recovery.
public final class OutageLog: Sendable {
    private let failingSince = Mutex<[String: ContinuousClock.Instant]>([:])
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Records the outcome of one attempt at `key`. Returns true when this call logged.
    @discardableResult
    public func record(
        _ key: String, error: (any Error)?, _ message: @autoclosure () -> String = "request",
        metadata: Logger.Metadata = [:]
    ) -> Bool {
        if let error {
            if error is CancellationError || Task.isCancelled { return false }
            let new = failingSince.withLock { f in
                guard f[key] == nil else { return false }
                f[key] = .now
                return true
            }
            if new {
                var m = metadata
                m["err"] = "\(error)"
                logger.warning("\(message()) failing (logged again when it recovers)", metadata: m)
            }
            return new
        }
        if Task.isCancelled { return false }
        guard let since = failingSince.withLock({ $0.removeValue(forKey: key) }) else { return false }
        var m = metadata
        m["failed_for"] = "\(Self.rounded(ContinuousClock.now - since))"
        logger.info("\(message()) recovered", metadata: m)
        return true
    }

    /// Whether `key` is failing now.
    public func isFailing(_ key: String) -> Bool { failingSince.withLock { $0[key] != nil } }

    static func rounded(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return s < 10 ? "\((s * 10).rounded() / 10)s" : "\(Int(s.rounded()))s"
    }
}

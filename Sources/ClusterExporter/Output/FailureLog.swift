import Logging
import Synchronization

/// Logs a failing request once when it starts failing (not on every scrape) and once when it
/// recovers.
final class FailureLog: Sendable {
    private let failing = Mutex<Set<String>>([])
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Returns true when this call logged (a new failure).
    @discardableResult
    func record(_ key: String, error: (any Error)?, metadata: Logger.Metadata) -> Bool {
        if let error {
            let new = failing.withLock { $0.insert(key).inserted }
            if new {
                var m = metadata
                m["err"] = "\(error)"
                logger.warning("request failing (logged once until it recovers)", metadata: m)
            }
            return new
        }
        let recovered = failing.withLock { $0.remove(key) != nil }
        if recovered { logger.info("request recovered", metadata: metadata) }
        return false
    }

    var failingKeys: Set<String> { failing.withLock { $0 } }
}

import Synchronization

/// Lets a repeated condition log at most once per interval; the message learns how many
/// occurrences went unlogged since the last one.
final class RateLimitedLog: Sendable {
    private let interval: Duration
    private let state = Mutex<(last: ContinuousClock.Instant?, skipped: Int)>((nil, 0))

    init(interval: Duration) { self.interval = interval }

    /// Calls `emit` unless it ran less than `interval` ago.
    func callAsFunction(_ emit: (_ skipped: Int) -> Void) {
        let now = ContinuousClock.now
        let skipped = state.withLock { s -> Int? in
            if let last = s.last, now - last < interval {
                s.skipped += 1
                return nil
            }
            defer { s = (now, 0) }
            return s.skipped
        }
        if let skipped { emit(skipped) }
    }
}

import NIOCore
import NIOPosix
import Synchronization

/// Threads for bcrypt, apart from everything else, with a bound on the work waiting for them.
///
/// bcrypt is slow by design; without a bound, a flood of wrong passwords queues hundreds of
/// checks and a valid scrape waits behind all of them. Past the bound a check is refused at
/// once (the caller answers 429), so a waiting check starts within a few bcrypt durations.
final class PasswordCheckPool: Sendable {
    let threads: Int
    /// Checks allowed to wait for a thread, beyond those running.
    let queueLimit: Int
    private let pool: NIOThreadPool
    private let pending = Mutex(0)
    private let started = Mutex(false)

    init(threads: Int, queueLimit: Int) {
        self.threads = max(1, threads)
        self.queueLimit = max(0, queueLimit)
        pool = NIOThreadPool(numberOfThreads: self.threads)
    }

    /// Starts the threads (once); a server that never binds never needs them.
    func start() {
        guard
            started.withLock({ s in
                defer { s = true }
                return !s
            })
        else { return }
        pool.start()
    }

    /// The outcome of `work`, or nil when too many checks are already running or waiting.
    func run(_ work: @escaping @Sendable () -> Bool) async -> Bool? {
        let admitted = pending.withLock { n in
            guard n < threads + queueLimit else { return false }
            n += 1
            return true
        }
        guard admitted else { return nil }
        defer { pending.withLock { $0 -= 1 } }
        return (try? await pool.runIfActive(work)) ?? false
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}

import NIOCore
import Synchronization

struct ConnectionLimitReached: Error {}

/// Client channels by identity, removed when they close, with the connection limit.
///
/// At the limit, a new connection takes the place of the one that has been waiting longest
/// without a request in progress (stalled mid-request, or idle since its last answer), if
/// that has lasted `evictAfter`; else the new one is refused. So connections that hold a file
/// descriptor and do nothing cannot keep a scraper out until their timeouts expire, and a
/// connection whose request is being answered is never cut.
final class ConnectionSet: Sendable {
    private struct Entry {
        var channel: any Channel
        /// Since when the connection has had no request in progress; nil while one is.
        var waitingSince: ContinuousClock.Instant?
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private let stats: HTTPServerStats?
    private let evictAfter: Duration

    init(stats: HTTPServerStats? = nil, evictAfter: Duration = .seconds(1)) {
        self.stats = stats
        self.evictAfter = evictAfter
    }

    /// Adds the channel, making room by evicting a waiting connection if `limit` are open;
    /// false when none can be evicted (the caller closes the new one).
    func insert(_ channel: any Channel, limit: Int = .max) -> Bool {
        let id = ObjectIdentifier(channel)
        let now = ContinuousClock.now
        let (admitted, evicted) = entries.withLock { c -> (Bool, (any Channel)?) in
            var evicted: (any Channel)?
            if c.count >= limit {
                let oldest = c.compactMap { k, e in e.waitingSince.map { (k, $0) } }.min { $0.1 < $1.1 }
                guard let oldest, now - oldest.1 >= evictAfter else { return (false, nil) }
                evicted = c.removeValue(forKey: oldest.0)?.channel
            }
            c[id] = Entry(channel: channel, waitingSince: now)
            stats?.connectionsOpen.store(c.count, ordering: .relaxed)
            return (true, evicted)
        }
        if let evicted {
            stats?.connectionsEvicted.add(1, ordering: .relaxed)
            evicted.close(promise: nil)
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            entries.withLock { c in
                if c[id].map({ $0.channel === channel }) == true { c.removeValue(forKey: id) }
                stats?.connectionsOpen.store(c.count, ordering: .relaxed)
            }
        }
        return true
    }

    /// A request is in progress (read, being answered) or not.
    func mark(_ channel: any Channel, busy: Bool) {
        let id = ObjectIdentifier(channel)
        let now = ContinuousClock.now
        entries.withLock { c in
            guard c[id]?.channel === channel else { return }
            c[id]?.waitingSince = busy ? nil : now
        }
    }

    func drain() -> [any Channel] {
        entries.withLock { c in
            defer { c.removeAll() }
            return c.values.map(\.channel)
        }
    }
}

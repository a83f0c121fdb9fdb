/// The last `capacity` commits of one group/topic/partition, with Burrow's storage rules:
/// sorted by `order` (the record's offset in `__consumer_offsets`), duplicates dropped, a
/// commit closer than `minDistance` to the newest overwrites it (keeping its timestamp), the
/// oldest dropped when full.
public struct CommitRing: Sendable, Equatable {
    public let capacity: Int
    public private(set) var commits: [CommitSample] = []

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        commits.reserveCapacity(self.capacity)
    }

    public var newest: CommitSample? { commits.last }
    public var isEmpty: Bool { commits.isEmpty }

    /// Orders are record offsets below 2^48; above that is the generation of the offsets-topic
    /// partition's log, raised each time the log shrank under the reader (see `LagStore.apply`).
    public static let generationShift: Int64 = 48

    /// Stores a commit; returns false when it was dropped (duplicate order, or a re-read commit).
    @discardableResult
    public mutating func add(_ commit: CommitSample, minDistanceMs: Int64 = 0) -> Bool {
        // A log read again after it shrank replays commits already stored (under the old
        // generation): not newer in offset or time than the newest one, they are duplicates.
        if let last = commits.last, commit.order >> Self.generationShift > last.order >> Self.generationShift,
            commit.timestamp <= last.timestamp, commit.offset <= last.offset
        {
            return false
        }
        if let last = commits.last, commit.order > last.order {
            if minDistanceMs > 0, commit.timestamp - last.timestamp < minDistanceMs {
                var merged = commit
                merged.timestamp = last.timestamp
                commits[commits.count - 1] = merged
                return true
            }
            // Drop the oldest first: appending to a full array would double its buffer, and the
            // rings are most of the exporter's memory.
            if commits.count >= capacity { commits.removeFirst(commits.count - capacity + 1) }
            commits.append(commit)
        } else {
            // Late (replayed out of order) or duplicate: insert in order, drop exact duplicates.
            let i = commits.firstIndex { $0.order >= commit.order } ?? commits.count
            if i < commits.count, commits[i].order == commit.order { return false }
            if commits.count >= capacity {
                // Full: a commit older than every kept one falls out at once.
                if i == 0 { return true }
                commits.removeFirst()
                commits.insert(commit, at: i - 1)
            } else {
                commits.insert(commit, at: i)
            }
        }
        return true
    }

    /// Drops commits older than `cutoffMs` (expire-group); returns true when the ring emptied.
    @discardableResult
    public mutating func expire(olderThan cutoffMs: Int64) -> Bool {
        commits.removeAll { $0.timestamp < cutoffMs }
        return commits.isEmpty
    }
}

/// Log-end offset samples of one partition (the window Burrow's STOP rule looks at).
public struct LogEndRing: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var offset: Int64
        public var timestamp: Int64
    }

    public let capacity: Int
    public private(set) var samples: [Sample] = []

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public var newest: Sample? { samples.last }

    public mutating func add(offset: Int64, timestamp: Int64) {
        samples.append(Sample(offset: offset, timestamp: timestamp))
        if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
    }

    /// Lag of a commit stored now: unknown (nil) before the first sample, else never negative.
    public func lag(of offset: Int64) -> Int64? {
        newest.map { max(0, $0.offset - offset) }
    }

    public var offsets: [Int64] { samples.map(\.offset) }
}

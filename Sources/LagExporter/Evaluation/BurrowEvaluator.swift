/// Burrow's evaluator settings (same names and defaults).
public struct EvaluatorSettings: Sendable, Equatable {
    public var intervals = 10
    public var allowedLag: Int64 = 0
    public var minimumComplete = 0.0

    public init(intervals: Int = 10, allowedLag: Int64 = 0, minimumComplete: Double = 0) {
        self.intervals = intervals
        self.allowedLag = allowedLag
        self.minimumComplete = minimumComplete
    }
}

public struct PartitionEvaluation: Sendable, Equatable {
    public var status: ConsumerStatus
    /// Filled share of the ring, 0...1.
    public var complete: Double
    public var currentLag: Int64
    public var start: CommitSample?
    public var end: CommitSample?
}

/// The status rules of LinkedIn Burrow's caching evaluator, reproduced exactly: the same
/// data must give the same answer (see docs/burrow-rules.md).
public enum BurrowEvaluator {
    /// - Parameters:
    ///   - commits: the ring, oldest to newest (sorted by `order`).
    ///   - currentLag: max(0, newest log-end sample − newest committed offset).
    ///   - logEndSamples: the partition's log-end offsets in the window.
    ///   - now: evaluation time, ms.
    public static func partition(
        commits: [CommitSample], currentLag: Int64, logEndSamples: [Int64], now: Int64, settings: EvaluatorSettings
    ) -> PartitionEvaluation {
        let complete = min(1, Double(commits.count) / Double(max(1, settings.intervals)))
        var result = PartitionEvaluation(
            status: .ok, complete: complete, currentLag: currentLag, start: commits.first, end: commits.last)
        guard let first = commits.first, let last = commits.last else {
            result.complete = 0
            return result
        }
        if complete < settings.minimumComplete { return result }
        if currentLag <= settings.allowedLag { return result }

        // Stopped: no commit for longer than the window spans. Equal is not stopped.
        let stopped = (now - last.timestamp) > (last.timestamp - first.timestamp)
        let recentLagZero = logEndSamples.contains { $0 <= last.offset }
        if stopped && !recentLagZero {
            result.status = .stop
            return result
        }

        if let i = commits.indices.dropFirst().first(where: { commits[$0].offset < commits[$0 - 1].offset }) {
            let recovered = commits[i...].contains { $0.offset >= commits[i - 1].offset }
            if !recovered {
                result.status = .rewind
                return result
            }
        }

        // Unknown lags (commits replayed from history before the exporter started) are ignored.
        // Burrow never has them; we do better: with no known lag the lag rules say nothing, and
        // "lags never decrease" needs two known lags unless every lag is known (Burrow's case).
        let lags = commits.compactMap(\.lag)
        if !lags.isEmpty && !lags.contains(where: { $0 <= settings.allowedLag }) {
            if commits.allSatisfy({ $0.offset == first.offset }) {
                result.status = .stall
                return result
            }
            let decreases = zip(lags, lags.dropFirst()).contains { $1 < $0 }
            if !decreases && (lags.count >= 2 || lags.count == commits.count) {
                result.status = .warn
                return result
            }
        }
        return result
    }

    public struct PartitionKey: Hashable, Sendable, Comparable {
        public var topic: String
        public var partition: Int32

        public init(_ topic: String, _ partition: Int32) {
            self.topic = topic
            self.partition = partition
        }

        public static func < (a: PartitionKey, b: PartitionKey) -> Bool {
            (a.topic, a.partition) < (b.topic, b.partition)
        }
    }

    public struct GroupEvaluation: Sendable, Equatable {
        public var status: ConsumerStatus
        public var complete: Double
        public var totalLag: Int64
        /// The partition with the strictly largest current lag (the first in topic/partition
        /// order wins ties); nil without partitions.
        public var maxLag: PartitionKey?
        public var partitions: [PartitionKey: PartitionEvaluation]
    }

    /// - Parameters:
    ///   - partitions: evaluations of the partitions the group has commits for.
    ///   - consumedPartitions: number of partitions of every topic the group consumes, including
    ///     partitions it never committed to (the denominator of `complete`).
    public static func group(_ partitions: [PartitionKey: PartitionEvaluation], consumedPartitions: Int)
        -> GroupEvaluation
    {
        guard !partitions.isEmpty else {
            return GroupEvaluation(status: .notFound, complete: 1, totalLag: 0, maxLag: nil, partitions: [:])
        }
        var status = ConsumerStatus.ok
        var total: Int64 = 0
        var maxKey: PartitionKey?
        var maxValue = Int64.min
        var full = 0
        for key in partitions.keys.sorted() {
            let p = partitions[key]!
            status = max(status, p.status.groupLevel)
            total += p.currentLag
            if p.currentLag > maxValue {
                maxValue = p.currentLag
                maxKey = key
            }
            if p.complete >= 1 { full += 1 }
        }
        let denominator = max(consumedPartitions, partitions.count)
        return GroupEvaluation(
            status: status, complete: Double(full) / Double(denominator), totalLag: total, maxLag: maxKey,
            partitions: partitions)
    }
}

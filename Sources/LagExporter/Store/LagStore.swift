import ExporterKit
import KafkaWire
import Synchronization

/// The state of one cluster: commit rings per group/topic/partition, log-end history per
/// partition, ingest progress and counters. Ingest writes under the lock; scrapes, the Burrow
/// API and the status page take a copy-on-write `snapshot()` and evaluate it outside the lock.
final class LagStore: Sendable {
    let config: LagClusterConfig

    struct State: Sendable {
        var groups: [String: GroupState] = [:]
        var partitions: [TopicPartition: PartitionHistory] = [:]
        /// Partition counts of every topic in the last metadata (for `complete`).
        var topicPartitions: [String: Int] = [:]
        var stats = IngestStats()
        var progress = IngestProgress()
        /// Order of admin-api observations (the offsets topic uses record offsets).
        var pollOrder: Int64 = 0
    }

    let state = Mutex(State())

    init(config: LagClusterConfig) {
        self.config = config
    }

    var minDistanceMs: Int64 { config.evaluator.minDistance.duration.milliseconds }
    var expireMs: Int64 { config.evaluator.expireGroup.duration.milliseconds }

    /// The one place a commit enters a ring (offsets topic and admin API).
    func store(group: String, _ tp: TopicPartition, _ sample: CommitSample, in s: inout State) {
        // Mutated in place (subscript with default): copying a group's dictionary per commit
        // would make ingest quadratic in the partitions of a group.
        let added = s.groups[group, default: GroupState()].add(
            sample, to: tp, capacity: config.evaluator.intervals, minDistanceMs: minDistanceMs)
        if !added { s.stats.skip("duplicate") }
    }

    // MARK: progress

    func updateProgress(_ body: (inout IngestProgress) -> Void) {
        state.withLock { body(&$0.progress) }
    }

    /// Records a successful round of an ingest loop: its `lastRefresh` and its due time (see
    /// `IngestProgress.contactDue`). The grace
    /// is the request timeout, at most 10 s: a hung broker reads as down within cadence + 10 s.
    func heard(_ loop: String, cadence: Duration) {
        let grace = min(config.connection.requestTimeout.duration, .seconds(10))
        state.withLock { $0.progress.heard(loop, at: WallClock.nowSeconds, cadence: cadence, grace: grace) }
    }

    func count(_ body: (inout IngestStats) -> Void) {
        state.withLock { body(&$0.stats) }
    }

    var progress: IngestProgress { state.withLock { $0.progress } }
}

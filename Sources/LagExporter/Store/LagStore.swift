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

    // MARK: offsets topic

    /// Applies decoded records of one offsets-topic partition, in offset order.
    /// - Parameters:
    ///   - live: false while replaying history written before the exporter started: those
    ///     commits get no lag (today's log-end offset says nothing about lag back then).
    ///   - generation: how many times this partition's log shrank under the reader (truncated or
    ///     recreated). Commits are ordered by record offset, and a shrunk log reuses offsets:
    ///     without the generation above them (bits 48 and up; a partition writing a million
    ///     records a second reaches 2^48 in 8.9 years), its commits would be dropped as
    ///     duplicates of the old log's until its offsets passed the old ones.
    func apply(
        _ records: [(record: OffsetsRecord, offset: Int64)], live: (Int64) -> Bool, now: Int64, generation: Int64 = 0
    ) {
        let base = generation << CommitRing.generationShift
        state.withLock { s in
            for (record, offset) in records {
                s.stats.recordsByType[record.type, default: 0] += 1
                apply(record, order: base | offset, live: live(offset), now: now, to: &s)
            }
        }
    }

    private func apply(_ record: OffsetsRecord, order: Int64, live: Bool, now: Int64, to s: inout State) {
        switch record {
        case .offsetCommit(let c):
            guard config.groups.keeps(c.group) else { return s.stats.skip("group_filtered") }
            guard config.topics.keeps(c.topic) else { return s.stats.skip("topic_filtered") }
            let tp = TopicPartition(c.topic, c.partition)
            guard let v = c.value else {
                // Offset deleted or expired: its history goes.
                s.groups[c.group]?.partitions[tp] = nil
                if s.groups[c.group]?.isEmpty == true { s.groups[c.group] = nil }
                return
            }
            if v.commitTimestamp < now - expireMs { return s.stats.skip("expired") }
            let lag = live ? s.partitions[tp]?.logEnd.lag(of: v.offset) : nil
            store(
                group: c.group, tp,
                CommitSample(offset: v.offset, order: order, timestamp: v.commitTimestamp, lag: lag), in: &s)
        case .groupMetadata(let g):
            guard config.groups.keeps(g.group) else { return s.stats.skip("group_filtered") }
            if let v = g.value {
                s.groups[g.group, default: GroupState()].meta = GroupMeta(v)
            } else {
                s.groups[g.group] = nil
            }
        case .skipped(let type, let group, let tombstone):
            // A KIP-848 group-metadata tombstone deletes the group (Burrow misses this).
            if type == 3, tombstone, let group {
                s.groups[group] = nil
            } else {
                s.stats.skip("unused_type")
            }
        }
    }

    private func store(group: String, _ tp: TopicPartition, _ sample: CommitSample, in s: inout State) {
        // Mutated in place (subscript with default): copying a group's dictionary per commit
        // would make ingest quadratic in the partitions of a group.
        let added = s.groups[group, default: GroupState()].add(
            sample, to: tp, capacity: config.evaluator.intervals, minDistanceMs: minDistanceMs)
        if !added { s.stats.skip("duplicate") }
    }

    // MARK: admin API

    /// Stores one poll of a group's committed offsets. A partition gets a new commit when its
    /// offset changed (or is new): OffsetFetch cannot tell a re-commit of the same offset.
    /// Partitions that are no longer committed lose their history.
    func applyPolled(group: String, offsets: [TopicPartition: Int64], meta: GroupMeta?, now: Int64) {
        guard config.groups.keeps(group) else { return }
        state.withLock { s in
            let known = s.groups[group]?.partitions ?? [:]
            for tp in known.keys where offsets[tp] == nil { s.groups[group]?.partitions[tp] = nil }
            for (tp, offset) in offsets where config.topics.keeps(tp.topic) {
                if let newest = known[tp]?.newest, newest.offset == offset { continue }
                s.pollOrder += 1
                let lag = s.partitions[tp]?.logEnd.lag(of: offset)
                store(
                    group: group, tp, CommitSample(offset: offset, order: s.pollOrder, timestamp: now, lag: lag),
                    in: &s)
            }
            if let meta { s.groups[group, default: GroupState()].meta = meta }
            if s.groups[group]?.isEmpty == true { s.groups[group] = nil }
        }
    }

    /// Groups that ListGroups no longer returns are gone.
    func retainGroups(_ names: Set<String>) {
        state.withLock { s in
            for name in s.groups.keys where !names.contains(name) { s.groups[name] = nil }
        }
    }

    // MARK: log-end offsets and metadata

    /// Partitions of the topics any stored group commits to or is assigned.
    private static func consumed(in s: State) -> Set<TopicPartition> {
        var all = Set<TopicPartition>()
        for g in s.groups.values { all.formUnion(g.partitions.keys) }
        var topics = Set(all.map(\.topic))
        for g in s.groups.values { topics.formUnion(g.meta?.assignedTopics ?? []) }
        // Every partition of a consumed topic (Burrow's `complete` counts them all).
        for t in topics {
            for p in 0..<Int32(s.topicPartitions[t] ?? 0) { all.insert(TopicPartition(t, p)) }
        }
        return all
    }

    /// What log-end and log-start sampling ask for: every partition of every topic the filter keeps (like
    /// Burrow, so a group's first commit to a topic nobody consumed yet has a known lag), and
    /// consumed partitions the last metadata did not list yet. `consumed` goes back to
    /// `addLogEnds`, computed once per cycle.
    var sampleTargets: (all: [TopicPartition], consumed: Set<TopicPartition>) {
        state.withLock { s in
            let consumed = Self.consumed(in: s)
            var all = consumed
            for (t, n) in s.topicPartitions where config.topics.keeps(t) {
                for p in 0..<Int32(n) { all.insert(TopicPartition(t, p)) }
            }
            return (all.sorted(), consumed)
        }
    }

    /// Stores a log-end sample of each partition. The interpolation history (up to
    /// `history_points` per partition) is kept only for consumed partitions: the rest needs
    /// Burrow's short window alone.
    func addLogEnds(_ offsets: [TopicPartition: Int64], now: Int64, consumed: Set<TopicPartition>? = nil) {
        state.withLock { s in
            let consumed = consumed ?? Self.consumed(in: s)
            for (tp, offset) in offsets {
                s.partitions[tp, default: newHistory()].logEnd.add(offset: offset, timestamp: now)
                if consumed.contains(tp) { s.partitions[tp]?.table.add(offset: offset, time: now) }
            }
        }
    }

    private func newHistory() -> PartitionHistory {
        PartitionHistory(intervals: config.evaluator.intervals, historyPoints: config.lagSeconds.historyPoints)
    }

    func addOldest(_ offsets: [TopicPartition: Int64]) {
        state.withLock { s in
            for (tp, offset) in offsets { s.partitions[tp, default: newHistory()].oldest = offset }
        }
    }

    /// A metadata refresh: topics that no longer exist vanish from every group.
    func applyMetadata(topicPartitions: [String: Int]) {
        state.withLock { s in
            s.topicPartitions = topicPartitions
            func exists(_ tp: TopicPartition) -> Bool { tp.partition < (topicPartitions[tp.topic] ?? 0) }
            s.partitions = s.partitions.filter { exists($0.key) }
            for (name, g) in s.groups where g.partitions.keys.contains(where: { !exists($0) }) {
                var g = g
                g.partitions = g.partitions.filter { exists($0.key) }
                s.groups[name] = g.isEmpty ? nil : g
            }
        }
    }

    /// Drops commits older than expire-group; groups left without commits or metadata vanish.
    func expire(now: Int64) {
        let cutoff = now - expireMs
        state.withLock { s in
            for (name, g) in s.groups {
                guard g.partitions.values.contains(where: { ($0.commits.first?.timestamp ?? cutoff) < cutoff })
                else { continue }
                var g = g
                for (tp, ring) in g.partitions {
                    var r = ring
                    g.partitions[tp] = r.expire(olderThan: cutoff) ? nil : r
                }
                // Burrow: a group whose newest commit expired is gone, metadata or not.
                s.groups[name] = g.partitions.isEmpty ? nil : g
            }
        }
    }

    // MARK: exact lag in seconds

    /// Lagging (partition, committed offset) pairs without a known record timestamp, largest lag first.
    func exactCandidates(limit: Int) -> [(TopicPartition, Int64)] {
        guard limit > 0 else { return [] }
        return state.withLock { s in
            var want: [TopicPartition: [Int64: Int64]] = [:]
            for g in s.groups.values {
                for (tp, ring) in g.partitions {
                    guard let c = ring.newest?.offset, let h = s.partitions[tp], let end = h.logEnd.newest?.offset,
                        end > c, h.recordTimes[c] == nil
                    else { continue }
                    want[tp, default: [:]][c] = end - c
                }
            }
            return want.flatMap { tp, m in m.map { (tp, $0.key, $0.value) } }
                .sorted { ($0.2, $1.0, $1.1) > ($1.2, $0.0, $0.1) }
                .prefix(limit).map { ($0.0, $0.1) }
        }
    }

    func addRecordTimes(_ times: [TopicPartition: (offset: Int64, time: Int64)]) {
        state.withLock { s in
            for (tp, t) in times { s.partitions[tp]?.recordTimes[t.offset] = t.time }
        }
    }

    /// Forgets record times of offsets no group sits at any more.
    func pruneRecordTimes() {
        state.withLock { s in
            var used: [TopicPartition: Set<Int64>] = [:]
            for g in s.groups.values {
                for (tp, ring) in g.partitions { if let o = ring.newest?.offset { used[tp, default: []].insert(o) } }
            }
            for (tp, h) in s.partitions where !h.recordTimes.isEmpty {
                let keep = used[tp] ?? []
                s.partitions[tp]?.recordTimes = h.recordTimes.filter { keep.contains($0.key) }
            }
        }
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

/// Where ingest stands, for readiness and the self metrics.
struct IngestProgress: Sendable, Equatable {
    /// The source in use (auto resolves to one of the other two).
    var source: OffsetsSource?
    /// Every partition of the offsets topic reached the high watermark seen at start (offsets
    /// topic), or the first full poll finished (admin API).
    var caughtUp = false
    /// Records between the read positions and the start (while catching up) or current high watermarks.
    var recordsBehind: Int64?
    /// Last successful request to the cluster (any), seconds since the epoch.
    var lastContact: Double?
    /// Last successful refresh by kind (`metadata`, `log_end_offsets`, `groups`, `offsets_topic`).
    var lastRefresh: [String: Double] = [:]
    /// The last ingest problem, for logs and the status page (never contains secrets).
    var lastError: String?
    /// When each ingest loop (`offsets_topic`, `groups`, `log_end_offsets`) must next succeed,
    /// seconds since the epoch. A broker that hangs fails no request until the request timeout
    /// (30 s by default): without these the cluster read as up all that time.
    var contactDue: [String: Double] = [:]

    var up: Bool { isUp(at: WallClock.nowSeconds) }

    func isUp(at now: Double) -> Bool {
        lastError == nil && lastContact != nil && overdue(at: now).isEmpty
    }

    /// The loops past their due time, sorted.
    func overdue(at now: Double) -> [String] {
        contactDue.filter { $0.value < now }.map(\.key).sorted()
    }

    /// A loop succeeded at `now` (its refresh of that kind is done) and runs again within
    /// `cadence`; it is overdue after that plus `grace` (a slow but healthy broker's answer).
    mutating func heard(_ loop: String, at now: Double, cadence: Duration, grace: Duration) {
        lastContact = now
        lastRefresh[loop] = now
        contactDue[loop] = now + cadence.seconds + grace.seconds
    }
}

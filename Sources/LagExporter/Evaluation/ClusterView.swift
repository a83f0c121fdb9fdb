import KafkaWire

/// A cluster as a scrape, the Burrow API and the status page see it: evaluated at one instant.
struct ClusterView: Sendable {
    var name: String
    var progress: IngestProgress
    var stats: IngestStats
    /// Evaluated groups, by name; empty until ingest caught up (replayed history is not reported).
    var groups: [GroupView]
    /// Log-end and log-start offsets of every sampled partition.
    var partitions: [TopicPartition: (logEnd: Int64?, oldest: Int64?)]
}

struct GroupView: Sendable {
    var name: String
    var evaluation: BurrowEvaluator.GroupEvaluation
    /// Every partition with commits, evaluated or not (those without a known log-end offset
    /// are listed with `evaluation == nil`).
    var partitions: [PartitionView]
    /// Partitions of consumed topics the group has no (unexpired) commit for: Burrow lists them
    /// in `/lag` and counts them in `partition_count`.
    var uncommitted: [TopicPartition] = []
    var meta: GroupMeta?
    var commits: Int64
    /// Largest known lag in seconds over the group's partitions.
    var maxLagSeconds: Double?
}

struct PartitionView: Sendable {
    var topic: String
    var partition: Int32
    var committed: CommitSample
    var evaluation: PartitionEvaluation?
    var lagSeconds: Double?
}

extension LagStore {
    /// The store's state at one instant. Evaluation (Burrow's rules over every commit ring) runs
    /// on this copy outside the lock, so ingest and the Burrow API are not held up for the length
    /// of a scrape (586 ms at 60,000 partitions when it ran under the lock). The copy itself is
    /// O(1): the dictionaries are copy-on-write, and the next ingest write copies only the tables
    /// and the group it changes.
    func snapshot() -> State { state.withLock { $0 } }

    /// Evaluates every group with Burrow's rules at `now` (ms).
    func view(now: Int64) -> ClusterView {
        let s = snapshot()
        var view = header(s)
        _ = forEachGroup(s, now: now) { view.groups.append($0) }
        return view
    }

    /// The cluster without its groups: progress, counters, log-end and log-start offsets.
    func header(_ s: State) -> ClusterView {
        var view = ClusterView(name: config.name, progress: s.progress, stats: s.stats, groups: [], partitions: [:])
        for (tp, h) in s.partitions { view.partitions[tp] = (h.logEnd.newest?.offset, h.oldest) }
        return view
    }

    /// Evaluates the reported groups of a snapshot one at a time, in name order (none until
    /// caught up); returns how many there were.
    func forEachGroup(_ s: State, now: Int64, _ body: (GroupView) -> Void) -> Int {
        guard s.progress.caughtUp else { return 0 }
        var count = 0
        for name in s.groups.keys.sorted() {
            if let gv = evaluate(name, s.groups[name]!, in: s, now: now) {
                body(gv)
                count += 1
            }
        }
        return count
    }

    /// One group evaluated (the Burrow API's per-group requests), nil when unknown or not
    /// reported yet.
    func view(group name: String, now: Int64) -> GroupView? {
        let s = snapshot()
        guard s.progress.caughtUp, let g = s.groups[name] else { return nil }
        return evaluate(name, g, in: s, now: now)
    }

    /// Names of the groups `view(now:)` reports, without evaluating them (the Burrow API's list).
    func groupNames(now: Int64) -> [String] {
        let cutoff = now - expireMs
        let s = snapshot()
        guard s.progress.caughtUp else { return [] }
        return s.groups.compactMap { name, g in
            g.meta != nil || g.partitions.values.contains { ($0.newest?.timestamp ?? .min) >= cutoff } ? name : nil
        }.sorted()
    }

    private func evaluate(_ name: String, _ g: GroupState, in s: State, now: Int64) -> GroupView? {
        let settings = config.evaluator.settings
        let cutoff = now - expireMs
        let maxExtrapolation = config.lagSeconds.maxExtrapolation.duration.milliseconds
        var evaluated: [BurrowEvaluator.PartitionKey: PartitionEvaluation] = [:]
        var partitions: [PartitionView] = []
        var maxSeconds: Double?
        var unknownLagging = false
        var topics = g.meta?.assignedTopics ?? []
        for (tp, ring) in g.partitions {
            let commits = ring.commits.filter { $0.timestamp >= cutoff }
            guard let newest = commits.last else { continue }
            topics.insert(tp.topic)
            var pv = PartitionView(topic: tp.topic, partition: tp.partition, committed: newest)
            if let h = s.partitions[tp], let end = h.logEnd.newest?.offset {
                let lag = max(0, end - newest.offset)
                let e = BurrowEvaluator.partition(
                    commits: commits, currentLag: lag, logEndSamples: h.logEnd.offsets, now: now,
                    settings: settings)
                pv.evaluation = e
                evaluated[.init(tp.topic, tp.partition)] = e
                if lag == 0 {
                    pv.lagSeconds = 0
                } else if let t = h.recordTimes[newest.offset] {
                    pv.lagSeconds = max(0, Double(now - t) / 1000)
                } else {
                    pv.lagSeconds = h.table.lagSeconds(
                        committed: newest.offset, now: now, maxExtrapolationMs: maxExtrapolation)
                }
                if let v = pv.lagSeconds {
                    maxSeconds = max(maxSeconds ?? 0, v)
                } else {
                    unknownLagging = true
                }
            }
            partitions.append(pv)
        }
        if partitions.isEmpty && g.meta == nil { return nil }
        // "0 s behind" must not hide a lagging partition whose age is unknown.
        if unknownLagging && (maxSeconds ?? 0) == 0 { maxSeconds = nil }
        let consumed = topics.reduce(0) { $0 + (s.topicPartitions[$1] ?? 0) }
        partitions.sort { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        let listed = Set(partitions.map { TopicPartition($0.topic, $0.partition) })
        var uncommitted: [TopicPartition] = []
        for t in topics.sorted() {
            for p in 0..<Int32(s.topicPartitions[t] ?? 0) where !listed.contains(TopicPartition(t, p)) {
                uncommitted.append(TopicPartition(t, p))
            }
        }
        return GroupView(
            name: name, evaluation: BurrowEvaluator.group(evaluated, consumedPartitions: consumed),
            partitions: partitions, uncommitted: uncommitted, meta: g.meta, commits: g.commits,
            maxLagSeconds: maxSeconds)
    }
}

import ExporterKit
import KafkaWire

/// Log-end and log-start samples, topic metadata and the expiry of groups and partitions.
extension LagStore {
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
}

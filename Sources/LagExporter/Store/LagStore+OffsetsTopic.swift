import ExporterKit
import KafkaWire

/// Records of `__consumer_offsets`, applied batch by batch.
extension LagStore {
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
}

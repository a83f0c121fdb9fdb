import ExporterKit
import KafkaWire

/// Offsets polled with ListGroups + OffsetFetch (the admin-api source).
extension LagStore {
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
}

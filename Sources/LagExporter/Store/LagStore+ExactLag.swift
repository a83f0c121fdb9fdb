import ExporterKit
import KafkaWire

/// Record times fetched for exact lag in seconds.
extension LagStore {
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
}

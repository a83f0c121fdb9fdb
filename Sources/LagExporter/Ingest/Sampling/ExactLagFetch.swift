import KafkaWire

/// Exact lag in seconds (`lag_seconds.mode: exact`): fetches the timestamp of the first record at
/// or after the committed offset of lagging partitions, at most `lag_seconds.exact_budget`
/// partitions per cycle (one Fetch names a partition once, so one offset per partition), largest
/// lag first. In every mode, it then forgets the timestamps of offsets no group sits at any more.
struct ExactLagFetch: Sendable {
    let client: any IngestClient
    let store: LagStore

    func run() async {
        if store.config.lagSeconds.mode == .exact { await fetchRecordTimes() }
        store.pruneRecordTimes()
    }

    private func fetchRecordTimes() async {
        let budget = store.config.lagSeconds.exactBudget
        var wanted: [TopicPartition: Int64] = [:]
        // Candidates come per (partition, offset); extra ones stand in for partitions seen twice.
        for (tp, offset) in store.exactCandidates(limit: budget * 4) where wanted[tp] == nil && wanted.count < budget {
            wanted[tp] = offset
        }
        guard !wanted.isEmpty else { return }
        let results = await client.fetch(
            wanted, isolation: .readUncommitted, maxBytes: 8 << 20, partitionMaxBytes: 64 << 10,
            maxWait: .milliseconds(100))
        var times: [TopicPartition: (offset: Int64, time: Int64)] = [:]
        for (tp, r) in results {
            guard case .success(let f) = r, let want = wanted[tp] else { continue }
            for b in RecordSetDecoder.decode(f.records).batches where !b.isControl {
                if let rec = b.records.first(where: { $0.offset >= want }), rec.timestamp >= 0 {
                    times[tp] = (want, rec.timestamp)
                    break
                }
            }
        }
        store.addRecordTimes(times)
    }
}

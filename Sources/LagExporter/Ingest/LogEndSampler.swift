import ExporterKit
import KafkaWire
import Logging

/// Samples log-end offsets of every partition (one ListOffsets per leader broker) each
/// `offset_refresh`, refreshes metadata each `topic_refresh` (deleted topics vanish from every
/// group; log-start offsets), expires old commits, and in exact mode fetches the record at
/// committed offsets of lagging partitions, bounded per cycle.
struct LogEndSampler: Sendable {
    let client: any IngestClient
    let store: LagStore
    let logger: Logger
    let outages: OutageLog

    /// Runs cycles until cancelled.
    func run() async {
        var nextMetadata = ContinuousClock.now
        while !Task.isCancelled {
            let started = ContinuousClock.now
            if started >= nextMetadata {
                await refreshMetadata()
                nextMetadata = started + store.config.topicRefresh.duration
            }
            await sampleOnce()
            let next = started + store.config.offsetRefresh.duration
            guard await pause(next - ContinuousClock.now) else { return }
        }
    }

    func refreshMetadata() async {
        do {
            let metadata = try await client.refreshMetadata()
            var counts: [String: Int] = [:]
            for (name, t) in metadata.topics where !t.errorCode.isError || !t.partitions.isEmpty {
                counts[name] = t.partitions.count
            }
            store.applyMetadata(topicPartitions: counts)
            store.heard("metadata", cadence: store.config.topicRefresh.duration)
            outages.record("metadata", error: nil, "metadata refresh")
            let tps = store.sampleTargets.all
            var oldest: [TopicPartition: Int64] = [:]
            for (tp, r) in await client.listOffsets(tps, spec: .earliest) {
                if case .success(let o) = r { oldest[tp] = o.offset }
            }
            store.addOldest(oldest)
        } catch {
            store.count { $0.requestErrors["Metadata", default: 0] += 1 }
            store.updateProgress { $0.lastError = "Metadata: \(error)" }
            outages.record("metadata", error: error, "metadata refresh")
        }
    }

    /// One log-end sample of every partition the topics filter keeps and of consumed partitions
    /// the last metadata did not list yet (`LagStore.sampleTargets`). Also called once when
    /// ingest catches up, so the first evaluation has log-end offsets.
    func sampleOnce() async {
        let (tps, consumed) = store.sampleTargets
        let now = WallClock.nowMs
        if !tps.isEmpty {
            var ends: [TopicPartition: Int64] = [:]
            var failed = 0
            var firstError: (any Error)?
            for (tp, r) in await client.listOffsets(tps, spec: .latest) {
                switch r {
                case .success(let o): ends[tp] = o.offset
                case .failure(let e):
                    failed += 1
                    firstError = firstError ?? e
                }
            }
            store.addLogEnds(ends, now: now, consumed: consumed)
            if failed > 0 {
                store.count { $0.requestErrors["ListOffsets", default: 0] += Int64(failed) }
                logger.debug(
                    "log-end offsets missing for some partitions",
                    metadata: ["cluster": "\(store.config.name)", "failed": "\(failed)", "err": "\(firstError!)"])
            }
            if !ends.isEmpty {
                store.heard("log_end_offsets", cadence: store.config.offsetRefresh.duration)
            }
        } else {
            // Nothing to sample is no sign of a hung broker.
            store.updateProgress { $0.contactDue["log_end_offsets"] = nil }
        }
        store.expire(now: now)
        if store.config.lagSeconds.mode == .exact { await sampleRecordTimes() }
        store.pruneRecordTimes()
    }

    /// Exact lag seconds: the timestamp of the first record at or after each lagging committed
    /// offset (one partition appears once per Fetch, so one offset per partition per cycle).
    func sampleRecordTimes() async {
        var wanted: [TopicPartition: Int64] = [:]
        for (tp, offset) in store.exactCandidates(limit: store.config.lagSeconds.exactBudget * 4)
        where wanted[tp] == nil && wanted.count < store.config.lagSeconds.exactBudget {
            wanted[tp] = offset
        }
        guard !wanted.isEmpty else { return }
        let results = await client.fetch(
            wanted, isolation: .readUncommitted, maxBytes: 8 << 20, partitionMaxBytes: 64 << 10,
            maxWait: .milliseconds(100))
        var times: [TopicPartition: (offset: Int64, time: Int64)] = [:]
        for (tp, r) in results {
            guard case .success(let f) = r, let want = wanted[tp] else { continue }
            let decoded = RecordSetDecoder.decode(f.records)
            for b in decoded.batches where !b.isControl {
                if let rec = b.records.first(where: { $0.offset >= want }), rec.timestamp >= 0 {
                    times[tp] = (want, rec.timestamp)
                    break
                }
            }
        }
        store.addRecordTimes(times)
    }
}

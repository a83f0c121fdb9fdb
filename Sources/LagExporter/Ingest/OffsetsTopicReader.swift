import ExporterKit
import KafkaWire
import Logging

/// Reads every partition of `__consumer_offsets` from the earliest offset, read_committed,
/// and feeds decoded records to the store. Records below the high watermark seen at start are
/// history (replayed without lag); once every partition reached it, `onCaughtUp` runs and the
/// cluster is reported. Bad records and batches are counted and logged once per kind; the
/// reader never stops on them.
struct OffsetsTopicReader: Sendable {
    let client: any IngestClient
    let store: LagStore
    let logger: Logger
    let outages: OutageLog
    var topic: String { store.config.offsetsTopic }

    /// Why the offsets topic cannot be used (the auto source falls back to the admin API).
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// Partitions of the offsets topic; throws `Unreadable` when it is missing or denied.
    func partitions() async throws -> [TopicPartition] {
        let metadata = try await client.refreshMetadata(topics: [topic])
        guard let t = metadata.topics[topic] else {
            throw Unreadable(description: "topic \(topic) does not exist")
        }
        if t.errorCode == .topicAuthorizationFailed {
            throw Unreadable(description: "not authorized to describe \(topic) (TOPIC_AUTHORIZATION_FAILED)")
        }
        if t.errorCode.isError && t.partitions.isEmpty {
            throw Unreadable(description: "metadata of \(topic): \(t.errorCode)")
        }
        return t.partitions.keys.sorted().map { TopicPartition(topic, $0) }
    }

    /// Offsets for every partition, retrying failures; throws `Unreadable` on an authorization error.
    func offsets(_ tps: [TopicPartition], _ spec: OffsetSpec) async throws -> [TopicPartition: Int64] {
        var out: [TopicPartition: Int64] = [:]
        var backoff = Duration.milliseconds(500)
        while !Task.isCancelled {
            let pending = tps.filter { out[$0] == nil }
            if pending.isEmpty { return out }
            for (tp, r) in await client.listOffsets(pending, spec: spec, readCommitted: true) {
                switch r {
                case .success(let o): out[tp] = o.offset
                case .failure(let e as KafkaResponseError) where e.code == .topicAuthorizationFailed:
                    throw Unreadable(description: "not authorized to read \(topic): \(e)")
                case .failure(let e):
                    store.count { $0.requestErrors["ListOffsets", default: 0] += 1 }
                    store.updateProgress { $0.lastError = "ListOffsets \(tp): \(e)" }
                }
            }
            if tps.allSatisfy({ out[$0] != nil }) { return out }
            guard await pause(backoff) else { break }
            backoff = min(backoff * 2, .seconds(10))
        }
        throw CancellationError()
    }

    /// Reads until cancelled.
    func run(onCaughtUp: @Sendable () async -> Void, onStarted: () -> Void = {}) async throws {
        let tps = try await partitions()
        var positions = try await offsets(tps, .earliest)
        var targets = try await offsets(tps, .latest)
        onStarted()
        var filters: [TopicPartition: TransactionFilter] = [:]
        var generations: [TopicPartition: Int64] = [:]
        var highWatermarks = targets
        var logged = Set<String>()
        var caughtUp = false
        var backoff = Duration.milliseconds(200)
        logger.info(
            "reading offsets topic",
            metadata: [
                "cluster": "\(store.config.name)", "topic": "\(topic)", "partitions": "\(tps.count)",
                "records": "\(tps.reduce(0) { $0 + max(0, targets[$1]! - positions[$1]!) })",
            ])
        store.updateProgress { $0.source = .offsetsTopic }

        /// Reads `tp` again from `offset`. A log that shrank (to `shrankTo`, its end now) reuses
        /// offsets: its records start a new generation (see `LagStore.apply`; re-read commits are
        /// dropped as duplicates), and what it holds up to that end is replayed as history,
        /// without lag, like at start.
        func restart(_ tp: TopicPartition, at offset: Int64, shrankTo end: Int64? = nil) {
            positions[tp] = offset
            filters[tp] = nil
            if let end {
                generations[tp, default: 0] += 1
                targets[tp] = end
            }
        }

        while !Task.isCancelled {
            let started = ContinuousClock.now
            let results = await client.fetch(
                positions, isolation: .readCommitted, maxBytes: 2 << 20, partitionMaxBytes: 512 << 10,
                maxWait: .milliseconds(500))
            var progressed = false
            var failures = 0
            let now = WallClock.nowMs
            for (tp, result) in results {
                let position = positions[tp]!
                switch result {
                case .success(let fetched):
                    let target = targets[tp]!
                    let generation = generations[tp] ?? 0
                    var filter = filters[tp] ?? TransactionFilter()
                    let step = OffsetsFetchStep.run(fetched, position: position, filter: &filter) { records in
                        store.apply(records, live: { $0 >= target }, now: now, generation: generation)
                    }
                    filters[tp] = filter
                    if let end = step.readableEnd { highWatermarks[tp] = end }
                    for problem in step.problems {
                        store.count { $0.decodeErrors[problem.kind, default: 0] += 1 }
                        if logged.insert(problem.kind).inserted {
                            logger.warning(
                                "undecodable data in the offsets topic (counted; logged once per kind)",
                                metadata: [
                                    "cluster": "\(store.config.name)", "partition": "\(tp)",
                                    "offset": "\(problem.offset.map { "\($0)" } ?? "batch")",
                                    "err": "\(problem.detail)",
                                ])
                        }
                    }
                    if step.abortedRecords > 0 { store.count { $0.abortedRecords += Int64(step.abortedRecords) } }
                    switch step.outcome {
                    case .advanced(let next):
                        if next > position {
                            positions[tp] = next
                            progressed = true
                        }
                    case .logShrank(let highWatermark):
                        logger.warning(
                            "offsets-topic partition is behind our position (recreated or truncated); restarting at the earliest offset",
                            metadata: [
                                "partition": "\(tp)", "position": "\(position)", "highWatermark": "\(highWatermark)",
                            ])
                        restart(tp, at: (try? await offsets([tp], .earliest)[tp]) ?? 0, shrankTo: highWatermark)
                    }
                case .failure(let e as KafkaResponseError) where e.code == .offsetOutOfRange:
                    // Retention moved the log start past us, or the log was truncated below us
                    // (unclean leader election): restart at the earliest offset.
                    if let earliest = try? await offsets([tp], .earliest)[tp],
                        let latest = try? await offsets([tp], .latest)[tp]
                    {
                        logger.warning(
                            "offsets-topic position out of range; restarting at the earliest offset",
                            metadata: [
                                "partition": "\(tp)", "from": "\(position)", "to": "\(earliest)",
                                "truncated": "\(latest < position)",
                            ])
                        restart(tp, at: earliest, shrankTo: latest < position ? latest : nil)
                    }
                case .failure(let e):
                    failures += 1
                    if failures == 1 {
                        outages.record(
                            "fetch", error: e, "offsets-topic fetch")
                    }
                    store.count { $0.requestErrors["Fetch", default: 0] += 1 }
                    store.updateProgress { $0.lastError = "Fetch \(tp): \(e)" }
                }
            }
            let behindTargets = tps.reduce(Int64(0)) {
                $0 + max(0, (caughtUp ? highWatermarks : targets)[$1]! - positions[$1]!)
            }
            store.updateProgress { p in
                p.recordsBehind = behindTargets
                if failures == 0 { p.lastError = nil }
            }
            // A fetch waits at most 500 ms for records: the next round follows at once.
            if failures < results.count { store.heard("offsets_topic", cadence: .seconds(1)) }
            if failures == 0 {
                outages.record(
                    "fetch", error: nil, "offsets-topic fetch")
            }
            if !caughtUp && tps.allSatisfy({ positions[$0]! >= targets[$0]! }) {
                await onCaughtUp()
                caughtUp = true
                store.updateProgress { $0.caughtUp = true }
                logger.info("offsets topic caught up")
            }
            if failures > 0 && failures == results.count {
                guard await pause(backoff) else { break }
                backoff = min(backoff * 2, .seconds(10))
            } else {
                backoff = .milliseconds(200)
                // A broker that answers an empty fetch at once must not turn this into a busy loop.
                if !progressed && ContinuousClock.now - started < .milliseconds(100) {
                    guard await pause(.milliseconds(250)) else { break }
                }
            }
        }
    }

    static func kind(of error: RecordSetError) -> String {
        switch error {
        case .crcMismatch: "crc_mismatch"
        case .unsupportedCodec: "unsupported_codec"
        case .unsupportedMagic: "unsupported_magic"
        case .decompression: "decompression"
        case .decompressedSizeExceeded: "decompressed_size_exceeded"
        case .invalidBatchLength: "invalid_batch_length"
        case .corruptBatch: "corrupt_batch"
        case .legacyMessage: "legacy_message"
        }
    }
}

import ExporterBase

/// What one partition of a Fetch returned.
public struct FetchedPartition: Sendable {
    public var highWatermark: Int64
    public var lastStableOffset: Int64
    public var logStartOffset: Int64
    /// Raw record set (zero-copy slice of the response); decode with `RecordSetDecoder`.
    public var records: ArraySlice<UInt8>
    /// Listed for read_committed fetches; pass to the partition's `TransactionFilter.process`.
    public var abortedTransactions: [AbortedTransaction]?

    public init(
        highWatermark: Int64, lastStableOffset: Int64 = -1, logStartOffset: Int64 = -1, records: ArraySlice<UInt8>,
        abortedTransactions: [AbortedTransaction]? = nil
    ) {
        self.highWatermark = highWatermark
        self.lastStableOffset = lastStableOffset
        self.logStartOffset = logStartOffset
        self.records = records
        self.abortedTransactions = abortedTransactions
    }

    /// Decodes the records of this one fetch. With `readCommitted`, control batches and
    /// aborted data are removed, and transactional data whose marker is not in this fetch is
    /// left out too (continuous readers keep a `TransactionFilter` per partition instead).
    public func decode(readCommitted: Bool) -> RecordSetDecodeResult {
        var result = RecordSetDecoder.decode(records)
        if readCommitted {
            var filter = TransactionFilter()
            result.batches = filter.process(result.batches, aborted: abortedTransactions)
        }
        return result
    }
}

public enum IsolationLevel: Int8, Sendable {
    case readUncommitted = 0
    case readCommitted = 1
}

extension KafkaClient {
    /// Fetches from each partition's leader, starting at the given offsets. Partitions are
    /// grouped per leader; each gets its own result.
    public func fetch(
        _ offsets: [TopicPartition: Int64], isolation: IsolationLevel = .readCommitted, maxBytes: Int32 = 50 << 20,
        partitionMaxBytes: Int32 = 1 << 20, maxWait: Duration = .milliseconds(100)
    ) async -> [TopicPartition: Result<FetchedPartition, any Error>] {
        let metadata: ClusterMetadata
        do {
            metadata = try await metadataCovering(offsets.keys.map(\.topic), forceRefresh: false)
        } catch {
            return offsets.mapValues { _ in .failure(error) }
        }
        var byLeader: [Int32: [TopicPartition]] = [:]
        var results: [TopicPartition: Result<FetchedPartition, any Error>] = [:]
        for tp in offsets.keys {
            if let leader = metadata.leader(of: tp.topic, partition: tp.partition) {
                byLeader[leader, default: []].append(tp)
            } else {
                results[tp] = .failure(
                    KafkaResponseError(api: "Fetch", code: .leaderNotAvailable, context: "\(tp)"))
            }
        }
        let waitMs = Int32(min(maxWait.milliseconds, 30_000))
        let batch = await withTaskGroup(of: [TopicPartition: Result<FetchedPartition, any Error>].self) { group in
            for (leader, tps) in byLeader {
                group.addTask {
                    await self.fetch(
                        tps.map { ($0, offsets[$0]!) }, from: leader, isolation: isolation, maxBytes: maxBytes,
                        partitionMaxBytes: partitionMaxBytes, maxWaitMs: waitMs)
                }
            }
            var merged: [TopicPartition: Result<FetchedPartition, any Error>] = [:]
            for await part in group { merged.merge(part) { _, new in new } }
            return merged
        }
        results.merge(batch) { _, new in new }
        // A moved leader shows up as NOT_LEADER: refresh so the next fetch goes to the right broker.
        if batch.values.contains(where: {
            if case .failure(let e) = $0 { return Self.needsRefresh(e) }
            return false
        }) {
            _ = try? await refreshMetadata()
        }
        return results
    }

    private func fetch(
        _ partitions: [(TopicPartition, Int64)], from leader: Int32, isolation: IsolationLevel, maxBytes: Int32,
        partitionMaxBytes: Int32, maxWaitMs: Int32
    ) async -> [TopicPartition: Result<FetchedPartition, any Error>] {
        let topics = Dictionary(grouping: partitions, by: \.0.topic).map { topic, parts in
            FetchRequest.FetchTopic(
                topic: topic,
                partitions: parts.map {
                    FetchRequest.FetchPartition(
                        partition: $0.0.partition, fetchOffset: $0.1, partitionMaxBytes: partitionMaxBytes)
                })
        }
        let request = FetchRequest(
            maxWaitMs: maxWaitMs, minBytes: 1, maxBytes: maxBytes, isolationLevel: isolation.rawValue, topics: topics)
        var out: [TopicPartition: Result<FetchedPartition, any Error>] = [:]
        do {
            // v13+ addresses topics by id; v12 by name works with every broker from 2.1 on.
            let response = try await sendTo(leader, request) { v in min(v, 12) }
            if response.errorCode != 0 {
                throw KafkaResponseError(api: "Fetch", code: KafkaErrorCode(response.errorCode))
            }
            for t in response.responses {
                for p in t.partitions {
                    let tp = TopicPartition(t.topic, p.partitionIndex)
                    if p.errorCode != 0 {
                        out[tp] = .failure(
                            KafkaResponseError(api: "Fetch", code: KafkaErrorCode(p.errorCode), context: "\(tp)"))
                        continue
                    }
                    out[tp] = .success(
                        FetchedPartition(
                            highWatermark: p.highWatermark, lastStableOffset: p.lastStableOffset,
                            logStartOffset: p.logStartOffset, records: p.records ?? [],
                            abortedTransactions: p.abortedTransactions?.map {
                                AbortedTransaction(producerId: $0.producerId, firstOffset: $0.firstOffset)
                            }))
                }
            }
            for (tp, _) in partitions where out[tp] == nil {
                out[tp] = .failure(
                    KafkaConnectionError.protocolError(broker: "node \(leader)", reason: "Fetch response omitted \(tp)")
                )
            }
        } catch {
            for (tp, _) in partitions { out[tp] = .failure(error) }
        }
        return out
    }
}

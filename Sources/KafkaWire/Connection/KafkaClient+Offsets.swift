/// Which offset ListOffsets should return.
public enum OffsetSpec: Sendable, Equatable {
    case latest
    case earliest
    /// The first offset whose timestamp is >= this (ms since epoch).
    case timestamp(Int64)

    var wireValue: Int64 {
        switch self {
        case .latest: return -1
        case .earliest: return -2
        case .timestamp(let t): return t
        }
    }
}

public struct PartitionOffset: Sendable, Equatable {
    public var offset: Int64
    public var timestamp: Int64
    public var leaderEpoch: Int32

    public init(offset: Int64, timestamp: Int64 = -1, leaderEpoch: Int32 = -1) {
        self.offset = offset
        self.timestamp = timestamp
        self.leaderEpoch = leaderEpoch
    }
}

extension KafkaClient {
    /// ListOffsets for many partitions, one request per leader (in parallel). Each partition
    /// gets its own result: one unreachable leader does not fail the others.
    public func listOffsets(
        _ partitions: [TopicPartition], spec: OffsetSpec, readCommitted: Bool = false
    ) async -> [TopicPartition: Result<PartitionOffset, any Error>] {
        var results: [TopicPartition: Result<PartitionOffset, any Error>] = [:]
        var pending = partitions
        for attempt in 1...maxAttempts {
            let metadata: ClusterMetadata
            do {
                metadata = try await metadataCovering(pending.map(\.topic), forceRefresh: attempt > 1)
            } catch {
                for tp in pending { results[tp] = .failure(error) }
                return results
            }
            var byLeader: [Int32: [TopicPartition]] = [:]
            for tp in pending {
                if let leader = metadata.leader(of: tp.topic, partition: tp.partition) {
                    byLeader[leader, default: []].append(tp)
                } else {
                    let code =
                        metadata.topics[tp.topic] == nil
                        ? KafkaErrorCode.unknownTopicOrPartition : KafkaErrorCode.leaderNotAvailable
                    results[tp] = .failure(KafkaResponseError(api: "ListOffsets", code: code, context: "\(tp)"))
                }
            }
            let batch = await withTaskGroup(of: [TopicPartition: Result<PartitionOffset, any Error>].self) { group in
                for (leader, tps) in byLeader {
                    group.addTask { await self.listOffsets(tps, at: leader, spec: spec, readCommitted: readCommitted) }
                }
                var merged: [TopicPartition: Result<PartitionOffset, any Error>] = [:]
                for await part in group { merged.merge(part) { _, new in new } }
                return merged
            }
            results.merge(batch) { _, new in new }
            pending = batch.compactMap { tp, r in
                if case .failure(let e) = r, Self.isRetriable(e) { return tp }
                return nil
            }
            if pending.isEmpty { break }
        }
        return results
    }

    private func listOffsets(
        _ tps: [TopicPartition], at leader: Int32, spec: OffsetSpec, readCommitted: Bool
    ) async -> [TopicPartition: Result<PartitionOffset, any Error>] {
        let topics = Dictionary(grouping: tps, by: \.topic).map { topic, parts in
            ListOffsetsRequest.ListOffsetsTopic(
                name: topic,
                partitions: parts.map {
                    ListOffsetsRequest.ListOffsetsPartition(partitionIndex: $0.partition, timestamp: spec.wireValue)
                })
        }
        let request = ListOffsetsRequest(replicaId: -1, isolationLevel: readCommitted ? 1 : 0, topics: topics)
        var out: [TopicPartition: Result<PartitionOffset, any Error>] = [:]
        do {
            let response = try await send(request, to: leader)
            for t in response.topics {
                for p in t.partitions {
                    let tp = TopicPartition(t.name, p.partitionIndex)
                    if p.errorCode != 0 {
                        out[tp] = .failure(
                            KafkaResponseError(api: "ListOffsets", code: KafkaErrorCode(p.errorCode), context: "\(tp)"))
                    } else {
                        out[tp] = .success(
                            PartitionOffset(offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch))
                    }
                }
            }
            for tp in tps where out[tp] == nil {
                out[tp] = .failure(
                    KafkaConnectionError.protocolError(
                        broker: "node \(leader)", reason: "no answer for \(tp) in ListOffsets"))
            }
        } catch {
            for tp in tps { out[tp] = .failure(error) }
        }
        return out
    }

    /// Cached metadata if it knows all `topics`, else a refresh.
    func metadataCovering(_ topics: [String], forceRefresh: Bool) async throws -> ClusterMetadata {
        if !forceRefresh, let m = cachedMetadata, topics.allSatisfy({ m.topics[$0] != nil }) { return m }
        return try await refreshMetadata()
    }
}

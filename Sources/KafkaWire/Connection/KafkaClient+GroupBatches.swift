/// Many groups at once, for pollers of clusters with thousands of groups: one request per
/// coordinator and batch instead of one per group. A group whose part of a batch fails with a
/// coordinator error, and every group of a batch that fails as a whole, is retried alone
/// (which finds its coordinator again).
extension KafkaClient {
    /// Committed offsets of many groups; OffsetFetch v8+ carries many groups per request.
    public func committedOffsets(ofGroups groups: [String], batchSize: Int = 100) async
        -> [String: Result<[TopicPartition: Int64], any Error>]
    {
        await byCoordinator(
            groups, batchSize: batchSize, single: { try await self.committedOffsets(of: $0) },
            batch: { node, batch in
                guard try await self.connection(to: node).version(for: OffsetFetchRequest.self) >= 8 else { return [:] }
                let request = OffsetFetchRequest(groups: batch.map { .init(groupId: $0, topics: nil) })
                let r = try await self.sendTo(node, request) { v in min(v, 9) }
                var out: [String: Result<[TopicPartition: Int64], any Error>] = [:]
                for g in r.groups {
                    let code = KafkaErrorCode(g.errorCode)
                    if code.isError {
                        out[g.groupId] = .failure(
                            KafkaResponseError(api: "OffsetFetch", code: code, context: g.groupId))
                        continue
                    }
                    var offsets: [TopicPartition: Int64] = [:]
                    for t in g.topics {
                        for p in t.partitions where p.errorCode == 0 && p.committedOffset >= 0 {
                            offsets[TopicPartition(t.name, p.partitionIndex)] = p.committedOffset
                        }
                    }
                    out[g.groupId] = .success(offsets)
                }
                return out
            })
    }

    /// DescribeGroups for many classic groups.
    public func describeGroups(_ groups: [String], batchSize: Int = 100) async
        -> [String: Result<DescribeGroupsResponse.DescribedGroup, any Error>]
    {
        await byCoordinator(
            groups, batchSize: batchSize, single: { try await self.describeGroup($0) },
            batch: { node, batch in
                let r = try await self.send(DescribeGroupsRequest(groups: batch), to: node)
                return Self.byGroup(r.groups, api: "DescribeGroups")
            })
    }

    /// ConsumerGroupDescribe for many KIP-848 groups.
    public func describeConsumerGroups(_ groups: [String], batchSize: Int = 100) async
        -> [String: Result<ConsumerGroupDescribeResponse.DescribedGroup, any Error>]
    {
        await byCoordinator(
            groups, batchSize: batchSize, single: { try await self.describeConsumerGroup($0) },
            batch: { node, batch in
                let r = try await self.send(ConsumerGroupDescribeRequest(groupIds: batch), to: node)
                return Self.byGroup(r.groups, api: "ConsumerGroupDescribe")
            })
    }

    /// A described group, or its error, per group id.
    static func byGroup<G: DescribedGroupAnswer>(_ groups: [G], api: String) -> [String: Result<G, any Error>] {
        var out: [String: Result<G, any Error>] = [:]
        for g in groups {
            let code = KafkaErrorCode(g.errorCode)
            out[g.groupId] =
                code.isError
                ? .failure(KafkaResponseError(api: api, code: code, message: g.errorMessage, context: g.groupId))
                : .success(g)
        }
        return out
    }

    /// Groups `groups` by coordinator (looked up concurrently, cached), runs `batch` per
    /// coordinator and chunk, and falls back to `single` for what a batch did not settle.
    private func byCoordinator<T: Sendable>(
        _ groups: [String], batchSize: Int,
        single: @escaping @Sendable (String) async throws -> T,
        batch: @escaping @Sendable (Int32, [String]) async throws -> [String: Result<T, any Error>]
    ) async -> [String: Result<T, any Error>] {
        var results: [String: Result<T, any Error>] = [:]
        var byNode: [Int32: [String]] = [:]
        let located = await Self.concurrently(groups, limit: 8) { g -> Result<Int32, any Error> in
            do { return .success(try await self.coordinator(of: g)) } catch { return .failure(error) }
        }
        for (g, r) in located {
            switch r {
            case .success(let node): byNode[node, default: []].append(g)
            case .failure(let e): results[g] = .failure(e)
            }
        }
        let size = max(1, batchSize)
        let chunks: [(Int32, [String])] = byNode.flatMap { node, gs in
            stride(from: 0, to: gs.count, by: size).map { (node, Array(gs[$0..<min(gs.count, $0 + size)])) }
        }
        let batched = await Self.concurrently(chunks.indices.map { $0 }, limit: 4) { i in
            (try? await batch(chunks[i].0, chunks[i].1)) ?? [:]
        }
        var retry: [String] = []
        for (i, answers) in batched {
            for g in chunks[i].1 {
                switch answers[g] {
                case .some(.failure(let e as KafkaResponseError))
                where e.code == .notCoordinator || e.code == .coordinatorNotAvailable
                    || e.code == .coordinatorLoadInProgress:
                    retry.append(g)
                case .some(let r): results[g] = r
                case .none: retry.append(g)
                }
            }
        }
        for (g, r) in await Self.concurrently(
            retry, limit: 8,
            { g -> Result<T, any Error> in
                do { return .success(try await single(g)) } catch { return .failure(error) }
            })
        {
            results[g] = r
        }
        return results
    }

    /// Runs `body` for every item, at most `limit` at a time.
    static func concurrently<Item: Sendable, R: Sendable>(
        _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async -> R
    ) async -> [(Item, R)] {
        await withTaskGroup(of: (Item, R).self) { tasks in
            var it = items.makeIterator()
            var out: [(Item, R)] = []
            out.reserveCapacity(items.count)
            for _ in 0..<max(1, limit) {
                guard let item = it.next() else { break }
                tasks.addTask { (item, await body(item)) }
            }
            for await r in tasks {
                out.append(r)
                if let item = it.next() { tasks.addTask { (item, await body(item)) } }
            }
            return out
        }
    }
}

/// The fields DescribeGroups and ConsumerGroupDescribe answers share per group.
public protocol DescribedGroupAnswer: Sendable {
    var groupId: String { get }
    var errorCode: Int16 { get }
    var errorMessage: String? { get }
}

extension DescribeGroupsResponse.DescribedGroup: DescribedGroupAnswer {}
extension ConsumerGroupDescribeResponse.DescribedGroup: DescribedGroupAnswer {}

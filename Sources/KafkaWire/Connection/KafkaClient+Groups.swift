extension KafkaClient {
    /// The coordinator of a consumer group (cached; FindCoordinator on a miss).
    public func coordinator(of group: String, refresh: Bool = false) async throws -> Int32 {
        if !refresh, let node = state.withLock({ $0.coordinators[group] }) { return node }
        let node = try await withRetries("FindCoordinator") {
            // v4+ batches keys; older brokers take one key. Either way we ask for one group.
            let response = try await sendToAnyBroker(
                FindCoordinatorRequest(key: group), versionChooser: { v in min(v, 3) })
            let code = KafkaErrorCode(response.errorCode)
            if code.isError {
                throw KafkaResponseError(
                    api: "FindCoordinator", code: code, message: response.errorMessage, context: "group \(group)")
            }
            return response.nodeId
        }
        state.withLock { $0.coordinators[group] = node }
        return node
    }

    /// Runs a request against a group's coordinator, finding a new one on NOT_COORDINATOR.
    public func withCoordinator<T: Sendable>(
        of group: String, _ api: String, _ body: (Int32) async throws -> T
    ) async throws -> T {
        var refresh = false
        return try await withRetries(api) {
            let node = try await coordinator(of: group, refresh: refresh)
            do {
                return try await body(node)
            } catch let e as KafkaResponseError where e.code == .notCoordinator || e.code == .coordinatorNotAvailable {
                refresh = true
                state.withLock { _ = $0.coordinators.removeValue(forKey: group) }
                throw e
            }
        }
    }

    /// Every group of the cluster: ListGroups goes to every broker (each lists the groups it
    /// coordinates). Brokers that fail are reported, the rest still counts.
    /// `types` (e.g. `classic`, `consumer`) is sent as TypesFilter to brokers that support
    /// ListGroups v5 (Kafka 4.0+); older brokers list groups of every type.
    public func listGroups(
        types: [String] = []
    ) async throws -> (groups: [ListGroupsResponse.ListedGroup], failures: [Int32: any Error]) {
        let metadata = try await metadataCovering([], forceRefresh: cachedMetadata == nil)
        return await withTaskGroup(of: (Int32, Result<[ListGroupsResponse.ListedGroup], any Error>).self) { tasks in
            for id in metadata.brokers.keys {
                tasks.addTask {
                    do {
                        let version = try await self.connection(to: id).version(for: ListGroupsRequest.self)
                        let r = try await self.send(ListGroupsRequest(types: types, version: version), to: id)
                        if r.errorCode != 0 {
                            throw KafkaResponseError(api: "ListGroups", code: KafkaErrorCode(r.errorCode))
                        }
                        return (id, .success(r.groups))
                    } catch {
                        return (id, .failure(error))
                    }
                }
            }
            var groups: [ListGroupsResponse.ListedGroup] = []
            var failures: [Int32: any Error] = [:]
            for await (id, r) in tasks {
                switch r {
                case .success(let g): groups += g
                case .failure(let e): failures[id] = e
                }
            }
            return (groups.sorted { $0.groupId < $1.groupId }, failures)
        }
    }

    /// DescribeGroups for one group at its coordinator.
    public func describeGroup(_ group: String) async throws -> DescribeGroupsResponse.DescribedGroup {
        try await withCoordinator(of: group, "DescribeGroups") { node in
            let r = try await send(DescribeGroupsRequest(groups: [group]), to: node)
            guard let g = r.groups.first(where: { $0.groupId == group }) else {
                throw KafkaConnectionError.protocolError(
                    broker: "node \(node)", reason: "DescribeGroups omitted \(group)")
            }
            let code = KafkaErrorCode(g.errorCode)
            if code.isError {
                throw KafkaResponseError(api: "DescribeGroups", code: code, message: g.errorMessage, context: group)
            }
            return g
        }
    }

    /// Committed offsets of a group (all its partitions), from its coordinator.
    public func committedOffsets(of group: String) async throws -> [TopicPartition: Int64] {
        try await withCoordinator(of: group, "OffsetFetch") { node in
            let negotiated = try await connection(to: node).version(for: OffsetFetchRequest.self)
            var out: [TopicPartition: Int64] = [:]
            func add(_ topic: String, _ partition: Int32, _ offset: Int64, _ code: Int16) {
                if code == 0 && offset >= 0 { out[TopicPartition(topic, partition)] = offset }
            }
            if negotiated >= 8 {
                // The per-group layout (Kafka 3.0+); v10 would switch to topic ids, so stop at 9.
                // "All partitions" (null topics) is answered reliably in this layout.
                let request = OffsetFetchRequest(groups: [.init(groupId: group, topics: nil)])
                let r = try await sendTo(node, request) { v in min(v, 9) }
                guard let g = r.groups.first(where: { $0.groupId == group }) else {
                    throw KafkaConnectionError.protocolError(
                        broker: "node \(node)", reason: "OffsetFetch omitted \(group)")
                }
                if g.errorCode != 0 {
                    throw KafkaResponseError(api: "OffsetFetch", code: KafkaErrorCode(g.errorCode), context: group)
                }
                for t in g.topics {
                    for p in t.partitions { add(t.name, p.partitionIndex, p.committedOffset, p.errorCode) }
                }
            } else {
                // Null topics means "all" since v2 (Kafka 0.10.2).
                let r = try await sendTo(node, OffsetFetchRequest(groupId: group, topics: nil)) { v in v }
                if r.errorCode != 0 {
                    throw KafkaResponseError(api: "OffsetFetch", code: KafkaErrorCode(r.errorCode), context: group)
                }
                for t in r.topics {
                    for p in t.partitions { add(t.name, p.partitionIndex, p.committedOffset, p.errorCode) }
                }
            }
            return out
        }
    }
}

extension KafkaClient {
    /// ConsumerGroupDescribe (KIP-848 groups, Kafka 4.0+) for one group at its coordinator.
    public func describeConsumerGroup(_ group: String) async throws -> ConsumerGroupDescribeResponse.DescribedGroup {
        try await withCoordinator(of: group, "ConsumerGroupDescribe") { node in
            let r = try await send(ConsumerGroupDescribeRequest(groupIds: [group]), to: node)
            guard let g = r.groups.first(where: { $0.groupId == group }) else {
                throw KafkaConnectionError.protocolError(
                    broker: "node \(node)", reason: "ConsumerGroupDescribe omitted \(group)")
            }
            let code = KafkaErrorCode(g.errorCode)
            if code.isError {
                throw KafkaResponseError(
                    api: "ConsumerGroupDescribe", code: code, message: g.errorMessage, context: group)
            }
            return g
        }
    }
}

extension ListGroupsRequest {
    /// A request for groups of `types`, as far as `version` can say it: TypesFilter exists from
    /// v5 on; below, the filter is left out (the caller filters the answer).
    public init(types: [String], version: Int16) {
        self.init(typesFilter: version >= 5 ? types : [])
    }
}

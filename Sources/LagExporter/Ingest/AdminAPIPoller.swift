import ExporterKit
import KafkaWire
import Logging

/// The admin-API source, for clusters whose offsets topic cannot be read (managed Kafka):
/// every `poll_interval`, ListGroups on every broker, then per group OffsetFetch (committed
/// offsets) and DescribeGroups (state, members, assignments). A changed offset becomes a
/// commit stamped with the poll time.
struct AdminAPIPoller: Sendable {
    let client: any IngestClient
    let store: LagStore
    let logger: Logger
    let outages: OutageLog

    func run(onFirstPoll: @Sendable () async -> Void) async {
        store.updateProgress { $0.source = .adminAPI }
        var first = true
        while !Task.isCancelled {
            let started = ContinuousClock.now
            if await pollOnce(), first {
                first = false
                await onFirstPoll()
                store.updateProgress { $0.caughtUp = true }
                logger.info("first admin-api poll done")
            }
            guard await pause(started + store.config.pollInterval.duration - ContinuousClock.now) else { return }
        }
    }

    /// The group types asked for (ListGroups v5+, Kafka 4.0+): share and streams groups are not
    /// consumer groups; their offsets are not committed the consumer way.
    static let groupTypes = ["classic", "consumer"]

    /// Kafka's own rule (its admin client): a consumer group's protocol type is `consumer`, or
    /// empty for a group that only commits offsets (assign() + commit()). Other classic groups
    /// (Kafka Connect workers: `connect`) and, from brokers without the type filter, share and
    /// streams groups are skipped, not polled and counted as errors. The type is checked too in
    /// case a broker ignores the filter.
    static func isConsumerGroup(_ g: ListGroupsResponse.ListedGroup) -> Bool {
        let type = g.groupType.lowercased()
        guard type.isEmpty || groupTypes.contains(type) else { return false }
        return g.protocolType == "consumer" || g.protocolType.isEmpty
    }

    /// One poll; true when ListGroups answered.
    func pollOnce() async -> Bool {
        let listed: [ListGroupsResponse.ListedGroup]
        let failures: [Int32: any Error]
        do {
            (listed, failures) = try await client.listGroups(types: Self.groupTypes)
        } catch {
            store.count { $0.requestErrors["ListGroups", default: 0] += 1 }
            store.updateProgress { $0.lastError = "ListGroups: \(error)" }
            outages.record("ListGroups", error: error, "ListGroups")
            return false
        }
        outages.record("ListGroups", error: nil, "ListGroups")
        let kept = listed.filter { Self.isConsumerGroup($0) && store.config.groups.keeps($0.groupId) }
        let names = kept.map(\.groupId)
        // ListGroups v5+ says which groups use the KIP-848 protocol (Kafka 4.0+): those are
        // described with ConsumerGroupDescribe; DescribeGroups knows only classic groups.
        let kip848 = Set(kept.filter { $0.groupType.lowercased() == "consumer" }.map(\.groupId))
        // Batched per coordinator: a cluster with thousands of groups costs a few requests.
        let offsets = await client.committedOffsets(ofGroups: names)
        let classic = await client.describeGroups(names.filter { !kip848.contains($0) })
        let modern = await client.describeConsumerGroups(names.filter { kip848.contains($0) })
        var errors = 0
        var unanswered = 0  // no answer at all (timeouts, connections), not a Kafka error code
        var lastError: String?
        let now = WallClock.nowMs
        for group in names {
            switch offsets[group] {
            case .success(let committed):
                let meta: GroupMeta?
                if kip848.contains(group) {
                    meta = (try? modern[group]?.get()).map(GroupMeta.init)
                } else {
                    meta = (try? classic[group]?.get()).map(GroupMeta.init)
                }
                if meta == nil {
                    store.count {
                        $0.requestErrors[
                            kip848.contains(group) ? "ConsumerGroupDescribe" : "DescribeGroups", default: 0] += 1
                    }
                }
                store.applyPolled(
                    group: group, offsets: committed.filter { store.config.topics.keeps($0.key.topic) }, meta: meta,
                    now: now)
            case .failure(let e):
                errors += 1
                if !(e is KafkaResponseError) { unanswered += 1 }
                lastError = "OffsetFetch \(group): \(e)"
                store.count { $0.requestErrors["OffsetFetch", default: 0] += 1 }
            case nil:
                errors += 1
                unanswered += 1
                lastError = "OffsetFetch \(group): no answer"
            }
        }
        // A broker that failed ListGroups hides its groups: only prune on a complete answer.
        if failures.isEmpty { store.retainGroups(Set(names)) }
        store.count { $0.requestErrors["ListGroups", default: 0] += Int64(failures.count) }
        let failuresText =
            failures.isEmpty ? nil : "ListGroups failed on \(failures.count) broker(s): \(failures.first!.value)"
        // A refresh succeeded when every broker listed its groups and every group's offsets came
        // back, or were refused with a Kafka error code (say GROUP_AUTHORIZATION_FAILED on a
        // managed cluster: counted in request_errors_total, not the whole cluster being down).
        let complete = failures.isEmpty && unanswered == 0
        store.updateProgress {
            $0.lastError = failuresText ?? (unanswered > 0 ? lastError : nil)
        }
        if complete { store.heard("groups", cadence: store.config.pollInterval.duration) }
        if errors > 0 {
            // Debug: a permanently unauthorized group would repeat this every poll; the counter
            // kafka_lag_request_errors_total{api="OffsetFetch"} is what to alert on.
            logger.debug(
                "some groups could not be polled",
                metadata: ["cluster": "\(store.config.name)", "failed": "\(errors)", "err": "\(lastError ?? "")"])
        }
        return true
    }
}

extension GroupMeta {
    /// From DescribeGroups (classic groups).
    init(_ d: DescribeGroupsResponse.DescribedGroup) {
        let assignments =
            d.protocolType == "consumer"
            ? d.members.flatMap { OffsetsRecord.assignment($0.memberAssignment) ?? [] } : []
        self.init(
            state: d.groupState, protocolType: d.protocolType, protocol: d.protocolData.isEmpty ? nil : d.protocolData,
            generation: -1, members: d.members.count, assignedTopics: Set(assignments.map(\.topic)))
    }

    /// From ConsumerGroupDescribe (KIP-848 groups).
    init(_ d: ConsumerGroupDescribeResponse.DescribedGroup) {
        self.init(
            state: d.groupState, protocolType: "consumer", protocol: d.assignorName.isEmpty ? nil : d.assignorName,
            generation: d.groupEpoch, members: d.members.count,
            assignedTopics: Set(d.members.flatMap { $0.assignment.topicPartitions.map(\.topicName) }))
    }
}

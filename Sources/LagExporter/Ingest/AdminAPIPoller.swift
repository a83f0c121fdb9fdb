import ExporterKit
import KafkaWire
import Logging

/// The admin-API source, for clusters whose offsets topic cannot be read (managed Kafka):
/// every `poll_interval`, ListGroups on every broker, then per group OffsetFetch (committed
/// offsets) and DescribeGroups (state, members, assignments). A changed offset becomes a
/// commit stamped with the poll time.
struct AdminAPIPoller: Sendable {
    let client: KafkaClient
    let store: LagStore
    let logger: Logger
    /// Groups polled at once.
    var concurrency = 8

    func run(onFirstPoll: @Sendable () async -> Void) async {
        store.updateProgress { $0.source = .adminAPI }
        var first = true
        while !Task.isCancelled {
            let started = ContinuousClock.now
            if await pollOnce(), first {
                first = false
                await onFirstPoll()
                store.updateProgress { $0.caughtUp = true }
                logger.info("first admin-api poll done", metadata: ["cluster": "\(store.config.name)"])
            }
            guard await pause(started + store.config.pollInterval.duration - ContinuousClock.now) else { return }
        }
    }

    /// One poll; true when ListGroups answered.
    func pollOnce() async -> Bool {
        let listed: [ListGroupsResponse.ListedGroup]
        let failures: [Int32: any Error]
        do {
            (listed, failures) = try await client.listGroups()
        } catch {
            store.count { $0.requestErrors["ListGroups", default: 0] += 1 }
            store.updateProgress { $0.lastError = "ListGroups: \(error)" }
            logger.warning("ListGroups failed", metadata: ["cluster": "\(store.config.name)", "err": "\(error)"])
            return false
        }
        let kept = listed.filter { store.config.groups.keeps($0.groupId) }
        let names = kept.map(\.groupId)
        // ListGroups v5+ says which groups use the KIP-848 protocol (Kafka 4.0+): those are
        // described with ConsumerGroupDescribe; DescribeGroups knows only classic groups.
        let kip848 = Set(kept.filter { $0.groupType.lowercased() == "consumer" }.map(\.groupId))
        var errors = 0
        var lastError: String?
        await withTaskGroup(of: String?.self) { tasks in
            var it = names.makeIterator()
            func next() -> Bool {
                guard let group = it.next() else { return false }
                tasks.addTask { await poll(group, kip848: kip848.contains(group)) }
                return true
            }
            for _ in 0..<concurrency where !next() { break }
            for await failure in tasks {
                if let failure {
                    errors += 1
                    lastError = failure
                }
                _ = next()
            }
        }
        // A broker that failed ListGroups hides its groups: only prune on a complete answer.
        if failures.isEmpty { store.retainGroups(Set(names)) }
        store.count { $0.requestErrors["ListGroups", default: 0] += Int64(failures.count) }
        let failuresText =
            failures.isEmpty ? nil : "ListGroups failed on \(failures.count) broker(s): \(failures.first!.value)"
        store.updateProgress {
            $0.lastContact = WallClock.nowSeconds
            $0.lastRefresh["groups"] = WallClock.nowSeconds
            $0.lastError = failuresText ?? lastError
        }
        if errors > 0 {
            logger.debug(
                "some groups could not be polled",
                metadata: ["cluster": "\(store.config.name)", "failed": "\(errors)", "err": "\(lastError ?? "")"])
        }
        return true
    }

    /// Polls one group; returns an error text when it failed.
    private func poll(_ group: String, kip848: Bool) async -> String? {
        let offsets: [TopicPartition: Int64]
        do {
            offsets = try await client.committedOffsets(of: group)
        } catch {
            store.count { $0.requestErrors["OffsetFetch", default: 0] += 1 }
            return "OffsetFetch \(group): \(error)"
        }
        var meta: GroupMeta?
        if kip848 {
            do {
                let d = try await client.describeConsumerGroup(group)
                meta = GroupMeta(
                    state: d.groupState, protocolType: "consumer",
                    protocol: d.assignorName.isEmpty ? nil : d.assignorName,
                    generation: d.groupEpoch, members: d.members.count,
                    assignedTopics: Set(d.members.flatMap { $0.assignment.topicPartitions.map(\.topicName) }))
            } catch {
                store.count { $0.requestErrors["ConsumerGroupDescribe", default: 0] += 1 }
            }
        } else {
            meta = await describeClassic(group)
        }
        store.applyPolled(
            group: group, offsets: offsets.filter { store.config.topics.keeps($0.key.topic) }, meta: meta,
            now: WallClock.nowMs)
        return nil
    }

    private func describeClassic(_ group: String) async -> GroupMeta? {
        do {
            let d = try await client.describeGroup(group)
            let assignments =
                d.protocolType == "consumer"
                ? d.members.flatMap { OffsetsRecord.assignment($0.memberAssignment) ?? [] } : []
            return GroupMeta(
                state: d.groupState, protocolType: d.protocolType,
                protocol: d.protocolData.isEmpty ? nil : d.protocolData, generation: -1, members: d.members.count,
                assignedTopics: Set(assignments.map(\.topic)))
        } catch {
            store.count { $0.requestErrors["DescribeGroups", default: 0] += 1 }
            return nil
        }
    }
}

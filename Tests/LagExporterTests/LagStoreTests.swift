import ExporterKit
import KafkaWire
import Testing

@testable import LagExporter

@Suite struct LagStoreTests {
    static let now: Int64 = 1_800_000_000_000
    typealias C = OffsetsRecord.OffsetCommit

    static func store(_ yaml: String = "") throws -> LagStore {
        let config = try ConfigLoader.decode(
            LagExporterConfig.self, yaml: "clusters:\n  - name: t\n    bootstrap: [x:1]\n" + yaml, file: "t.yml")
        let s = LagStore(config: config.clusters[0])
        s.updateProgress { $0.caughtUp = true }
        return s
    }

    static func commit(_ group: String, _ topic: String, _ p: Int32, _ offset: Int64, at t: Int64) -> OffsetsRecord {
        .offsetCommit(
            C(
                type: 1, group: group, topic: topic, partition: p,
                value: .init(
                    version: 3, offset: offset, leaderEpoch: -1, metadata: "", commitTimestamp: t,
                    expireTimestamp: -1, topicId: nil)))
    }

    static func tombstone(_ group: String, _ topic: String, _ p: Int32) -> OffsetsRecord {
        .offsetCommit(C(type: 1, group: group, topic: topic, partition: p, value: nil))
    }

    static func feed(_ s: LagStore, _ records: [OffsetsRecord], live: Bool = true, from order: Int64 = 0) {
        s.apply(records.enumerated().map { ($1, order + Int64($0)) }, live: { _ in live }, now: now)
    }

    static func group(_ s: LagStore, _ name: String) -> GroupView? {
        s.view(now: now).groups.first { $0.name == name }
    }

    @Test func liveCommitsGetLagFromTheLatestLogEnd() throws {
        let s = try Self.store()
        s.applyMetadata(topicPartitions: ["t": 1])
        s.addLogEnds([TopicPartition("t", 0): 100], now: Self.now - 5000)
        Self.feed(s, [Self.commit("g", "t", 0, 60, at: Self.now - 4000)])
        let g = try #require(Self.group(s, "g"))
        #expect(g.partitions[0].committed.lag == 40)
        #expect(g.evaluation.totalLag == 40)
    }

    @Test func replayedCommitsHaveNoLagAndNoFalseWarn() throws {
        let s = try Self.store()
        s.applyMetadata(topicPartitions: ["t": 1])
        s.addLogEnds([TopicPartition("t", 0): 1000], now: Self.now - 1000)
        // A healthy consumer's history, replayed after a restart: its lag then is unknown.
        let history = (0..<5).map {
            Self.commit("g", "t", 0, Int64(900 + $0 * 20), at: Self.now - 5000 + Int64($0) * 1000)
        }
        Self.feed(s, history, live: false)
        let g = try #require(Self.group(s, "g"))
        #expect(g.partitions[0].committed.lag == nil)
        #expect(g.evaluation.status == .ok)
    }

    @Test func notReportedUntilCaughtUp() throws {
        let s = try Self.store()
        s.updateProgress { $0.caughtUp = false }
        Self.feed(s, [Self.commit("g", "t", 0, 1, at: Self.now)])
        #expect(s.view(now: Self.now).groups.isEmpty)
    }

    @Test func tombstonesRemoveOffsetsAndGroups() throws {
        let s = try Self.store()
        let meta = OffsetsRecord.GroupMetadata.Value(
            version: 3, protocolType: "consumer", generation: 1, protocol: "range", leader: "m",
            currentStateTimestamp: -1,
            members: [])
        Self.feed(
            s,
            [
                Self.commit("a", "t", 0, 1, at: Self.now), Self.commit("a", "t", 1, 1, at: Self.now),
                Self.tombstone("a", "t", 1),
                Self.commit("b", "t", 0, 1, at: Self.now), .groupMetadata(.init(group: "b", value: meta)),
                .groupMetadata(.init(group: "b", value: nil)),
                Self.commit("c", "t", 0, 1, at: Self.now), .skipped(type: 3, group: "c", tombstone: true),
                .skipped(type: 5, group: "d", tombstone: false), Self.commit("d", "t", 0, 1, at: Self.now),
                .skipped(type: 3, group: "d", tombstone: false),
            ])
        let names = s.view(now: Self.now).groups.map(\.name)
        #expect(names == ["a", "d"])
        #expect(Self.group(s, "a")?.partitions.map(\.partition) == [0])
        #expect(s.state.withLock { $0.stats.skipped["unused_type"] } == 2)
    }

    @Test func expiredCommitsAndGroupsVanish() throws {
        let s = try Self.store("    evaluator: {expire_group: 1h}\n")
        Self.feed(s, [Self.commit("old", "t", 0, 1, at: Self.now - 2 * 3_600_000)])
        #expect(s.state.withLock { $0.stats.skipped["expired"] } == 1)
        Self.feed(s, [Self.commit("ageing", "t", 0, 1, at: Self.now - 3_000_000)], from: 10)
        #expect(Self.group(s, "ageing") != nil)
        s.expire(now: Self.now + 1_000_000)
        #expect(s.state.withLock { $0.groups["ageing"] } == nil)
    }

    @Test func filtersDropGroupsAndTopics() throws {
        let s = try Self.store("    groups: {deny: '^tmp-'}\n    topics: {allow: '^keep$'}\n")
        Self.feed(
            s,
            [
                Self.commit("tmp-1", "keep", 0, 1, at: Self.now), Self.commit("g", "drop", 0, 1, at: Self.now),
                Self.commit("g", "keep", 0, 1, at: Self.now),
            ])
        #expect(s.view(now: Self.now).groups.map(\.name) == ["g"])
        #expect(Self.group(s, "g")?.partitions.map(\.topic) == ["keep"])
        let skipped = s.state.withLock { $0.stats.skipped }
        #expect(skipped["group_filtered"] == 1 && skipped["topic_filtered"] == 1)
    }

    @Test func deletedTopicsVanishFromEveryGroup() throws {
        let s = try Self.store()
        Self.feed(s, [Self.commit("g", "gone", 0, 1, at: Self.now), Self.commit("g", "t", 0, 1, at: Self.now)])
        s.applyMetadata(topicPartitions: ["t": 1])
        #expect(Self.group(s, "g")?.partitions.map(\.topic) == ["t"])
        s.applyMetadata(topicPartitions: [:])
        #expect(Self.group(s, "g") == nil)
    }

    @Test func completeCountsPartitionsNeverCommitted() throws {
        let s = try Self.store("    evaluator: {intervals: 2}\n")
        s.applyMetadata(topicPartitions: ["t": 4])
        s.addLogEnds([TopicPartition("t", 0): 10], now: Self.now)
        Self.feed(s, [Self.commit("g", "t", 0, 10, at: Self.now - 1000), Self.commit("g", "t", 0, 10, at: Self.now)])
        let g = try #require(Self.group(s, "g"))
        #expect(g.evaluation.complete == 0.25)  // 1 full window out of 4 partitions
    }

    @Test func adminAPIPollsStoreChangedOffsetsOnly() throws {
        let s = try Self.store()
        let tp = TopicPartition("t", 0)
        s.applyMetadata(topicPartitions: ["t": 1])
        s.addLogEnds([tp: 50], now: Self.now - 3000)
        s.applyPolled(group: "g", offsets: [tp: 10], meta: nil, now: Self.now - 3000)
        s.applyPolled(group: "g", offsets: [tp: 10], meta: nil, now: Self.now - 2000)
        s.applyPolled(group: "g", offsets: [tp: 20], meta: nil, now: Self.now - 1000)
        let g = try #require(Self.group(s, "g"))
        #expect(g.commits == 2)
        #expect(g.partitions[0].committed.offset == 20)
        // A group without committed offsets or metadata disappears.
        s.applyPolled(group: "g", offsets: [:], meta: nil, now: Self.now)
        #expect(Self.group(s, "g") == nil)
    }

    @Test func lagSecondsZeroWhenCaughtUpAndFromRecordTimesInExactMode() throws {
        let s = try Self.store("    lag_seconds: {mode: exact}\n")
        let tp = TopicPartition("t", 0)
        s.applyMetadata(topicPartitions: ["t": 1])
        s.addLogEnds([tp: 100], now: Self.now - 1000)
        Self.feed(s, [Self.commit("idle", "t", 0, 100, at: Self.now), Self.commit("behind", "t", 0, 40, at: Self.now)])
        #expect(Self.group(s, "idle")?.partitions[0].lagSeconds == 0)
        #expect(Self.group(s, "behind")?.partitions[0].lagSeconds == nil)  // one log-end point: unknown
        #expect(s.exactCandidates(limit: 10).map(\.1) == [40])
        s.addRecordTimes([tp: (offset: 40, time: Self.now - 90_000)])
        #expect(Self.group(s, "behind")?.partitions[0].lagSeconds == 90)
        #expect(s.exactCandidates(limit: 10).isEmpty)
    }

    @Test func singleGroupViewsMatchTheFullView() throws {
        let s = try Self.store("    evaluator: {expire_group: 1h}\n")
        s.applyMetadata(topicPartitions: ["t": 2])
        s.addLogEnds([TopicPartition("t", 0): 100, TopicPartition("t", 1): 100], now: Self.now - 5000)
        Self.feed(
            s,
            [
                Self.commit("a", "t", 0, 50, at: Self.now - 4000), Self.commit("b", "t", 1, 100, at: Self.now),
                Self.commit("old", "t", 0, 1, at: Self.now - 2 * 3_600_000 + 1),
            ])
        s.expire(now: Self.now - 3_600_000)  // "old" is still stored, but expired at `now`
        let full = s.view(now: Self.now)
        #expect(s.groupNames(now: Self.now) == full.groups.map(\.name))
        #expect(full.groups.map(\.name) == ["a", "b"])
        for g in full.groups {
            let one = try #require(s.view(group: g.name, now: Self.now))
            #expect(one.evaluation == g.evaluation && one.partitions.count == g.partitions.count)
        }
        #expect(s.view(group: "old", now: Self.now) == nil && s.view(group: "nope", now: Self.now) == nil)
    }

    @Test func everyTopicIsSampledSoAFirstCommitHasItsLag() throws {
        // Burrow samples every topic: a group's first commit to a topic nobody consumed yet
        // gets a known lag, and the "lags never decrease" rule sees it.
        let s = try Self.store("    topics: {deny: '^skip$'}\n")
        s.applyMetadata(topicPartitions: ["fresh": 2, "idle": 1, "skip": 1])
        #expect(
            s.sampleTargets.all == [TopicPartition("fresh", 0), TopicPartition("fresh", 1), TopicPartition("idle", 0)])
        s.addLogEnds([TopicPartition("fresh", 0): 30], now: Self.now - 2000)
        Self.feed(s, [Self.commit("g", "fresh", 0, 30, at: Self.now - 1000)])
        #expect(Self.group(s, "g")?.partitions[0].committed.lag == 0)
        // The interpolation history is kept for consumed topics only.
        s.addLogEnds([TopicPartition("fresh", 0): 40, TopicPartition("idle", 0): 7], now: Self.now)
        let tables = s.state.withLock {
            (
                $0.partitions[TopicPartition("fresh", 0)]?.table.points.count,
                $0.partitions[TopicPartition("idle", 0)]?.table.points.count
            )
        }
        #expect(tables.0 == 1 && tables.1 == 0)
        // fresh-1 was never committed: listed as uncommitted (Burrow's /lag shows it).
        #expect(Self.group(s, "g")?.uncommitted == [TopicPartition("fresh", 1)])
    }
}

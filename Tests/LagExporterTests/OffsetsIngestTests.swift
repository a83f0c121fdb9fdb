import ExporterKit
import KafkaWire
import Logging
import Synchronization
import Testing

@testable import LagExporter

/// The offsets-topic reader without a broker: each fetch-result case from bytes
/// (`OffsetsFetchStep`), then the whole read loop against a scripted partition log
/// (`FakeOffsetsBroker`): catch-up, OFFSET_OUT_OF_RANGE, a log that shrank, bad batches.
@Suite struct OffsetsIngestTests {
    typealias B = BatchBytes
    static let t: Int64 = LagStoreTests.now

    static func step(
        _ bytes: [UInt8], position: Int64, highWatermark: Int64, aborted: [AbortedTransaction]? = nil,
        filter: inout TransactionFilter
    ) -> (OffsetsFetchStep, [Int64]) {
        var applied: [Int64] = []
        let fetched = FetchedPartition(
            highWatermark: highWatermark, lastStableOffset: highWatermark, records: bytes[...],
            abortedTransactions: aborted)
        let step = OffsetsFetchStep.run(fetched, position: position, filter: &filter) { records in
            applied += records.map(\.offset)
        }
        return (step, applied)
    }

    static func commits(_ n: Int, from offset: Int64 = 0, group: String = "g") -> [B.Record] {
        (0..<n).map { B.commit(group, "orders", 0, offset: 100 + offset + Int64($0), at: t) }
    }

    // MARK: one fetch result

    @Test func recordsBelowThePositionInAPlainBatchAreNotAppliedAgain() {
        var filter = TransactionFilter()
        let (step, applied) = Self.step(
            B.batch(baseOffset: 10, Self.commits(3)), position: 11, highWatermark: 13, filter: &filter)
        #expect(applied == [11, 12])
        #expect(step.outcome == .advanced(next: 13))
        #expect(step.problems.isEmpty && step.readableEnd == 13)
    }

    @Test func aHighWatermarkBelowThePositionIsALogThatShrank() {
        var filter = TransactionFilter()
        let (step, applied) = Self.step(
            B.batch(baseOffset: 0, Self.commits(2)), position: 50, highWatermark: 2, filter: &filter)
        #expect(step.outcome == .logShrank(highWatermark: 2))
        #expect(applied.isEmpty)
    }

    @Test func aCorruptBatchIsCountedAndSteppedOver() {
        var corrupt = B.batch(baseOffset: 2, Self.commits(1, from: 2))
        corrupt[corrupt.count - 3] ^= 0xFF  // a value byte: the CRC no longer matches
        let bytes = B.batch(baseOffset: 0, Self.commits(2)) + corrupt + B.batch(baseOffset: 3, Self.commits(1, from: 3))
        var filter = TransactionFilter()
        let (step, applied) = Self.step(bytes, position: 0, highWatermark: 4, filter: &filter)
        #expect(applied == [0, 1, 3])
        #expect(step.problems.map(\.kind) == ["crc_mismatch"])
        #expect(step.outcome == .advanced(next: 4))
    }

    @Test func aLastBatchThatIsCorruptIsSteppedOverToo() {
        var corrupt = B.batch(baseOffset: 5, Self.commits(2))
        corrupt[corrupt.count - 3] ^= 0xFF
        var filter = TransactionFilter()
        let (step, applied) = Self.step(corrupt, position: 5, highWatermark: 7, filter: &filter)
        #expect(applied.isEmpty)
        #expect(step.outcome == .advanced(next: 7), "the reader would fetch the bad batch for ever")
    }

    @Test func keylessAndUndecodableRecordsAreCountedByKind() {
        let records =
            [
                B.Record(key: nil, value: [1]),
                B.Record(key: Bytes.i16(1) + [0x00], value: nil),  // truncated key
            ] + Self.commits(1, from: 2)
        var filter = TransactionFilter()
        let (step, applied) = Self.step(
            B.batch(baseOffset: 0, records), position: 0, highWatermark: 3, filter: &filter)
        #expect(applied == [2])
        #expect(step.problems.count == 2)
        #expect(step.problems[0].kind == "null_key" && step.problems[0].offset == 0)
        #expect(step.problems[1].kind != "null_key" && step.problems[1].offset == 1)
    }

    @Test func anAbortedTransactionIsDroppedAndACommittedOneApplied() {
        let bytes =
            B.batch(baseOffset: 0, Self.commits(2), producerId: 7, transactional: true)
            + B.marker(baseOffset: 2, producerId: 7, commit: false)
            + B.batch(baseOffset: 3, Self.commits(1, from: 3), producerId: 8, transactional: true)
            + B.marker(baseOffset: 4, producerId: 8, commit: true)
            + B.batch(baseOffset: 5, Self.commits(1, from: 5))
        var filter = TransactionFilter()
        let (step, applied) = Self.step(
            bytes, position: 0, highWatermark: 6, aborted: [AbortedTransaction(producerId: 7, firstOffset: 0)],
            filter: &filter)
        #expect(applied == [3, 5])
        #expect(step.abortedRecords == 2)
        #expect(step.outcome == .advanced(next: 6))
    }

    // MARK: the read loop

    static func reader(_ broker: FakeOffsetsBroker) throws -> (OffsetsTopicReader, LagStore) {
        let store = try LagStoreTests.store()
        store.updateProgress { $0.caughtUp = false }
        let logger = Logger(label: "offsets-ingest-test")
        return (
            OffsetsTopicReader(client: broker, store: store, logger: logger, outages: OutageLog(logger: logger)), store
        )
    }

    /// Polls (10 ms steps) until `condition` holds; false after 10 s.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    static func committed(_ store: LagStore, _ group: String = "g") -> Int64? {
        store.snapshot().groups[group]?.partitions[TopicPartition("orders", 0)]?.newest?.offset
    }

    @Test func catchesUpOnceThenAppliesNewCommitsLive() async throws {
        let broker = FakeOffsetsBroker(partitions: 2)
        broker.append(0, base: 0, count: 2, B.batch(baseOffset: 0, Self.commits(2)))
        broker.append(1, base: 0, count: 1, B.batch(baseOffset: 0, Self.commits(1, group: "h")))
        let (reader, store) = try Self.reader(broker)
        let caughtUp = Counter()
        let task = Task { try await reader.run(onCaughtUp: { caughtUp.add() }) }
        defer { task.cancel() }
        #expect(await Self.eventually { store.progress.caughtUp })
        #expect(Self.committed(store) == 101 && Self.committed(store, "h") == 100)
        // History is replayed without lag: nothing says what the lag was back then.
        #expect(store.snapshot().groups["g"]?.partitions[TopicPartition("orders", 0)]?.newest?.lag == nil)
        broker.append(0, base: 2, count: 1, B.batch(baseOffset: 2, Self.commits(1, from: 7)))
        #expect(await Self.eventually { Self.committed(store) == 107 })
        #expect(caughtUp.value == 1)
        #expect(store.progress.recordsBehind == 0)
    }

    @Test func offsetOutOfRangeRestartsAtTheEarliestOffset() async throws {
        let broker = FakeOffsetsBroker(partitions: 1)
        broker.append(0, base: 0, count: 2, B.batch(baseOffset: 0, Self.commits(2)))
        let (reader, store) = try Self.reader(broker)
        let task = Task { try await reader.run(onCaughtUp: {}) }
        defer { task.cancel() }
        #expect(await Self.eventually { store.progress.caughtUp })
        // Retention deleted everything up to 10 and compaction left one batch there; our
        // position (2) is now below the log start.
        broker.edit(0) {
            $0.batches = [(10, B.batch(baseOffset: 10, Self.commits(1, from: 40)))]
            $0.logStart = 10
            $0.highWatermark = 11
        }
        #expect(await Self.eventually { Self.committed(store) == 140 })
        let tp = TopicPartition("__consumer_offsets", 0)
        #expect(broker.fetchedFrom.withLock { $0[tp]!.contains(10) })
    }

    @Test func aLogThatShrankUnderUsIsReadAgainFromItsStart() async throws {
        let broker = FakeOffsetsBroker(partitions: 1)
        broker.append(0, base: 0, count: 5, B.batch(baseOffset: 0, Self.commits(5)))
        let (reader, store) = try Self.reader(broker)
        let task = Task { try await reader.run(onCaughtUp: {}) }
        defer { task.cancel() }
        #expect(await Self.eventually { Self.committed(store) == 104 })
        // The topic was recreated: one record at offset 0, and this broker answers empty
        // (high watermark 1 < our position 5) instead of OFFSET_OUT_OF_RANGE.
        broker.edit(0) {
            $0.batches = [(0, B.batch(baseOffset: 0, [B.commit("g", "orders", 0, offset: 900, at: Self.t)]))]
            $0.highWatermark = 1
            $0.emptyPastEnd = true
        }
        #expect(await Self.eventually { Self.committed(store) == 900 })
    }

    @Test func aLogTruncatedBelowUsIsFollowedWithoutReplayingOldCommitsAsNew() async throws {
        // Kafka answers OFFSET_OUT_OF_RANGE for a position past the end. After an unclean
        // leader election the log keeps offsets 0-1 and the next commit reuses offset 2.
        let broker = FakeOffsetsBroker(partitions: 1)
        for i in Int64(0)..<5 {
            broker.append(
                0, base: i, count: 1,
                B.batch(baseOffset: i, [B.commit("g", "orders", 0, offset: 100 + i, at: Self.t + i)]))
        }
        let (reader, store) = try Self.reader(broker)
        let task = Task { try await reader.run(onCaughtUp: {}) }
        defer { task.cancel() }
        #expect(await Self.eventually { Self.committed(store) == 104 })
        broker.edit(0) {
            $0.batches.removeLast(3)
            $0.batches.append(
                (2, B.batch(baseOffset: 2, [B.commit("g", "orders", 0, offset: 900, at: Self.t + 60_000)])))
            $0.highWatermark = 3
        }
        #expect(await Self.eventually { Self.committed(store) == 900 })
        let ring = try #require(store.snapshot().groups["g"]?.partitions[TopicPartition("orders", 0)])
        // The retained commits (offsets 0-1) were read again and dropped: no offset goes back.
        #expect(ring.commits.map(\.offset) == [100, 101, 102, 103, 104, 900])
        #expect(store.snapshot().stats.skipped["duplicate"] == 2)
    }

    @Test func aCorruptBatchIsCountedAndTheReaderGoesOn() async throws {
        let broker = FakeOffsetsBroker(partitions: 1)
        var corrupt = B.batch(baseOffset: 1, Self.commits(1, from: 1))
        corrupt[corrupt.count - 3] ^= 0xFF
        broker.append(0, base: 0, count: 1, B.batch(baseOffset: 0, Self.commits(1)))
        broker.append(0, base: 1, count: 1, corrupt)
        broker.append(0, base: 2, count: 1, B.batch(baseOffset: 2, Self.commits(1, from: 2)))
        let (reader, store) = try Self.reader(broker)
        let task = Task { try await reader.run(onCaughtUp: {}) }
        defer { task.cancel() }
        #expect(await Self.eventually { store.progress.caughtUp })
        #expect(Self.committed(store) == 102)
        #expect(store.snapshot().stats.decodeErrors == ["crc_mismatch": 1])
    }
}

/// Counts calls from a @Sendable closure.
final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

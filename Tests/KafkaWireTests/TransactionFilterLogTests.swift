import KafkaWire
import Testing

@Suite("read_committed filtering of a whole log")
struct TransactionFilterLogTests {
    static func data(_ base: Int64, producer: Int64, count: Int = 1, transactional: Bool = true) -> TestBatch {
        TestBatch(
            baseOffset: base, transactional: transactional, producerId: producer, producerEpoch: 1,
            records: (0..<count).map { TestRecord.simple($0, value: "p\(producer)@\(base + Int64($0))") })
    }

    static func marker(_ offset: Int64, producer: Int64, commit: Bool) -> TestBatch {
        TestBatch.controlBatch(baseOffset: offset, producerId: producer, type: commit ? 1 : 0)
    }

    /// P1 aborts its first transaction and commits a second; P2 commits then aborts;
    /// P3 is not transactional; P4's aborted transaction starts after its batch.
    static let log: [TestBatch] = [
        data(0, producer: 1, count: 2),
        data(2, producer: 2, count: 2),
        data(4, producer: 3, transactional: false),
        data(5, producer: 1),
        marker(6, producer: 1, commit: false),
        marker(7, producer: 2, commit: true),
        data(8, producer: 1, count: 2),
        marker(10, producer: 1, commit: true),
        data(11, producer: 2),
        marker(12, producer: 2, commit: false),
        data(13, producer: 4),
    ]

    static func decoded() -> [RecordBatch] {
        let result = RecordSetDecoder.decode(log.flatMap { $0.encode() })
        precondition(result.errors.isEmpty && result.batches.count == log.count)
        return result.batches
    }

    /// The filter over one fetch of `log` (a fresh reader of the partition).
    static func filter(_ batches: [RecordBatch], aborted: [AbortedTransaction]?) -> (TransactionFilter, [RecordBatch]) {
        var f = TransactionFilter()
        let kept = f.process(batches, aborted: aborted)
        return (f, kept)
    }

    @Test func abortedTransactionsAndMarkersAreRemoved() {
        let aborted = [
            AbortedTransaction(producerId: 2, firstOffset: 11),
            AbortedTransaction(producerId: 1, firstOffset: 0),
            AbortedTransaction(producerId: 4, firstOffset: 20),
        ]
        let (f, kept) = Self.filter(Self.decoded(), aborted: aborted)
        // Committed data is released at its COMMIT marker: P2's batch at 2 comes out at 7.
        #expect(kept.map(\.baseOffset) == [4, 2, 8])
        #expect(kept.flatMap { $0.records.map(\.offset) } == [4, 2, 3, 8, 9])
        #expect(f.controlBatches == 4)
        #expect(f.abortedBatches == 3)
        #expect(f.abortedRecords == 4)
        // P4's transaction has no marker yet: held, and a restarting reader resumes there.
        #expect(f.heldBatches == 1 && f.firstOpenOffset == 13)
    }

    @Test func withoutAbortedListTheMarkersGiveTheSameAnswer() {
        for aborted in [nil, [AbortedTransaction]()] {
            let (f, kept) = Self.filter(Self.decoded(), aborted: aborted)
            #expect(kept.map(\.baseOffset) == [4, 2, 8])
            #expect(kept.allSatisfy { !$0.isControl })
            #expect(f.abortedRecords == 4)
        }
    }

    @Test func abortedProducerWithoutMarkerInThisFetchStaysAborted() {
        // The fetch ends before P7's abort marker: all its transactional batches go, its
        // non-transactional batch stays, P8's open transaction waits for its marker.
        let log = [
            Self.data(100, producer: 7),
            Self.data(101, producer: 8),
            Self.data(102, producer: 7),
            Self.data(103, producer: 7, transactional: false),
        ]
        let batches = RecordSetDecoder.decode(log.flatMap { $0.encode() }).batches
        let (f, kept) = Self.filter(batches, aborted: [AbortedTransaction(producerId: 7, firstOffset: 100)])
        #expect(kept.map(\.baseOffset) == [103])
        #expect(f.abortedBatches == 2 && f.firstOpenOffset == 101)
    }

    @Test func compressedTransactionalBatchesFilterTheSame() {
        let log = [
            TestBatch(
                baseOffset: 0, codec: .zstd, transactional: true, producerId: 1, producerEpoch: 0,
                records: (0..<10).map { TestRecord.simple($0) }),
            TestBatch(
                baseOffset: 10, codec: .lz4, transactional: true, producerId: 2, producerEpoch: 0,
                records: (0..<10).map { TestRecord.simple($0) }),
            Self.marker(20, producer: 1, commit: false),
            Self.marker(21, producer: 2, commit: true),
        ]
        let result = RecordSetDecoder.decode(log.flatMap { $0.encode() })
        #expect(result.controlBatchCount == 2)
        let (_, kept) = Self.filter(result.batches, aborted: [.init(producerId: 1, firstOffset: 0)])
        #expect(kept.flatMap { $0.records.map(\.offset) } == Array(10..<20))
    }
}

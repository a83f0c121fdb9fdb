import KafkaWire
import Testing

/// Marker-based read_committed across fetches, on spec-built batches.
@Suite struct TransactionFilterTests {
    typealias T = TransactionFilterLogTests

    static func values(_ batches: [RecordBatch]) -> [String] {
        batches.flatMap(\.records).compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The same log as TransactionFilterLogTests, with NO AbortedTransactions list (as Tansu answers):
    /// markers alone decide. Committed data is released at its COMMIT marker.
    @Test func markersAloneResolveTransactions() {
        var f = TransactionFilter()
        let out = f.process(T.decoded(), aborted: [])
        #expect(Self.values(out) == ["p3@4", "p2@2", "p2@3", "p1@8", "p1@9"])
        // p1@0, p1@1, p1@5 (aborted at 6) and p2@11 (aborted at 12)
        #expect(f.abortedRecords == 4)
        #expect(f.controlBatches == 4)
        // P4's transaction has no marker yet: held, and the reader must resume at 13.
        #expect(f.heldBatches == 1)
        #expect(f.firstOpenOffset == 13)
    }

    @Test func transactionSplitOverFetchesIsReleasedAtItsMarker() {
        let all = T.decoded()
        var f = TransactionFilter()
        var out: [RecordBatch] = []
        for chunk in stride(from: 0, to: all.count, by: 3) {
            out += f.process(Array(all[chunk..<min(chunk + 3, all.count)]))
        }
        #expect(Self.values(out) == ["p3@4", "p2@2", "p2@3", "p1@8", "p1@9"])
    }

    @Test func listedAbortDropsWithoutWaitingForTheMarker() {
        let batches = RecordSetDecoder.decode(
            [T.data(0, producer: 7, count: 2), T.data(2, producer: 8, transactional: false)].flatMap { $0.encode() }
        ).batches
        var f = TransactionFilter()
        let out = f.process(batches, aborted: [AbortedTransaction(producerId: 7, firstOffset: 0)])
        #expect(Self.values(out) == ["p8@2"])
        #expect(f.abortedRecords == 2)
        #expect(f.heldBatches == 0)
        // The marker arriving later changes nothing.
        let marker = RecordSetDecoder.decode(T.marker(3, producer: 7, commit: false).encode()).batches
        #expect(f.process(marker).isEmpty)
        #expect(f.abortedRecords == 2)
    }
}

/// What read_committed filtering removed.
public struct ReadCommittedResult: Sendable {
    /// Data batches to hand to the application.
    public var batches: [RecordBatch]
    /// Control batches (transaction markers) removed.
    public var controlBatchesDropped: Int
    /// Transactional data batches of aborted transactions removed.
    public var abortedBatchesDropped: Int
    /// Records in `abortedBatchesDropped`.
    public var abortedRecordsDropped: Int

    public init(
        batches: [RecordBatch] = [],
        controlBatchesDropped: Int = 0,
        abortedBatchesDropped: Int = 0,
        abortedRecordsDropped: Int = 0
    ) {
        self.batches = batches
        self.controlBatchesDropped = controlBatchesDropped
        self.abortedBatchesDropped = abortedBatchesDropped
        self.abortedRecordsDropped = abortedRecordsDropped
    }
}

extension RecordSetDecoder {
    /// read_committed view of decoded batches: control batches and the data of aborted
    /// transactions removed. `aborted` is the AbortedTransactions list of the Fetch response
    /// partition (nil when the broker sent none: only control batches are removed).
    public static func readCommitted(_ batches: [RecordBatch], aborted: [AbortedTransaction]?) -> [RecordBatch] {
        readCommittedDetailed(batches, aborted: aborted).batches
    }

    /// `readCommitted` with counts of what was dropped. Follows the Java consumer: aborted
    /// transactions sorted by firstOffset are consumed up to each batch's last offset, adding
    /// their producer to the "currently aborted" set; a transactional batch of a producer in
    /// that set is dropped; an ABORT marker of a producer removes it from the set.
    public static func readCommittedDetailed(
        _ batches: [RecordBatch],
        aborted: [AbortedTransaction]?
    ) -> ReadCommittedResult {
        var result = ReadCommittedResult()
        let pending = (aborted ?? []).sorted { $0.firstOffset < $1.firstOffset }
        var next = 0
        var abortedProducers = Set<Int64>()
        for batch in batches {
            if aborted != nil && batch.producerId >= 0 {
                while next < pending.count && pending[next].firstOffset <= batch.lastOffset {
                    abortedProducers.insert(pending[next].producerId)
                    next += 1
                }
                if batch.isControl && batch.controlType == .abort {
                    abortedProducers.remove(batch.producerId)
                } else if !batch.isControl && batch.isTransactional && abortedProducers.contains(batch.producerId) {
                    result.abortedBatchesDropped += 1
                    result.abortedRecordsDropped += batch.records.count
                    continue
                }
            }
            if batch.isControl {
                result.controlBatchesDropped += 1
                continue
            }
            result.batches.append(batch)
        }
        return result
    }
}

/// read_committed for a continuous reader of one partition: transactional batches are held
/// per producer until that producer's COMMIT marker (then released, in the marker's place) or
/// ABORT marker (then dropped). Control batches are never returned.
///
/// Kafka's broker also lists AbortedTransactions in read_committed fetches and stops at the
/// last stable offset; this filter honours that list but does not depend on it: some
/// Kafka-compatible brokers return aborted data with an empty list (Tansu does), and a reader
/// must never count an aborted offset commit. State is kept across fetches, so a transaction
/// split over several fetches (or larger than one) is resolved when its marker arrives.
public struct TransactionFilter: Sendable {
    private var open: [Int64: [RecordBatch]] = [:]
    public private(set) var controlBatches = 0
    public private(set) var abortedBatches = 0
    public private(set) var abortedRecords = 0

    public init() {}

    /// Feeds the next batches (in offset order); returns those readable now.
    public mutating func process(_ batches: [RecordBatch], aborted: [AbortedTransaction]? = nil) -> [RecordBatch] {
        let listed = (aborted ?? []).sorted { $0.firstOffset < $1.firstOffset }
        var next = 0
        var listedAborted = Set<Int64>()
        var out: [RecordBatch] = []
        for batch in batches {
            let pid = batch.producerId
            if batch.isControl {
                controlBatches += 1
                guard pid >= 0 else { continue }
                let held = open.removeValue(forKey: pid) ?? []
                if batch.controlType == .commit {
                    out += held
                } else {
                    drop(held)
                    if batch.controlType == .abort { listedAborted.remove(pid) }
                }
                continue
            }
            guard batch.isTransactional, pid >= 0 else {
                out.append(batch)
                continue
            }
            while next < listed.count && listed[next].firstOffset <= batch.lastOffset {
                listedAborted.insert(listed[next].producerId)
                next += 1
            }
            if listedAborted.contains(pid) {
                drop([batch])
            } else {
                open[pid, default: []].append(batch)
            }
        }
        return out
    }

    private mutating func drop(_ batches: [RecordBatch]) {
        abortedBatches += batches.count
        abortedRecords += batches.reduce(0) { $0 + $1.records.count }
    }

    /// Batches waiting for their transaction's marker.
    public var heldBatches: Int { open.values.reduce(0) { $0 + $1.count } }

    /// Lowest offset still waiting for a marker: a reader that restarts must resume there.
    public var firstOpenOffset: Int64? { open.values.compactMap { $0.first?.baseOffset }.min() }
}

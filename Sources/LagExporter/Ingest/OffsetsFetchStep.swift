import KafkaWire

/// What one partition's successful fetch of the offsets topic means for the reader: decoded
/// records handed to `apply` batch by batch, problems to count, where to read next. Pure (no
/// client, no store), so each case is unit-tested from bytes.
struct OffsetsFetchStep {
    enum Outcome: Equatable {
        /// Read on from `next` (equal to the position when the fetch held nothing complete).
        case advanced(next: Int64)
        /// The log ends before our position: the topic was recreated or truncated. Kafka answers
        /// OFFSET_OUT_OF_RANGE; some compatible brokers answer empty. Restart at the earliest offset.
        case logShrank(highWatermark: Int64)
    }

    /// A counted problem: `kind` is the stable label of `kafka_lag_decode_errors_total`.
    struct Problem: Equatable {
        var kind: String
        var detail: String
        var offset: Int64?
    }

    var outcome: Outcome
    /// The last stable offset (read_committed reads stop there), else the high watermark.
    var readableEnd: Int64?
    var problems: [Problem] = []
    var abortedRecords = 0

    /// - Parameters:
    ///   - position: the offset asked for. Records below it in a plain batch were read before
    ///     (a fetch returns whole batches); transactional batches are kept whole because the
    ///     filter needs them to match their markers.
    ///   - filter: the partition's transaction filter, carried across fetches.
    static func run(
        _ fetched: FetchedPartition, position: Int64, filter: inout TransactionFilter,
        apply: ([(record: OffsetsRecord, offset: Int64)]) -> Void
    ) -> OffsetsFetchStep {
        if fetched.highWatermark >= 0 && fetched.highWatermark < position {
            return OffsetsFetchStep(outcome: .logShrank(highWatermark: fetched.highWatermark), readableEnd: nil)
        }
        var step = OffsetsFetchStep(
            outcome: .advanced(next: position),
            readableEnd: fetched.lastStableOffset >= 0 ? fetched.lastStableOffset : fetched.highWatermark)
        let decoded = RecordSetDecoder.decode(fetched.records)
        for error in decoded.errors {
            step.problems.append(Problem(kind: OffsetsTopicReader.kind(of: error), detail: "\(error)"))
        }
        let abortedBefore = filter.abortedRecords
        let batches = filter.process(decoded.batches, aborted: fetched.abortedTransactions)
        step.abortedRecords = filter.abortedRecords - abortedBefore
        // Applied batch by batch: the decoded records of a whole fetch never pile up.
        var records: [(record: OffsetsRecord, offset: Int64)] = []
        for batch in batches {
            records.removeAll(keepingCapacity: true)
            for r in batch.records where r.offset >= position || batch.isTransactional {
                guard let key = r.key else {
                    step.problems.append(Problem(kind: "null_key", detail: "record without a key", offset: r.offset))
                    continue
                }
                do {
                    records.append((try OffsetsRecord.decode(key: key, value: r.value), r.offset))
                } catch {
                    step.problems.append(Problem(kind: error.reason, detail: "\(error)", offset: r.offset))
                }
            }
            if !records.isEmpty { apply(records) }
        }
        // Past undecodable batches too (counted above): never fetch one forever.
        if let next = decoded.resumeOffset, next > position { step.outcome = .advanced(next: next) }
        return step
    }
}

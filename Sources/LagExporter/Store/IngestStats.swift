/// Counters of what ingest saw, for the self metrics. Keys are small closed sets (record type
/// numbers, fixed reason strings), so they cannot grow without bound.
struct IngestStats: Sendable, Equatable {
    /// Records read from the offsets topic by key type.
    var recordsByType: [Int16: Int64] = [:]
    /// Records read but not stored, by reason (`unused_type`, `group_filtered`, `topic_filtered`,
    /// `expired`, `duplicate`).
    var skipped: [String: Int64] = [:]
    /// Records or batches that could not be decoded, by reason.
    var decodeErrors: [String: Int64] = [:]
    /// Records of aborted transactions dropped.
    var abortedRecords: Int64 = 0
    /// Failed Kafka requests of ingest, by API.
    var requestErrors: [String: Int64] = [:]

    mutating func skip(_ reason: String, _ n: Int64 = 1) { skipped[reason, default: 0] += n }
}

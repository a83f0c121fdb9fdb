/// One stored commit of a group/topic/partition (Burrow's ring entry).
public struct CommitSample: Sendable, Equatable {
    public var offset: Int64
    /// The record's own offset in `__consumer_offsets`: the ring's sort key.
    public var order: Int64
    /// Commit timestamp, ms.
    public var timestamp: Int64
    /// -1 for unknown: 32 bytes per sample instead of 40 with an optional (60,000 partitions x 10
    /// commits is most of the exporter's memory).
    private var storedLag: Int64

    /// Log-end offset known when the commit was stored minus the offset (>= 0); nil if unknown.
    public var lag: Int64? {
        get { storedLag < 0 ? nil : storedLag }
        set { storedLag = max(-1, newValue ?? -1) }
    }

    public init(offset: Int64, order: Int64, timestamp: Int64, lag: Int64?) {
        self.offset = offset
        self.order = order
        self.timestamp = timestamp
        self.storedLag = max(-1, lag ?? -1)
    }
}

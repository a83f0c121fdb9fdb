/// Smoothed-RTT observations in `TCPInfoSummary.rttBuckets`, plus retransmitted segments: what
/// the peers collector keeps per remote address and then folds into peer groups.
public struct PeerTCPInfo: Sendable, Equatable {
    /// Non-cumulative counts per bucket; the last slot is above the largest bound.
    public var rttCounts = [UInt32](repeating: 0, count: TCPInfoSummary.rttBuckets.count + 1)
    public var rttSumSeconds: Double = 0
    public var rttCount: UInt64 = 0
    /// Sum of tcpi_total_retrans of the sockets open now.
    public var retransmittedSegments: UInt64 = 0

    public init() {}

    /// ESTABLISHED sockets give an RTT; every socket with tcp_info its retransmits.
    @inline(__always)
    mutating func add(_ info: TCPInfo, state: UInt8) {
        retransmittedSegments += UInt64(info.totalRetransmits)
        guard state == TCPState.established.rawValue else { return }
        let rtt = Double(info.rttMicros) / 1_000_000
        let slot = TCPInfoSummary.rttBuckets.firstIndex { rtt <= $0 } ?? TCPInfoSummary.rttBuckets.count
        rttCounts[slot] += 1
        rttSumSeconds += rtt
        rttCount += 1
    }

    mutating func merge(_ o: PeerTCPInfo) {
        for i in rttCounts.indices { rttCounts[i] += o.rttCounts[i] }
        rttSumSeconds += o.rttSumSeconds
        rttCount += o.rttCount
        retransmittedSegments += o.retransmittedSegments
    }

    /// Cumulative (upper bound, count) pairs for the exposition; +Inf is the count.
    var cumulativeBuckets: [(Double, Double)] {
        var running: UInt64 = 0
        return TCPInfoSummary.rttBuckets.indices.map { i in
            running += UInt64(rttCounts[i])
            return (TCPInfoSummary.rttBuckets[i], Double(running))
        }
    }
}

/// Remote address and direction: the key the peers collector folds.
public struct PeerInfoKey: Hashable, Sendable {
    public var address: IPAddress16
    public var direction: Direction
}

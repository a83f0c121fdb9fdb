/// Per port/direction aggregates of the sockets' tcp_info (netlink source only).
public struct TCPInfoSummary: Sendable, Equatable {
    /// Upper bounds (seconds) of the RTT histogram: 100 µs to 1 s. Loopback and one rack sit in
    /// the first buckets, one availability zone to another around 0.5-2 ms, regions 10-300 ms.
    public static let rttBuckets: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ]
    /// Quantiles of the delivery-rate summary: the slow tail matters most.
    public static let deliveryQuantiles: [Double] = [0.1, 0.5, 0.9]

    public struct FlowInfo: Sendable, Equatable {
        /// Cumulative counts per bound of `rttBuckets`, ESTABLISHED sockets.
        public var rttBuckets = [UInt64](repeating: 0, count: TCPInfoSummary.rttBuckets.count)
        public var rttCount: UInt64 = 0
        public var rttSumSeconds: Double = 0
        /// Sum of tcpi_total_retrans over the sockets open now.
        public var retransmittedSegments: UInt64 = 0
        /// Sum of tcpi_lost: segments currently considered lost.
        public var lostSegments: UInt64 = 0
        /// ESTABLISHED sockets that received no data for at least the idle threshold.
        public var idle = 0
        /// Delivery-rate quantiles (bytes/s) over ESTABLISHED sockets with a delivery sample.
        public var deliveryQuantiles: [Double] = []
        public var deliveryCount = 0
        public var deliverySum: Double = 0
        /// Sockets with tcp_info behind these figures.
        public var sockets = 0
    }

    public var flows: [TCPSummary.FlowKey: FlowInfo] = [:]

    public init() {}
}

/// Accumulates tcp_info per flow index of a `TCPSummaryBuilder`.
public struct TCPInfoSummaryBuilder {
    private var flows: [TCPInfoSummary.FlowInfo]
    private var rates: [[Double]]
    private let idleMillis: UInt32

    public init(flowCount: Int, idleThresholdSeconds: Int) {
        flows = Array(repeating: .init(), count: flowCount)
        rates = Array(repeating: [], count: flowCount)
        idleMillis = UInt32(clamping: idleThresholdSeconds * 1000)
    }

    @inline(__always)
    public mutating func add(_ info: TCPInfo, state: UInt8, flow: Int) {
        flows[flow].sockets += 1
        flows[flow].retransmittedSegments += UInt64(info.totalRetransmits)
        flows[flow].lostSegments += UInt64(info.lost)
        guard state == TCPState.established.rawValue else { return }
        let rtt = Double(info.rttMicros) / 1_000_000
        flows[flow].rttCount += 1
        flows[flow].rttSumSeconds += rtt
        // Buckets are cumulative: a socket counts in its own bucket and every larger one.
        if let first = TCPInfoSummary.rttBuckets.firstIndex(where: { rtt <= $0 }) {
            for i in first..<TCPInfoSummary.rttBuckets.count { flows[flow].rttBuckets[i] += 1 }
        }
        if info.lastDataReceivedMillis >= idleMillis { flows[flow].idle += 1 }
        if let rate = info.deliveryRate, rate > 0 { rates[flow].append(Double(rate)) }
    }

    public func finish(keys: (Int) -> TCPSummary.FlowKey) -> TCPInfoSummary {
        var summary = TCPInfoSummary()
        for i in flows.indices where flows[i].sockets > 0 {
            var f = flows[i]
            let sorted = rates[i].sorted()
            f.deliveryCount = sorted.count
            f.deliverySum = sorted.reduce(0, +)
            if !sorted.isEmpty {
                f.deliveryQuantiles = TCPInfoSummary.deliveryQuantiles.map { q in
                    sorted[max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1)]  // nearest rank
                }
            }
            summary.flows[keys(i)] = f
        }
        return summary
    }
}

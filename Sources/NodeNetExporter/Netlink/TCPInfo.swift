/// The fields of `struct tcp_info` (linux/tcp.h) that nodenet-exporter reports.
///
/// The kernel copies as much of its `tcp_info` as it has, and older kernels have a shorter one:
/// fields up to `tcpi_total_retrans` (104 bytes) exist since Linux 2.6 and are required; later
/// fields are nil when the kernel's structure ends before them.
public struct TCPInfo: Sendable, Equatable {
    /// Bytes the kernel returned.
    public var length: Int
    public var state: UInt8
    /// `tcpi_retransmits`: unrecovered retransmission timeouts of the segment at the head of
    /// the queue (what /proc prints as `retrnsmt`).
    public var retransmits: UInt8
    /// `tcpi_lost`: segments currently considered lost.
    public var lost: UInt32
    /// `tcpi_retrans`: retransmitted segments currently in flight.
    public var retransOut: UInt32
    /// `tcpi_last_data_recv`: milliseconds since data was last received.
    public var lastDataReceivedMillis: UInt32
    /// `tcpi_rtt` / `tcpi_rttvar`: smoothed RTT and its mean deviation, microseconds.
    public var rttMicros: UInt32
    public var rttVarianceMicros: UInt32
    /// `tcpi_total_retrans`: segments retransmitted over the socket's life.
    public var totalRetransmits: UInt32
    /// `tcpi_delivery_rate` (Linux 4.9+): bytes per second of the most recent delivery sample.
    public var deliveryRate: UInt64?
    /// `tcpi_bytes_retrans` (Linux 4.19+): bytes retransmitted over the socket's life.
    public var bytesRetransmitted: UInt64?

    /// Offsets in struct tcp_info.
    enum Offset {
        static let state = 0
        static let retransmits = 2
        static let lost = 32
        static let retrans = 36
        static let lastDataRecv = 52
        static let rtt = 68
        static let rttVar = 72
        static let totalRetrans = 100
        static let deliveryRate = 160
        static let bytesRetrans = 208
    }

    /// The shortest tcp_info accepted: through `tcpi_total_retrans` (Linux 2.6).
    public static let minimumLength = 104

    public init(
        length: Int = 232, state: UInt8 = 1, retransmits: UInt8 = 0, lost: UInt32 = 0, retransOut: UInt32 = 0,
        lastDataReceivedMillis: UInt32 = 0, rttMicros: UInt32 = 0, rttVarianceMicros: UInt32 = 0,
        totalRetransmits: UInt32 = 0, deliveryRate: UInt64? = nil, bytesRetransmitted: UInt64? = nil
    ) {
        self.length = length
        self.state = state
        self.retransmits = retransmits
        self.lost = lost
        self.retransOut = retransOut
        self.lastDataReceivedMillis = lastDataReceivedMillis
        self.rttMicros = rttMicros
        self.rttVarianceMicros = rttVarianceMicros
        self.totalRetransmits = totalRetransmits
        self.deliveryRate = deliveryRate
        self.bytesRetransmitted = bytesRetransmitted
    }

    /// Decodes the attribute payload; nil when it is shorter than `minimumLength`.
    public init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count >= Self.minimumLength else { return nil }
        length = raw.count
        state = raw[Offset.state]
        retransmits = raw[Offset.retransmits]
        lost = raw.hostU32(Offset.lost)
        retransOut = raw.hostU32(Offset.retrans)
        lastDataReceivedMillis = raw.hostU32(Offset.lastDataRecv)
        rttMicros = raw.hostU32(Offset.rtt)
        rttVarianceMicros = raw.hostU32(Offset.rttVar)
        totalRetransmits = raw.hostU32(Offset.totalRetrans)
        deliveryRate = raw.count >= Offset.deliveryRate + 8 ? raw.hostU64(Offset.deliveryRate) : nil
        bytesRetransmitted = raw.count >= Offset.bytesRetrans + 8 ? raw.hostU64(Offset.bytesRetrans) : nil
    }
}

extension UnsafeRawBufferPointer {
    /// Unaligned host-order loads; callers check bounds first.
    @inline(__always)
    func hostU16(_ offset: Int) -> UInt16 { loadUnaligned(fromByteOffset: offset, as: UInt16.self) }
    @inline(__always)
    func hostU32(_ offset: Int) -> UInt32 { loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    @inline(__always)
    func hostU64(_ offset: Int) -> UInt64 { loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
    /// Network-order 16-bit value (ports).
    @inline(__always)
    func bigU16(_ offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }
    /// Network-order 64-bit value (half an IPv6 address).
    @inline(__always)
    func bigU64(_ offset: Int) -> UInt64 { UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}

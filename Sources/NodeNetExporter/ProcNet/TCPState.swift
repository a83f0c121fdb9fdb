/// Kernel TCP states as printed (hex) in the `st` column of /proc/net/tcp{,6}.
public enum TCPState: UInt8, Sendable, CaseIterable {
    case established = 0x01
    case synSent = 0x02
    case synRecv = 0x03
    case finWait1 = 0x04
    case finWait2 = 0x05
    case timeWait = 0x06
    case close = 0x07
    case closeWait = 0x08
    case lastAck = 0x09
    case listen = 0x0A
    case closing = 0x0B
    case newSynRecv = 0x0C
    case boundInactive = 0x0D

    /// node_exporter's lowercase state label. NEW_SYN_RECV maps to "syn_recv"
    /// (the kernel prints request sockets as 03 anyway); unknown codes map to
    /// "unknown" so a newer kernel never breaks a scrape.
    public static func label(code: UInt8) -> String {
        switch code {
        case 0x01: "established"
        case 0x02: "syn_sent"
        case 0x03, 0x0C: "syn_recv"
        case 0x04: "fin_wait1"
        case 0x05: "fin_wait2"
        case 0x06: "time_wait"
        case 0x07: "close"
        case 0x08: "close_wait"
        case 0x09: "last_ack"
        case 0x0A: "listen"
        case 0x0B: "closing"
        case 0x0D: "bound_inactive"
        default: "unknown"
        }
    }

    public var label: String { Self.label(code: rawValue) }
}

/// Values of the `tr` column: which TCP timer is pending.
public enum TCPTimer: UInt8, Sendable, CaseIterable {
    case none = 0
    case retransmit = 1
    case keepalive = 2
    case timeWait = 3
    case zeroWindowProbe = 4
}

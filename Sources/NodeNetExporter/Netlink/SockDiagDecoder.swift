#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Outcome counters of sock_diag dumps. Malformed messages are counted and skipped (or, for a
/// bad attribute, the socket is kept without its tcp_info): one bad message never hides the rest.
public struct SockDiagStats: Sendable, Equatable {
    /// Sockets delivered.
    public var rows = 0
    /// Truncated or malformed messages, attributes and tcp_info payloads.
    public var malformed = 0
    /// 1 when the kernel flagged this dump NLM_F_DUMP_INTR (its tables changed while dumping;
    /// counts may be off by the sockets that moved, as with /proc). Stats are per dump.
    public var interrupted = 0
    /// Reason of the first malformed message, for logging.
    public var firstError: String?

    public init() {}

    mutating func malformed(_ reason: String) {
        malformed += 1
        if firstError == nil { firstError = reason }
    }
}

/// The dump failed as a whole: the kernel refused it, or the socket failed.
public enum SockDiagError: Error, Equatable, CustomStringConvertible {
    /// NLMSG_ERROR with this errno (EPERM, EINVAL for an unknown family, ...).
    case kernel(errno: Int32)
    /// A system call on the netlink socket failed.
    case system(call: String, errno: Int32)
    /// No answer within the receive timeout.
    case timeout

    public var description: String {
        switch self {
        case .kernel(let e): "kernel refused the sock_diag dump: \(String(cString: strerror(e)))"
        case .system(let call, let e): "\(call) on the netlink socket: \(String(cString: strerror(e)))"
        case .timeout: "no answer from the kernel to the sock_diag dump"
        }
    }
}

/// Pure decoder of what a NETLINK_SOCK_DIAG dump returns: datagrams of nlmsghdr-framed
/// inet_diag_msg messages, each followed by rtattr attributes (INET_DIAG_INFO is tcp_info).
public enum SockDiagDecoder {
    /// Decodes one received datagram. Returns true once the dump's NLMSG_DONE was seen.
    /// Messages of another sequence number (left over from an abandoned dump) are skipped.
    public static func decode(
        datagram: UnsafeRawBufferPointer, sequence: UInt32, stats: inout SockDiagStats,
        row: (TCPSocketRow, TCPInfo?) -> Void
    ) throws(SockDiagError) -> Bool {
        typealias L = SockDiagLayout
        var offset = 0
        while datagram.count - offset >= L.headerSize {
            let length = Int(datagram.hostU32(offset))
            guard length >= L.headerSize, length <= datagram.count - offset else {
                // No trustworthy length: the rest of the datagram cannot be framed.
                stats.malformed("netlink message length \(length) with \(datagram.count - offset) bytes left")
                return false
            }
            let type = datagram.hostU16(offset + 4)
            let flags = datagram.hostU16(offset + 6)
            let seq = datagram.hostU32(offset + 8)
            let payload = UnsafeRawBufferPointer(rebasing: datagram[(offset + L.headerSize)..<(offset + length)])
            offset += L.align(length)
            guard seq == sequence else { continue }
            // The kernel marks the messages it sent after its tables changed; one mark per dump.
            if flags & L.flagDumpInterrupted != 0 { stats.interrupted = 1 }
            switch type {
            case L.messageDone:
                return true
            case L.messageError:
                guard payload.count >= 4 else {
                    stats.malformed("NLMSG_ERROR of \(payload.count) bytes")
                    continue
                }
                let error = Int32(bitPattern: payload.hostU32(0))
                if error != 0 { throw .kernel(errno: -error) }
            case L.sockDiagByFamily:
                decodeSocket(payload, stats: &stats, row: row)
            case L.messageNoop:
                continue
            default:
                stats.malformed("unexpected netlink message type \(type)")
            }
        }
        if offset < datagram.count {
            stats.malformed("\(datagram.count - offset) trailing bytes, shorter than a netlink header")
        }
        return false
    }

    /// One inet_diag_msg and its attributes.
    static func decodeSocket(
        _ msg: UnsafeRawBufferPointer, stats: inout SockDiagStats, row: (TCPSocketRow, TCPInfo?) -> Void
    ) {
        typealias L = SockDiagLayout
        guard msg.count >= L.messageSize else {
            stats.malformed("inet_diag_msg of \(msg.count) bytes (needs \(L.messageSize))")
            return
        }
        let local: IPAddress16
        let remote: IPAddress16
        switch Int32(msg[L.offFamily]) {
        case AF_INET:
            local = IPAddress16(
                ipv4: UInt32(bigEndian: msg.loadUnaligned(fromByteOffset: L.offSource, as: UInt32.self)))
            remote = IPAddress16(
                ipv4: UInt32(bigEndian: msg.loadUnaligned(fromByteOffset: L.offDestination, as: UInt32.self)))
        case AF_INET6:
            local = IPAddress16(high: msg.bigU64(L.offSource), low: msg.bigU64(L.offSource + 8))
            remote = IPAddress16(high: msg.bigU64(L.offDestination), low: msg.bigU64(L.offDestination + 8))
        default:
            stats.malformed("inet_diag_msg of address family \(msg[L.offFamily])")
            return
        }
        var info: TCPInfo?
        var at = L.messageSize
        while msg.count - at >= L.attributeHeaderSize {
            let length = Int(msg.hostU16(at))
            let type = msg.hostU16(at + 2) & L.attributeTypeMask
            guard length >= L.attributeHeaderSize, length <= msg.count - at else {
                stats.malformed("attribute length \(length) with \(msg.count - at) bytes left")
                break
            }
            if type == L.attributeInfo {
                let raw = UnsafeRawBufferPointer(rebasing: msg[(at + L.attributeHeaderSize)..<(at + length)])
                info = TCPInfo(raw)
                if info == nil {
                    stats.malformed("tcp_info of \(raw.count) bytes (needs \(TCPInfo.minimumLength))")
                }
            }
            at += L.align(length)
        }
        let timer = msg[L.offTimer]
        // /proc prints icsk_retransmits whatever the timer; inet_diag gives it only with the
        // retransmit timer (else probe counts), tcp_info always.
        let retransmits = info.map { UInt32($0.retransmits) } ?? (timer == 1 ? UInt32(msg[L.offRetrans]) : 0)
        stats.rows += 1
        row(
            TCPSocketRow(
                localAddress: local, localPort: msg.bigU16(L.offSourcePort),
                remoteAddress: remote, remotePort: msg.bigU16(L.offDestinationPort),
                state: msg[L.offState], txQueue: msg.hostU32(L.offWQueue), rxQueue: msg.hostU32(L.offRQueue),
                timer: timer, retransmits: retransmits, uid: msg.hostU32(L.offUID),
                inode: UInt64(msg.hostU32(L.offInode))),
            info)
    }
}

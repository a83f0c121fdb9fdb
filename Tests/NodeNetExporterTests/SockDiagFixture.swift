@testable import NodeNetExporter

#if canImport(Glibc)
    import Glibc
#endif

/// Builds sock_diag dump datagrams byte by byte from the kernel's struct layouts
/// (linux/netlink.h nlmsghdr, linux/inet_diag.h inet_diag_msg, linux/tcp.h tcp_info),
/// independently of the decoder's offset table.
enum SockDiagFixture {
    struct Socket {
        var family: UInt8 = UInt8(AF_INET)
        var state: UInt8 = 1
        var timer: UInt8 = 0
        var retrans: UInt8 = 0
        var sourcePort: UInt16 = 9092
        var destinationPort: UInt16 = 50000
        /// 4 bytes for AF_INET, 16 for AF_INET6, as they appear on the wire.
        var source: [UInt8] = [10, 0, 0, 5]
        var destination: [UInt8] = [10, 0, 0, 9]
        var rqueue: UInt32 = 0
        var wqueue: UInt32 = 0
        var uid: UInt32 = 1000
        var inode: UInt32 = 4242
        /// Raw tcp_info attribute payload, if any.
        var info: [UInt8]?
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func pad4(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }

    /// struct nlmsghdr + payload, padded to NLMSG_ALIGN.
    static func message(type: UInt16, flags: UInt16 = 0x2, sequence: UInt32, payload: [UInt8]) -> [UInt8] {
        pad4(le32(UInt32(16 + payload.count)) + le16(type) + le16(flags) + le32(sequence) + le32(0) + payload)
    }

    /// struct inet_diag_msg followed by an INET_DIAG_INFO rtattr.
    static func diagMessage(_ s: Socket) -> [UInt8] {
        var id: [UInt8] = [UInt8(s.sourcePort >> 8), UInt8(s.sourcePort & 0xFF)]
        id += [UInt8(s.destinationPort >> 8), UInt8(s.destinationPort & 0xFF)]
        id += s.source + [UInt8](repeating: 0, count: 16 - s.source.count)
        id += s.destination + [UInt8](repeating: 0, count: 16 - s.destination.count)
        id += le32(0) + le32(0xDEAD) + le32(0xBEEF)  // idiag_if, idiag_cookie[2]
        var out: [UInt8] = [s.family, s.state, s.timer, s.retrans] + id
        out += le32(0) + le32(s.rqueue) + le32(s.wqueue) + le32(s.uid) + le32(s.inode)
        precondition(out.count == 72)
        if let info = s.info { out += pad4(le16(UInt16(4 + info.count)) + le16(2) + info) }
        return out
    }

    static func socketMessage(_ s: Socket, sequence: UInt32 = 7) -> [UInt8] {
        message(type: 20, sequence: sequence, payload: diagMessage(s))
    }

    static func done(sequence: UInt32 = 7, flags: UInt16 = 0x2) -> [UInt8] {
        message(type: 3, flags: flags, sequence: sequence, payload: le32(0))
    }

    /// struct tcp_info of `length` bytes with the fields the exporter reads set.
    static func tcpInfo(
        length: Int = 232, state: UInt8 = 1, retransmits: UInt8 = 0, lost: UInt32 = 0, retrans: UInt32 = 0,
        lastDataRecv: UInt32 = 0, rtt: UInt32 = 0, rttvar: UInt32 = 0, totalRetrans: UInt32 = 0,
        deliveryRate: UInt64 = 0, bytesRetrans: UInt64 = 0
    ) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: max(length, 216))
        func put(_ off: Int, _ bytes: [UInt8]) { b.replaceSubrange(off..<(off + bytes.count), with: bytes) }
        b[0] = state  // tcpi_state
        b[2] = retransmits  // tcpi_retransmits
        // u8 x8, then u32: rto ato snd_mss rcv_mss unacked sacked lost retrans fackets
        put(8 + 4 * 6, le32(lost))
        put(8 + 4 * 7, le32(retrans))
        // last_data_sent last_ack_sent last_data_recv last_ack_recv follow fackets
        put(8 + 4 * 9 + 4 * 2, le32(lastDataRecv))
        // pmtu rcv_ssthresh rtt rttvar
        put(8 + 4 * 13 + 4 * 2, le32(rtt))
        put(8 + 4 * 13 + 4 * 3, le32(rttvar))
        // ... snd_ssthresh snd_cwnd advmss reordering rcv_rtt rcv_space total_retrans
        put(8 + 4 * 23, le32(totalRetrans))
        // pacing_rate max_pacing_rate bytes_acked bytes_received (u64) segs_out segs_in
        // notsent_bytes min_rtt data_segs_in data_segs_out (u32), then delivery_rate (u64)
        put(104 + 8 * 4 + 4 * 6, le64(deliveryRate))
        // busy_time rwnd_limited sndbuf_limited (u64) delivered delivered_ce (u32) bytes_sent bytes_retrans
        put(168 + 8 * 3 + 4 * 2 + 8, le64(bytesRetrans))
        return Array(b.prefix(length))
    }

    /// Decodes datagrams as the socket's receive loop does.
    static func decode(_ datagrams: [[UInt8]], sequence: UInt32 = 7) throws(SockDiagError) -> (
        rows: [(TCPSocketRow, TCPInfo?)], stats: SockDiagStats, done: Bool
    ) {
        var rows: [(TCPSocketRow, TCPInfo?)] = []
        var stats = SockDiagStats()
        var done = false
        for d in datagrams where !done {
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: d.count, alignment: 8)
            defer { raw.deallocate() }
            raw.copyBytes(from: d)
            done = try SockDiagDecoder.decode(datagram: UnsafeRawBufferPointer(raw), sequence: sequence, stats: &stats)
            {
                rows.append(($0, $1))
            }
        }
        return (rows, stats, done)
    }
}

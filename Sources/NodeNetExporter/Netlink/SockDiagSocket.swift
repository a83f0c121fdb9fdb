#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A NETLINK_SOCK_DIAG socket and its receive buffer. Not thread-safe: one dump at a time
/// (`TCPTableSource` joins concurrent scrapes into one read).
///
/// The socket belongs to the network namespace it was created in, for its whole life: that is
/// how the exporter reads the host's sockets after entering the host namespace once.
public final class SockDiagSocket: @unchecked Sendable {
    let fd: Int32
    private var sequence: UInt32 = 0
    /// The kernel sends at most 32 KiB per datagram to a reader offering that much.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)

    /// Opens a socket in the calling thread's network namespace.
    public init(receiveTimeoutSeconds: Int = 10) throws(SockDiagError) {
        let fd = socket(
            AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), SockDiagLayout.netlinkSockDiag)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    /// Every TCP state bit, as `ss -a` asks (request sockets come with SYN_RECV).
    public static let allStates: UInt32 = 0xFFFF_FFFF

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// Dumps the TCP sockets of one address family in `states` (a bit per TCP state code),
    /// with tcp_info when `info`. Rows are handed over as they are decoded.
    public func dump(
        family: Int32, states: UInt32, info: Bool, stats: inout SockDiagStats,
        row: (TCPSocketRow, TCPInfo?) -> Void
    ) throws(SockDiagError) {
        sequence &+= 1
        try send(request(family: family, states: states, info: info))
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK { throw .timeout }
                throw .system(call: "recv", errno: e)
            }
            if n == 0 { throw .system(call: "recv", errno: ECONNRESET) }
            let datagram = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            if try SockDiagDecoder.decode(datagram: datagram, sequence: sequence, stats: &stats, row: row) { return }
        }
    }

    /// nlmsghdr + inet_diag_req_v2 for a TCP dump (the sockid is zero: no socket selected).
    func request(family: Int32, states: UInt32, info: Bool) -> [UInt8] {
        Self.request(family: family, states: states, info: info, sequence: sequence)
    }

    static func request(family: Int32, states: UInt32, info: Bool, sequence: UInt32) -> [UInt8] {
        typealias L = SockDiagLayout
        let total = L.headerSize + L.requestSize
        var out = [UInt8](repeating: 0, count: total)
        out.withUnsafeMutableBytes { p in
            p.storeBytes(of: UInt32(total), toByteOffset: 0, as: UInt32.self)
            p.storeBytes(of: L.sockDiagByFamily, toByteOffset: 4, as: UInt16.self)
            p.storeBytes(of: L.flagRequest | L.flagDump, toByteOffset: 6, as: UInt16.self)
            p.storeBytes(of: sequence, toByteOffset: 8, as: UInt32.self)
            let r = L.headerSize
            p[r] = UInt8(family)
            p[r + 1] = UInt8(IPPROTO_TCP)
            p[r + 2] = info ? UInt8(1 << (L.attributeInfo - 1)) : 0
            p.storeBytes(of: states, toByteOffset: r + 4, as: UInt32.self)
        }
        return out
    }

    private func send(_ bytes: [UInt8]) throws(SockDiagError) {
        // Unaddressed sends on a netlink socket go to the kernel.
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        if sent != bytes.count { throw .system(call: "send", errno: sent < 0 ? errno : EMSGSIZE) }
    }
}

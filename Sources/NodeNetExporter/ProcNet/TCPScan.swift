import ExporterKit

#if canImport(Glibc)
    import Glibc
#endif

/// What one pass over /proc/net/tcp{,6} should gather besides the port summary.
public struct TCPScanOptions: Sendable {
    public var allowlist: PortAllowlist
    /// Per remote address counts, for the peers collector.
    public var peers = false
    /// Socket inode -> state, for the processes collector.
    public var inodes = false

    /// Netlink only: ask for each socket's tcp_info and aggregate it.
    public var info = false
    /// ESTABLISHED sockets that received nothing for this long count as idle (tcp_info).
    public var idleThresholdSeconds = 60
    /// States counted; listeners are read regardless (they decide direction).
    public var states = TCPStateFilter.all

    public init(
        allowlist: PortAllowlist, peers: Bool = false, inodes: Bool = false, info: Bool = false,
        idleThresholdSeconds: Int = 60, states: TCPStateFilter = .all
    ) {
        self.states = states
        self.allowlist = allowlist
        self.peers = peers
        self.inodes = inodes
        self.info = info
        self.idleThresholdSeconds = idleThresholdSeconds
    }
}

/// Connection counts of one remote address, by direction and state.
public struct PeerKey: Hashable, Sendable {
    public var address: IPAddress16
    public var direction: Direction
    public var state: UInt8
}

/// The result of one pass over both socket files: aggregates only, no socket table.
public struct TCPScan: Sendable {
    public var summary = TCPSummary()
    public var peers: [PeerKey: Int] = [:]
    public var inodeStates: [UInt64: UInt8] = [:]
    public var ipv4 = ProcNetParseStats()
    public var ipv6 = ProcNetParseStats()
    /// False when tcp6 does not exist (IPv6 disabled in the kernel): not an error.
    public var ipv6Present = true
    /// Netlink source: outcome of the IPv4 and IPv6 dumps (nil when read from /proc).
    public var netlink: (ipv4: SockDiagStats, ipv6: SockDiagStats)?
    /// Netlink source with tcp_info requested.
    public var info: TCPInfoSummary?
    /// tcp_info per remote address (netlink, tcp_info and the peers collector).
    public var peerInfo: [PeerInfoKey: PeerTCPInfo] = [:]

    public init() {}

    /// Reads `<procfs>/net/tcp` and `<procfs>/net/tcp6` once, streaming.
    public static func read(procfs: String, reader: ProcFileReader, options: TCPScanOptions) throws -> TCPScan {
        var scan = TCPScan()
        var builder = TCPSummaryBuilder(allowlist: options.allowlist)
        var peers = PeerCounter()
        var inodes: [UInt64: UInt8] = [:]
        let consume: (TCPSocketRow) -> Void = { row in
            guard options.states.counts(row.state) else {
                if row.state == TCPState.listen.rawValue { builder.addListenerOnly(row) }
                return
            }
            builder.add(row)
            if options.peers, row.state != TCPState.listen.rawValue { peers.add(row, classifier: builder.classifier) }
            if options.inodes, row.inode != 0 { inodes[row.inode] = TCPSummary.stateSlot(row.state) }
        }
        try ProcNetTCP.scan(path: procfs + "/net/tcp", ipv6: false, reader: reader, stats: &scan.ipv4, row: consume)
        do {
            try ProcNetTCP.scan(path: procfs + "/net/tcp6", ipv6: true, reader: reader, stats: &scan.ipv6, row: consume)
        } catch let e as ProcFileError where e.errno == ENOENT {
            scan.ipv6Present = false
        }
        scan.summary = builder.finish()
        scan.peers = peers.finished
        scan.inodeStates = inodes
        return scan
    }

    /// Dumps IPv4 then IPv6 TCP sockets over sock_diag, the order /proc is read in: the kernel
    /// sends a family's listeners before its other sockets, as /proc prints them.
    public static func dump(socket: SockDiagSocket, options: TCPScanOptions) throws(SockDiagError) -> TCPScan {
        var scan = TCPScan()
        var builder = TCPSummaryBuilder(allowlist: options.allowlist)
        var infos = TCPInfoSummaryBuilder(
            flowCount: builder.flowCount, idleThresholdSeconds: options.idleThresholdSeconds)
        var peers = PeerCounter()
        var inodes: [UInt64: UInt8] = [:]
        var peerInfo: [PeerInfoKey: PeerTCPInfo] = [:]
        let consume: (TCPSocketRow, TCPInfo?) -> Void = { row, info in
            guard options.states.counts(row.state) else {
                if row.state == TCPState.listen.rawValue { builder.addListenerOnly(row) }
                return
            }
            let flow = builder.add(row)
            if let flow, let info {
                infos.add(info, state: row.state, flow: flow)
                if options.peers {
                    let key = PeerInfoKey(address: row.remoteAddress, direction: builder.flowKey(flow).direction)
                    peerInfo[key, default: PeerTCPInfo()].add(info, state: row.state)
                }
            }
            if options.peers, row.state != TCPState.listen.rawValue { peers.add(row, classifier: builder.classifier) }
            if options.inodes, row.inode != 0 { inodes[row.inode] = TCPSummary.stateSlot(row.state) }
        }
        var v4 = SockDiagStats()
        var v6 = SockDiagStats()
        try socket.dump(
            family: AF_INET, states: options.states.kernelMask, info: options.info, stats: &v4, row: consume)
        do {
            try socket.dump(
                family: AF_INET6, states: options.states.kernelMask, info: options.info, stats: &v6, row: consume)
        } catch .kernel(let e) where e == EAFNOSUPPORT || e == ENOENT {
            // IPv6 disabled in the kernel: not an error, as a missing tcp6 file is not.
            scan.ipv6Present = false
        }
        scan.summary = builder.finish()
        scan.peers = peers.finished
        scan.inodeStates = inodes
        scan.ipv4 = ProcNetParseStats(rows: v4.rows, errors: v4.malformed, firstError: v4.firstError)
        scan.ipv6 = ProcNetParseStats(rows: v6.rows, errors: v6.malformed, firstError: v6.firstError)
        scan.netlink = (v4, v6)
        if options.info { scan.info = infos.finish(keys: builder.flowKey) }
        scan.peerInfo = peerInfo
        return scan
    }

    public var socketsScanned: Int { ipv4.rows + ipv6.rows }
}

/// Counts sockets per remote address; consecutive rows of one peer skip the hash lookup.
struct PeerCounter {
    var counts: [PeerKey: Int] = [:]
    private var lastKey: PeerKey?
    private var pending = 0

    mutating func add(_ row: TCPSocketRow, classifier: ConnectionClassifier) {
        let key = PeerKey(
            address: row.remoteAddress, direction: classifier.classify(row).0, state: TCPSummary.stateSlot(row.state))
        if key == lastKey {
            pending += 1
            return
        }
        flush()
        lastKey = key
        pending = 1
    }

    private mutating func flush() {
        if let lastKey, pending > 0 { counts[lastKey, default: 0] += pending }
        pending = 0
    }

    var finished: [PeerKey: Int] {
        mutating get {
            flush()
            lastKey = nil
            return counts
        }
    }
}

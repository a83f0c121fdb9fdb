/// Per port/direction aggregates of one socket table, the data behind the tcp collector.
public struct TCPSummary: Sendable, Equatable {
    /// Port label value: a port number, or nil for `other`.
    public struct PortKey: Hashable, Sendable, Comparable {
        public var port: UInt16?
        public var label: String { port.map { String($0) } ?? "other" }
        public static func < (a: PortKey, b: PortKey) -> Bool {
            (a.port.map { Int($0) } ?? 65536) < (b.port.map { Int($0) } ?? 65536)
        }
    }

    public struct ConnectionKey: Hashable, Sendable {
        public var port: PortKey
        public var direction: Direction
        public var state: UInt8
    }

    public struct FlowKey: Hashable, Sendable {
        public var port: PortKey
        public var direction: Direction
    }

    /// Queue and health figures of non-LISTEN sockets.
    public struct FlowStats: Sendable, Equatable {
        public var sendQueueBytes: UInt64 = 0
        public var sendQueueMaxBytes: UInt32 = 0
        public var receiveQueueBytes: UInt64 = 0
        public var receiveQueueMaxBytes: UInt32 = 0
        public var retransmitting = 0
        public var zeroWindowProbing = 0
        public var remotePeers = 0
    }

    public struct ListenStats: Sendable, Equatable {
        public var listeners = 0
        /// Connections waiting in accept queues (rx_queue of LISTEN rows).
        public var acceptQueue: UInt64 = 0
        public var acceptQueueMax: UInt32 = 0
    }

    public var connections: [ConnectionKey: Int] = [:]
    public var flows: [FlowKey: FlowStats] = [:]
    public var listeners: [PortKey: ListenStats] = [:]

    public init() {}

    /// Aggregates rows in one pass (see `TCPSummaryBuilder`); for tests and small inputs.
    public init(rows: [TCPSocketRow], allowlist: PortAllowlist) {
        var builder = TCPSummaryBuilder(allowlist: allowlist)
        for row in rows { builder.add(row) }
        self = builder.finish()
    }

    /// One label per state: NEW_SYN_RECV joins syn_recv and unknown codes share "unknown",
    /// so two codes never produce two series with the same labels.
    @inline(__always)
    public static func stateSlot(_ code: UInt8) -> UInt8 {
        switch code {
        case 0x0C: return 0x03
        case 0x01...0x0D: return code
        default: return 0
        }
    }
}

/// Builds a `TCPSummary` row by row while /proc is being read, so no socket table is kept.
///
/// Direction needs the listening ports. The kernel prints every listener of a file before
/// any other socket of that file, and an accepted socket lives in its listener's file
/// (IPv4 clients of a dual-stack JVM listener are v4-mapped rows of tcp6), so the
/// listeners seen so far are always the ones a row needs.
public struct TCPSummaryBuilder {
    private let allowlist: PortAllowlist
    public private(set) var classifier = ConnectionClassifier()
    /// Port slot per port: 0 = other, 1... = allowlisted ports in ascending order.
    private let slotOfPort: [UInt16]
    private let slotPorts: [UInt16?]
    private var counts: [Int]
    private var flowStats: [TCPSummary.FlowStats]
    private var flowPeers: [Set<IPAddress16>]
    private var lastPeer: [IPAddress16?]
    private var listenStats: [TCPSummary.ListenStats]

    public init(allowlist: PortAllowlist) {
        self.allowlist = allowlist
        var slotOfPort = [UInt16](repeating: 0, count: 65536)
        var slotPorts: [UInt16?] = [nil]
        for p in allowlist.ports {
            slotOfPort[Int(p)] = UInt16(slotPorts.count)
            slotPorts.append(p)
        }
        self.slotOfPort = slotOfPort
        self.slotPorts = slotPorts
        let n = slotPorts.count
        counts = Array(repeating: 0, count: n * 3 * 16)
        flowStats = Array(repeating: .init(), count: n * 3)
        flowPeers = Array(repeating: [], count: n * 3)
        lastPeer = Array(repeating: nil, count: n * 3)
        listenStats = Array(repeating: .init(), count: n)
    }

    /// Number of port/direction flows; `add` returns an index below it.
    public var flowCount: Int { slotPorts.count * 3 }

    /// The port and direction of a flow index `add` returned.
    public func flowKey(_ flow: Int) -> TCPSummary.FlowKey {
        TCPSummary.FlowKey(port: .init(port: slotPorts[flow / 3]), direction: Direction(rawValue: flow % 3)!)
    }

    /// A listener whose state is not counted still decides the direction of other sockets.
    public mutating func addListenerOnly(_ row: TCPSocketRow) {
        classifier.addListener(port: row.localPort)
    }

    /// Counts the row; returns its flow index (nil for LISTEN rows, which have no flow).
    @inline(__always)
    @discardableResult
    public mutating func add(_ row: TCPSocketRow) -> Int? {
        if row.state == TCPState.listen.rawValue {
            classifier.addListener(port: row.localPort)
            let slot = Int(slotOfPort[Int(row.localPort)])
            counts[(slot * 3 + Direction.inbound.rawValue) * 16 + Int(TCPState.listen.rawValue)] += 1
            listenStats[slot].add(row)
            return nil
        }
        let (direction, port) = classifier.classify(row)
        let flow = Int(slotOfPort[Int(port)]) * 3 + direction.rawValue
        counts[flow * 16 + Int(TCPSummary.stateSlot(row.state))] += 1
        flowStats[flow].add(row)
        // Most sockets of a flow share one peer (loopback, a proxy): skip the hash then.
        if lastPeer[flow] != row.remoteAddress {
            lastPeer[flow] = row.remoteAddress
            flowPeers[flow].insert(row.remoteAddress)
        }
        return flow
    }

    public func finish() -> TCPSummary {
        var summary = TCPSummary()
        for (slot, port) in slotPorts.enumerated() {
            let portKey = TCPSummary.PortKey(port: port)
            for direction in Direction.allCases {
                let flow = slot * 3 + direction.rawValue
                for state in 0..<16 where counts[flow * 16 + state] > 0 {
                    summary.connections[.init(port: portKey, direction: direction, state: UInt8(state))] =
                        counts[flow * 16 + state]
                }
                if !flowPeers[flow].isEmpty {
                    var stats = flowStats[flow]
                    stats.remotePeers = flowPeers[flow].count
                    summary.flows[.init(port: portKey, direction: direction)] = stats
                }
            }
            if listenStats[slot].listeners > 0 { summary.listeners[portKey] = listenStats[slot] }
        }
        return summary
    }
}

extension TCPSummary.FlowStats {
    @inline(__always)
    mutating func add(_ row: TCPSocketRow) {
        sendQueueBytes += UInt64(row.txQueue)
        sendQueueMaxBytes = max(sendQueueMaxBytes, row.txQueue)
        receiveQueueBytes += UInt64(row.rxQueue)
        receiveQueueMaxBytes = max(receiveQueueMaxBytes, row.rxQueue)
        // retrnsmt counts unrecovered RTO retransmits; the timer alone is armed whenever data
        // is in flight, so it says nothing about loss.
        if row.retransmits > 0 { retransmitting += 1 }
        if row.timer == TCPTimer.zeroWindowProbe.rawValue { zeroWindowProbing += 1 }
    }
}

extension TCPSummary.ListenStats {
    @inline(__always)
    mutating func add(_ row: TCPSocketRow) {
        listeners += 1
        acceptQueue += UInt64(row.rxQueue)
        acceptQueueMax = max(acceptQueueMax, row.rxQueue)
    }
}

import ExporterKit
import Synchronization

/// `--collector.tcp`: connections per port/direction/state, queues, retransmits,
/// zero-window probes, distinct peers, accept queues, and the scan's own health.
public struct TCPCollector: Collector {
    public let name = "tcp"
    let source: TCPTableSource
    /// Parse errors accumulate across scrapes (a counter).
    let parseErrors = ParseErrorCounter()

    public init(source: TCPTableSource) {
        self.source = source
    }

    public func collect() async throws -> [MetricFamily] {
        let scan = try await source.scan()
        parseErrors.add(scan)
        var families = Self.families(scan.summary) + selfFamilies(scan)
        if let info = scan.info { families += TCPInfoFamilies.families(info) }
        return families
    }

    static func families(_ s: TCPSummary) -> [MetricFamily] {
        var connections = MetricFamily(
            name: "nodenet_tcp_connections",
            help:
                "TCP sockets by service port (local port if this host listens on it, else remote port; 'other' outside the allowlist), direction and state. Both ends of a loopback connection count.",
            type: .gauge)
        for (key, count) in s.connections {
            connections.add(
                [
                    ("port", key.port.label), ("direction", key.direction.label),
                    ("state", TCPState.label(code: key.state)),
                ],
                Double(count))
        }
        var sendSum = MetricFamily(
            name: "nodenet_tcp_send_queue_bytes",
            help: "Bytes sent but not yet acknowledged by the peer, summed over sockets (LISTEN excluded).",
            type: .gauge, unit: "bytes")
        var sendMax = MetricFamily(
            name: "nodenet_tcp_send_queue_max_bytes",
            help: "Largest send queue of a single socket.", type: .gauge, unit: "bytes")
        var recvSum = MetricFamily(
            name: "nodenet_tcp_receive_queue_bytes",
            help: "Bytes received but not yet read by the application, summed over sockets (LISTEN excluded).",
            type: .gauge, unit: "bytes")
        var recvMax = MetricFamily(
            name: "nodenet_tcp_receive_queue_max_bytes",
            help: "Largest receive queue of a single socket.", type: .gauge, unit: "bytes")
        var retransmitting = MetricFamily(
            name: "nodenet_tcp_retransmitting_connections",
            help: "Sockets with unrecovered retransmissions (retrnsmt > 0): the peer is not acknowledging.",
            type: .gauge)
        var zeroWindow = MetricFamily(
            name: "nodenet_tcp_zero_window_probe_connections",
            help: "Sockets probing a zero receive window: the peer has stopped reading.", type: .gauge)
        var peers = MetricFamily(
            name: "nodenet_tcp_remote_peers",
            help: "Distinct remote addresses (IPv4 and v4-mapped IPv6 counted as one) per port and direction.",
            type: .gauge)
        for (key, f) in s.flows {
            let labels = [("port", key.port.label), ("direction", key.direction.label)]
            sendSum.add(labels, Double(f.sendQueueBytes))
            sendMax.add(labels, Double(f.sendQueueMaxBytes))
            recvSum.add(labels, Double(f.receiveQueueBytes))
            recvMax.add(labels, Double(f.receiveQueueMaxBytes))
            retransmitting.add(labels, Double(f.retransmitting))
            zeroWindow.add(labels, Double(f.zeroWindowProbing))
            peers.add(labels, Double(f.remotePeers))
        }
        var acceptQueue = MetricFamily(
            name: "nodenet_tcp_listen_accept_queue",
            help:
                "Connections waiting in the accept queues of listening sockets on this port (summed over listeners). The queue limit (backlog) is not in /proc.",
            type: .gauge)
        var acceptQueueMax = MetricFamily(
            name: "nodenet_tcp_listen_accept_queue_max",
            help: "Longest accept queue of a single listening socket on this port.", type: .gauge)
        for (port, l) in s.listeners {
            acceptQueue.add([("port", port.label)], Double(l.acceptQueue))
            acceptQueueMax.add([("port", port.label)], Double(l.acceptQueueMax))
        }
        return [
            connections, sendSum, sendMax, recvSum, recvMax, retransmitting, zeroWindow, peers, acceptQueue,
            acceptQueueMax,
        ]
    }

    func selfFamilies(_ scan: TCPScan) -> [MetricFamily] {
        var scanned = MetricFamily(
            name: "nodenet_tcp_sockets_scanned",
            help: "Sockets read in this scrape: per /proc file, or per netlink dump (file=tcp: IPv4, tcp6: IPv6).",
            type: .gauge)
        scanned.add([("file", "tcp")], Double(scan.ipv4.rows))
        if scan.ipv6Present { scanned.add([("file", "tcp6")], Double(scan.ipv6.rows)) }
        var errors = MetricFamily(
            name: "nodenet_tcp_parse_errors",
            help:
                "Garbled or truncated /proc/net lines (procfs source) or malformed netlink messages (netlink source: file=tcp for IPv4, tcp6 for IPv6) skipped since start.",
            type: .counter)
        let totals = parseErrors.totals
        errors.add([("file", "tcp")], Double(totals.ipv4))
        errors.add([("file", "tcp6")], Double(totals.ipv6))
        var sourceInfo = MetricFamily(
            name: "nodenet_tcp_source_info",
            help: "The socket table source in use (netlink or procfs, see --collector.tcp.source), always 1.",
            type: .gauge)
        sourceInfo.add([("source", scan.netlink == nil ? "procfs" : "netlink")], 1)
        var interrupted = MetricFamily(
            name: "nodenet_tcp_netlink_dumps_interrupted",
            help:
                "Netlink dumps the kernel flagged as interrupted (socket tables changed while dumping) since start.",
            type: .counter)
        interrupted.add([], Double(parseErrors.interrupted))
        return [scanned, errors, sourceInfo, interrupted]
    }
}

/// Running totals of skipped lines; logs the first bad line of each file once.
final class ParseErrorCounter: Sendable {
    private let state = Mutex<(ipv4: Int, ipv6: Int)>((0, 0))

    private let interruptedDumps = Mutex(0)

    func add(_ scan: TCPScan) {
        state.withLock {
            $0.ipv4 += scan.ipv4.errors
            $0.ipv6 += scan.ipv6.errors
        }
        if let n = scan.netlink { interruptedDumps.withLock { $0 += n.ipv4.interrupted + n.ipv6.interrupted } }
    }

    var totals: (ipv4: Int, ipv6: Int) { state.withLock { $0 } }
    var interrupted: Int { interruptedDumps.withLock { $0 } }
}

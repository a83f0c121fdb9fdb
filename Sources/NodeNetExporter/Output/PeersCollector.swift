import ExporterKit
import Synchronization

/// `--collector.peers`: connections per peer group / top peer / other.
public struct PeersCollector: Collector {
    public let name = "peers"
    let source: TCPTableSource
    let config: PeerGroupsStore
    let foldedTotal = FoldCounter()

    public func collect() async throws -> [MetricFamily] {
        let scan = try await source.scan()
        let agg = PeerAggregation(peers: scan.peers, config: config.current, peerInfo: scan.peerInfo)
        let total = foldedTotal.add(agg.folded)
        var connections = MetricFamily(
            name: "nodenet_tcp_peer_connections",
            help:
                "TCP sockets per remote peer: a configured peer group, one of the busiest ungrouped addresses (top_peers), or 'other'.",
            type: .gauge)
        for (key, count) in agg.counts {
            connections.add(
                [("peer", key.peer), ("direction", key.direction.label), ("state", TCPState.label(code: key.state))],
                Double(count))
        }
        return [connections] + Self.infoFamilies(agg, present: scan.info != nil) + [

            .single(
                name: "nodenet_tcp_peers_folded",
                help: "Distinct ungrouped remote addresses folded into peer=\"other\" in this scrape.",
                value: Double(agg.folded)),
            .single(
                name: "nodenet_tcp_peers_folded_addresses",
                help: "Ungrouped remote addresses folded into peer=\"other\", summed over all scrapes.", type: .counter,
                value: Double(total)),
        ]
    }

    /// tcp_info per peer (netlink source with tcp_info): RTT histogram and retransmitted segments.
    static func infoFamilies(_ agg: PeerAggregation, present: Bool) -> [MetricFamily] {
        guard present else { return [] }
        var rtt = MetricFamily(
            name: "nodenet_tcp_peer_rtt_seconds",
            help:
                "Smoothed RTT of the ESTABLISHED sockets open at scrape time, per remote peer (group, top address or 'other'): a snapshot, no rate().",
            type: .histogram, unit: "seconds")
        var retransmitted = MetricFamily(
            name: "nodenet_tcp_peer_retransmitted_segments",
            help: "Segments retransmitted over the life of the sockets open now, per remote peer.", type: .gauge)
        for (key, i) in agg.info.sorted(by: {
            ($0.key.peer, $0.key.direction.rawValue) < ($1.key.peer, $1.key.direction.rawValue)
        }) {
            let labels = [("peer", key.peer), ("direction", key.direction.label)]
            rtt.addDistribution(labels, buckets: i.cumulativeBuckets, sum: i.rttSumSeconds, count: Double(i.rttCount))
            retransmitted.add(labels, Double(i.retransmittedSegments))
        }
        return [rtt, retransmitted]
    }
}

/// The peer-groups config in force; replaced whole on reload.
public final class PeerGroupsStore: Sendable {
    public let path: String?
    private let state: Mutex<PeerGroupsConfig>

    public init(path: String?) throws(ConfigError) {
        self.path = path
        state = Mutex(
            try path.map { p throws(ConfigError) in try ConfigLoader.load(PeerGroupsConfig.self, path: p) }
                ?? PeerGroupsConfig())
    }

    public var current: PeerGroupsConfig { state.withLock { $0 } }

    /// Re-reads the file; an invalid file keeps the running config.
    public func reload() throws(ConfigError) {
        guard let path else { return }
        let config = try ConfigLoader.load(PeerGroupsConfig.self, path: path)
        state.withLock { $0 = config }
    }
}

/// Running total of folded addresses (a counter across scrapes).
final class FoldCounter: Sendable {
    private let total = Mutex(0)

    func add(_ n: Int) -> Int {
        total.withLock {
            $0 += n
            return $0
        }
    }
}

/// Folds per-address counts into peer groups, the top-K ungrouped addresses and `other`.
public struct PeerAggregation: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        /// Group name, an address (top-K), or "other".
        public var peer: String
        public var direction: Direction
        public var state: UInt8
    }

    public struct InfoKey: Hashable, Sendable {
        public var peer: String
        public var direction: Direction
    }

    public var counts: [Key: Int] = [:]
    /// tcp_info per peer label and direction (netlink source with tcp_info only).
    public var info: [InfoKey: PeerTCPInfo] = [:]
    /// Distinct ungrouped addresses folded into "other" in this scan.
    public var folded = 0

    public init() {}

    /// `peerInfo` follows the same folding as the counts: a group, a top-K address, or "other".
    public init(peers: [PeerKey: Int], config: PeerGroupsConfig, peerInfo: [PeerInfoKey: PeerTCPInfo] = [:]) {
        let matcher = PeerMatcher(config)
        var ungrouped: [IPAddress16: Int] = [:]
        var groupOf: [IPAddress16: String?] = [:]
        for (key, count) in peers {
            let group: String?
            if let cached = groupOf[key.address] {
                group = cached
            } else {
                group = matcher.group(of: key.address)
                groupOf[key.address] = group
            }
            if let group {
                counts[Key(peer: group, direction: key.direction, state: key.state), default: 0] += count
            } else {
                ungrouped[key.address, default: 0] += count
            }
        }
        // Busiest first; ties broken by address so the choice is stable between scrapes.
        let ranked = ungrouped.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let shown = Set(ranked.prefix(config.topPeers).map(\.key))
        folded = ranked.count - shown.count
        for (key, count) in peers where groupOf[key.address] == .some(nil) {
            let peer = shown.contains(key.address) ? key.address.description : "other"
            counts[Key(peer: peer, direction: key.direction, state: key.state), default: 0] += count
        }
        for (key, value) in peerInfo {
            let group = groupOf[key.address] ?? matcher.group(of: key.address)
            let peer = group ?? (shown.contains(key.address) ? key.address.description : "other")
            info[InfoKey(peer: peer, direction: key.direction), default: PeerTCPInfo()].merge(value)
        }
    }
}

/// Longest-prefix match over the configured CIDRs.
struct PeerMatcher {
    private let entries: [(cidr: CIDR, name: String)]

    init(_ config: PeerGroupsConfig) {
        entries = config.groups.flatMap { g in g.cidrs.map { ($0, g.name) } }.sorted { $0.cidr.prefix > $1.cidr.prefix }
    }

    func group(of address: IPAddress16) -> String? {
        for e in entries where e.cidr.contains(address) { return e.name }
        return nil
    }
}

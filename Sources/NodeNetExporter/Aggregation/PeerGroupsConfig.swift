import ExporterKit

/// `--collector.peers.config`: names for address ranges, so peers become a bounded label.
///
/// ```yaml
/// peer_groups:
///   - name: kafka-brokers
///     cidrs: [10.0.1.0/24, "2001:db8:1::/64"]
///   - name: app-servers
///     cidrs: [10.2.0.0/16]
/// top_peers: 5   # busiest ungrouped addresses shown by address; the rest are "other"
/// ```
/// The most specific (longest prefix) matching CIDR wins.
public struct PeerGroupsConfig: Decodable, Sendable, Equatable {
    public struct Group: Decodable, Sendable, Equatable {
        public var name: String
        public var cidrs: [CIDR]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name
            case cidrs
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            if name.isEmpty || name == "other" {
                throw decoder.invalid(CodingKeys.name, "must be non-empty and not \"other\" (reserved)")
            }
            if IPAddress16(parsing: name) != nil {
                throw decoder.invalid(CodingKeys.name, "must not be an IP address (addresses label top peers)")
            }
            let texts = try c.decode([String].self, forKey: .cidrs)
            if texts.isEmpty { throw decoder.invalid(CodingKeys.cidrs, "at least one CIDR is required") }
            cidrs = []
            for (i, t) in texts.enumerated() {
                guard let cidr = CIDR(parsing: t) else {
                    throw decoder.invalid(
                        AnyCodingKey(stringValue: "cidrs[\(i)]"),
                        "invalid CIDR \"\(t)\" (expected e.g. 10.0.0.0/8 or 2001:db8::/32)")
                }
                cidrs.append(cidr)
            }
        }

        public init(name: String, cidrs: [CIDR]) {
            self.name = name
            self.cidrs = cidrs
        }
    }

    public var groups: [Group]
    public var topPeers: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case groups = "peer_groups"
        case topPeers = "top_peers"
    }

    public init(groups: [Group] = [], topPeers: Int = 0) {
        self.groups = groups
        self.topPeers = topPeers
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        groups = try c.decodeIfPresent([Group].self, forKey: .groups) ?? []
        topPeers = try c.decodeIfPresent(Int.self, forKey: .topPeers) ?? 0
        guard (0...100).contains(topPeers) else { throw decoder.invalid(CodingKeys.topPeers, "must be 0..100") }
        var seen = Set<String>()
        for (i, g) in groups.enumerated() where !seen.insert(g.name).inserted {
            throw decoder.invalid(AnyCodingKey(stringValue: "peer_groups[\(i)].name"), "duplicate group \"\(g.name)\"")
        }
    }
}

/// An address range; IPv4 ranges are kept v4-mapped so they match v4-mapped IPv6 peers too.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    public var network: IPAddress16
    /// Prefix length over all 128 bits.
    public var prefix: Int
    public var text: String

    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let address = IPAddress16(parsing: first) else { return nil }
        let maxBits = address.isIPv4 && !parts[0].contains(":") ? 32 : 128
        var bits = maxBits
        if parts.count == 2 {
            guard let b = Int(parts[1]), (0...maxBits).contains(b) else { return nil }
            bits = b
        }
        prefix = bits + (maxBits == 32 ? 96 : 0)
        network = CIDR.mask(address, prefix)
        self.text = text
    }

    public var description: String { text }

    @inline(__always)
    public func contains(_ a: IPAddress16) -> Bool { CIDR.mask(a, prefix) == network }

    static func mask(_ a: IPAddress16, _ prefix: Int) -> IPAddress16 {
        func keep(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return IPAddress16(high: a.high & keep(prefix), low: a.low & keep(prefix - 64))
    }
}

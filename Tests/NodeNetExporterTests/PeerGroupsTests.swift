import ExporterKit
import Testing

@testable import NodeNetExporter

@Test func cidrMatchesV4V4MappedAndV6() throws {
    let net = try #require(CIDR(parsing: "10.1.0.0/16"))
    #expect(net.contains(IPAddress16(parsing: "10.1.2.3")!))
    #expect(net.contains(IPAddress16(parsing: "::ffff:10.1.2.3")!))
    #expect(!net.contains(IPAddress16(parsing: "10.2.0.1")!))
    let v6 = try #require(CIDR(parsing: "2001:db8::/32"))
    #expect(v6.contains(IPAddress16(parsing: "2001:db8:1::5")!))
    #expect(!v6.contains(IPAddress16(parsing: "2001:db9::5")!))
    let all = try #require(CIDR(parsing: "0.0.0.0/0"))
    #expect(all.contains(IPAddress16(parsing: "192.168.1.1")!))
    #expect(!all.contains(IPAddress16(parsing: "2001:db8::1")!))
    let host = try #require(CIDR(parsing: "10.0.0.1"))
    #expect(host.contains(IPAddress16(parsing: "10.0.0.1")!) && !host.contains(IPAddress16(parsing: "10.0.0.2")!))
    for bad in ["10.0.0.0/33", "2001:db8::/129", "nope/8", "10.0.0.0/x", ""] { #expect(CIDR(parsing: bad) == nil) }
}

@Test func configErrorsNameTheKey() {
    func error(_ yaml: String) -> String {
        do {
            _ = try ConfigLoader.decode(PeerGroupsConfig.self, yaml: yaml, file: "peers.yml")
            return "no error"
        } catch { return error.description }
    }
    #expect(error("peer_groups:\n  - name: a\n    cidr: [10.0.0.0/8]\n").contains("peer_groups[0].cidr: unknown key"))
    #expect(error("peer_groups:\n  - name: a\n    cidrs: [10.0.0.0/88]\n").contains("peer_groups[0].cidrs[0]"))
    #expect(error("peer_groups:\n  - name: other\n    cidrs: [10.0.0.0/8]\n").contains("reserved"))
    #expect(
        error("peer_groups:\n  - {name: a, cidrs: [10.0.0.0/8]}\n  - {name: a, cidrs: [10.1.0.0/16]}\n").contains(
            "duplicate group"))
    #expect(error("top_peers: 1000\n").contains("top_peers: must be 0..100"))
    #expect(error("toppeers: 1\n").hasPrefix("peers.yml: toppeers: unknown key"))
    #expect(error("") == "no error")
}

@Test func aggregationGroupsTopKAndOther() throws {
    let config = try ConfigLoader.decode(
        PeerGroupsConfig.self,
        yaml: """
            peer_groups:
              - {name: brokers, cidrs: [10.0.1.0/24]}
              - {name: broker-7, cidrs: [10.0.1.7/32]}
              - {name: apps, cidrs: ["2001:db8::/32", 10.2.0.0/16]}
            top_peers: 1
            """)
    func key(_ a: String, _ d: Direction = .inbound, _ s: UInt8 = 1) -> PeerKey {
        PeerKey(address: IPAddress16(parsing: a)!, direction: d, state: s)
    }
    let peers: [PeerKey: Int] = [
        key("10.0.1.5"): 3, key("::ffff:10.0.1.6"): 2, key("10.0.1.7"): 4,
        key("2001:db8::1"): 1, key("10.2.3.4", .outbound): 5,
        key("192.0.2.1"): 10, key("192.0.2.2"): 1, key("192.0.2.3", .inbound, 8): 1,
    ]
    let agg = PeerAggregation(peers: peers, config: config)
    func n(_ p: String, _ d: Direction = .inbound, _ s: UInt8 = 1) -> Int? {
        agg.counts[.init(peer: p, direction: d, state: s)]
    }
    #expect(n("brokers") == 5)
    // longest prefix wins
    #expect(n("broker-7") == 4)
    #expect(n("apps") == 1 && n("apps", .outbound) == 5)
    #expect(n("192.0.2.1") == 10)
    #expect(n("other") == 1 && n("other", .inbound, 8) == 1)
    #expect(agg.folded == 2)
}

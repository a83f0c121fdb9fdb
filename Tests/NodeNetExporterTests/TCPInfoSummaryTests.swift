import ExporterKit
import Testing

@testable import NodeNetExporter

private let established = TCPState.established.rawValue

private func summary(_ sockets: [(TCPInfo, UInt8)], idleSeconds: Int = 60) -> TCPInfoSummary.FlowInfo? {
    var b = TCPInfoSummaryBuilder(flowCount: 3, idleThresholdSeconds: idleSeconds)
    for (info, state) in sockets { b.add(info, state: state, flow: 1) }
    let key = TCPSummary.FlowKey(port: .init(port: 9092), direction: .outbound)
    return b.finish { _ in key }.flows[key]
}

@Test func rttHistogramIsCumulativeWithBoundsInclusive() throws {
    // 100 µs lands in le=0.0001 (bounds are inclusive, as Prometheus's le), 101 µs in the next.
    let f = try #require(
        summary([
            (TCPInfo(rttMicros: 100), established), (TCPInfo(rttMicros: 101), established),
            (TCPInfo(rttMicros: 80_000), established), (TCPInfo(rttMicros: 3_000_000), established),
        ]))
    #expect(f.rttCount == 4)
    #expect(f.rttBuckets[0] == 1 && f.rttBuckets[1] == 2 && f.rttBuckets[8] == 2 && f.rttBuckets[9] == 3)
    // 3 s is above the last bound: only in +Inf (the count).
    #expect(f.rttBuckets.last == 3)
    #expect(abs(f.rttSumSeconds - 3.080201) < 1e-9)
}

@Test func onlyEstablishedSocketsGiveRTTIdleAndDeliveryButAllGiveRetransmits() throws {
    let closing = TCPInfo(lost: 2, rttMicros: 500, totalRetransmits: 7, deliveryRate: 100)
    let f = try #require(summary([(closing, TCPState.finWait1.rawValue)]))
    #expect(f.sockets == 1 && f.retransmittedSegments == 7 && f.lostSegments == 2)
    #expect(f.rttCount == 0 && f.deliveryCount == 0 && f.idle == 0)
}

@Test func idleThresholdAndDeliveryQuantiles() throws {
    var sockets: [(TCPInfo, UInt8)] = []
    for i in 1...10 {
        sockets.append((TCPInfo(lastDataReceivedMillis: UInt32(i) * 1000, deliveryRate: UInt64(i) * 1000), established))
    }
    // No delivery sample yet: left out of the delivery summary.
    sockets.append((TCPInfo(lastDataReceivedMillis: 0, deliveryRate: 0), established))
    sockets.append((TCPInfo(lastDataReceivedMillis: 0, deliveryRate: nil), established))
    let f = try #require(summary(sockets, idleSeconds: 8))
    #expect(f.idle == 3)  // 8, 9 and 10 s without data
    #expect(f.deliveryCount == 10 && f.deliverySum == 55_000)
    // Nearest rank over 1000...10000: q0.1 -> 1st, q0.5 -> 5th, q0.9 -> 9th.
    #expect(f.deliveryQuantiles == [1000, 5000, 9000])
}

@Test func tcpInfoFamiliesEncodeAsHistogramAndSummary() throws {
    var s = TCPInfoSummary()
    var f = TCPInfoSummary.FlowInfo()
    f.rttBuckets = [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    f.rttCount = 3
    f.rttSumSeconds = 2.5
    f.deliveryQuantiles = [10, 20, 30]
    f.deliveryCount = 3
    f.deliverySum = 60
    f.sockets = 3
    s.flows[.init(port: .init(port: 9092), direction: .inbound)] = f
    let text = try ExpositionEncoder.encodeString(TCPInfoFamilies.families(s), format: .text004)
    #expect(text.contains("# TYPE nodenet_tcp_rtt_seconds histogram\n"))
    #expect(text.contains(#"nodenet_tcp_rtt_seconds_bucket{direction="inbound",le="0.0001",port="9092"} 1"#))
    #expect(text.contains(#"nodenet_tcp_rtt_seconds_bucket{direction="inbound",le="1.0",port="9092"} 2"#))
    #expect(text.contains(#"nodenet_tcp_rtt_seconds_bucket{direction="inbound",le="+Inf",port="9092"} 3"#))
    #expect(text.contains(#"nodenet_tcp_rtt_seconds_sum{direction="inbound",port="9092"} 2.5"#))
    #expect(text.contains(#"nodenet_tcp_rtt_seconds_count{direction="inbound",port="9092"} 3"#))
    #expect(text.contains("# TYPE nodenet_tcp_delivery_rate_bytes_per_second summary\n"))
    #expect(
        text.contains(#"nodenet_tcp_delivery_rate_bytes_per_second{direction="inbound",port="9092",quantile="0.5"} 20"#)
    )
    // Buckets come in ascending order, +Inf last, then _sum and _count.
    let rttLines = text.split(separator: "\n").filter { $0.hasPrefix("nodenet_tcp_rtt_seconds") }
    #expect(rttLines.count == 16)
    #expect(rttLines[13].contains("+Inf") && rttLines[14].hasPrefix("nodenet_tcp_rtt_seconds_sum"))
}

@Test func peerTCPInfoFoldsLikeThePeerCounts() throws {
    let config = try ConfigLoader.decode(
        PeerGroupsConfig.self, yaml: "peer_groups:\n  - {name: brokers, cidrs: [10.0.1.0/24]}\ntop_peers: 1\n")
    func addr(_ a: String) -> IPAddress16 { IPAddress16(parsing: a)! }
    let peers: [PeerKey: Int] = [
        PeerKey(address: addr("10.0.1.5"), direction: .outbound, state: 1): 1,
        PeerKey(address: addr("10.0.1.6"), direction: .outbound, state: 1): 1,
        PeerKey(address: addr("192.0.2.1"), direction: .inbound, state: 1): 5,
        PeerKey(address: addr("192.0.2.2"), direction: .inbound, state: 1): 1,
    ]
    func info(_ rttMicros: UInt32, retrans: UInt32 = 0) -> PeerTCPInfo {
        var p = PeerTCPInfo()
        p.add(TCPInfo(rttMicros: rttMicros, totalRetransmits: retrans), state: TCPState.established.rawValue)
        return p
    }
    let peerInfo: [PeerInfoKey: PeerTCPInfo] = [
        PeerInfoKey(address: addr("10.0.1.5"), direction: .outbound): info(300, retrans: 2),
        PeerInfoKey(address: addr("10.0.1.6"), direction: .outbound): info(40_000, retrans: 1),
        PeerInfoKey(address: addr("192.0.2.1"), direction: .inbound): info(100),
        PeerInfoKey(address: addr("192.0.2.2"), direction: .inbound): info(2_000_000),
    ]
    let agg = PeerAggregation(peers: peers, config: config, peerInfo: peerInfo)
    let brokers = try #require(agg.info[.init(peer: "brokers", direction: .outbound)])
    #expect(brokers.rttCount == 2 && brokers.retransmittedSegments == 3)
    // 300 µs is in le=0.0005 (index 2), 40 ms in le=0.05 (index 8).
    #expect(brokers.cumulativeBuckets[1].1 == 0 && brokers.cumulativeBuckets[2].1 == 1)
    #expect(brokers.cumulativeBuckets[8].1 == 2)
    #expect(agg.info[.init(peer: "192.0.2.1", direction: .inbound)]?.rttCount == 1)
    // Folded into "other" with its count; 2 s lies above every bound (only in +Inf).
    let other = try #require(agg.info[.init(peer: "other", direction: .inbound)])
    #expect(other.rttCount == 1 && other.cumulativeBuckets.last?.1 == 0)
}

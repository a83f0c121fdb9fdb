import ExporterKit
import Testing

@testable import NodeNetExporter

private typealias R = ProcNetFixture.Row

private func summary(_ v4: [R], _ v6: [R] = [], ports: String = "9092,2181") throws -> TCPSummary {
    let rows =
        ProcNetFixture.rows(ProcNetFixture.file(v4, ipv6: false), ipv6: false)
        + ProcNetFixture.rows(ProcNetFixture.file(v6, ipv6: true), ipv6: true)
    #expect(rows.count == v4.count + v6.count)
    return TCPSummary(rows: rows, allowlist: try PortAllowlist(parsing: ports))
}

private func count(_ s: TCPSummary, _ port: UInt16?, _ d: Direction, _ state: UInt8) -> Int {
    s.connections[.init(port: .init(port: port), direction: d, state: state)] ?? 0
}

@Test func directionsOfABrokerHost() throws {
    let s = try summary([
        R(local: "0.0.0.0", localPort: 9092, remote: "0.0.0.0", remotePort: 0, state: 0x0A, rx: 3),
        // a remote client of our broker
        R(local: "10.0.0.5", localPort: 9092, remote: "10.0.0.9", remotePort: 50000, tx: 100, rx: 7),
        R(local: "10.0.0.5", localPort: 9092, remote: "10.0.0.10", remotePort: 50001, tx: 300),
        // we connect to a remote ZooKeeper
        R(local: "10.0.0.5", localPort: 40000, remote: "10.0.0.20", remotePort: 2181),
        // we connect to some web service: port not in the allowlist
        R(local: "10.0.0.5", localPort: 40001, remote: "10.0.0.30", remotePort: 443, state: 0x08),
        // loopback client and server ends of one connection to 9092
        R(local: "127.0.0.1", localPort: 45000, remote: "127.0.0.1", remotePort: 9092),
        R(local: "127.0.0.1", localPort: 9092, remote: "127.0.0.1", remotePort: 45000),
        // a connection to our own non-loopback address counts as loopback too
        R(local: "10.0.0.5", localPort: 45001, remote: "10.0.0.5", remotePort: 9092),
    ])
    #expect(count(s, 9092, .inbound, 0x0A) == 1)
    #expect(count(s, 9092, .inbound, 0x01) == 2)
    #expect(count(s, 2181, .outbound, 0x01) == 1)
    #expect(count(s, nil, .outbound, 0x08) == 1)
    #expect(count(s, 9092, .loopback, 0x01) == 3)
    let inbound = try #require(s.flows[.init(port: .init(port: 9092), direction: .inbound)])
    #expect(inbound.sendQueueBytes == 400 && inbound.sendQueueMaxBytes == 300)
    #expect(inbound.receiveQueueBytes == 7 && inbound.receiveQueueMaxBytes == 7)
    #expect(inbound.remotePeers == 2)
    // LISTEN rows carry the accept queue, not the flow queues.
    #expect(s.listeners[.init(port: 9092)]?.acceptQueue == 3)
    #expect(s.listeners[.init(port: 9092)]?.listeners == 1)
}

@Test func dualStackListenerSeesV4ClientsAsV4Mapped() throws {
    // A JVM listens on [::]:9092; IPv4 clients appear in tcp6 as ::ffff:a.b.c.d.
    let s = try summary(
        [R(local: "10.0.0.5", localPort: 41000, remote: "10.0.0.7", remotePort: 9092)],
        [
            R(local: "::", localPort: 9092, remote: "::", remotePort: 0, state: 0x0A),
            R(local: "::ffff:10.0.0.5", localPort: 9092, remote: "::ffff:10.0.0.9", remotePort: 50000),
            R(local: "::ffff:10.0.0.5", localPort: 9092, remote: "::ffff:10.0.0.10", remotePort: 50000),
            R(local: "2001:db8::5", localPort: 9092, remote: "2001:db8::9", remotePort: 50000),
        ])
    #expect(count(s, 9092, .inbound, 0x01) == 3)
    #expect(count(s, 9092, .outbound, 0x01) == 1)
    #expect(s.flows[.init(port: .init(port: 9092), direction: .inbound)]?.remotePeers == 3)
}

@Test func v4AndV4MappedPeersAreOnePeer() throws {
    let s = try summary(
        [
            R(local: "0.0.0.0", localPort: 2181, remote: "0.0.0.0", remotePort: 0, state: 0x0A),
            R(local: "10.0.0.5", localPort: 2181, remote: "10.0.0.9", remotePort: 1),
        ],
        [
            R(local: "::", localPort: 2181, remote: "::", remotePort: 0, state: 0x0A),
            R(local: "::ffff:10.0.0.5", localPort: 2181, remote: "::ffff:10.0.0.9", remotePort: 2),
        ])
    #expect(s.flows[.init(port: .init(port: 2181), direction: .inbound)]?.remotePeers == 1)
    #expect(s.listeners[.init(port: 2181)]?.listeners == 2)
}

@Test func retransmitsZeroWindowAndStateFolding() throws {
    let s = try summary([
        R(local: "10.0.0.5", localPort: 40000, remote: "10.0.0.20", remotePort: 9092, timer: 1, retransmits: 3),
        // timer 1 alone is just data in flight
        R(local: "10.0.0.5", localPort: 40001, remote: "10.0.0.20", remotePort: 9092, timer: 1),
        R(local: "10.0.0.5", localPort: 40002, remote: "10.0.0.20", remotePort: 9092, timer: 4),
        // NEW_SYN_RECV (0C) is syn_recv; unknown codes share "unknown"
        R(local: "10.0.0.5", localPort: 40003, remote: "10.0.0.20", remotePort: 9092, state: 0x03),
        R(local: "10.0.0.5", localPort: 40004, remote: "10.0.0.20", remotePort: 9092, state: 0x0C),
        R(local: "10.0.0.5", localPort: 40005, remote: "10.0.0.20", remotePort: 9092, state: 0x0E),
        R(local: "10.0.0.5", localPort: 40006, remote: "10.0.0.20", remotePort: 9092, state: 0xFF),
    ])
    let f = try #require(s.flows[.init(port: .init(port: 9092), direction: .outbound)])
    #expect(f.retransmitting == 1)
    #expect(f.zeroWindowProbing == 1)
    #expect(count(s, 9092, .outbound, 0x03) == 2)
    #expect(count(s, 9092, .outbound, 0) == 2)
    // Every state slot maps to a distinct label, so no duplicate series can arise.
    let labels = s.connections.keys.map { "\($0.port.label)/\($0.direction.label)/\(TCPState.label(code: $0.state))" }
    #expect(Set(labels).count == labels.count)
}

@Test func collectorFamiliesAreValidExposition() throws {
    let s = try summary([
        R(local: "0.0.0.0", localPort: 9092, remote: "0.0.0.0", remotePort: 0, state: 0x0A),
        R(local: "10.0.0.5", localPort: 9092, remote: "10.0.0.9", remotePort: 50000),
        R(local: "10.0.0.5", localPort: 40001, remote: "10.0.0.30", remotePort: 443, state: 0x0E),
    ])
    let text = try ExpositionEncoder.encodeString(TCPCollector.families(s), format: .text004)
    #expect(text.contains(#"nodenet_tcp_connections{direction="inbound",port="9092",state="established"} 1"#))
    #expect(text.contains(#"nodenet_tcp_connections{direction="outbound",port="other",state="unknown"} 1"#))
    #expect(text.contains(#"nodenet_tcp_listen_accept_queue{port="9092"} 0"#))
}

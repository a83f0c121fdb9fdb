import ExporterKit
import Foundation
import Testing

@testable import NodeNetExporter

private typealias R = ProcNetFixture.Row

@Test func collectorReadsAProcfsDirectoryAndCountsGarbage() async throws {
    let tcp =
        ProcNetFixture.file(
            [
                R(local: "0.0.0.0", localPort: 9092, remote: "0.0.0.0", remotePort: 0, state: 0x0A),
                R(local: "10.0.0.5", localPort: 9092, remote: "10.0.0.9", remotePort: 50000),
            ], ipv6: false) + "   9: garbage line\n   10: 0100007F:2384 0100\n"
    let tcp6 = ProcNetFixture.file(
        [R(local: "::ffff:10.0.0.5", localPort: 40000, remote: "::ffff:10.0.0.7", remotePort: 2181)], ipv6: true)
    let procfs = try ProcNetFixture.procfs(tcp: tcp, tcp6: tcp6)
    defer { try? FileManager.default.removeItem(atPath: procfs) }
    let source = TCPTableSource(
        procfs: procfs, options: TCPScanOptions(allowlist: try PortAllowlist(parsing: "9092,2181")))
    let collector = TCPCollector(source: source)
    for _ in 0..<2 {
        let text = try ExpositionEncoder.encodeString(try await collector.collect(), format: .text004)
        #expect(text.contains(#"nodenet_tcp_connections{direction="inbound",port="9092",state="established"} 1"#))
        #expect(text.contains(#"nodenet_tcp_connections{direction="outbound",port="2181",state="established"} 1"#))
        #expect(text.contains(#"nodenet_tcp_sockets_scanned{file="tcp"} 2"#))
        #expect(text.contains(#"nodenet_tcp_sockets_scanned{file="tcp6"} 1"#))
    }
    // The counter accumulates across scrapes: 2 bad lines, 2 scrapes.
    let text = try ExpositionEncoder.encodeString(try await collector.collect(), format: .text004)
    #expect(text.contains(#"nodenet_tcp_parse_errors_total{file="tcp"} 6"#))
    #expect(text.contains(#"nodenet_tcp_parse_errors_total{file="tcp6"} 0"#))
}

@Test func missingTCP6MeansIPv6DisabledNotAnError() async throws {
    let tcp = ProcNetFixture.file(
        [R(local: "10.0.0.5", localPort: 40000, remote: "10.0.0.7", remotePort: 2181)], ipv6: false)
    let procfs = try ProcNetFixture.procfs(tcp: tcp, tcp6: nil)
    defer { try? FileManager.default.removeItem(atPath: procfs) }
    let source = TCPTableSource(procfs: procfs, options: TCPScanOptions(allowlist: try PortAllowlist(parsing: "2181")))
    let scan = try await source.scan()
    #expect(!scan.ipv6Present)
    #expect(scan.socketsScanned == 1)
}

@Test func missingTCPFileFailsTheCollector() async throws {
    let source = TCPTableSource(
        procfs: "/nonexistent-procfs", options: TCPScanOptions(allowlist: try PortAllowlist(parsing: "")))
    await #expect(throws: ProcFileError.self) { try await TCPCollector(source: source).collect() }
}

@Test func concurrentCollectorsShareOneRead() async throws {
    let tcp = ProcNetFixture.file(
        [R(local: "10.0.0.5", localPort: 40000, remote: "10.0.0.7", remotePort: 2181)], ipv6: false)
    let procfs = try ProcNetFixture.procfs(tcp: tcp, tcp6: "")
    defer { try? FileManager.default.removeItem(atPath: procfs) }
    let source = TCPTableSource(
        procfs: procfs, options: TCPScanOptions(allowlist: try PortAllowlist(parsing: "2181"), peers: true))
    async let a = source.scan()
    async let b = source.scan()
    let (x, y) = try await (a, b)
    #expect(x.socketsScanned == 1 && y.socketsScanned == 1)
    #expect(x.peers.values.reduce(0, +) == 1)
}

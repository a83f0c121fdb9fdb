import ExporterKit
import Foundation
import Testing

@testable import NodeNetExporter

@Test func stateFilterParsesLabelsAndBuildsTheKernelMask() throws {
    #expect(try TCPStateFilter(parsing: "all").isAll)
    let f = try TCPStateFilter(parsing: "established, syn_recv")
    #expect(f.counts(0x01) && f.counts(0x03) && f.counts(0x0C))  // NEW_SYN_RECV counts as syn_recv
    #expect(!f.counts(0x06) && !f.counts(0x0A))
    // LISTEN is always dumped (direction needs it), request sockets come with SYN_RECV.
    #expect(f.kernelMask == (1 << 1 | 1 << 3 | 1 << 10 | 1 << 12))
    #expect(throws: ConfigErrorText.self) { try TCPStateFilter(parsing: "estab") }
    #expect(throws: ConfigErrorText.self) { try TCPStateFilter(parsing: ",") }
}

@Test func uncountedListenersStillDecideDirection() throws {
    typealias R = ProcNetFixture.Row
    let tcp = ProcNetFixture.file(
        [
            R(local: "0.0.0.0", localPort: 9092, remote: "0.0.0.0", remotePort: 0, state: 0x0A),
            R(local: "10.0.0.5", localPort: 9092, remote: "10.0.0.9", remotePort: 50000),
            R(local: "10.0.0.5", localPort: 9092, remote: "10.0.0.8", remotePort: 50001, state: 0x06),
        ], ipv6: false)
    let procfs = try ProcNetFixture.procfs(tcp: tcp, tcp6: ProcNetFixture.file([], ipv6: true))
    defer { try? FileManager.default.removeItem(atPath: procfs) }
    let options = TCPScanOptions(
        allowlist: try PortAllowlist(parsing: "9092"), states: try TCPStateFilter(parsing: "established"))
    let scan = try TCPScan.read(procfs: procfs, reader: ProcFileReader(), options: options)
    let port = TCPSummary.PortKey(port: 9092)
    #expect(scan.summary.connections == [.init(port: port, direction: .inbound, state: 0x01): 1])
    #expect(scan.summary.listeners.isEmpty)
}

import ExporterKit
import Foundation

@testable import NodeNetExporter

/// Builds /proc/net/tcp{,6} text the way the kernel prints it.
enum ProcNetFixture {
    static let header4 =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
    static let header6 =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"

    /// The kernel prints each 32-bit word of the address in host (little-endian) order.
    static func hex(_ address: String) -> String {
        let a = IPAddress16(parsing: address)!
        if address.contains(":") {
            let bytes =
                (0..<8).map { UInt8(truncatingIfNeeded: a.high >> (56 - 8 * UInt64($0))) }
                + (0..<8).map { UInt8(truncatingIfNeeded: a.low >> (56 - 8 * UInt64($0))) }
            return stride(from: 0, to: 16, by: 4).map { i in
                bytes[i..<i + 4].reversed().map { String(format: "%02X", $0) }.joined()
            }.joined()
        }
        let v4 = a.ipv4!
        return String(format: "%08X", v4.byteSwapped)
    }

    struct Row {
        var local: String
        var localPort: Int
        var remote: String
        var remotePort: Int
        var state: Int = 1
        var tx: Int = 0
        var rx: Int = 0
        var timer: Int = 0
        var retransmits: Int = 0
        var inode: Int = 1000
    }

    static func line(_ r: Row, index: Int) -> String {
        let s = String(
            format: "%4d: %@:%04X %@:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d 1 0000000000000000 20 4 30 10 -1",
            index, hex(r.local), r.localPort, hex(r.remote), r.remotePort, r.state, r.tx, r.rx, r.timer, 0,
            r.retransmits, 1000, 0, r.inode)
        return s.padding(toLength: max(s.count, 149), withPad: " ", startingAt: 0)
    }

    static func file(_ rows: [Row], ipv6: Bool) -> String {
        ([ipv6 ? header6 : header4] + rows.enumerated().map { line($1, index: $0) }).joined(separator: "\n") + "\n"
    }

    /// A procfs directory with net/tcp and (unless nil) net/tcp6.
    static func procfs(tcp: String, tcp6: String?) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("procfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("net"), withIntermediateDirectories: true)
        try tcp.write(to: dir.appendingPathComponent("net/tcp"), atomically: true, encoding: .utf8)
        if let tcp6 { try tcp6.write(to: dir.appendingPathComponent("net/tcp6"), atomically: true, encoding: .utf8) }
        return dir.path
    }

    static func rows(_ text: String, ipv6: Bool) -> [TCPSocketRow] {
        ProcNetTCP.parse(text, ipv6: ipv6).rows
    }
}

/// Tests that open real sockets and read /proc/net/tcp run one at a time: the kernel lists
/// sockets page by page, so another test's sockets appearing mid-read can shift rows.
let liveSocketLock = NSLock()

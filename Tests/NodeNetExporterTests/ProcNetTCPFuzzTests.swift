import ExporterKit
import Testing

@testable import NodeNetExporter

private func hex(_ v: some BinaryInteger, _ width: Int, upper: Bool) -> String {
    let s = String(v, radix: 16, uppercase: upper)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

private func pad(_ s: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - s.count)) + s
}

/// Random kernel-layout rows: the fixed-column SWAR path and the tolerant path
/// (same row with doubled blanks) must both return exactly the printed values.
@Test(arguments: [false, true])
func fastAndTolerantPathsMatchGeneratedValues(ipv6: Bool) {
    var seed: UInt64 = ipv6 ? 7 : 3
    func next() -> UInt64 {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        return seed ^ seed >> 29
    }
    for i in 0..<3000 {
        let upper = next() & 1 == 0
        let words = (0..<8).map { _ in UInt32(truncatingIfNeeded: next()) }
        let localPort = UInt16(truncatingIfNeeded: next())
        let remotePort = UInt16(truncatingIfNeeded: next())
        let state = UInt8(truncatingIfNeeded: next())
        let timer = UInt8(truncatingIfNeeded: next())
        let tx = UInt32(truncatingIfNeeded: next())
        let rx = UInt32(truncatingIfNeeded: next())
        let retransmits = UInt32(truncatingIfNeeded: next())
        let uid = UInt32(truncatingIfNeeded: next() >> UInt64(next() % 33))
        let inode = next() >> (next() % 64)
        let local = ipv6 ? words[0..<4].map { hex($0, 8, upper: upper) }.joined() : hex(words[0], 8, upper: upper)
        let remote = ipv6 ? words[4..<8].map { hex($0, 8, upper: upper) }.joined() : hex(words[4], 8, upper: upper)
        let line =
            "\(pad(String(i), 4)): \(local):\(hex(localPort, 4, upper: upper)) \(remote):\(hex(remotePort, 4, upper: upper)) "
            + "\(hex(state, 2, upper: upper)) \(hex(tx, 8, upper: upper)):\(hex(rx, 8, upper: upper)) "
            + "\(hex(timer, 2, upper: upper)):\(hex(UInt32(truncatingIfNeeded: next()), 8, upper: upper)) \(hex(retransmits, 8, upper: upper)) "
            + "\(pad(String(uid), 5)) \(pad("0", 8)) \(inode) 1 0000000000000000 20 4 30 10 -1"
        let fast = ProcNetTCP.parse(line + "\n", ipv6: ipv6)
        let slow = ProcNetTCP.parse(line.split(separator: " ").joined(separator: " \t ") + "\n", ipv6: ipv6)
        guard let row = fast.rows.first, fast.rows.count == 1, slow.rows == fast.rows else {
            Issue.record("mismatch on \(line): fast \(fast) slow \(slow)")
            return
        }
        let expectLocal =
            ipv6
            ? IPAddress16(
                high: UInt64(UInt32(bigEndian: words[0])) << 32 | UInt64(UInt32(bigEndian: words[1])),
                low: UInt64(UInt32(bigEndian: words[2])) << 32 | UInt64(UInt32(bigEndian: words[3])))
            : IPAddress16(ipv4: UInt32(bigEndian: words[0]))
        let ok =
            row.localAddress == expectLocal && row.localPort == localPort && row.remotePort == remotePort
            && row.state == state && row.timer == timer && row.txQueue == tx && row.rxQueue == rx
            && row.retransmits == retransmits && row.uid == uid && row.inode == inode
        if !ok {
            Issue.record("wrong values for \(line): \(row)")
            return
        }
    }
}

import ExporterKit
import Testing

@testable import NodeNetExporter

private let header4 =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n"
private let header6 =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

/// A kernel-style IPv4 row padded to 149 columns like tcp4_seq_show.
private func row4(_ body: String) -> String {
    let padding = max(0, 149 - body.utf8.count)
    return body + String(repeating: " ", count: padding) + "\n"
}

private let v4 =
    header4
    + row4(
        "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21954 1 0000000000000000 100 0 0 10 0"
    )
    + row4(
        "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 123456 2 0000000000000000 20 4 30 10 -1"
    )
    + row4(
        "   2: 0100000A:2384 0200000A:9C40 01 0000ABCD:00001234 04:00000100 00000007  1000        0 777 2 0000000000000000 20 4 30 10 -1"
    )
    + row4(
        "   3: 00000000:2384 00000000:0000 0A 00000000:00000032 00:00000000 00000000  1000        0 99 1 0000000000000000 100 0 0 10 0"
    )

@Test func ipv4RowsDecodeByteOrderAndFields() {
    let (rows, stats) = ProcNetTCP.parse(v4, ipv6: false)
    #expect(stats == ProcNetParseStats(rows: 4, errors: 0, firstError: nil))
    #expect(rows.count == 4)
    guard rows.count == 4 else { return }
    #expect(rows[0].localAddress.description == "127.0.0.1")
    #expect(rows[0].localAddress.isLoopback)
    #expect(rows[0].localPort == 0x0CEA)
    #expect(rows[0].remoteAddress == .zero || rows[0].remoteAddress == IPAddress16(ipv4: 0))
    #expect(rows[0].state == 0x0A && rows[0].tcpState == .listen)
    #expect(rows[0].inode == 21954 && rows[0].uid == 0)

    #expect(rows[1].localPort == 9092 && rows[1].remotePort == 0xD4C2)
    #expect(rows[1].remoteAddress == IPAddress16(parsing: "127.0.0.1"))
    #expect(rows[1].tcpState == .established && rows[1].timer == 2 && rows[1].tcpTimer == .keepalive)
    #expect(rows[1].uid == 1000 && rows[1].inode == 123456)

    #expect(rows[2].localAddress.description == "10.0.0.1")
    #expect(rows[2].remoteAddress.description == "10.0.0.2")
    #expect(!rows[2].localAddress.isLoopback)
    #expect(rows[2].txQueue == 0xABCD && rows[2].rxQueue == 0x1234)
    #expect(rows[2].timer == 4 && rows[2].tcpTimer == .zeroWindowProbe && rows[2].retransmits == 7)
    #expect(rows[2].remotePort == 40000)

    // LISTEN row: rx_queue is the accept-queue length.
    #expect(rows[3].tcpState == .listen && rows[3].rxQueue == 50)
    #expect(rows[3].localAddress.isUnspecified)
}

@Test func ipv6RowsAndV4Mapped() {
    let text =
        header6
        + "   0: 00000000000000000000000000000000:2384 00000000000000000000000000000000:0000 0A 00000000:00000032 00:00000000 00000000  1000        0 44441 1 0000000000000000 100 0 0 10 0\n"
        + "   1: 0000000000000000FFFF00000100000A:2384 0000000000000000FFFF00000200000A:C350 01 00000010:00000020 01:00000014 00000003  1001        0 44442 2 0000000000000000 20 4 30 10 -1\n"
        + "   2: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:A000 01 00000000:00000000 00:00000000 00000000     0        0 44443 2 0000000000000000 20 4 30 10 -1\n"
        + "   3: B80D0120000000000000000001000000:0050 B80D0120000000000000000002000000:0051 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n"
    let (rows, stats) = ProcNetTCP.parse(text, ipv6: true)
    #expect(stats.errors == 0 && stats.rows == 4)
    guard rows.count == 4 else { return }
    #expect(rows[0].localAddress == .zero && rows[0].rxQueue == 50 && rows[0].inode == 44441)
    #expect(rows[0].localAddress.description == "::")

    let mapped = rows[1].localAddress
    #expect(mapped.isIPv4)
    #expect(mapped == IPAddress16(parsing: "10.0.0.1"))
    #expect(mapped == IPAddress16(ipv4: 0x0A00_0001))
    #expect(mapped.description == "10.0.0.1")
    #expect(rows[1].remoteAddress.description == "10.0.0.2" && rows[1].remotePort == 50000)
    #expect(rows[1].txQueue == 16 && rows[1].rxQueue == 32 && rows[1].timer == 1 && rows[1].retransmits == 3)
    #expect(rows[1].uid == 1001)

    #expect(rows[2].localAddress.isLoopback && !rows[2].localAddress.isIPv4)
    #expect(rows[2].localAddress.description == "::1" && rows[2].localPort == 8080)

    #expect(rows[3].localAddress.description == "2001:db8::1")
    #expect(rows[3].remoteAddress == IPAddress16(parsing: "2001:db8::2"))
    #expect(rows[3].tcpState == .timeWait && rows[3].timer == 3 && rows[3].inode == 0)
}

@Test func v4AndV4MappedRowsCompareEqual() {
    let a = ProcNetTCP.parse(
        row4("   0: 0100000A:2384 0200000A:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0"),
        ipv6: false
    ).rows
    let b = ProcNetTCP.parse(
        "   0: 0000000000000000FFFF00000100000A:2384 0000000000000000FFFF00000200000A:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0\n",
        ipv6: true
    ).rows
    #expect(a.count == 1 && a == b)
    #expect(Set(a.map(\.localAddress)) == Set(b.map(\.localAddress)))
}

@Test func loopbackRanges() {
    let rows = ProcNetTCP.parse(
        row4("   0: 0201007F:0016 FFFFFF7F:0017 01 00000000:00000000 00:00000000 00000000     0        0 5 1 0"),
        ipv6: false
    ).rows
    #expect(rows.count == 1)
    #expect(rows.first?.localAddress.description == "127.0.1.2")
    #expect(rows.first?.localAddress.isLoopback == true)
    #expect(rows.first?.remoteAddress.description == "127.255.255.255")
    #expect(IPAddress16(parsing: "128.0.0.1")?.isLoopback == false)
    #expect(IPAddress16(parsing: "::2")?.isLoopback == false)
}

@Test(arguments: Array(0x00...0x0F) + [0x1F, 0x80, 0xFF])
func everyStateCodeIsAccepted(code: Int) {
    let hex = String(code, radix: 16, uppercase: true)
    let st = hex.count == 1 ? "0" + hex : hex
    let (rows, stats) = ProcNetTCP.parse(
        row4("   0: 0100007F:2384 0100007F:D4C2 \(st) 00000000:00000000 00:00000000 00000000  1000        0 9 2 0"),
        ipv6: false)
    #expect(stats.errors == 0 && rows.count == 1)
    #expect(rows.first.map { Int($0.state) } == code)
    let expected: String =
        switch code {
        case 1: "established"
        case 2: "syn_sent"
        case 3, 0x0C: "syn_recv"
        case 4: "fin_wait1"
        case 5: "fin_wait2"
        case 6: "time_wait"
        case 7: "close"
        case 8: "close_wait"
        case 9: "last_ack"
        case 0x0A: "listen"
        case 0x0B: "closing"
        case 0x0D: "bound_inactive"
        default: "unknown"
        }
    #expect(TCPState.label(code: UInt8(code)) == expected)
    #expect((TCPState(rawValue: UInt8(code)) != nil) == (1...0x0D).contains(code))
}

@Test func lowercaseHexAndSlowPathSpacing() {
    let text =
        "   0: 0100007f:0cea 0100007f:d4c2 0a 0000abcd:00001234 04:0000ffff 0000000a     0        0 21954 1 0\n"
        // Irregular spacing and short fields take the tolerant path but decode identically.
        + "  1:  0100007f:cea   0100007f:d4c2 a  abcd:1234  4:ffff  a  0 0 21954 1\n"
        + "\t2:\t0100007F:0CEA\t0100007F:D4C2\t0A\t0000ABCD:00001234\t04:0000FFFF\t0000000A\t0\t0\t21954\t1\n"
    let (rows, stats) = ProcNetTCP.parse(text, ipv6: false)
    #expect(stats.errors == 0 && rows.count == 3)
    guard rows.count == 3 else { return }
    #expect(rows[0].localPort == 0x0CEA && rows[0].remotePort == 0xD4C2 && rows[0].state == 0x0A)
    #expect(rows[0].txQueue == 0xABCD && rows[0].rxQueue == 0x1234 && rows[0].timer == 4 && rows[0].retransmits == 10)
    #expect(rows[1] == rows[0] && rows[2] == rows[0])
}

@Test func slowAndFastPathAgreeOnMaximalValues() {
    let line =
        "   0: FFFFFFFF:FFFF ffffffff:ffff FF FFFFFFFF:ffffffff FF:FFFFFFFF FFFFFFFF 4294967295 -1 18446744073709551615 1 0"
    let fast = ProcNetTCP.parse(row4(line), ipv6: false)
    let slow = ProcNetTCP.parse(line.replacingSpaces() + "\n", ipv6: false)
    #expect(fast.stats.errors == 0 && slow.stats.errors == 0)
    #expect(fast.rows == slow.rows && fast.rows.count == 1)
    #expect(fast.rows.first?.uid == UInt32.max && fast.rows.first?.inode == UInt64.max)
    #expect(fast.rows.first?.localPort == 0xFFFF && fast.rows.first?.retransmits == UInt32.max)
}

extension String {
    /// Doubles every space so the fixed-column fast path cannot apply.
    fileprivate func replacingSpaces() -> String { split(separator: " ").joined(separator: "  ") }
}

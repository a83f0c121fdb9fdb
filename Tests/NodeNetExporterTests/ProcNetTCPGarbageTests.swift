import ExporterKit
import Testing

@testable import NodeNetExporter

private let good =
    "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 123456 2 0000000000000000 20 4 30 10 -1"

private func parse(_ text: String, ipv6: Bool = false) -> (rows: [TCPSocketRow], stats: ProcNetParseStats) {
    ProcNetTCP.parse(text, ipv6: ipv6)
}

@Test func blankLinesHeaderAndMissingTrailingNewlineAreFine() {
    #expect(parse("").stats == ProcNetParseStats())
    #expect(parse("\n\n   \n").stats == ProcNetParseStats())
    #expect(
        parse("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
            .stats == ProcNetParseStats())
    #expect(parse("  sl  local_address rem_address").stats == ProcNetParseStats())
    let noNewline = parse("\n" + good)
    #expect(noNewline.stats.rows == 1 && noNewline.stats.errors == 0)
    // CRLF and trailing blanks are just trailing whitespace after the used columns.
    let crlf = parse(good + "\r\n" + good + "    \t \r\n")
    #expect(crlf.stats.rows == 2 && crlf.stats.errors == 0)
}

@Test(arguments: [
    "   1: 0100007F:2384 0100",  // cut inside an address
    // cut inside inode
    "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 1234",
    "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0",  // missing inode
    "   1: 0100007F:2384 0100007F:D4C2 01",  // missing fields
    // non-hex address
    "   1: 0100007G:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 1 2 0",
    // overlong tx_queue
    "   1: 0100007F:2384 0100007F:D4C2 01 000000000:00000000 02:000A7F2B 00000000  1000        0 1 2 0",
    // overlong port
    "   1: 0100007F:23840 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 1 2 0",
    // overlong state
    "   1: 0100007F:2384 0100007F:D4C2 001 00000000:00000000 02:000A7F2B 00000000  1000        0 1 2 0",
    // uid overflow
    "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  4294967296        0 1 2 0",
    // inode overflow
    "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 18446744073709551616 2 0",
    // absurd inode
    "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 999999999999999999999999 2 0",
    // absurd hex
    "   1: 0100007F:2384 0100007F:D4C2 01 FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:00000000 02:000A7F2B 00000000  1000        0 1 2 0",
    // sl without colon
    "   1 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 1 2 0",
    "x: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 1 2 0",
    // v6 row in v4 file
    "   1: 0000000000000000FFFF00000100000A:2384 0000000000000000FFFF00000200000A:C350 01 00000000:00000000 00:00000000 00000000  1000        0 7 2 0",
    "   1: 0100007F:2384 0100007F:D4C2 01 00000000:00000000 02:000A7F2B 00000000  1000        0 1-2 0",
    "\u{00}\u{01}\u{FF}é漢字🙂 random bytes ::::",
])
func garbageLineIsCountedAndSkipped(line: String) {
    let (rows, stats) = parse(good + "\n" + line + "\n" + good + "\n")
    #expect(rows.count == 2)
    #expect(stats.rows == 2 && stats.errors == 1)
    #expect(stats.firstError != nil)
    // Also as the very last line without a newline, and in a padded kernel-style row.
    #expect(parse(good + "\n" + line).stats.errors == 1)
    #expect(parse(line + String(repeating: " ", count: 120) + "\n").stats.errors == 1)
}

@Test func v4RowInIPv6FileIsAnError() {
    let (rows, stats) = parse(good + "\n", ipv6: true)
    #expect(rows.isEmpty && stats.errors == 1)
    #expect(stats.firstError?.hasPrefix("bad local address") == true)
}

@Test func randomBytesNeverCrash() {
    var seed: UInt64 = 42
    var bytes = [UInt8]()
    let alphabet = Array("0123456789ABCDEFabcdefxyz: \t\r\n-".utf8)
    for _ in 0..<200_000 {
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        let r = Int(seed >> 33)
        bytes.append(r % 4 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : alphabet[(r >> 8) % alphabet.count])
    }
    // Sprinkle in valid rows and mutate single bytes of them.
    var stats = ProcNetParseStats()
    var delivered = 0
    for ipv6 in [false, true] {
        bytes.withUnsafeBytes { raw in
            for cut in stride(from: 0, to: raw.count, by: 997) {
                let slice = UnsafeRawBufferPointer(rebasing: raw[cut..<min(raw.count, cut + 4096)])
                ProcNetTCP.parse(slice, ipv6: ipv6, stats: &stats) { _ in delivered += 1 }
            }
        }
    }
    #expect(stats.rows == delivered)
    var mutatedStats = ProcNetParseStats()
    for i in 0..<good.utf8.count {
        for replacement: UInt8 in [0x00, 0x20, 0x3A, 0x47, 0x0A, 0xFF] {
            var line = Array(good.utf8)
            line[i] = replacement
            line.withUnsafeBytes { ProcNetTCP.parse($0, ipv6: false, stats: &mutatedStats) { _ in } }
            line.withUnsafeBytes {
                ProcNetTCP.parse(UnsafeRawBufferPointer(rebasing: $0[0..<i]), ipv6: false, stats: &mutatedStats) { _ in
                }
            }
        }
    }
    #expect(mutatedStats.rows + mutatedStats.errors > 0)
}

@Test func emptyBufferIsFine() {
    var stats = ProcNetParseStats()
    ProcNetTCP.parse(UnsafeRawBufferPointer(start: nil, count: 0), ipv6: false, stats: &stats) { _ in }
    #expect(stats == ProcNetParseStats())
}

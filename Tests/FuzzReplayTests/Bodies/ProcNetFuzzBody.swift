// The fuzz package compiles ProcNetTCP's source files into its target (symlinks: another
// package cannot import an executable); the replay tests reach them in nodenet-exporter itself.
#if !FUZZ_PACKAGE
    @testable import NodeNetExporter
#endif

/// Fuzz target `procnet`: /proc/net/tcp and /proc/net/tcp6 text as nodenet-exporter scans it.
/// Input: byte 0 bit 0 picks tcp6, the rest is the file's text (any bytes). Traps when a row
/// the parser counts is not delivered. Compiled by the libFuzzer target and by the corpus
/// replay tests.
func procNetFuzzBody(_ input: UnsafeBufferPointer<UInt8>) {
    guard input.count >= 1 else { return }
    let ipv6 = input[0] & 1 == 1
    // An exact-size heap copy so AddressSanitizer sees any read past the end of the text.
    let text = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count - 1, alignment: 1)
    defer { text.deallocate() }
    text.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[1...]))
    var stats = ProcNetParseStats()
    var rows = 0
    ProcNetTCP.parse(UnsafeRawBufferPointer(text), ipv6: ipv6, stats: &stats) { _ in rows += 1 }
    precondition(rows == stats.rows, "every counted row is delivered")
}

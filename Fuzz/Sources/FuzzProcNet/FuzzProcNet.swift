import FuzzSupport

/// /proc/net/tcp and /proc/net/tcp6 text as nodenet-exporter scans it. ProcNetTCP lives in the
/// nodenet-exporter executable, which no other package can import, so its source files are
/// compiled into this target through symlinks (the same code, not a copy).
/// Input: byte 0 bit 0 picks tcp6, the rest is the file's text (any bytes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcNet(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    fuzzInput("procnet", data, size) { input in
        let ipv6 = input[0] & 1 == 1
        // An exact-size heap copy so AddressSanitizer sees any read past the end of the text.
        let text = UnsafeMutableRawBufferPointer.allocate(byteCount: size - 1, alignment: 1)
        defer { text.deallocate() }
        text.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[1...]))
        var stats = ProcNetParseStats()
        var rows = 0
        ProcNetTCP.parse(UnsafeRawBufferPointer(text), ipv6: ipv6, stats: &stats) { _ in rows += 1 }
        precondition(rows == stats.rows, "every counted row is delivered")
    }
    return 0
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Parser for /proc/net/tcp and /proc/net/tcp6.
///
/// Busy brokers have 100k+ sockets (15 MB of text per scrape), so this is a
/// hand-written byte scanner: no String, no per-line allocation, no Foundation.
/// Every field is length-checked before use, so garbage can never trap; a bad
/// line is counted in `ProcNetParseStats.errors` and skipped.
public enum ProcNetTCP {
    /// Parses a buffer of complete lines (a whole file or one chunk from
    /// `ProcFileReader.forEachLineChunk`). The header line is skipped, blank
    /// lines are ignored, and the last line may lack its newline.
    ///
    /// `ipv6` selects the expected address width (8 or 32 hex digits); a row
    /// of the other width is an error. `row` receives each valid row; it is
    /// passed borrowed, so copying it out is the caller's choice.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        ipv6: Bool,
        stats: inout ProcNetParseStats,
        row: (TCPSocketRow) -> Void
    ) {
        bytes.withMemoryRebound(to: UInt8.self) { buffer in
            guard let start = buffer.baseAddress else { return }
            let end = start + buffer.count
            var line = start
            var current = TCPSocketRow()
            while line < end {
                let lineEnd =
                    memchr(line, 0x0A, end - line).map {
                        UnsafePointer($0.assumingMemoryBound(to: UInt8.self))
                    } ?? end
                let outcome =
                    ipv6
                    ? parseLine(line, lineEnd, addressDigits: 32, into: &current)
                    : parseLine(line, lineEnd, addressDigits: 8, into: &current)
                switch outcome {
                case .row:
                    stats.rows += 1
                    row(current)
                case .skip:
                    break
                default:
                    stats.errors += 1
                    if stats.firstError == nil {
                        stats.firstError = describe(
                            outcome, line: UnsafeBufferPointer(start: line, count: lineEnd - line))
                    }
                }
                line = lineEnd + 1
            }
        }
    }

    /// Convenience for tests and small inputs.
    public static func parse(_ text: String, ipv6: Bool) -> (rows: [TCPSocketRow], stats: ProcNetParseStats) {
        var rows: [TCPSocketRow] = []
        var stats = ProcNetParseStats()
        var text = text
        text.withUTF8 { utf8 in
            parse(UnsafeRawBufferPointer(utf8), ipv6: ipv6, stats: &stats) { rows.append($0) }
        }
        return (rows, stats)
    }
}

// MARK: - Line scanner

extension ProcNetTCP {
    /// Why a line was not delivered as a row.
    enum LineOutcome: UInt8 {
        case row, skip
        case badSlot, badLocalAddress, badLocalPort, badRemoteAddress, badRemotePort
        case badState, badQueues, badTimer, badRetransmits, badUID, badTimeout, badInode, missingFields

        var reason: String {
            switch self {
            case .row, .skip: "ok"
            case .badSlot: "bad sl field"
            case .badLocalAddress: "bad local address (wrong width or non-hex)"
            case .badLocalPort: "bad local port"
            case .badRemoteAddress: "bad remote address (wrong width or non-hex)"
            case .badRemotePort: "bad remote port"
            case .badState: "bad st field"
            case .badQueues: "bad tx_queue:rx_queue field"
            case .badTimer: "bad tr:tm->when field"
            case .badRetransmits: "bad retrnsmt field"
            case .badUID: "bad uid field"
            case .badTimeout: "bad timeout field"
            case .badInode: "bad inode field"
            case .missingFields: "truncated line (no refcount after inode)"
            }
        }
    }

    typealias Cursor = UnsafePointer<UInt8>

    @inline(__always)
    static func parseLine(_ start: Cursor, _ e: Cursor, addressDigits: Int, into r: inout TCPSocketRow) -> LineOutcome {
        var p = start
        while p < e && isBlank(p.pointee) { p += 1 }
        guard p < e else { return .skip }  // blank line
        // header
        if p.pointee == UInt8(ascii: "s") { return e - p > 1 && p[1] == UInt8(ascii: "l") ? .skip : .badSlot }

        guard decimal(&p, e, maxDigits: 10) != nil, expect(&p, e, UInt8(ascii: ":")), blanks(&p, e) else {
            return .badSlot
        }

        if fixedColumns(&p, e, addressDigits: addressDigits, into: &r) {
            return tail(&p, e, into: &r)
        }
        // Slow path: tolerant of other spacing, and pinpoints the bad field.
        guard let local = address(&p, e, digits: addressDigits) else { return .badLocalAddress }
        guard let localPort = hex(&p, e, maxDigits: 4), blanks(&p, e) else { return .badLocalPort }
        guard let remote = address(&p, e, digits: addressDigits) else { return .badRemoteAddress }
        guard let remotePort = hex(&p, e, maxDigits: 4), blanks(&p, e) else { return .badRemotePort }
        guard let state = hex(&p, e, maxDigits: 2), blanks(&p, e) else { return .badState }
        guard let tx = hex(&p, e, maxDigits: 8), expect(&p, e, UInt8(ascii: ":")),
            let rx = hex(&p, e, maxDigits: 8), blanks(&p, e)
        else { return .badQueues }
        guard let timer = hex(&p, e, maxDigits: 2), expect(&p, e, UInt8(ascii: ":")),
            hex(&p, e, maxDigits: 16) != nil, blanks(&p, e)
        else { return .badTimer }
        guard let retransmits = hex(&p, e, maxDigits: 8), blanks(&p, e) else { return .badRetransmits }

        r.localAddress = local
        r.localPort = UInt16(truncatingIfNeeded: localPort)
        r.remoteAddress = remote
        r.remotePort = UInt16(truncatingIfNeeded: remotePort)
        r.state = UInt8(truncatingIfNeeded: state)
        r.txQueue = UInt32(truncatingIfNeeded: tx)
        r.rxQueue = UInt32(truncatingIfNeeded: rx)
        r.timer = UInt8(truncatingIfNeeded: timer)
        r.retransmits = UInt32(truncatingIfNeeded: retransmits)
        return tail(&p, e, into: &r)
    }

    /// uid, timeout, inode (decimal, space-padded) and the refcount that must follow.
    @inline(__always)
    static func tail(_ p: inout Cursor, _ e: Cursor, into r: inout TCPSocketRow) -> LineOutcome {
        guard let uid = decimal(&p, e, maxDigits: 10), uid <= UInt64(UInt32.max), blanks(&p, e) else { return .badUID }
        if p < e && p.pointee == UInt8(ascii: "-") { p += 1 }
        guard decimal(&p, e, maxDigits: 10) != nil, blanks(&p, e) else { return .badTimeout }
        guard let inode = decimal(&p, e, maxDigits: 20), blanks(&p, e) else { return .badInode }
        // Requiring the refcount column proves the inode was not cut short.
        guard p < e else { return .missingFields }
        r.uid = UInt32(truncatingIfNeeded: uid)
        r.inode = inode
        return .row
    }

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    /// Requires at least one blank, then skips all of them.
    @inline(__always)
    static func blanks(_ p: inout Cursor, _ e: Cursor) -> Bool {
        guard p < e, isBlank(p.pointee) else { return false }
        repeat { p += 1 } while p < e && isBlank(p.pointee)
        return true
    }

    @inline(__always)
    static func expect(_ p: inout Cursor, _ e: Cursor, _ c: UInt8) -> Bool {
        guard p < e, p.pointee == c else { return false }
        p += 1
        return true
    }

    /// 0...15 for a hex digit (either case), 0xFF otherwise.
    @inline(__always)
    static func hexDigit(_ c: UInt8) -> UInt32 {
        let d = UInt32(c &- 0x30)
        if d < 10 { return d }
        let l = UInt32((c | 0x20) &- 0x61)
        return l < 6 ? l + 10 : 0xFF
    }

    /// 1...maxDigits hex digits. Longer runs are rejected before they could
    /// matter; shifting never traps, so absurd input is harmless.
    @inline(__always)
    static func hex(_ p: inout Cursor, _ e: Cursor, maxDigits: Int) -> UInt64? {
        let start = p
        var v: UInt64 = 0
        while p < e {
            let d = hexDigit(p.pointee)
            if d > 0xF { break }
            v = v << 4 | UInt64(d)
            p += 1
        }
        let n = p - start
        return n == 0 || n > maxDigits ? nil : v
    }

    /// 1...maxDigits decimal digits (maxDigits <= 20), nil on UInt64 overflow.
    @inline(__always)
    static func decimal(_ p: inout Cursor, _ e: Cursor, maxDigits: Int) -> UInt64? {
        let start = p
        var v: UInt64 = 0
        while p < e {
            let d = p.pointee &- 0x30
            if d > 9 { break }
            v = v &* 10 &+ UInt64(d)
            p += 1
        }
        let n = p - start
        if n == 0 || n > maxDigits { return nil }
        // Up to 19 digits cannot wrap; only a 20-digit value needs the careful check.
        return n < 20 ? v : checkedDecimal(start, n)
    }

    static func checkedDecimal(_ start: Cursor, _ n: Int) -> UInt64? {
        var v: UInt64 = 0
        for i in 0..<n {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(start[i] &- 0x30))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// Fast path for the kernel's exact layout (`%08X:%04X %08X:%04X %02X
    /// %08X:%08X %02X:%08lX %08X `): fixed columns, branch-free SWAR decoding.
    /// Returns false without consuming anything if the line deviates, so the
    /// tolerant scanner can take over. On success `p` is at the uid column.
    @inline(__always)
    static func fixedColumns(_ p: inout Cursor, _ e: Cursor, addressDigits a: Int, into r: inout TCPSocketRow) -> Bool {
        let q = p
        let width = 2 * a + 54
        guard e - q >= width else { return false }
        let space = UInt8(ascii: " ")
        let colon = UInt8(ascii: ":")
        let s1 = (q[a] == colon) && (q[a + 5] == space) && (q[2 * a + 6] == colon)
        let s2 = (q[2 * a + 11] == space) && (q[2 * a + 14] == space) && (q[2 * a + 23] == colon)
        let s3 = (q[2 * a + 32] == space) && (q[2 * a + 35] == colon)
        let s4 = (q[2 * a + 44] == space) && (q[2 * a + 53] == space)
        let separatorsOK = s1 && s2 && s3 && s4
        guard separatorsOK else { return false }

        var bad: UInt64 = 0
        let local: IPAddress16
        let remote: IPAddress16
        if a == 8 {
            let l = swarHex(q, 8, &bad)
            let rm = swarHex(q + 14, 8, &bad)
            local = IPAddress16(ipv4: UInt32(bigEndian: UInt32(truncatingIfNeeded: l)))
            remote = IPAddress16(ipv4: UInt32(bigEndian: UInt32(truncatingIfNeeded: rm)))
        } else {
            local = swarAddress6(q, &bad)
            remote = swarAddress6(q + a + 6, &bad)
        }
        let localPort = swarHex(q + a + 1, 4, &bad)
        let remotePort = swarHex(q + 2 * a + 7, 4, &bad)
        let state = swarHex(q + 2 * a + 12, 2, &bad)
        let tx = swarHex(q + 2 * a + 15, 8, &bad)
        let rx = swarHex(q + 2 * a + 24, 8, &bad)
        let timer = swarHex(q + 2 * a + 33, 2, &bad)
        _ = swarHex(q + 2 * a + 36, 8, &bad)  // tm->when: validated, not used
        let retransmits = swarHex(q + 2 * a + 45, 8, &bad)
        guard bad == 0 else { return false }

        r.localAddress = local
        r.localPort = UInt16(truncatingIfNeeded: localPort)
        r.remoteAddress = remote
        r.remotePort = UInt16(truncatingIfNeeded: remotePort)
        r.state = UInt8(truncatingIfNeeded: state)
        r.txQueue = UInt32(truncatingIfNeeded: tx)
        r.rxQueue = UInt32(truncatingIfNeeded: rx)
        r.timer = UInt8(truncatingIfNeeded: timer)
        r.retransmits = UInt32(truncatingIfNeeded: retransmits)
        p = q + width
        while p < e && isBlank(p.pointee) { p += 1 }
        return true
    }

    @inline(__always)
    static func swarAddress6(_ q: Cursor, _ bad: inout UInt64) -> IPAddress16 {
        let w0 = UInt32(bigEndian: UInt32(truncatingIfNeeded: swarHex(q, 8, &bad)))
        let w1 = UInt32(bigEndian: UInt32(truncatingIfNeeded: swarHex(q + 8, 8, &bad)))
        let w2 = UInt32(bigEndian: UInt32(truncatingIfNeeded: swarHex(q + 16, 8, &bad)))
        let w3 = UInt32(bigEndian: UInt32(truncatingIfNeeded: swarHex(q + 24, 8, &bad)))
        return IPAddress16(high: UInt64(w0) << 32 | UInt64(w1), low: UInt64(w2) << 32 | UInt64(w3))
    }

    /// Decodes `n` (1...8) hex digits at `q` eight bytes at a time (SWAR).
    /// Reads 8 bytes, so the caller guarantees they are in bounds; bytes past
    /// the field are shifted out and replaced by leading '0's. Any non-hex
    /// digit sets bits in `bad`.
    @inline(__always)
    static func swarHex(_ q: Cursor, _ n: Int, _ bad: inout UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80
        let pad = UInt64(64 - 8 * n)
        var x = UInt64(littleEndian: UnsafeRawPointer(q).loadUnaligned(as: UInt64.self))
        x = x << pad | (ones &* 0x30) >> (64 &- pad)
        // Per-byte range tests via bit 7; no carries cross bytes while each byte < 0x80.
        let isDigit = (x &+ ones &* (0x80 - 0x30)) & ~(x &+ ones &* (0x80 - 0x3A))
        let y = x | ones &* 0x20
        let isLetter = (y &+ ones &* (0x80 - 0x61)) & ~(y &+ ones &* (0x80 - 0x67))
        bad |= (~(isDigit | isLetter) | x) & high
        // '0'-'9' -> low nibble; 'A'-'F'/'a'-'f' -> low nibble + 9 (bit 6 marks letters).
        let lowNibbles: UInt64 = 0x0F0F_0F0F_0F0F_0F0F
        var v = (x & lowNibbles) &+ ((x >> 6) & ones) &* 9
        // Gather nibbles; the first character is the most significant.
        v = (v << 4 | v >> 8) & 0x00FF_00FF_00FF_00FF
        v = (v << 8 | v >> 16) & 0x0000_FFFF_0000_FFFF
        v = (v << 16 | v >> 32) & 0xFFFF_FFFF
        return v
    }

    /// Exactly 8 hex digits as a UInt32 (the kernel's %08X).
    @inline(__always)
    static func hexWord(_ p: Cursor) -> UInt32? {
        var v: UInt32 = 0
        var bad: UInt32 = 0
        for i in 0..<8 {
            let d = hexDigit(p[i])
            bad |= d
            v = v << 4 | (d & 0xF)
        }
        return bad > 0xF ? nil : v
    }

    /// "ADDR:" where ADDR is 8 (IPv4) or 32 (IPv6) hex digits.
    ///
    /// The kernel prints each 32-bit word of the network-order address as a
    /// native integer, so on little-endian hosts the bytes appear reversed
    /// (`0100007F` = 127.0.0.1). `UInt32(bigEndian:)` undoes exactly that on
    /// either endianness.
    @inline(__always)
    static func address(_ p: inout Cursor, _ e: Cursor, digits: Int) -> IPAddress16? {
        guard e - p > digits, p[digits] == UInt8(ascii: ":") else { return nil }
        let result: IPAddress16
        if digits == 8 {
            guard let w = hexWord(p) else { return nil }
            result = IPAddress16(ipv4: UInt32(bigEndian: w))
        } else {
            guard let w0 = hexWord(p), let w1 = hexWord(p + 8),
                let w2 = hexWord(p + 16), let w3 = hexWord(p + 24)
            else { return nil }
            result = IPAddress16(
                high: UInt64(UInt32(bigEndian: w0)) << 32 | UInt64(UInt32(bigEndian: w1)),
                low: UInt64(UInt32(bigEndian: w2)) << 32 | UInt64(UInt32(bigEndian: w3)))
        }
        p += digits + 1
        return result
    }

    /// Cold path: reason plus a printable excerpt of the offending line.
    static func describe(_ outcome: LineOutcome, line: UnsafeBufferPointer<UInt8>) -> String {
        var excerpt = ""
        for c in line.prefix(80) {
            excerpt.unicodeScalars.append(c >= 0x20 && c < 0x7F ? Unicode.Scalar(c) : "?")
        }
        while excerpt.hasSuffix(" ") { excerpt.removeLast() }
        return "\(outcome.reason): \"\(excerpt)\""
    }
}

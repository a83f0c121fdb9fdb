#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An IPv4 or IPv6 address in 16 bytes (network byte order, `high` holds
/// bytes 0...7 as a big-endian integer).
///
/// IPv4 is stored v4-mapped (`::ffff:a.b.c.d`) so a v4 socket and a v4-mapped
/// socket on a dual-stack listener compare and hash equal.
public struct IPAddress16: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public static let zero = IPAddress16(high: 0, low: 0)
    private static let v4MappedPrefix: UInt64 = 0x0000_FFFF_0000_0000

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// `hostOrder` is a.b.c.d as `a << 24 | b << 16 | c << 8 | d`.
    public init(ipv4 hostOrder: UInt32) {
        self.init(high: 0, low: Self.v4MappedPrefix | UInt64(hostOrder))
    }

    /// Parses "10.0.0.1", "2001:db8::1", "::ffff:10.0.0.1" or "[::1]" (config values).
    public init?(parsing text: some StringProtocol) {
        var s = String(text)
        if s.hasPrefix("["), s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, s, &v6) == 1 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        withUnsafeBytes(of: &v6) { raw in
            for i in 0..<8 { high = high << 8 | UInt64(raw[i]) }
            for i in 8..<16 { low = low << 8 | UInt64(raw[i]) }
        }
        self.init(high: high, low: low)
    }

    /// True for IPv4 (stored v4-mapped).
    public var isIPv4: Bool { high == 0 && low & 0xFFFF_FFFF_0000_0000 == Self.v4MappedPrefix }

    /// The IPv4 address in host order (`a << 24 | ...`), or nil for real IPv6.
    public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// 127.0.0.0/8 (also v4-mapped) or ::1.
    public var isLoopback: Bool {
        if let v4 = ipv4 { return v4 >> 24 == 127 }
        return high == 0 && low == 1
    }

    /// 0.0.0.0 or ::
    public var isUnspecified: Bool { (high == 0 && low == 0) || (isIPv4 && low & 0xFFFF_FFFF == 0) }

    /// Dotted quad for IPv4 (including v4-mapped), RFC 5952 form for IPv6.
    public var description: String {
        if let v4 = ipv4 {
            return "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)"
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            groups[i] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))
            groups[i + 4] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))
        }
        // RFC 5952: compress the first longest run of >= 2 zero groups.
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else {
                i += 1
                continue
            }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > bestLength {
                bestStart = i
                bestLength = j - i
            }
            i = j
        }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[k], radix: 16)
            k += 1
        }
        return out
    }

    public static func < (a: IPAddress16, b: IPAddress16) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}

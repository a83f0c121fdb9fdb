import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of record batches v2.
/// The CPU's crc32 instruction where it has one (SSE4.2, ARMv8 CRC: ~10x the table), else a
/// slicing-by-8 table.
public enum CRC32C {
    /// Checked once per process.
    static let hardware = kw_crc32c_hw_available() != 0

    /// 8 tables of 256 entries, flattened.
    static let table: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            var c = t[i]
            for k in 1..<8 {
                c = t[Int(c & 0xFF)] ^ (c >> 8)
                t[k * 256 + i] = c
            }
        }
        return t
    }()

    /// CRC-32C of `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        update(0, bytes)
    }

    /// Continues a checksum: `update(checksum(a), b) == checksum(a + b)`.
    public static func update(_ crc: UInt32, _ bytes: some Collection<UInt8>) -> UInt32 {
        if let r = bytes.withContiguousStorageIfAvailable({ update(crc, UnsafeRawBufferPointer($0)) }) {
            return r
        }
        return Array(bytes).withUnsafeBytes { update(crc, $0) }
    }

    /// Continues a checksum over raw memory.
    public static func update(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        guard hardware, let base = buffer.baseAddress else { return softwareUpdate(crc, buffer) }
        return kw_crc32c_hw_update(crc, base, buffer.count)
    }

    /// The table implementation (tests compare both).
    static func softwareUpdate(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var c = ~crc
            var p = 0
            let n = buffer.count
            guard n > 0, let base = buffer.baseAddress else { return crc }
            while p + 8 <= n {
                let lo = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p + 4, as: UInt32.self))
                c =
                    t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
            }
            while p < n {
                c = t[Int((c ^ UInt32(base.load(fromByteOffset: p, as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                p += 1
            }
            return ~c
        }
    }
}

/// Writes Kafka's wire primitives into a growing byte array.
public struct KafkaWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public var count: Int { bytes.count }

    public mutating func writeInt8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }
    public mutating func writeBool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    @inline(__always)
    mutating func writeBigEndian<T: FixedWidthInteger>(_ v: T) {
        let size = MemoryLayout<T>.size
        for i in stride(from: size - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: v >> (i * 8))) }
    }

    public mutating func writeInt16(_ v: Int16) { writeBigEndian(v) }
    public mutating func writeUInt16(_ v: UInt16) { writeBigEndian(v) }
    public mutating func writeInt32(_ v: Int32) { writeBigEndian(v) }
    public mutating func writeUInt32(_ v: UInt32) { writeBigEndian(v) }
    public mutating func writeInt64(_ v: Int64) { writeBigEndian(v) }
    public mutating func writeFloat64(_ v: Double) { writeBigEndian(v.bitPattern) }

    public mutating func writeUUID(_ v: KafkaUUID) {
        writeBigEndian(v.high)
        writeBigEndian(v.low)
    }

    public mutating func writeUnsignedVarint(_ v: UInt32) { writeRawVarint(UInt64(v)) }
    public mutating func writeVarint(_ v: Int32) { writeRawVarint(UInt64(UInt32(bitPattern: (v << 1) ^ (v >> 31)))) }
    public mutating func writeVarlong(_ v: Int64) { writeRawVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func writeRawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func writeRaw<C: Collection>(_ data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }

    public mutating func writeNullableString(_ s: String?) {
        guard let s else { return writeInt16(-1) }
        let utf8 = Array(s.utf8)
        writeInt16(Int16(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func writeString(_ s: String) { writeNullableString(s) }

    public mutating func writeCompactNullableString(_ s: String?) {
        guard let s else { return writeUnsignedVarint(0) }
        let utf8 = Array(s.utf8)
        writeUnsignedVarint(UInt32(utf8.count + 1))
        bytes.append(contentsOf: utf8)
    }

    public mutating func writeCompactString(_ s: String) { writeCompactNullableString(s) }

    public mutating func writeNullableBytes<C: Collection>(_ b: C?) where C.Element == UInt8 {
        guard let b else { return writeInt32(-1) }
        writeInt32(Int32(b.count))
        bytes.append(contentsOf: b)
    }

    public mutating func writeCompactNullableBytes<C: Collection>(_ b: C?) where C.Element == UInt8 {
        guard let b else { return writeUnsignedVarint(0) }
        writeUnsignedVarint(UInt32(b.count + 1))
        bytes.append(contentsOf: b)
    }

    /// Array length: classic int32 (-1 = null) or compact uvarint+1 (0 = null).
    public mutating func writeArrayCount(_ count: Int?, compact: Bool) {
        if compact {
            writeUnsignedVarint(count.map { UInt32($0 + 1) } ?? 0)
        } else {
            writeInt32(count.map { Int32($0) } ?? -1)
        }
    }

    /// Tagged fields: (tag, bytes) pairs, written in ascending tag order.
    public mutating func writeTaggedFields(_ fields: [(tag: UInt32, bytes: [UInt8])] = []) {
        writeUnsignedVarint(UInt32(fields.count))
        for f in fields.sorted(by: { $0.tag < $1.tag }) {
            writeUnsignedVarint(f.tag)
            writeUnsignedVarint(UInt32(f.bytes.count))
            bytes.append(contentsOf: f.bytes)
        }
    }

    /// Overwrites a big-endian Int32 at `offset` (length prefixes written after the body).
    public mutating func patchInt32(_ v: Int32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> ((3 - i) * 8)) }
    }
}

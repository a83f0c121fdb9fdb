// Wire bytes built by hand, field by field, from Kafka's message specs: test fixtures that do
// not depend on KafkaWire's generated encoders.

/// Builds wire bytes by hand, field by field, independently of the generated encoders.
public struct Bytes {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func i8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func i16(_ v: Int16) { be(UInt64(UInt16(bitPattern: v)), 2) }
    public mutating func i32(_ v: Int32) { be(UInt64(UInt32(bitPattern: v)), 4) }
    public mutating func i64(_ v: Int64) { be(UInt64(bitPattern: v), 8) }
    public mutating func uuid(_ high: UInt64, _ low: UInt64) {
        be(high, 8)
        be(low, 8)
    }
    public mutating func raw(_ b: [UInt8]) { bytes += b }

    private mutating func be(_ v: UInt64, _ size: Int) {
        for i in stride(from: size - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }

    /// Unsigned varint (LEB128).
    public mutating func uvarint(_ v: UInt32) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Classic STRING / NULLABLE_STRING (int16 length, -1 = null).
    public mutating func str(_ s: String?) {
        guard let s else { return i16(-1) }
        i16(Int16(s.utf8.count))
        bytes += Array(s.utf8)
    }

    /// COMPACT_STRING (uvarint length + 1, 0 = null).
    public mutating func cstr(_ s: String?) {
        guard let s else { return uvarint(0) }
        uvarint(UInt32(s.utf8.count + 1))
        bytes += Array(s.utf8)
    }

    /// Classic BYTES (int32 length, -1 = null).
    public mutating func blob(_ b: [UInt8]?) {
        guard let b else { return i32(-1) }
        i32(Int32(b.count))
        bytes += b
    }

    /// COMPACT_BYTES.
    public mutating func cblob(_ b: [UInt8]?) {
        guard let b else { return uvarint(0) }
        uvarint(UInt32(b.count + 1))
        bytes += b
    }

    /// Classic array length (int32, -1 = null).
    public mutating func count(_ n: Int?) { i32(n.map { Int32($0) } ?? -1) }
    /// Compact array length (uvarint n + 1, 0 = null).
    public mutating func ccount(_ n: Int?) { uvarint(n.map { UInt32($0 + 1) } ?? 0) }
    /// An empty tagged-field section.
    public mutating func noTags() { uvarint(0) }
    /// One tagged field: tag, size, payload.
    public mutating func tag(_ tag: UInt32, _ payload: [UInt8]) {
        uvarint(tag)
        uvarint(UInt32(payload.count))
        bytes += payload
    }
}

/// Builds bytes with a closure: `build { $0.i16(1) }`.
public func build(_ body: (inout Bytes) -> Void) -> [UInt8] {
    var b = Bytes()
    body(&b)
    return b.bytes
}

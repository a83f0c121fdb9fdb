/// Reads Kafka's wire primitives from a byte slice (big-endian integers, varints, classic and
/// compact strings/bytes/arrays, tagged fields). Slices of the input are returned without
/// copying (record batches are decoded in place). Every read is bounds-checked: malformed
/// input throws `KafkaDecodingError`, never traps.
public struct KafkaReader: Sendable {
    public let bytes: ArraySlice<UInt8>
    public private(set) var index: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public var remaining: Int { bytes.endIndex - index }
    public var isAtEnd: Bool { index >= bytes.endIndex }
    /// Offset from the start of the input, for error messages.
    public var offset: Int { index - bytes.startIndex }

    func fail(_ kind: KafkaDecodingError.Kind, _ field: String) -> KafkaDecodingError {
        KafkaDecodingError(kind, field: field, offset: offset)
    }

    @inline(__always)
    mutating func need(_ n: Int, _ field: String) throws(KafkaDecodingError) {
        guard n >= 0 else { throw fail(.invalidLength(n), field) }
        guard n <= remaining else { throw fail(.truncated(needed: n, available: remaining), field) }
    }

    // MARK: fixed-width integers

    public mutating func readInt8(_ field: String = "int8") throws(KafkaDecodingError) -> Int8 {
        Int8(bitPattern: try readUInt8(field))
    }

    public mutating func readUInt8(_ field: String = "uint8") throws(KafkaDecodingError) -> UInt8 {
        try need(1, field)
        defer { index += 1 }
        return bytes[index]
    }

    public mutating func readBool(_ field: String = "bool") throws(KafkaDecodingError) -> Bool {
        try readUInt8(field) != 0
    }

    @inline(__always)
    mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type, _ field: String) throws(KafkaDecodingError) -> T {
        let size = MemoryLayout<T>.size
        try need(size, field)
        var v: T = 0
        for i in index..<index + size { v = v << 8 | T(truncatingIfNeeded: bytes[i]) }
        index += size
        return v
    }

    public mutating func readInt16(_ field: String = "int16") throws(KafkaDecodingError) -> Int16 {
        try readBigEndian(Int16.self, field)
    }
    public mutating func readUInt16(_ field: String = "uint16") throws(KafkaDecodingError) -> UInt16 {
        try readBigEndian(UInt16.self, field)
    }
    public mutating func readInt32(_ field: String = "int32") throws(KafkaDecodingError) -> Int32 {
        try readBigEndian(Int32.self, field)
    }
    public mutating func readUInt32(_ field: String = "uint32") throws(KafkaDecodingError) -> UInt32 {
        try readBigEndian(UInt32.self, field)
    }
    public mutating func readInt64(_ field: String = "int64") throws(KafkaDecodingError) -> Int64 {
        try readBigEndian(Int64.self, field)
    }

    public mutating func readFloat64(_ field: String = "float64") throws(KafkaDecodingError) -> Double {
        Double(bitPattern: try readBigEndian(UInt64.self, field))
    }

    public mutating func readUUID(_ field: String = "uuid") throws(KafkaDecodingError) -> KafkaUUID {
        KafkaUUID(high: try readBigEndian(UInt64.self, field), low: try readBigEndian(UInt64.self, field))
    }

    // MARK: varints

    /// Unsigned LEB128, at most 5 bytes for 32 bits.
    public mutating func readUnsignedVarint(_ field: String = "uvarint") throws(KafkaDecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readRawVarint(maxBytes: 5, field))
    }

    /// Zig-zag signed varint (record fields).
    public mutating func readVarint(_ field: String = "varint") throws(KafkaDecodingError) -> Int32 {
        let raw = UInt32(truncatingIfNeeded: try readRawVarint(maxBytes: 5, field))
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Zig-zag signed varlong (record timestamps).
    public mutating func readVarlong(_ field: String = "varlong") throws(KafkaDecodingError) -> Int64 {
        let raw = try readRawVarint(maxBytes: 10, field)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func readRawVarint(maxBytes: Int, _ field: String) throws(KafkaDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<maxBytes {
            let b = try readUInt8(field)
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
        throw fail(.varintTooLong, field)
    }

    // MARK: strings and bytes

    public mutating func readBytes(count: Int, _ field: String = "bytes") throws(KafkaDecodingError) -> ArraySlice<
        UInt8
    > {
        try need(count, field)
        defer { index += count }
        return bytes[index..<index + count]
    }

    public mutating func skip(_ count: Int, _ field: String = "skipped") throws(KafkaDecodingError) {
        try need(count, field)
        index += count
    }

    func utf8(_ slice: ArraySlice<UInt8>, _ field: String) throws(KafkaDecodingError) -> String {
        guard let s = String(validating: slice, as: UTF8.self) else { throw fail(.invalidUTF8, field) }
        return s
    }

    /// STRING / NULLABLE_STRING: int16 length, -1 = null.
    public mutating func readNullableString(_ field: String = "string") throws(KafkaDecodingError) -> String? {
        let n = Int(try readInt16(field))
        if n == -1 { return nil }
        guard n >= 0 else { throw fail(.invalidLength(n), field) }
        return try utf8(try readBytes(count: n, field), field)
    }

    public mutating func readString(_ field: String = "string") throws(KafkaDecodingError) -> String {
        guard let s = try readNullableString(field) else {
            throw fail(.invalidValue("null for a non-nullable string"), field)
        }
        return s
    }

    /// COMPACT_(NULLABLE_)STRING: uvarint length+1, 0 = null.
    public mutating func readCompactNullableString(_ field: String = "string") throws(KafkaDecodingError) -> String? {
        let n = Int(try readUnsignedVarint(field))
        if n == 0 { return nil }
        return try utf8(try readBytes(count: n - 1, field), field)
    }

    public mutating func readCompactString(_ field: String = "string") throws(KafkaDecodingError) -> String {
        guard let s = try readCompactNullableString(field) else {
            throw fail(.invalidValue("null for a non-nullable string"), field)
        }
        return s
    }

    /// BYTES / NULLABLE_BYTES: int32 length, -1 = null.
    public mutating func readNullableBytes(_ field: String = "bytes") throws(KafkaDecodingError) -> ArraySlice<UInt8>? {
        let n = Int(try readInt32(field))
        if n == -1 { return nil }
        return try readBytes(count: n, field)
    }

    /// COMPACT_(NULLABLE_)BYTES: uvarint length+1, 0 = null.
    public mutating func readCompactNullableBytes(_ field: String = "bytes") throws(KafkaDecodingError) -> ArraySlice<
        UInt8
    >? {
        let n = Int(try readUnsignedVarint(field))
        if n == 0 { return nil }
        return try readBytes(count: n - 1, field)
    }

    // MARK: arrays

    /// Array length: int32 (classic, -1 = null) or uvarint+1 (compact, 0 = null). Returns nil
    /// for null. Rejects counts that cannot fit in the remaining bytes (one byte per element
    /// at least), so a corrupt count cannot make a decoder allocate gigabytes.
    public mutating func readArrayCount(compact: Bool, _ field: String = "array") throws(KafkaDecodingError) -> Int? {
        let n: Int
        if compact {
            let raw = Int(try readUnsignedVarint(field))
            if raw == 0 { return nil }
            n = raw - 1
        } else {
            n = Int(try readInt32(field))
            if n == -1 { return nil }
        }
        guard n >= 0, n <= remaining else { throw fail(.invalidLength(n), field) }
        return n
    }

    /// Reads a tagged-field section: calls `handler` for each tag with a reader over its bytes;
    /// unknown tags are skipped (the handler returns without reading).
    public mutating func readTaggedFields(
        _ field: String = "tagged fields",
        _ handler: (UInt32, inout KafkaReader) throws(KafkaDecodingError) -> Void = { _, _ in }
    ) throws(KafkaDecodingError) {
        let count = try readUnsignedVarint(field)
        var lastTag: Int64 = -1
        for _ in 0..<count {
            let tag = try readUnsignedVarint(field)
            guard Int64(tag) > lastTag else { throw fail(.invalidValue("tags out of order"), field) }
            lastTag = Int64(tag)
            let size = Int(try readUnsignedVarint(field))
            var sub = KafkaReader(try readBytes(count: size, field))
            try handler(tag, &sub)
        }
    }
}

/// A 128-bit Kafka UUID (topic ids).
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public static let zero = KafkaUUID(high: 0, low: 0)

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var isZero: Bool { high == 0 && low == 0 }

    /// Kafka prints topic ids in URL-safe base64 without padding.
    public var description: String {
        var raw: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) {
            raw.append(UInt8(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            raw.append(UInt8(truncatingIfNeeded: low >> UInt64(shift)))
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var i = 0
        while i + 3 <= raw.count {
            let n = UInt32(raw[i]) << 16 | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2])
            for s in [18, 12, 6, 0] { out.append(alphabet[Int(n >> UInt32(s) & 63)]) }
            i += 3
        }
        let n = UInt32(raw[i]) << 16
        out.append(alphabet[Int(n >> 18 & 63)])
        out.append(alphabet[Int(n >> 12 & 63)])
        return String(decoding: out, as: UTF8.self)
    }
}

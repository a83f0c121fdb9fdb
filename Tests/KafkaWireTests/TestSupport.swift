import Testing

@testable import KafkaWire

/// Builds wire bytes by hand, field by field, independently of the generated encoders.
struct Bytes {
    var bytes: [UInt8] = []

    mutating func i8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func i16(_ v: Int16) { be(UInt64(UInt16(bitPattern: v)), 2) }
    mutating func i32(_ v: Int32) { be(UInt64(UInt32(bitPattern: v)), 4) }
    mutating func i64(_ v: Int64) { be(UInt64(bitPattern: v), 8) }
    mutating func uuid(_ high: UInt64, _ low: UInt64) {
        be(high, 8)
        be(low, 8)
    }
    mutating func raw(_ b: [UInt8]) { bytes += b }

    private mutating func be(_ v: UInt64, _ size: Int) {
        for i in stride(from: size - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }

    /// Unsigned varint (LEB128).
    mutating func uvarint(_ v: UInt32) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Classic STRING / NULLABLE_STRING (int16 length, -1 = null).
    mutating func str(_ s: String?) {
        guard let s else { return i16(-1) }
        i16(Int16(s.utf8.count))
        bytes += Array(s.utf8)
    }

    /// COMPACT_STRING (uvarint length + 1, 0 = null).
    mutating func cstr(_ s: String?) {
        guard let s else { return uvarint(0) }
        uvarint(UInt32(s.utf8.count + 1))
        bytes += Array(s.utf8)
    }

    /// Classic BYTES (int32 length, -1 = null).
    mutating func blob(_ b: [UInt8]?) {
        guard let b else { return i32(-1) }
        i32(Int32(b.count))
        bytes += b
    }

    /// COMPACT_BYTES.
    mutating func cblob(_ b: [UInt8]?) {
        guard let b else { return uvarint(0) }
        uvarint(UInt32(b.count + 1))
        bytes += b
    }

    /// Classic array length (int32, -1 = null).
    mutating func count(_ n: Int?) { i32(n.map { Int32($0) } ?? -1) }
    /// Compact array length (uvarint n + 1, 0 = null).
    mutating func ccount(_ n: Int?) { uvarint(n.map { UInt32($0 + 1) } ?? 0) }
    /// An empty tagged-field section.
    mutating func noTags() { uvarint(0) }
    /// One tagged field: tag, size, payload.
    mutating func tag(_ tag: UInt32, _ payload: [UInt8]) {
        uvarint(tag)
        uvarint(UInt32(payload.count))
        bytes += payload
    }
}

/// Builds bytes with a closure: `build { $0.i16(1) }`.
func build(_ body: (inout Bytes) -> Void) -> [UInt8] {
    var b = Bytes()
    body(&b)
    return b.bytes
}

/// Decodes `bytes` and requires that every byte was consumed.
func decodeAll<M: KafkaVersionedMessage>(
    _ type: M.Type,
    _ bytes: [UInt8],
    version: Int16
) throws -> M {
    var reader = KafkaReader(bytes)
    let m = try M(from: &reader, version: version)
    guard reader.isAtEnd else {
        throw KafkaDecodingError(.invalidValue("\(reader.remaining) trailing bytes"), field: "\(M.self)", offset: 0)
    }
    return m
}

func encodeBody<M: KafkaVersionedMessage>(_ m: M, version: Int16) throws -> [UInt8] {
    var writer = KafkaWriter()
    try m.encode(into: &writer, version: version)
    return writer.bytes
}

/// Checks a hand-built fixture both ways: `bytes` decodes to `value` (consuming every byte),
/// `value` encodes to exactly `bytes`, and every strict prefix of `bytes` fails to decode.
func expectWire<M: KafkaVersionedMessage>(
    _ value: M,
    _ bytes: [UInt8],
    version: Int16,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let decoded = try decodeAll(M.self, bytes, version: version)
    #expect(decoded == value, sourceLocation: sourceLocation)
    #expect(try encodeBody(value, version: version) == bytes, sourceLocation: sourceLocation)
    #expect(everyStrictPrefixThrows(M.self, bytes, version: version), sourceLocation: sourceLocation)
}

/// True when decoding every strict prefix of `bytes` throws `KafkaDecodingError`.
func everyStrictPrefixThrows<M: KafkaVersionedMessage>(_ type: M.Type, _ bytes: [UInt8], version: Int16) -> Bool {
    for n in 0..<bytes.count {
        var reader = KafkaReader(bytes[0..<n])
        do {
            _ = try M(from: &reader, version: version)
            return false
        } catch {
            continue
        }
    }
    return true
}

// MARK: random values for the property-style round-trip tests

/// Deterministic PRNG so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

protocol ArbitraryStruct {
    static func arbitrary(version: Int16, using g: inout SplitMix64) -> Self
}

protocol ArbitraryMessage: KafkaVersionedMessage, ArbitraryStruct {}

enum Arb {
    static func int8(_ g: inout SplitMix64) -> Int8 { Int8(truncatingIfNeeded: g.next()) }
    static func int16(_ g: inout SplitMix64) -> Int16 { Int16(truncatingIfNeeded: g.next()) }
    static func uint16(_ g: inout SplitMix64) -> UInt16 { UInt16(truncatingIfNeeded: g.next()) }
    static func int32(_ g: inout SplitMix64) -> Int32 { Int32(truncatingIfNeeded: g.next()) }
    static func int64(_ g: inout SplitMix64) -> Int64 { Int64(bitPattern: g.next()) }
    static func float64(_ g: inout SplitMix64) -> Double { Double(Int32(truncatingIfNeeded: g.next())) / 7 }
    static func bool(_ g: inout SplitMix64) -> Bool { g.next() & 1 == 1 }
    static func uuid(_ g: inout SplitMix64) -> KafkaUUID { KafkaUUID(high: g.next(), low: g.next()) }
    static func isNull(_ g: inout SplitMix64) -> Bool { g.next() % 4 == 0 }

    static func string(_ g: inout SplitMix64) -> String {
        let pieces = ["", "a", "topic-1", "é", "日本", "__consumer_offsets", String(repeating: "x", count: 130)]
        return pieces[Int(g.next() % UInt64(pieces.count))] + (g.next() & 1 == 0 ? "" : "\(g.next() % 1000)")
    }

    static func bytes(_ g: inout SplitMix64) -> [UInt8] {
        (0..<Int(g.next() % 140)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    }

    static func records(_ g: inout SplitMix64) -> ArraySlice<UInt8>? { bytes(&g)[...] }

    static func array<T>(_ g: inout SplitMix64, _ element: (inout SplitMix64) -> T) -> [T] {
        (0..<Int(g.next() % 4)).map { _ in element(&g) }
    }

    static func array<T: ArbitraryStruct>(_ g: inout SplitMix64, version: Int16, of: T.Type) -> [T] {
        (0..<Int(g.next() % 3)).map { _ in T.arbitrary(version: version, using: &g) }
    }
}

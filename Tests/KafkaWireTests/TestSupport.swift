import TestSupport
import Testing

@testable import KafkaWire

/// The shared hand-built wire bytes (TestSupport), under the names this target's files use.
typealias Bytes = TestSupport.Bytes

func build(_ body: (inout Bytes) -> Void) -> [UInt8] { TestSupport.build(body) }

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

import ExporterKit
import Testing

@testable import PushGateway

@Suite struct ProtobufParserTests {
    /// Three families as the Pushgateway 1.5.1's Go encoder wrote them (its /metrics in the
    /// delimited protobuf format, after a text push of `c`, `h` and `s` to job "a").
    static let goEncoded =
        "3a0a01631206436f756e742e1800222b0a0c0a08696e7374616e636512000a080a036a6f621201610a060a016b1201761a09090000000000000840"
        + "390a0168180422320a0c0a08696e7374616e636512000a080a036a6f621201613a1808031100000000000000401a0b080111000000000000e03f40"
        + "0a0173180222390a0c0a08696e7374616e636512000a080a036a6f62120161221f08091100000000000020401a1209cdccccccccccec3f110000000000001c40"

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }

    @Test func decodesWhatGoWrites() throws {
        let r = try ProtobufParser.parse(Self.bytes(Self.goEncoded))
        #expect(!r.hasTimestamps)
        let ja = [Label("instance", ""), Label("job", "a")]
        #expect(
            r.families["c"]
                == PushedFamily(
                    name: "c", help: "Count.", type: .counter,
                    metrics: [PushedMetric(labels: ja + [Label("k", "v")], value: .simple(3))]))
        #expect(
            r.families["h"]
                == PushedFamily(
                    name: "h", type: .histogram,
                    metrics: [
                        PushedMetric(
                            labels: ja, value: .histogram(count: 3, sum: 2, buckets: [.init(at: 0.5, value: 1)]))
                    ]))
        #expect(
            r.families["s"]
                == PushedFamily(
                    name: "s", type: .summary,
                    metrics: [
                        PushedMetric(
                            labels: ja, value: .summary(count: 9, sum: 8, quantiles: [.init(at: 0.9, value: 7)]))
                    ]))
    }

    // A tiny encoder for the refusal cases.
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7F) | (v >= 0x80 ? 0x80 : 0))
            v >>= 7
        } while v > 0
        return out
    }

    static func field(_ n: UInt64, _ payload: [UInt8]) -> [UInt8] {
        varint(n << 3 | 2) + varint(UInt64(payload.count)) + payload
    }
    static func str(_ n: UInt64, _ s: String) -> [UInt8] { field(n, Array(s.utf8)) }
    static func double(_ n: UInt64, _ v: Double) -> [UInt8] {
        varint(n << 3 | 1) + (0..<8).map { UInt8((v.bitPattern >> (8 * UInt64($0))) & 0xFF) }
    }
    static func delimited(_ m: [UInt8]) -> [UInt8] { varint(UInt64(m.count)) + m }

    func failure(_ body: [UInt8]) -> String? {
        do {
            _ = try ProtobufParser.parse(body)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func timestampsUnknownFieldsAndReplacement() throws {
        let gauge = Self.field(2, Self.double(1, 4.5))
        let withTimestamp = Self.field(4, gauge + Self.varint(6 << 3) + Self.varint(1_700_000_000_000))
        let fam = Self.str(1, "g") + Self.varint(3 << 3) + [1] + withTimestamp + Self.str(9, "unknown field")
        let r = try ProtobufParser.parse(Self.delimited(fam))
        #expect(r.hasTimestamps)
        #expect(r.families["g"]?.metrics.first?.value == .simple(4.5))
        // The same name twice: the later family wins.
        let a = Self.str(1, "g") + Self.varint(3 << 3) + [3] + Self.field(4, Self.field(5, Self.double(1, 1)))
        let b = Self.str(1, "g") + Self.varint(3 << 3) + [3] + Self.field(4, Self.field(5, Self.double(1, 2)))
        let twice = try ProtobufParser.parse(Self.delimited(a) + Self.delimited(b))
        #expect(twice.families["g"]?.metrics.map(\.value) == [.simple(2)])
        #expect(try ProtobufParser.parse([]).families.isEmpty)
    }

    @Test func refusals() {
        let ok = Self.str(1, "g") + Self.varint(3 << 3) + [1] + Self.field(4, Self.field(2, Self.double(1, 1)))
        let body = Self.delimited(ok)
        #expect(failure(Array(body.dropLast()))?.contains("runs past the end") == true)
        #expect(failure(body + [0x05])?.contains("runs past the end") == true)
        // A gauge family whose metric carries a counter.
        let wrong = Self.str(1, "g") + Self.varint(3 << 3) + [1] + Self.field(4, Self.field(3, Self.double(1, 1)))
        #expect(failure(Self.delimited(wrong))?.contains("no GAUGE value") == true)
        let gaugeHistogram = Self.str(1, "g") + Self.varint(3 << 3) + [5]
        #expect(failure(Self.delimited(gaugeHistogram))?.contains("not supported") == true)
        #expect(failure(Self.delimited(Self.str(1, "1bad")))?.contains("invalid metric name") == true)
        let badLabel =
            Self.str(1, "g") + Self.varint(3 << 3) + [1]
            + Self.field(4, Self.field(1, Self.str(1, "__x") + Self.str(2, "v")) + Self.field(2, Self.double(1, 1)))
        #expect(failure(Self.delimited(badLabel))?.contains("invalid name") == true)
        let name = Self.varint(1 << 3 | 0) + [1]  // name with the varint wire type
        #expect(failure(Self.delimited(name))?.contains("wire type") == true)
        // A group (wire type 3), field 9.
        #expect(failure(Self.delimited(Self.str(1, "g") + [0x4B]))?.contains("not supported") == true)
    }
}

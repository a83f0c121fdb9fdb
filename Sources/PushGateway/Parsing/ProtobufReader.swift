/// Reads protobuf wire format (proto2) from bytes: varints, fixed 64-bit doubles, length-
/// delimited fields, and skips fields it does not know.
struct ProtobufReader {
    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var atEnd: Bool { index >= bytes.endIndex }

    mutating func varint() throws(Failure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.endIndex else { throw Failure(description: "unexpected end of data in a varint") }
            let b = bytes[index]
            index += 1
            guard shift < 64 else { throw Failure(description: "varint longer than 10 bytes") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A field's number and wire type.
    mutating func tag() throws(Failure) -> (field: UInt64, wire: WireType) {
        let t = try varint()
        guard let wire = WireType(rawValue: t & 7) else {
            throw Failure(description: "invalid wire type \(t & 7)")
        }
        guard t >> 3 > 0 else { throw Failure(description: "invalid field number 0") }
        return (t >> 3, wire)
    }

    mutating func double() throws(Failure) -> Double {
        guard bytes.endIndex - index >= 8 else { throw Failure(description: "unexpected end of data in a double") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[index + i]) << (8 * UInt64(i)) }
        index += 8
        return Double(bitPattern: bits)
    }

    mutating func lengthDelimited() throws(Failure) -> ArraySlice<UInt8> {
        let n = try varint()
        guard n <= UInt64(bytes.endIndex - index) else {
            throw Failure(description: "field of \(n) bytes runs past the end of its message")
        }
        let slice = bytes[index..<index + Int(n)]
        index += Int(n)
        return slice
    }

    mutating func string() throws(Failure) -> String {
        let raw = try lengthDelimited()
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw Failure(description: "string is not valid UTF-8")
        }
        return s
    }

    /// A field of the expected wire type, or a failure naming it.
    mutating func expect(_ wire: WireType, _ actual: WireType, field: String) throws(Failure) {
        guard wire == actual else {
            throw Failure(description: "\(field) has wire type \(actual.rawValue), expected \(wire.rawValue)")
        }
    }

    mutating func skip(_ wire: WireType) throws(Failure) {
        switch wire {
        case .varint: _ = try varint()
        case .fixed64:
            guard bytes.endIndex - index >= 8 else { throw Failure(description: "unexpected end of data") }
            index += 8
        case .fixed32:
            guard bytes.endIndex - index >= 4 else { throw Failure(description: "unexpected end of data") }
            index += 4
        case .lengthDelimited: _ = try lengthDelimited()
        case .startGroup, .endGroup: throw Failure(description: "groups (wire types 3 and 4) are not supported")
        }
    }
}

/// Why bytes could not be decoded: names the field and offset so a malformed frame is
/// diagnosable from one log line.
public struct KafkaDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case truncated(needed: Int, available: Int)
        case invalidLength(Int)
        case varintTooLong
        case invalidUTF8
        case invalidValue(String)
    }

    public var kind: Kind
    public var field: String
    public var offset: Int

    public init(_ kind: Kind, field: String, offset: Int) {
        self.kind = kind
        self.field = field
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch kind {
        case .truncated(let needed, let available): what = "truncated: need \(needed) bytes, \(available) left"
        case .invalidLength(let n): what = "invalid length \(n)"
        case .varintTooLong: what = "varint longer than allowed"
        case .invalidUTF8: what = "invalid UTF-8"
        case .invalidValue(let s): what = s
        }
        return "cannot decode \(field) at byte \(offset): \(what)"
    }
}

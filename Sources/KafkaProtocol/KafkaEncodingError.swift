/// Why a message could not be encoded in the requested version. The description names the
/// message, version and field, e.g. `MetadataRequest v3: field AllowAutoTopicCreation not supported`.
public struct KafkaEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The version is outside the message's `validVersions`.
        case unsupportedVersion
        /// A field that does not exist in this version holds a non-default value and is not ignorable.
        case unsupportedField(String)
        /// A field holds nil in a version where it is not nullable.
        case nullNotAllowed(String)
        /// A string, bytes or array is longer than its length prefix can express.
        case tooLong(String, count: Int)
    }

    public var kind: Kind
    /// The top-level message, e.g. `MetadataRequest`.
    public var message: String
    public var version: Int16

    public init(_ kind: Kind, message: String, version: Int16) {
        self.kind = kind
        self.message = message
        self.version = version
    }

    public var description: String {
        let what: String
        switch kind {
        case .unsupportedVersion: what = "version not supported"
        case .unsupportedField(let field): what = "field \(field) not supported"
        case .nullNotAllowed(let field): what = "field \(field) is not nullable in this version"
        case .tooLong(let field, let count): what = "field \(field) too long (\(count))"
        }
        return "\(message) v\(version): \(what)"
    }
}

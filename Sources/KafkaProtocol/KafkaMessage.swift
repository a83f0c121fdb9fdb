/// A request body. Headers are not part of the body: the connection layer writes them.
public protocol KafkaRequest: Sendable {
    associatedtype Response: KafkaResponse
    /// The Kafka API key (`apiKey` in the JSON spec).
    static var apiKey: Int16 { get }
    /// The API name without the `Request` suffix, e.g. `"Metadata"`.
    static var apiName: String { get }
    /// The spec's `validVersions`.
    static var supportedVersions: ClosedRange<Int16> { get }
    /// The spec's `flexibleVersions`: compact encodings and tagged fields.
    static func isFlexible(_ version: Int16) -> Bool
    /// Writes the request body (no header) in the given version.
    func encode(into writer: inout KafkaWriter, version: Int16) throws(KafkaEncodingError)
}

/// A response body. Headers are not part of the body: the connection layer reads them.
public protocol KafkaResponse: Sendable {
    /// Reads the response body (no header) in the given version.
    init(from reader: inout KafkaReader, version: Int16) throws(KafkaDecodingError)
}

/// A versioned data schema that is not an RPC: `__consumer_offsets` keys and values, consumer
/// protocol subscriptions and assignments. The version is the int16 prefix in front of the data.
public protocol KafkaDataMessage: Sendable {
    /// The spec's `validVersions`.
    static var supportedVersions: ClosedRange<Int16> { get }
    /// The spec's `flexibleVersions`.
    static func isFlexible(_ version: Int16) -> Bool
    init(from reader: inout KafkaReader, version: Int16) throws(KafkaDecodingError)
    func encode(into writer: inout KafkaWriter, version: Int16) throws(KafkaEncodingError)
}

/// Every generated top-level type (requests, responses, data schemas) conforms: it decodes and
/// encodes in each of its supported versions. Used for fixtures and round-trip tests.
public protocol KafkaVersionedMessage: Sendable, Equatable {
    static var supportedVersions: ClosedRange<Int16> { get }
    static func isFlexible(_ version: Int16) -> Bool
    init(from reader: inout KafkaReader, version: Int16) throws(KafkaDecodingError)
    func encode(into writer: inout KafkaWriter, version: Int16) throws(KafkaEncodingError)
}

/// Request header v1 (classic) or v2 (flexible requests: adds a tagged-field section).
/// v0 (no client id) is only for ControlledShutdown v0, which we never send.
public struct RequestHeader: Sendable, Equatable {
    public var apiKey: Int16
    public var apiVersion: Int16
    public var correlationId: Int32
    public var clientId: String?

    public init(apiKey: Int16, apiVersion: Int16, correlationId: Int32, clientId: String?) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
    }

    /// The client id stays a classic nullable string even in header v2.
    public func encode(into w: inout KafkaWriter, flexible: Bool) {
        w.writeInt16(apiKey)
        w.writeInt16(apiVersion)
        w.writeInt32(correlationId)
        w.writeNullableString(clientId)
        if flexible { w.writeTaggedFields() }
    }
}

/// Response header v0 (correlation id) or v1 (plus tagged fields, for flexible responses).
/// ApiVersions responses always use v0 so a client can read them before it knows versions.
public enum ResponseHeader {
    public static func usesFlexibleHeader(apiKey: Int16, requestFlexible: Bool) -> Bool {
        requestFlexible && apiKey != 18
    }

    /// Reads the header and returns the correlation id.
    public static func decode(from r: inout KafkaReader, flexible: Bool) throws(KafkaDecodingError) -> Int32 {
        let id = try r.readInt32("response correlation id")
        if flexible { try r.readTaggedFields("response header tagged fields") }
        return id
    }
}

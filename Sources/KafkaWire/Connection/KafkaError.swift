/// An error answered by the broker for a request or one of its partitions.
public struct KafkaResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var api: String
    public var code: KafkaErrorCode
    public var message: String?
    public var context: String?

    public init(api: String, code: KafkaErrorCode, message: String? = nil, context: String? = nil) {
        self.api = api
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String {
        var s = "\(api) failed"
        if let context { s += " for \(context)" }
        s += ": \(code)"
        if let message, !message.isEmpty { s += ": \(message)" }
        return s
    }
}

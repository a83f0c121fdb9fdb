/// A configuration problem, naming the file and the key path
/// (`clusters[1].sasl.mechanism: unknown value "X" (expected ...)`).
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String?
    public var keyPath: String
    public var message: String

    public init(file: String? = nil, keyPath: String, message: String) {
        self.file = file
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let location = keyPath.isEmpty ? "" : "\(keyPath): "
        if let file { return "\(file): \(location)\(message)" }
        return "\(location)\(message)"
    }

    /// Renders a coding path as `a.b[2].c`.
    public static func keyPath(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue, key.stringValue == "\(i)" || key.stringValue.hasPrefix("Index ") {
                out += "[\(i)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }
}

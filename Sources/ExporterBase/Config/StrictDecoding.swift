/// A coding key for any string, used to list the keys a mapping actually has.
public struct AnyCodingKey: CodingKey, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) {
        self.stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

/// Raised for keys a config type does not know; typos must not be silently ignored.
public struct UnknownKeyError: Error, Sendable {
    public var keyPath: String
    public var key: String
    public var expected: [String]

    public init(keyPath: String, key: String, expected: [String]) {
        self.keyPath = keyPath
        self.key = key
        self.expected = expected
    }
}

/// Raised by `validate()`-style checks inside decoding, carrying the key path.
public struct InvalidValueError: Error, Sendable {
    public var keyPath: String
    public var message: String

    public init(keyPath: String, message: String) {
        self.keyPath = keyPath
        self.message = message
    }
}

extension Decoder {
    /// Throws if the mapping has keys that `keys` does not name. Call first in `init(from:)`.
    public func rejectUnknownKeys<K: CodingKey & CaseIterable>(_ keys: K.Type, plus extra: [String] = []) throws {
        try rejectUnknownKeys(allowed: K.allCases.map(\.stringValue) + extra)
    }

    /// Throws if the mapping has a key not in `allowed` (for configs composed of parts).
    public func rejectUnknownKeys(allowed: [String]) throws {
        guard let container = try? container(keyedBy: AnyCodingKey.self) else { return }
        let known = Set(allowed)
        for key in container.allKeys where !known.contains(key.stringValue) {
            throw UnknownKeyError(
                keyPath: ConfigError.keyPath(codingPath + [key]), key: key.stringValue, expected: allowed)
        }
    }

    /// An `InvalidValueError` at `key` below this decoder's path.
    public func invalid(_ key: any CodingKey, _ message: String) -> InvalidValueError {
        InvalidValueError(keyPath: ConfigError.keyPath(codingPath + [key]), message: message)
    }
}

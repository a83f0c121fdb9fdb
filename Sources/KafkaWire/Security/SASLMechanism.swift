/// One SASL exchange, driven by the connection: `start()` gives the first client message,
/// then each server message is fed to `respond(to:)` until it returns nil (done).
public protocol SASLSession: Sendable {
    var mechanism: String { get }
    mutating func start() throws(SASLError) -> [UInt8]
    /// The next client message, or nil when the exchange is complete and verified.
    mutating func respond(to challenge: [UInt8]) throws(SASLError) -> [UInt8]?
    /// What the server said was wrong, when the mechanism itself carries it (OAUTHBEARER's error
    /// challenge): a clearer text than the broker's final error code.
    var serverFailure: String? { get }
}

extension SASLSession {
    public var serverFailure: String? { nil }
}

/// A SASL failure. Never carries a password or token.
public struct SASLError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// SASL/PLAIN (RFC 4616): `authzid NUL authcid NUL password` in one message.
public struct PlainSASLSession: SASLSession {
    public let mechanism = "PLAIN"
    let username: String
    let password: Secret
    private var sent = false

    public init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }

    public mutating func start() throws(SASLError) -> [UInt8] {
        sent = true
        return [0] + Array(username.utf8) + [0] + Array(password.value.utf8)
    }

    public mutating func respond(to challenge: [UInt8]) throws(SASLError) -> [UInt8]? {
        // PLAIN has no server challenge; any non-empty answer is unexpected.
        guard challenge.isEmpty else { throw SASLError("unexpected server data after PLAIN") }
        return nil
    }
}

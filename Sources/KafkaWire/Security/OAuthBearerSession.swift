import Foundation

/// SASL OAUTHBEARER client (RFC 7628, Kafka KIP-255, extensions per KIP-342).
///
/// The client sends `n,,^Aauth=Bearer <token>^A[key=value^A...]^A`. An empty server answer
/// means success. A non-empty answer is the RFC 7628 §3.2.2 JSON error
/// (`{"status":"invalid_token",...}`): the client must answer with a single `^A` (kvsep) so
/// the server can finish the exchange, and the login then fails with the server's status.
/// The token never appears in errors or descriptions.
public struct OAuthBearerSession: SASLSession, CustomStringConvertible {
    public let mechanism = "OAUTHBEARER"
    let token: Secret
    /// Sorted by key, so the client-first message is deterministic.
    let extensions: [(key: String, value: String)]

    private enum Step: Sendable {
        case initial
        case sentFirst
        case sentKvsep(failure: String)
        case done
    }
    private var step = Step.initial

    static let kvsep: UInt8 = 0x01

    public init(token: Secret, extensions: [String: String] = [:]) throws(SASLError) {
        try Self.validate(token: token)
        for (key, value) in extensions { try Self.validateExtension(key: key, value: value) }
        self.token = token
        self.extensions = extensions.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    public var description: String {
        "OAuthBearerSession(token: <redacted>, extensions: \(extensions.map(\.key)))"
    }

    /// RFC 6750 §2.1 b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    /// JWTs qualify. Anything else could break the message framing, so it is refused
    /// (without quoting the token).
    static func validate(token: Secret) throws(SASLError) {
        let bytes = Array(token.value.utf8)
        guard !bytes.isEmpty else { throw SASLError("the OAuth token is empty") }
        var index = 0
        while index < bytes.count, isB64TokenByte(bytes[index]) { index += 1 }
        guard index > 0 else { throw SASLError("the OAuth token is not a valid bearer token (RFC 6750 b64token)") }
        while index < bytes.count, bytes[index] == UInt8(ascii: "=") { index += 1 }
        guard index == bytes.count else {
            throw SASLError("the OAuth token is not a valid bearer token (RFC 6750 b64token)")
        }
    }

    private static func isB64TokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
            UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// KIP-342: key `[A-Za-z]+` and not `auth`; value `[\x21-\x7E \t\r\n]+` (so never 0x01).
    static func validateExtension(key: String, value: String) throws(SASLError) {
        guard !key.isEmpty,
            key.utf8.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") })
        else {
            throw SASLError("invalid SASL extension name \"\(printable(key))\" (letters only)")
        }
        guard key != "auth" else { throw SASLError("the SASL extension name \"auth\" is reserved") }
        guard !value.isEmpty,
            value.utf8.allSatisfy({
                (0x21...0x7E).contains($0) || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t")
                    || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n")
            })
        else {
            throw SASLError("invalid value for SASL extension \"\(key)\" (printable ASCII only, not empty)")
        }
    }

    public mutating func start() throws(SASLError) -> [UInt8] {
        guard case .initial = step else { throw SASLError("OAUTHBEARER exchange already started") }
        var message: [UInt8] = Array("n,,".utf8) + [Self.kvsep]
        message += Array("auth=Bearer \(token.value)".utf8) + [Self.kvsep]
        for (key, value) in extensions {
            message += Array("\(key)=\(value)".utf8) + [Self.kvsep]
        }
        message.append(Self.kvsep)
        step = .sentFirst
        return message
    }

    public mutating func respond(to challenge: [UInt8]) throws(SASLError) -> [UInt8]? {
        switch step {
        case .initial, .done:
            throw SASLError("unexpected server message")
        case .sentFirst:
            if challenge.isEmpty {
                step = .done
                return nil
            }
            step = .sentKvsep(failure: Self.describeServerError(challenge))
            return [Self.kvsep]
        case .sentKvsep(let failure):
            step = .done
            throw SASLError(failure)
        }
    }

    /// The RFC 7628 §3.2.2 error: `status` (required), `scope` and `openid-configuration`
    /// (optional). Server text is shortened and reduced to printable ASCII.
    public var serverFailure: String? {
        if case .sentKvsep(let failure) = step { return failure }
        return nil
    }

    static func describeServerError(_ challenge: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(challenge)),
            let json = object as? [String: Any]
        else {
            return "the server rejected the OAuth token (its error message is not valid JSON)"
        }
        var text = "the server rejected the OAuth token: status \(printable(json["status"] as? String ?? "<none>"))"
        if let scope = json["scope"] as? String { text += ", required scope \(printable(scope))" }
        if let openid = json["openid-configuration"] as? String { text += ", see \(printable(openid))" }
        return text
    }

    static func printable(_ s: String, limit: Int = 200) -> String {
        let cleaned = String(String.UnicodeScalarView(s.unicodeScalars.filter { (0x20...0x7E).contains($0.value) }))
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "..." : cleaned
    }
}

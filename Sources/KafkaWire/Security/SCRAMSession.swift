import Crypto
import Foundation
import _CryptoExtras

/// SASL SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677), as Kafka uses it:
/// no channel binding, and the server's signature is verified, so a server that does not
/// know the password cannot pretend the login succeeded.
public struct SCRAMSession: SASLSession {
    public enum Algorithm: String, Sendable {
        case sha256 = "SCRAM-SHA-256"
        case sha512 = "SCRAM-SHA-512"
    }

    public let algorithm: Algorithm
    public var mechanism: String { algorithm.rawValue }
    let username: String
    let password: Secret
    let clientNonce: String
    /// Kafka's minimum; fewer iterations means a downgraded or hostile server.
    static let minimumIterations = 4096

    private enum Step: Sendable {
        case initial
        case sentFirst(clientFirstBare: String)
        case sentFinal(serverSignature: [UInt8])
        case done
    }
    private var step = Step.initial

    public init(algorithm: Algorithm, username: String, password: Secret, clientNonce: String? = nil) {
        self.algorithm = algorithm
        self.username = username
        self.password = password
        self.clientNonce = clientNonce ?? Self.makeNonce()
    }

    static func makeNonce() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
    }

    /// `=` and `,` are escaped in SCRAM user names.
    static func saslName(_ s: String) -> String {
        s.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    public mutating func start() throws(SASLError) -> [UInt8] {
        let bare = "n=\(Self.saslName(username)),r=\(clientNonce)"
        step = .sentFirst(clientFirstBare: bare)
        return Array(("n,," + bare).utf8)
    }

    public mutating func respond(to challenge: [UInt8]) throws(SASLError) -> [UInt8]? {
        guard let text = String(validating: challenge, as: UTF8.self) else {
            throw SASLError("server message is not UTF-8")
        }
        switch step {
        case .initial, .done:
            throw SASLError("unexpected server message")
        case .sentFirst(let clientFirstBare):
            let (final, signature) = try clientFinal(serverFirst: text, clientFirstBare: clientFirstBare)
            step = .sentFinal(serverSignature: signature)
            return Array(final.utf8)
        case .sentFinal(let expected):
            let attrs = Self.attributes(text)
            if let error = attrs["e"] { throw SASLError("server rejected the credentials: \(error)") }
            guard let v = attrs["v"], let got = Data(base64Encoded: v) else {
                throw SASLError("server-final message has no signature")
            }
            guard Array(got) == expected else {
                throw SASLError("server signature mismatch: the server does not know this user's credentials")
            }
            step = .done
            return nil
        }
    }

    private func clientFinal(serverFirst: String, clientFirstBare: String) throws(SASLError) -> (String, [UInt8]) {
        let attrs = Self.attributes(serverFirst)
        if let error = attrs["e"] { throw SASLError("server rejected the login: \(error)") }
        guard attrs["m"] == nil else { throw SASLError("server requires an unsupported SCRAM extension") }
        guard let nonce = attrs["r"], nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw SASLError("server nonce does not extend the client nonce")
        }
        guard let saltText = attrs["s"], let salt = Data(base64Encoded: saltText) else {
            throw SASLError("server-first message has no valid salt")
        }
        guard let iterText = attrs["i"], let iterations = Int(iterText), iterations >= Self.minimumIterations else {
            throw SASLError("server asks for too few iterations (minimum \(Self.minimumIterations))")
        }
        let finalWithoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(finalWithoutProof)".utf8)
        let keys: (proof: [UInt8], serverSignature: [UInt8])
        do {
            switch algorithm {
            case .sha256:
                keys = try Self.compute(SHA256.self, .sha256, password.value, salt, iterations, authMessage)
            case .sha512:
                keys = try Self.compute(SHA512.self, .sha512, password.value, salt, iterations, authMessage)
            }
        } catch {
            throw SASLError("key derivation failed")
        }
        return ("\(finalWithoutProof),p=\(Data(keys.proof).base64EncodedString())", keys.serverSignature)
    }

    static func compute<H: HashFunction>(
        _: H.Type, _ kdfHash: KDF.Insecure.PBKDF2.HashFunction, _ password: String, _ salt: Data, _ iterations: Int,
        _ authMessage: [UInt8]
    ) throws -> (proof: [UInt8], serverSignature: [UInt8]) {
        let salted = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: kdfHash, outputByteCount: H.Digest.byteCount,
            unsafeUncheckedRounds: iterations)
        let clientKey = Array(HMAC<H>.authenticationCode(for: Array("Client Key".utf8), using: salted))
        let storedKey = SymmetricKey(data: Array(H.hash(data: clientKey)))
        let clientSignature = Array(HMAC<H>.authenticationCode(for: authMessage, using: storedKey))
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = SymmetricKey(
            data: Array(HMAC<H>.authenticationCode(for: Array("Server Key".utf8), using: salted)))
        let serverSignature = Array(HMAC<H>.authenticationCode(for: authMessage, using: serverKey))
        return (proof, serverSignature)
    }

    /// `a=1,b=2` → ["a": "1", "b": "2"]; values may contain '='.
    static func attributes(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in text.split(separator: ",") {
            guard let eq = part.firstIndex(of: "="), part.distance(from: part.startIndex, to: eq) == 1 else { continue }
            out[String(part[..<eq])] = String(part[part.index(after: eq)...])
        }
        return out
    }
}

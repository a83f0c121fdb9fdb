import Crypto
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Checks `Authorization: Basic` against bcrypt hashes.
///
/// bcrypt is deliberately slow (~50 ms at cost 10), and Prometheus sends the same
/// credentials every scrape, so verified credentials are remembered by their SHA-256 (with a
/// per-process random salt), never in clear. Unknown users still cost one bcrypt at the
/// highest configured cost, so response time does not reveal which user names exist.
public final class BasicAuthenticator: Sendable {
    private let users: [String: String]
    private let verified = Mutex<Set<SHA256.Digest>>([])
    private let salt: [UInt8]
    private let dummyCost: UInt8
    /// Made on the first unknown-user attempt (bcrypt is slow; most configs never need it).
    private let dummyHash = Mutex<String?>(nil)

    public init(users: [String: String]) {
        self.users = users
        var rng = SystemRandomNumberGenerator()
        salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let cost = users.values.compactMap { UInt8($0.dropFirst(4).prefix(2)) }.max() ?? 4
        dummyCost = max(4, min(cost, 31))
    }

    public var isEnabled: Bool { !users.isEmpty }

    public static func isSupportedHash(_ hash: String) -> Bool {
        (hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$")) && hash.utf8.count == 60
    }

    /// True when auth is disabled or the header carries valid credentials.
    public func authorize(header: String?) -> Bool {
        guard isEnabled else { return true }
        guard let (user, password) = Self.parse(header: header) else { return false }
        let hash = users[user]
        var h = SHA256()
        h.update(data: salt)
        for part in [user, password, hash ?? ""] {
            h.update(data: Array(part.utf8))
            h.update(data: [0])
        }
        let key = h.finalize()
        if hash != nil, verified.withLock({ $0.contains(key) }) { return true }
        let ok = Self.verify(password, hash: hash ?? unknownUserHash()) && hash != nil
        if ok {
            verified.withLock {
                if $0.count > 1024 { $0.removeAll() }
                $0.insert(key)
            }
        }
        return ok
    }

    private func unknownUserHash() -> String {
        if let h = dummyHash.withLock({ $0 }) { return h }
        let h = Bcrypt.hash("not a password", cost: dummyCost)
        dummyHash.withLock { $0 = h }
        return h
    }

    /// htpasswd writes `$2y$`; it is the same algorithm as `$2b$`, which the bcrypt library knows.
    static func verify(_ password: String, hash: String) -> Bool {
        var normalized = hash
        if normalized.hasPrefix("$2y$") { normalized = "$2b$" + normalized.dropFirst(4) }
        return Bcrypt.verify(password, hash: normalized)
    }

    static func parse(header: String?) -> (String, String)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }
}

import Crypto
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Checks `Authorization: Basic` against bcrypt hashes.
///
/// bcrypt is deliberately slow (~50 ms at cost 10), and Prometheus sends the same
/// credentials every scrape, so outcomes are remembered by the SHA-256 (with a per-process
/// random salt) of user, password and hash, never in clear: a valid scrape costs no bcrypt
/// after its first, and neither does a client repeating a wrong password. Unknown users
/// still cost one bcrypt at the highest configured cost, so response time does not reveal
/// which user names exist.
public final class BasicAuthenticator: Sendable {
    /// Credentials whose outcome is not remembered: `verify` must run bcrypt.
    public struct Attempt: Sendable {
        let password: String
        let hash: String?
        let key: SHA256.Digest
    }

    public enum Check: Sendable {
        case decided(Bool)
        case needsBcrypt(Attempt)
    }

    /// bcrypt's cost range: 2^4 to 2^31 rounds. A larger cost would keep a core busy for ever.
    public static let costRange = 4...31
    /// Entries kept per outcome; a client cycling through passwords only empties its own cache.
    static let cacheLimit = 1024

    private let users: [String: String]
    /// Kept apart so a client cycling through wrong passwords cannot evict verified ones.
    private let outcomes = Mutex<(verified: Set<SHA256.Digest>, refused: Set<SHA256.Digest>)>(([], []))
    private let salt: [UInt8]
    private let dummyCost: UInt8
    /// Made on the first unknown-user attempt (bcrypt is slow; most configs never need it).
    private let dummyHash = Mutex<String?>(nil)

    public init(users: [String: String]) {
        self.users = users
        var rng = SystemRandomNumberGenerator()
        salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let cost = users.values.compactMap { Self.cost(of: $0) }.max() ?? 4
        dummyCost = UInt8(Self.costRange.clamped(cost))
    }

    public var isEnabled: Bool { !users.isEmpty }

    public static func isSupportedHash(_ hash: String) -> Bool {
        (hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$")) && hash.utf8.count == 60
    }

    /// The cost field of a `$2?$NN$...` hash.
    public static func cost(of hash: String) -> Int? {
        let b = Array(hash.utf8.prefix(7))
        guard b.count == 7, b[6] == UInt8(ascii: "$") else { return nil }
        return Int(String(decoding: b[4..<6], as: UTF8.self))
    }

    /// True when auth is disabled or the header carries valid credentials (bcrypt on this thread if needed).
    public func authorize(header: String?) -> Bool {
        switch check(header: header) {
        case .decided(let ok): return ok
        case .needsBcrypt(let attempt): return verify(attempt)
        }
    }

    /// Decides without bcrypt when it can: auth off, malformed header, or an outcome seen before.
    public func check(header: String?) -> Check {
        guard isEnabled else { return .decided(true) }
        guard let (user, password) = Self.parse(header: header) else { return .decided(false) }
        let hash = users[user]
        var h = SHA256()
        h.update(data: salt)
        for part in [user, password, hash ?? ""] {
            h.update(data: Array(part.utf8))
            h.update(data: [0])
        }
        let key = h.finalize()
        let known = outcomes.withLock { o -> Bool? in
            if hash != nil && o.verified.contains(key) { return true }
            return o.refused.contains(key) ? false : nil
        }
        if let known { return .decided(known) }
        return .needsBcrypt(Attempt(password: password, hash: hash, key: key))
    }

    /// Runs bcrypt (slow, CPU-bound) and remembers the outcome.
    public func verify(_ attempt: Attempt) -> Bool {
        let ok = Self.verify(attempt.password, hash: attempt.hash ?? unknownUserHash()) && attempt.hash != nil
        outcomes.withLock { o in
            if ok {
                if o.verified.count >= Self.cacheLimit { o.verified.removeAll() }
                o.verified.insert(attempt.key)
            } else {
                if o.refused.count >= Self.cacheLimit { o.refused.removeAll() }
                o.refused.insert(attempt.key)
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

extension ClosedRange where Bound == Int {
    fileprivate func clamped(_ v: Int) -> Int { Swift.min(Swift.max(v, lowerBound), upperBound) }
}

import ExporterBase
import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where OAUTHBEARER tokens come from, for the lifetime of a cluster client (so caches are
/// shared by all its connections):
/// - a static token (inline or environment variable) is used as is;
/// - a token file is re-read when its inode, size or modification time changes (Kubernetes
///   projected tokens are rotated by an atomic symlink swap);
/// - a token endpoint is asked with the OAuth 2 client-credentials grant (RFC 6749 §4.4); the
///   token is cached until 80 % of its lifetime (`expires_in`, else the JWT `exp` claim).
///   Concurrent callers share one request.
///
/// Errors name the file or the endpoint URL, never the token or the client secret.
public final class OAuthTokenProvider: Sendable, CustomStringConvertible {
    enum Source: Sendable {
        case fixed(SecretSource)
        case file(String)
        case endpoint(TokenEndpointClient, clientId: String, clientSecret: SecretSource, scope: String?)
    }

    struct FileStamp: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtimeSeconds: Int
        var mtimeNanoseconds: Int
    }

    struct Cached: Sendable {
        var token: Secret
        var refreshAt: ContinuousClock.Instant
    }

    struct State: Sendable {
        var file: (stamp: FileStamp, token: Secret)?
        var cached: Cached?
        var inflight: Task<Cached, any Error>?
        var fetches = 0
    }

    let source: Source
    /// SASL extensions (KIP-342) sent with every token.
    public let extensions: [String: String]
    /// Used when neither `expires_in` nor a JWT `exp` tells the token's lifetime.
    let defaultLifetime: Duration
    private let state = Mutex(State())

    /// - Parameters:
    ///   - timeout: bound of one token endpoint request, connect included.
    ///   - defaultLifetime: cache time of an endpoint token whose lifetime is unknown.
    public init(
        config: OAuthBearerConfig, timeout: Duration = .seconds(10), defaultLifetime: Duration = .seconds(60),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(ConfigError) {
        extensions = config.extensions
        self.defaultLifetime = defaultLifetime
        for (key, value) in config.extensions {
            do {
                try OAuthBearerSession.validateExtension(key: key, value: value)
            } catch {
                throw ConfigError(keyPath: "sasl.oauthbearer.extensions", message: error.message)
            }
        }
        if let url = config.tokenEndpoint {
            guard let id = config.clientId, let secret = config.clientSecret else {
                throw ConfigError(
                    keyPath: "sasl.oauthbearer.client_id",
                    message: "client_id and a client secret are required with token_endpoint")
            }
            let client = try TokenEndpointClient(url: url, caFile: config.caFile, timeout: timeout, group: group)
            source = .endpoint(client, clientId: id, clientSecret: secret, scope: config.scope)
        } else if case .file(let path) = config.token {
            source = .file(path)
        } else if let token = config.token {
            source = .fixed(token)
        } else {
            throw ConfigError(keyPath: "sasl.oauthbearer", message: "no token, token_file, token_env or token_endpoint")
        }
    }

    public var description: String {
        switch source {
        case .fixed(let s): return "OAuthTokenProvider(\(s))"
        case .file(let path): return "OAuthTokenProvider(file \(path))"
        case .endpoint(let client, _, _, _): return "OAuthTokenProvider(endpoint \(client.displayURL))"
        }
    }

    /// Number of token endpoint requests made so far (for tests and diagnostics).
    var endpointFetches: Int { state.withLock { $0.fetches } }

    /// The current token.
    public func token() async throws(SASLError) -> Secret {
        switch source {
        case .fixed(let s):
            return try s.resolve()
        case .file(let path):
            return try fileToken(path: path)
        case .endpoint(let client, let id, let secret, let scope):
            return try await endpointToken(client: client, clientId: id, clientSecret: secret, scope: scope)
        }
    }

    /// A session for one login with the current token and the configured extensions.
    public func makeSession() async throws(SASLError) -> OAuthBearerSession {
        try OAuthBearerSession(token: try await token(), extensions: extensions)
    }

    /// Forgets a cached endpoint token, e.g. after the broker refused it.
    public func invalidate() {
        state.withLock { $0.cached = nil }
    }

    // MARK: token file

    static func stamp(path: String) throws(SASLError) -> FileStamp {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            throw SASLError("cannot read the OAuth token file \(path): \(reason)")
        }
        return FileStamp(
            device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
            mtimeSeconds: Int(st.st_mtim.tv_sec), mtimeNanoseconds: Int(st.st_mtim.tv_nsec))
    }

    func fileToken(path: String) throws(SASLError) -> Secret {
        let stamp = try Self.stamp(path: path)
        if let cached = state.withLock({ $0.file }), cached.stamp == stamp { return cached.token }
        let token = try SecretSource.file(path).resolve()
        guard !token.value.isEmpty else { throw SASLError("the OAuth token file \(path) is empty") }
        // The stamp was taken before reading: a change during the read is seen next time.
        state.withLock { $0.file = (stamp, token) }
        return token
    }

    // MARK: token endpoint

    func endpointToken(client: TokenEndpointClient, clientId: String, clientSecret: SecretSource, scope: String?)
        async throws(SASLError) -> Secret
    {
        enum Next {
            case cached(Secret)
            case wait(Task<Cached, any Error>)
        }
        let now = ContinuousClock.now
        let next = state.withLock { s -> Next in
            if let c = s.cached, now < c.refreshAt { return .cached(c.token) }
            if let t = s.inflight { return .wait(t) }
            s.fetches += 1
            let t = Task { [self] () async throws -> Cached in
                defer { state.withLock { $0.inflight = nil } }
                let fresh = try await fetch(
                    client: client, clientId: clientId, clientSecret: clientSecret, scope: scope)
                state.withLock { $0.cached = fresh }
                return fresh
            }
            s.inflight = t
            return .wait(t)
        }
        let task: Task<Cached, any Error>
        switch next {
        case .cached(let token): return token
        case .wait(let t): task = t
        }
        do {
            return try await task.value.token
        } catch let e as SASLError {
            throw e
        } catch {
            throw SASLError("token endpoint \(client.displayURL): \(error)")
        }
    }

    func fetch(client: TokenEndpointClient, clientId: String, clientSecret: SecretSource, scope: String?)
        async throws(SASLError) -> Cached
    {
        let secret = try clientSecret.resolve()
        let start = ContinuousClock.now
        let credentials = Self.formEncode(clientId) + ":" + Self.formEncode(secret.value)
        var form = "grant_type=client_credentials"
        if let scope, !scope.isEmpty { form += "&scope=" + Self.formEncode(scope) }
        let response = try await client.post(
            contentType: "application/x-www-form-urlencoded", body: Array(form.utf8),
            headers: [("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString())])
        let url = client.displayURL
        guard (200..<300).contains(response.status) else {
            var text = "token endpoint \(url) answered HTTP \(response.status)"
            // RFC 6749 §5.2 error body: `error` and `error_description` are safe to show.
            if let json = Self.jsonObject(response.body), let error = json["error"] as? String {
                text += ": \(OAuthBearerSession.printable(error))"
                if let d = json["error_description"] as? String { text += " (\(OAuthBearerSession.printable(d)))" }
            }
            throw SASLError(text)
        }
        guard let json = Self.jsonObject(response.body) else {
            throw SASLError("token endpoint \(url) did not answer with a JSON object")
        }
        guard let accessToken = json["access_token"] as? String, !accessToken.isEmpty else {
            throw SASLError("token endpoint \(url) answered without an access_token")
        }
        // RFC 6749 §5.1 makes token_type required; like Kafka's Java client we accept its
        // absence, but another type (e.g. "mac", "DPoP") cannot be used as a bearer token.
        if let type = json["token_type"] {
            guard let t = type as? String, t.lowercased() == "bearer" else {
                throw SASLError(
                    "token endpoint \(url) answered token_type \"\(OAuthBearerSession.printable("\(type)"))\", not Bearer"
                )
            }
        }
        let token = Secret(accessToken)
        do {
            try OAuthBearerSession.validate(token: token)
        } catch {
            throw SASLError("token endpoint \(url): \(error.message)")
        }
        let lifetime: Duration
        if let expiresIn = Self.number(json["expires_in"]) {
            lifetime = .milliseconds(Int64((expiresIn * 1000).rounded(.down).clamped(to: 0...1e15)))
        } else if let exp = Self.jwtExpiry(accessToken) {
            let remaining = exp - Date().timeIntervalSince1970
            lifetime = .milliseconds(Int64((remaining * 1000).rounded(.down).clamped(to: 0...1e15)))
        } else {
            lifetime = defaultLifetime
        }
        return Cached(token: token, refreshAt: start + lifetime * 0.8)
    }

    static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// A JSON number, or a numeric string (some servers quote `expires_in`).
    static func number(_ value: Any?) -> Double? {
        if let s = value as? String { return Double(s) }
        if let n = value as? NSNumber { return n.doubleValue }
        return nil
    }

    /// The `exp` claim (seconds since the epoch) of a JWT (`header.payload.signature`, each
    /// base64url); nil for opaque tokens. The signature is not checked: only the broker can.
    static func jwtExpiry(_ token: String) -> Double? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
            let claims = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return nil }
        return number(claims["exp"])
    }

    /// application/x-www-form-urlencoded (as RFC 6749 Appendix B and §2.3.1 require for the
    /// form and for the Basic credentials): unreserved bytes kept, space as `+`, rest `%XX`.
    static func formEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "*"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(b >> 4)])
                out.unicodeScalars.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}

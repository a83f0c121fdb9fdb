import ExporterBase
import NIOCore
import NIOPosix

/// SASL state that outlives one connection: built once per cluster client, so that caches
/// (the OAUTHBEARER token) are shared by all its connections.
public struct SASLContext: Sendable {
    public var oauthTokenProvider: OAuthTokenProvider?

    public init(oauthTokenProvider: OAuthTokenProvider? = nil) {
        self.oauthTokenProvider = oauthTokenProvider
    }

    /// The context for a cluster's SASL config: a token provider for OAUTHBEARER.
    public init(
        config: SASLConfig?, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(ConfigError) {
        if let config, config.mechanism == .oauthBearer, let oauth = config.oauth {
            oauthTokenProvider = try OAuthTokenProvider(config: oauth, group: group)
        } else {
            oauthTokenProvider = nil
        }
    }
}

/// Builds the session for a configured mechanism, resolving secrets at login time (so a
/// rotated password file is used at the next connection).
enum SASLSessions {
    /// - Parameter timeout: bound of a blocking login step (GSSAPI's KDC exchange).
    static func make(
        _ config: SASLConfig, host: String, context: SASLContext = SASLContext(),
        timeout: Duration = GSSAPISession.loginTimeout
    ) async throws -> any SASLSession {
        switch config.mechanism {
        case .plain:
            return PlainSASLSession(username: config.username ?? "", password: try resolvedPassword(config))
        case .scramSHA256:
            return SCRAMSession(
                algorithm: .sha256, username: config.username ?? "", password: try resolvedPassword(config))
        case .scramSHA512:
            return SCRAMSession(
                algorithm: .sha512, username: config.username ?? "", password: try resolvedPassword(config))
        case .oauthBearer:
            if let provider = context.oauthTokenProvider { return try await provider.makeSession() }
            // No long-lived provider (a connection opened outside a KafkaClient): one for this login.
            guard let oauth = config.oauth else { throw SASLError("no oauthbearer settings configured") }
            let provider: OAuthTokenProvider
            do {
                provider = try OAuthTokenProvider(config: oauth)
            } catch {
                throw SASLError(error.description)
            }
            return try await provider.makeSession()
        case .gssapi:
            // Kerberos through Cyrus SASL; the blocking KDC exchanges run on a thread of their own.
            return try await GSSAPISession.make(config: config.gssapi ?? GSSAPIConfig(), broker: host, timeout: timeout)
        }
    }

    static func resolvedPassword(_ config: SASLConfig) throws(SASLError) -> Secret {
        guard let source = config.password else { throw SASLError("no password configured") }
        return try source.resolve()
    }
}

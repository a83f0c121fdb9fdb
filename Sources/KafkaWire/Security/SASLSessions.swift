/// Builds the session for a configured mechanism, resolving secrets at login time (so a
/// rotated password file is used at the next connection).
enum SASLSessions {
    static func make(_ config: SASLConfig, host: String) async throws -> any SASLSession {
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
            throw SASLError("OAUTHBEARER is not implemented yet")
        case .gssapi:
            throw SASLError("GSSAPI is not implemented yet")
        }
    }

    static func resolvedPassword(_ config: SASLConfig) throws(SASLError) -> Secret {
        guard let source = config.password else { throw SASLError("no password configured") }
        return try source.resolve()
    }
}

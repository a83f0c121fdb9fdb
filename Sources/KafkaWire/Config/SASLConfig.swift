import ExporterBase

/// SASL settings of a cluster. Secrets come inline, from a file (re-read at every login, so
/// rotation needs no restart) or from an environment variable, and never appear in errors.
public struct SASLConfig: Decodable, Sendable, Equatable {
    public enum Mechanism: String, Sendable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
        case oauthBearer = "OAUTHBEARER"
        case gssapi = "GSSAPI"
    }

    public var mechanism: Mechanism
    public var username: String?
    public var password: SecretSource?
    public var oauth: OAuthBearerConfig?
    public var gssapi: GSSAPIConfig?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mechanism
        case username
        case password
        case passwordFile = "password_file"
        case passwordEnv = "password_env"
        case oauthbearer
        case gssapi
    }

    public init(mechanism: Mechanism, username: String? = nil, password: SecretSource? = nil) {
        self.mechanism = mechanism
        self.username = username
        self.password = password
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .mechanism)
        guard let m = Mechanism(rawValue: raw.uppercased()) else {
            throw decoder.invalid(
                CodingKeys.mechanism,
                "unknown value \"\(raw)\" (expected \(Mechanism.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        mechanism = m
        username = try c.decodeIfPresent(String.self, forKey: .username)
        password = try secretSource(
            c, decoder, inline: .password, file: .passwordFile, env: .passwordEnv, name: "password")
        oauth = try c.decodeIfPresent(OAuthBearerConfig.self, forKey: .oauthbearer)
        gssapi = try c.decodeIfPresent(GSSAPIConfig.self, forKey: .gssapi)
        switch m {
        case .plain, .scramSHA256, .scramSHA512:
            guard let u = username, !u.isEmpty else {
                throw decoder.invalid(CodingKeys.username, "required for \(m.rawValue)")
            }
            guard password != nil else {
                throw decoder.invalid(
                    CodingKeys.password, "required for \(m.rawValue) (password, password_file or password_env)")
            }
            if oauth != nil || gssapi != nil {
                throw decoder.invalid(CodingKeys.mechanism, "oauthbearer/gssapi settings given for \(m.rawValue)")
            }
        case .oauthBearer:
            guard oauth != nil else {
                throw decoder.invalid(
                    CodingKeys.oauthbearer, "required for OAUTHBEARER (token, token_file or token_endpoint)")
            }
        case .gssapi:
            if gssapi == nil { gssapi = GSSAPIConfig() }
        }
    }
}

/// OAUTHBEARER token: static, from a file re-read when it changes, or fetched from an OIDC
/// token endpoint with the client-credentials grant.
public struct OAuthBearerConfig: Decodable, Sendable, Equatable {
    public var token: SecretSource?
    public var tokenEndpoint: String?
    public var clientId: String?
    public var clientSecret: SecretSource?
    public var scope: String?
    /// SASL extensions (KIP-342), e.g. logicalCluster for Confluent Cloud.
    public var extensions: [String: String]
    public var caFile: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case token
        case tokenFile = "token_file"
        case tokenEnv = "token_env"
        case tokenEndpoint = "token_endpoint"
        case clientId = "client_id"
        case clientSecret = "client_secret"
        case clientSecretFile = "client_secret_file"
        case clientSecretEnv = "client_secret_env"
        case scope
        case extensions
        case caFile = "ca_file"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        token = try secretSource(c, decoder, inline: .token, file: .tokenFile, env: .tokenEnv, name: "token")
        tokenEndpoint = try c.decodeIfPresent(String.self, forKey: .tokenEndpoint)
        clientId = try c.decodeIfPresent(String.self, forKey: .clientId)
        clientSecret = try secretSource(
            c, decoder, inline: .clientSecret, file: .clientSecretFile, env: .clientSecretEnv, name: "client_secret")
        scope = try c.decodeIfPresent(String.self, forKey: .scope)
        extensions = try c.decodeIfPresent([String: String].self, forKey: .extensions) ?? [:]
        caFile = try c.decodeIfPresent(String.self, forKey: .caFile)
        if token != nil && tokenEndpoint != nil {
            throw decoder.invalid(CodingKeys.tokenEndpoint, "give a token or a token_endpoint, not both")
        }
        if token == nil && tokenEndpoint == nil {
            throw decoder.invalid(CodingKeys.token, "one of token, token_file, token_env or token_endpoint is required")
        }
        if let url = tokenEndpoint {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw decoder.invalid(CodingKeys.tokenEndpoint, "must be an http(s) URL")
            }
            guard clientId != nil, clientSecret != nil else {
                throw decoder.invalid(
                    CodingKeys.clientId, "client_id and a client secret are required with token_endpoint")
            }
        }
        for key in extensions.keys where key == "auth" || key.isEmpty || !key.allSatisfy({ $0.isLetter }) {
            throw decoder.invalid(
                CodingKeys.extensions, "invalid extension name \"\(key)\" (letters only, not \"auth\")")
        }
    }
}

/// Kerberos through the system's Cyrus SASL GSSAPI plugin.
public struct GSSAPIConfig: Decodable, Sendable, Equatable {
    /// The broker's Kerberos service name (`sasl.kerberos.service.name`).
    public var serviceName: String
    public var principal: String?
    public var keytab: String?
    /// krb5.conf to use instead of the system one.
    public var kerberosConfig: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case serviceName = "service_name"
        case principal
        case keytab
        case kerberosConfig = "kerberos_config"
    }

    public init(
        serviceName: String = "kafka", principal: String? = nil, keytab: String? = nil, kerberosConfig: String? = nil
    ) {
        self.serviceName = serviceName
        self.principal = principal
        self.keytab = keytab
        self.kerberosConfig = kerberosConfig
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serviceName = try c.decodeIfPresent(String.self, forKey: .serviceName) ?? "kafka"
        principal = try c.decodeIfPresent(String.self, forKey: .principal)
        keytab = try c.decodeIfPresent(String.self, forKey: .keytab)
        kerberosConfig = try c.decodeIfPresent(String.self, forKey: .kerberosConfig)
        if serviceName.isEmpty || serviceName.contains("/") || serviceName.contains("@") {
            throw decoder.invalid(CodingKeys.serviceName, "must be a bare service name such as \"kafka\"")
        }
        if keytab != nil && principal == nil {
            throw decoder.invalid(CodingKeys.principal, "required when keytab is given")
        }
    }
}

/// Reads one of `<name>`, `<name>_file`, `<name>_env`; more than one is an error.
func secretSource<K: CodingKey>(
    _ c: KeyedDecodingContainer<K>, _ decoder: any Decoder, inline: K, file: K, env: K, name: String
) throws -> SecretSource? {
    var found: [SecretSource] = []
    if let v = try c.decodeIfPresent(String.self, forKey: inline) { found.append(.inline(Secret(v))) }
    if let v = try c.decodeIfPresent(String.self, forKey: file) { found.append(.file(v)) }
    if let v = try c.decodeIfPresent(String.self, forKey: env) { found.append(.environment(v)) }
    if found.count > 1 {
        throw decoder.invalid(inline, "give only one of \(name), \(name)_file, \(name)_env")
    }
    return found.first
}

/// `--web.config.file` in Prometheus exporter-toolkit's format, so files written for
/// node_exporter work unchanged.
///
/// ```yaml
/// tls_server_config:
///   cert_file: server.crt
///   key_file: server.key
///   client_auth_type: RequireAndVerifyClientCert
///   client_ca_file: ca.crt
///   min_version: TLS12
/// basic_auth_users:
///   prometheus: $2y$10$...
/// ```
public struct WebConfig: Decodable, Sendable, Equatable {
    public var tlsServerConfig: TLSServerConfig?
    public var basicAuthUsers: [String: String]
    public var httpServerConfig: HTTPServerConfig?

    public init(tlsServerConfig: TLSServerConfig? = nil, basicAuthUsers: [String: String] = [:]) {
        self.tlsServerConfig = tlsServerConfig
        self.basicAuthUsers = basicAuthUsers
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tlsServerConfig = "tls_server_config"
        case basicAuthUsers = "basic_auth_users"
        case httpServerConfig = "http_server_config"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tlsServerConfig = try c.decodeIfPresent(TLSServerConfig.self, forKey: .tlsServerConfig)
        basicAuthUsers = try c.decodeIfPresent([String: String].self, forKey: .basicAuthUsers) ?? [:]
        httpServerConfig = try c.decodeIfPresent(HTTPServerConfig.self, forKey: .httpServerConfig)
        for (user, hash) in basicAuthUsers {
            guard BasicAuthenticator.isSupportedHash(hash) else {
                throw decoder.invalid(
                    AnyCodingKey(stringValue: "basic_auth_users.\(user)"),
                    "not a bcrypt hash ($2a$, $2b$ or $2y$ expected; make one with `htpasswd -nBC 10 \(user)`)")
            }
            let cost = BasicAuthenticator.cost(of: hash)
            if !(cost.map(BasicAuthenticator.costRange.contains) ?? false) {
                // A cost past 31 is not bcrypt; the library would still try 2^cost rounds and pin a core.
                throw decoder.invalid(
                    AnyCodingKey(stringValue: "basic_auth_users.\(user)"),
                    "bcrypt cost \"\(hash.dropFirst(4).prefix(2))\" is outside 4..31 (10 to 12 is usual; "
                        + "`htpasswd -nBC 10 \(user)`)")
            }
            if user.contains(":") {
                throw decoder.invalid(
                    AnyCodingKey(stringValue: "basic_auth_users"), "user name \"\(user)\" contains ':'")
            }
        }
    }
}

public struct TLSServerConfig: Decodable, Sendable, Equatable {
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        var verifiesAgainstCA: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
        var requiresCertificate: Bool { self == .requireAnyClientCert || self == .requireAndVerifyClientCert }
    }

    public enum Version: String, Sendable, CaseIterable, Comparable {
        case tls10 = "TLS10"
        case tls11 = "TLS11"
        case tls12 = "TLS12"
        case tls13 = "TLS13"

        private var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Version, b: Version) -> Bool { a.rank < b.rank }
    }

    public var certFile: String?
    public var keyFile: String?
    /// Inline PEM alternatives to the files.
    public var cert: String?
    public var key: String?
    public var clientCAFile: String?
    public var clientAuthType: ClientAuth
    public var minVersion: Version
    public var maxVersion: Version?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case certFile = "cert_file"
        case keyFile = "key_file"
        case cert
        case key
        case clientCAFile = "client_ca_file"
        case clientAuthType = "client_auth_type"
        case minVersion = "min_version"
        case maxVersion = "max_version"
        // exporter-toolkit keys accepted so its files load; see init(from:).
        case preferServerCipherSuites = "prefer_server_cipher_suites"
        case cipherSuites = "cipher_suites"
        case curvePreferences = "curve_preferences"
        case clientAllowedSANs = "client_allowed_sans"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        certFile = try c.decodeIfPresent(String.self, forKey: .certFile)
        keyFile = try c.decodeIfPresent(String.self, forKey: .keyFile)
        cert = try c.decodeIfPresent(String.self, forKey: .cert)
        key = try c.decodeIfPresent(String.self, forKey: .key)
        clientCAFile = try c.decodeIfPresent(String.self, forKey: .clientCAFile)
        // Go's deprecated alias.
        if try c.decodeIfPresent(String.self, forKey: .clientAuthType) == "RequireClientCert" {
            clientAuthType = .requireAnyClientCert
        } else {
            clientAuthType = try Self.decodeEnum(c, .clientAuthType, decoder) ?? .noClientCert
        }
        // Go ignores this one since 1.18; so do we.
        _ = try c.decodeIfPresent(Bool.self, forKey: .preferServerCipherSuites)
        // Restrictions we cannot honour must not be dropped silently.
        for key in [CodingKeys.cipherSuites, .curvePreferences, .clientAllowedSANs] {
            if let list = try c.decodeIfPresent([String].self, forKey: key), !list.isEmpty {
                throw decoder.invalid(
                    key,
                    "not supported by this exporter (BoringSSL's secure defaults are used); remove it or leave it empty"
                )
            }
        }
        minVersion = try Self.decodeEnum(c, .minVersion, decoder) ?? .tls12
        maxVersion = try Self.decodeEnum(c, .maxVersion, decoder)

        if certFile == nil && cert == nil {
            throw decoder.invalid(CodingKeys.certFile, "missing: cert_file (or cert) is required for TLS")
        }
        if keyFile == nil && key == nil {
            throw decoder.invalid(CodingKeys.keyFile, "missing: key_file (or key) is required for TLS")
        }
        if certFile != nil && cert != nil { throw decoder.invalid(CodingKeys.cert, "give cert_file or cert, not both") }
        if keyFile != nil && key != nil { throw decoder.invalid(CodingKeys.key, "give key_file or key, not both") }
        if clientCAFile != nil && clientAuthType == .noClientCert {
            // exporter-toolkit refuses this too: a CA without a policy verifies nothing.
            throw decoder.invalid(
                CodingKeys.clientAuthType, "client_ca_file is set but client_auth_type is NoClientCert")
        }
        if clientAuthType.verifiesAgainstCA && clientCAFile == nil {
            throw decoder.invalid(
                CodingKeys.clientCAFile, "required when client_auth_type is \(clientAuthType.rawValue)")
        }
        if let maxVersion, maxVersion < minVersion {
            throw decoder.invalid(
                CodingKeys.maxVersion, "\(maxVersion.rawValue) is below min_version \(minVersion.rawValue)")
        }
    }

    private static func decodeEnum<E: RawRepresentable & CaseIterable>(
        _ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, _ decoder: any Decoder
    ) throws -> E? where E.RawValue == String {
        guard let raw = try c.decodeIfPresent(String.self, forKey: key), !raw.isEmpty else { return nil }
        guard let value = E(rawValue: raw) else {
            throw decoder.invalid(
                key, "unknown value \"\(raw)\" (expected \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return value
    }
}

/// exporter-toolkit's `http_server_config`: extra response headers; `http2` is accepted and
/// ignored (this server speaks HTTP/1.1).
public struct HTTPServerConfig: Decodable, Sendable, Equatable {
    public var headers: [String: String]
    public var http2: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case headers
        case http2
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        http2 = try c.decodeIfPresent(Bool.self, forKey: .http2)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            if let problem = Self.problem(name: name, value: value) {
                throw decoder.invalid(AnyCodingKey(stringValue: "headers.\(name)"), problem)
            }
        }
    }

    /// Headers the server sets itself: a configured one would corrupt the response framing.
    static let reservedHeaders: Set<String> = [
        "content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive", "upgrade",
    ]

    /// Why a configured header cannot be sent as is (CR or LF in a value would end the header
    /// block early and break every response), or nil.
    static func problem(name: String, value: String) -> String? {
        let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)
        let isToken =
            !name.isEmpty
            && name.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || tokenPunctuation.contains(b)
            }
        if !isToken { return "not a valid HTTP header name" }
        if reservedHeaders.contains(name.lowercased()) { return "set by the server itself; it cannot be configured" }
        // Field values are visible ASCII, spaces, tabs and non-ASCII bytes; never CR, LF, NUL or DEL.
        if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return "the value contains a control character (CR, LF, ...), which would break every response"
        }
        return nil
    }
}

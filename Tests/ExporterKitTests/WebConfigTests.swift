import Testing

@testable import ExporterKit

/// `htpasswd -nbB -C 4 user pw`.
let samplePasswordHash = "$2y$04$GkX70iWvsDAg9jMf4kiMgehk2Iwht9IzEUjRYTHQznFBpj4L3e5JK"

private func webConfigError(_ yaml: String) -> ConfigError? {
    do {
        _ = try ConfigLoader.decode(WebConfig.self, yaml: yaml, file: "web.yml")
        return nil
    } catch {
        return error
    }
}

@Test func fullExporterToolkitFile() throws {
    let yaml = """
        tls_server_config:
          cert_file: server.crt
          key_file: server.key
          client_auth_type: RequireAndVerifyClientCert
          client_ca_file: ca.crt
          min_version: TLS12
          max_version: TLS13
        basic_auth_users:
          prometheus: \(samplePasswordHash)
        http_server_config:
          http2: true
          headers:
            X-Frame-Options: deny
        """
    let config = try ConfigLoader.decode(WebConfig.self, yaml: yaml)
    let tls = try #require(config.tlsServerConfig)
    #expect(tls.certFile == "server.crt")
    #expect(tls.keyFile == "server.key")
    #expect(tls.clientAuthType == .requireAndVerifyClientCert)
    #expect(tls.clientCAFile == "ca.crt")
    #expect(tls.minVersion == .tls12)
    #expect(tls.maxVersion == .tls13)
    #expect(config.basicAuthUsers == ["prometheus": samplePasswordHash])
    #expect(config.httpServerConfig?.headers == ["X-Frame-Options": "deny"])
    #expect(config.httpServerConfig?.http2 == true)
}

@Test func tlsDefaults() throws {
    let config = try ConfigLoader.decode(WebConfig.self, yaml: "tls_server_config:\n  cert: PEM\n  key: PEM\n")
    let tls = try #require(config.tlsServerConfig)
    #expect(tls.clientAuthType == .noClientCert)
    #expect(tls.minVersion == .tls12)
    #expect(tls.maxVersion == nil)
    #expect(tls.clientCAFile == nil)
}

@Test(arguments: ["", "\n", "# only a comment\n"])
func emptyWebConfigIsDefaults(yaml: String) throws {
    #expect(try ConfigLoader.decode(WebConfig.self, yaml: yaml) == WebConfig())
}

@Test func unknownNestedKeyNamesPath() throws {
    let e = try #require(webConfigError("tls_server_config:\n  cert_fil: a\n  key_file: b\n"))
    #expect(e.keyPath == "tls_server_config.cert_fil")
    #expect(e.message.contains("cert_file, key_file, cert, key, client_ca_file, client_auth_type"))
    #expect(e.description.hasPrefix("web.yml: tls_server_config.cert_fil: unknown key"))
}

@Test func unknownTopLevelAndHTTPServerKeys() throws {
    #expect(webConfigError("basic_auth_user: {}\n")?.keyPath == "basic_auth_user")
    #expect(webConfigError("http_server_config:\n  header: {}\n")?.keyPath == "http_server_config.header")
}

@Test func wrongTypesNameKeyPath() throws {
    let users = try #require(webConfigError("basic_auth_users: [a, b]\n"))
    #expect(users.keyPath == "basic_auth_users")
    #expect(users.message.hasPrefix("expected a mapping"))
    let http2 = try #require(webConfigError("http_server_config:\n  http2: sometimes\n"))
    #expect(http2.keyPath == "http_server_config.http2")
    #expect(http2.message == "expected true or false")
    let tls = try #require(webConfigError("tls_server_config: yes\n"))
    #expect(tls.keyPath == "tls_server_config")
}

@Test func invalidEnumListsExpectedValues() throws {
    let e = try #require(
        webConfigError("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireCert\n"))
    #expect(e.keyPath == "tls_server_config.client_auth_type")
    #expect(
        e.message == "unknown value \"RequireCert\" (expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
            + "VerifyClientCertIfGiven, RequireAndVerifyClientCert)")
    let v = try #require(webConfigError("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS1.2\n"))
    #expect(v.keyPath == "tls_server_config.min_version")
    #expect(v.message == "unknown value \"TLS1.2\" (expected TLS10, TLS11, TLS12, TLS13)")
}

@Test func emptyEnumStringMeansDefault() throws {
    let c = try ConfigLoader.decode(
        WebConfig.self, yaml: "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: \"\"\n")
    #expect(c.tlsServerConfig?.clientAuthType == .noClientCert)
}

@Test func clientCAWithoutClientAuthTypeIsRejected() throws {
    let e = try #require(webConfigError("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca\n"))
    #expect(e.keyPath == "tls_server_config.client_auth_type")
    #expect(e.message.contains("NoClientCert"))
}

@Test(arguments: ["VerifyClientCertIfGiven", "RequireAndVerifyClientCert"])
func verifyingClientAuthNeedsCA(mode: String) throws {
    let e = try #require(
        webConfigError("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: \(mode)\n"))
    #expect(e.keyPath == "tls_server_config.client_ca_file")
    #expect(e.message == "required when client_auth_type is \(mode)")
}

@Test(arguments: ["RequestClientCert", "RequireAnyClientCert"])
func nonVerifyingClientAuthNeedsNoCA(mode: String) throws {
    let c = try ConfigLoader.decode(
        WebConfig.self, yaml: "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: \(mode)\n")
    #expect(c.tlsServerConfig?.clientAuthType.rawValue == mode)
}

@Test func maxVersionBelowMinVersionIsRejected() throws {
    let e = try #require(
        webConfigError(
            "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n"))
    #expect(e.keyPath == "tls_server_config.max_version")
    #expect(e.message == "TLS12 is below min_version TLS13")
    // Equal is fine.
    #expect(
        webConfigError(
            "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS13\n")
            == nil)
}

@Test func certAndKeyAreRequiredAndExclusive() throws {
    #expect(webConfigError("tls_server_config:\n  key_file: b\n")?.keyPath == "tls_server_config.cert_file")
    #expect(webConfigError("tls_server_config:\n  cert_file: a\n")?.keyPath == "tls_server_config.key_file")
    #expect(
        webConfigError("tls_server_config:\n  cert_file: a\n  cert: x\n  key_file: b\n")?.keyPath
            == "tls_server_config.cert")
    #expect(
        webConfigError("tls_server_config:\n  cert_file: a\n  key: x\n  key_file: b\n")?.keyPath
            == "tls_server_config.key")
}

@Test(
    arguments: [
        "plaintext", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "$apr1$abc$defghijklmnopqrstuvwx.",
        "$2x$04$GkX70iWvsDAg9jMf4kiMgehk2Iwht9IzEUjRYTHQznFBpj4L3e5JK", "$2y$04$tooShort",
    ])
func nonBcryptHashIsRejected(hash: String) throws {
    let e = try #require(webConfigError("basic_auth_users:\n  alice: '\(hash)'\n"))
    #expect(e.keyPath == "basic_auth_users.alice")
    #expect(e.message.hasPrefix("not a bcrypt hash"))
}

@Test(arguments: ["$2a$", "$2b$", "$2y$"])
func bcryptVariantsAreAccepted(prefix: String) throws {
    let hash = prefix + samplePasswordHash.dropFirst(4)
    let c = try ConfigLoader.decode(WebConfig.self, yaml: "basic_auth_users:\n  alice: '\(hash)'\n")
    #expect(c.basicAuthUsers["alice"] == hash)
}

@Test func userNameWithColonIsRejected() throws {
    let e = try #require(webConfigError("basic_auth_users:\n  'a:b': '\(samplePasswordHash)'\n"))
    #expect(e.keyPath == "basic_auth_users")
    #expect(e.message.contains("a:b"))
}

@Test func invalidWebConfigYAML() throws {
    let e = try #require(webConfigError("tls_server_config:\n  cert_file: [\n"))
    #expect(e.message.hasPrefix("invalid YAML"))
}

@Test func versionOrdering() {
    #expect(TLSServerConfig.Version.tls10 < .tls11)
    #expect(TLSServerConfig.Version.tls12 < .tls13)
    #expect(!(TLSServerConfig.Version.tls13 < .tls13))
}

/// A CR or LF in a configured header value ends the header block early: every response would be broken (or carry
/// injected headers). Such values, invalid names and headers the server sets itself are refused at load.
@Test(
    arguments: [
        ("X-Frame-Options: \"deny\\r\\nX-Evil: 1\"", "X-Frame-Options", "control character"),
        ("X-Note: \"line\\nbreak\"", "X-Note", "control character"),
        ("X-Nul: \"a\\0b\"", "X-Nul", "control character"),
        ("\"Bad Name\": x", "Bad Name", "not a valid HTTP header name"),
        ("\"X-A:B\": x", "X-A:B", "not a valid HTTP header name"),
        ("Content-Length: \"0\"", "Content-Length", "set by the server"),
        ("transfer-encoding: chunked", "transfer-encoding", "set by the server"),
    ])
func badResponseHeadersAreRefused(line: String, name: String, message: String) throws {
    let e = try #require(webConfigError("http_server_config:\n  headers:\n    \(line)\n"))
    #expect(e.keyPath == "http_server_config.headers.\(name)")
    #expect(e.message.contains(message), "\(e.message)")
}

@Test func ordinaryResponseHeadersAreAccepted() throws {
    let yaml = """
        http_server_config:
          headers:
            Strict-Transport-Security: "max-age=31536000; includeSubDomains"
            Content-Security-Policy: "default-src 'self'\tframe-ancestors 'none'"
            X-Content-Type-Options: nosniff
        """
    let config = try ConfigLoader.decode(WebConfig.self, yaml: yaml)
    #expect(config.httpServerConfig?.headers.count == 3)
}

/// bcrypt's cost is 4..31; `$2y$99$` was accepted and each check would have pinned a core for ever.
@Test(arguments: ["99", "32", "03", "00", "ab"])
func bcryptCostOutsideRangeIsRefused(cost: String) throws {
    let hash = "$2y$\(cost)$" + samplePasswordHash.dropFirst(7)
    let e = try #require(webConfigError("basic_auth_users:\n  alice: '\(hash)'\n"))
    #expect(e.keyPath == "basic_auth_users.alice")
    #expect(e.message.contains("outside 4..31"), "\(e.message)")
}

@Test func bcryptCostAtTheBoundsIsAccepted() throws {
    for cost in ["04", "31"] {
        let hash = "$2y$\(cost)$" + samplePasswordHash.dropFirst(7)
        #expect(webConfigError("basic_auth_users:\n  alice: '\(hash)'\n") == nil, "\(cost)")
    }
}

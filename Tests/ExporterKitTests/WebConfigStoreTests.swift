import Foundation
import Testing

@testable import ExporterKit

private func basic(_ user: String, _ password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
}

private func isFailure(_ r: Result<Void, ConfigError>?) -> Bool {
    if case .failure = r { return true }
    return false
}

private func isSuccess(_ r: Result<Void, ConfigError>?) -> Bool {
    if case .success = r { return true }
    return false
}

private let tlsYAML = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"

@Test func noFileMeansOpenPlainHTTP() throws {
    let store = try WebConfigStore(path: nil)
    #expect(!store.usesTLS)
    #expect(!store.active.authenticator.isEnabled)
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)
    #expect(isSuccess(store.reload(logger: quietLogger)))
}

@Test func startupErrorsNameFileAndKey() throws {
    let dir = try TempDir()
    let path = try dir.write("web.yml", "tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n")
    do {
        _ = try WebConfigStore(path: path)
        Issue.record("expected an error")
    } catch {
        #expect(error.file == path)
        #expect(error.keyPath == "tls_server_config.cert_file")
        #expect(error.message.hasPrefix("cannot load certificate"))
    }
    #expect(throws: ConfigError.self) { try WebConfigStore(path: dir.file("absent.yml")) }
}

@Test func badKeyFileNamesKeyFile() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    try dir.write("server.key", "not a key\n")
    let path = try dir.write("web.yml", tlsYAML)
    do {
        _ = try WebConfigStore(path: path)
        Issue.record("expected an error")
    } catch {
        #expect(error.keyPath == "tls_server_config.key_file")
    }
}

@Test func missingClientCANamesClientCAFile() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    let path = try dir.write(
        "web.yml", tlsYAML + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope.crt\n")
    do {
        _ = try WebConfigStore(path: path)
        Issue.record("expected an error")
    } catch {
        #expect(error.keyPath == "tls_server_config.client_ca_file")
    }
}

@Test func inlinePEMAndRelativePaths() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    let cert = try String(contentsOfFile: dir.file("server.crt"), encoding: .utf8)
    let indented = cert.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
    let path = try dir.write("web.yml", "tls_server_config:\n  cert: |\n\(indented)\n  key_file: server.key\n")
    let store = try WebConfigStore(path: path)
    #expect(store.usesTLS)
    #expect(WebConfigStore.resolve("a.crt", baseDir: "/etc/x") == "/etc/x/a.crt")
    #expect(WebConfigStore.resolve("/abs/a.crt", baseDir: "/etc/x") == "/abs/a.crt")
    #expect(WebConfigStore.dirname(of: "web.yml") == ".")
    #expect(WebConfigStore.dirname(of: "/web.yml") == "/")
    #expect(WebConfigStore.dirname(of: "/etc/x/web.yml") == "/etc/x")
}

@Test func reloadPicksUpNewUsersAndKeepsOldConfigOnError() throws {
    let dir = try TempDir()
    let path = try dir.write("web.yml", "basic_auth_users:\n  a: '\(samplePasswordHash)'\n")
    let store = try WebConfigStore(path: path)
    #expect(store.active.authenticator.authorize(header: basic("a", "pw")))
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)

    try "basic_auth_users:\n  b: '\(samplePasswordHash)'\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(isSuccess(store.reloadIfChanged(logger: quietLogger)))
    #expect(!store.active.authenticator.authorize(header: basic("a", "pw")))
    #expect(store.active.authenticator.authorize(header: basic("b", "pw")))
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)

    try "basic_auth_users:\n  b: plaintext\n".write(toFile: path, atomically: true, encoding: .utf8)
    let failed = store.reloadIfChanged(logger: quietLogger)
    #expect(isFailure(failed))
    #expect(store.active.authenticator.authorize(header: basic("b", "pw")))
    // The bad file is reported once, not on every poll.
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)
}

@Test func tlsCertificateRotationIsPickedUp() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    let path = try dir.write("web.yml", tlsYAML)
    let store = try WebConfigStore(path: path)
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)
    try makeSelfSignedCert(in: dir, name: "server")
    #expect(isSuccess(store.reloadIfChanged(logger: quietLogger)))
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)
}

/// WebConfigStore.reload (error path) stores the fingerprint of `watchedFiles(path:config: nil)` (the YAML file
/// only), but reloadIfChanged compares it with `watchedFiles(path:config: active.config)`, which also lists the
/// certificate files when TLS is on. The lists never match, so a broken file under TLS is re-read and logged on
/// every poll, and each poll records a failed reload.
@Test func brokenFileUnderTLSIsReportedOnce() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    let path = try dir.write("web.yml", tlsYAML)
    let store = try WebConfigStore(path: path)
    try "tls_server_config: [broken\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(isFailure(store.reloadIfChanged(logger: quietLogger)))
    #expect(store.usesTLS)
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)
}

@Test func tlsCannotBeSwitchedOffByReload() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    let path = try dir.write("web.yml", tlsYAML)
    let store = try WebConfigStore(path: path)
    try "basic_auth_users:\n  a: '\(samplePasswordHash)'\n".write(toFile: path, atomically: true, encoding: .utf8)
    let result = store.reload(logger: quietLogger)
    guard case .failure(let error) = result else {
        Issue.record("expected a failure, got \(result)")
        return
    }
    #expect(error.keyPath == "tls_server_config")
    #expect(store.usesTLS)
    #expect(!store.active.authenticator.isEnabled)
}

@Test func tlsCannotBeSwitchedOnByReload() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    let path = try dir.write("web.yml", "{}\n")
    let store = try WebConfigStore(path: path)
    #expect(!store.usesTLS)
    try tlsYAML.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(isFailure(store.reloadIfChanged(logger: quietLogger)))
    #expect(!store.usesTLS)
    // Refused once; not again on every poll.
    #expect(store.reloadIfChanged(logger: quietLogger) == nil)
}

@Test func fingerprintChangesWithContentAndMarksMissingFiles() throws {
    let dir = try TempDir()
    let path = try dir.write("a", "one")
    let before = WebConfigStore.fingerprint(of: [path, dir.file("missing")])
    #expect(before[1] == dir.file("missing") + ":missing")
    try "two!".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(WebConfigStore.fingerprint(of: [path, dir.file("missing")]) != before)
}

/// A truncated write by config management leaves an empty file; read as "no settings" it would turn basic auth off
/// and open every endpoint. It is an error: the start fails, a reload keeps the running config.
@Test(arguments: ["", "\n  \n", "# managed by puppet\n", "---\n"])
func emptyFileIsAnErrorNotOpenAccess(text: String) throws {
    let dir = try TempDir()
    let empty = try dir.write("empty.yml", text)
    do {
        _ = try WebConfigStore(path: empty)
        Issue.record("an empty web config was accepted at startup")
    } catch {
        #expect(error.file == empty)
        #expect(error.message.contains("empty"))
    }
    let path = try dir.write("web.yml", "basic_auth_users:\n  a: '\(samplePasswordHash)'\n")
    let store = try WebConfigStore(path: path)
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    let log = RecordedLog()
    let result = store.reload(logger: log.logger)
    guard case .failure(let error) = result else {
        Issue.record("reload of an empty file succeeded")
        return
    }
    #expect(error.message.contains("empty"))
    #expect(store.active.authenticator.isEnabled)
    #expect(!store.active.authenticator.authorize(header: nil))
    #expect(log.lines.contains { $0.hasPrefix("error ") && $0.contains("keeping the running config") })
    // `{}` says "no auth" on purpose: accepted, and loudly logged.
    try "{}\n".write(toFile: path, atomically: false, encoding: .utf8)
    #expect(isSuccess(store.reload(logger: log.logger)))
    #expect(!store.active.authenticator.isEnabled)
    #expect(log.lines.contains { $0.hasPrefix("warning ") && $0.contains("basic auth OFF") })
}

@Test func reloadDroppingClientCertificatesIsLoggedAsAWarning() throws {
    let dir = try TempDir()
    try makeSelfSignedCert(in: dir, name: "server")
    let required = tlsYAML + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: server.crt\n"
    let path = try dir.write("web.yml", required)
    let store = try WebConfigStore(path: path)
    let log = RecordedLog()
    try (tlsYAML + "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: server.crt\n").write(
        toFile: path, atomically: false, encoding: .utf8)
    #expect(isSuccess(store.reload(logger: log.logger)))
    #expect(log.lines.contains { $0.hasPrefix("warning ") && $0.contains("no longer requires client certificates") })
    // An unchanged policy is not a warning.
    let quiet = RecordedLog()
    #expect(isSuccess(store.reload(logger: quiet.logger)))
    #expect(!quiet.lines.contains { $0.hasPrefix("warning ") })
}

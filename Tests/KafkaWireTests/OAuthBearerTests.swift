import ExporterBase
import Foundation
import Synchronization
import Testing

@testable import KafkaWire

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - OAUTHBEARER session (RFC 7628, KIP-255, KIP-342)

private let A = "\u{1}"

@Test func oauthClientFirstMessageWithoutExtensions() throws {
    var s = try OAuthBearerSession(token: Secret("eyJhbGc.eyJzdWI.c2ln"))
    #expect(s.mechanism == "OAUTHBEARER")
    #expect(try s.start() == Array("n,,\(A)auth=Bearer eyJhbGc.eyJzdWI.c2ln\(A)\(A)".utf8))
    #expect(try s.respond(to: []) == nil)
}

@Test func oauthClientFirstMessageWithSortedExtensions() throws {
    var s = try OAuthBearerSession(
        token: Secret("tok-1_~+/=="), extensions: ["traceId": "a b=c", "logicalCluster": "lkc-1", "Z": "z"])
    let expected = "n,,\(A)auth=Bearer tok-1_~+/==\(A)Z=z\(A)logicalCluster=lkc-1\(A)traceId=a b=c\(A)\(A)"
    #expect(try s.start() == Array(expected.utf8))
    #expect(try s.respond(to: []) == nil)
}

@Test func oauthInvalidExtensionsAndTokensAreRejected() {
    for key in ["auth", "a1", "", "log_cluster", "é"] {
        #expect(throws: SASLError.self) { try OAuthBearerSession(token: Secret("t"), extensions: [key: "v"]) }
    }
    for value in ["", "a\u{1}b", "é", "a\u{0}"] {
        #expect(throws: SASLError.self) { try OAuthBearerSession(token: Secret("t"), extensions: ["k": value]) }
    }
    for token in ["", "has space", "tok\u{1}en", "=abc", "a=b"] {
        do {
            _ = try OAuthBearerSession(token: Secret(token))
            Issue.record("token accepted: \(token.debugDescription)")
        } catch {
            #expect(token.isEmpty || !error.description.contains(token))
        }
    }
}

@Test func oauthServerErrorIsAnsweredWithKvsepThenFails() throws {
    let token = "secret-token-value"
    var s = try OAuthBearerSession(token: Secret(token))
    _ = try s.start()
    let json = #"{"status":"invalid_token","scope":"kafka","openid-configuration":"https://idp/.well-known"}"#
    #expect(try s.respond(to: Array(json.utf8)) == [0x01])
    do {
        _ = try s.respond(to: [])
        Issue.record("the exchange succeeded after an error")
    } catch {
        #expect(error.description.contains("invalid_token"))
        #expect(error.description.contains("kafka"))
        #expect(!error.description.contains(token))
    }
    // Nothing more is expected once the exchange failed.
    #expect(throws: SASLError.self) { try s.respond(to: []) }

    var t = try OAuthBearerSession(token: Secret(token))
    _ = try t.start()
    #expect(try t.respond(to: Array("not json".utf8)) == [0x01])
    #expect(throws: SASLError("the server rejected the OAuth token (its error message is not valid JSON)")) {
        try t.respond(to: [])
    }
}

@Test func oauthTokenNeverInDescriptions() throws {
    let token = "very-secret-token"
    let session = try OAuthBearerSession(token: Secret(token), extensions: ["logicalCluster": "lkc"])
    for text in ["\(session)", String(reflecting: session), "\(session.token)"] {
        #expect(!text.contains(token))
    }
    let provider = try OAuthTokenProvider(config: try oauthConfig(["token": token]))
    #expect(!"\(provider)".contains(token))
}

// MARK: - Wiring and static tokens

private func oauthConfig(_ settings: [String: Any]) throws -> OAuthBearerConfig {
    let json = try JSONSerialization.data(withJSONObject: ["mechanism": "OAUTHBEARER", "oauthbearer": settings])
    let sasl = try ConfigLoader.decode(SASLConfig.self, yaml: String(decoding: json, as: UTF8.self))
    return try #require(sasl.oauth)
}

@Test func saslSessionsUseTheContextProvider() async throws {
    let json = #"{"mechanism": "OAUTHBEARER", "oauthbearer": {"token": "abc", "extensions": {"x": "1"}}}"#
    let config = try ConfigLoader.decode(SASLConfig.self, yaml: json)
    let context = try SASLContext(config: config)
    #expect(context.oauthTokenProvider != nil)
    #expect(try SASLContext(config: nil).oauthTokenProvider == nil)
    for ctx in [context, SASLContext()] {
        var session = try await SASLSessions.make(config, host: "b:9092", context: ctx)
        #expect(session.mechanism == "OAUTHBEARER")
        #expect(try session.start() == Array("n,,\(A)auth=Bearer abc\(A)x=1\(A)\(A)".utf8))
    }
}

@Test func staticTokenFromEnvironment() async throws {
    let name = "KAFKAWIRE_TEST_OAUTH_TOKEN_\(getpid())"
    setenv(name, "env-token", 1)
    defer { unsetenv(name) }
    let provider = try OAuthTokenProvider(config: try oauthConfig(["token_env": name]))
    #expect(try await provider.token() == Secret("env-token"))
}

@Test func tokenFileIsRereadWhenItChanges() async throws {
    let dir = try makeTempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/token"
    try "first-token\n".write(toFile: path, atomically: false, encoding: .utf8)
    let provider = try OAuthTokenProvider(config: try oauthConfig(["token_file": path]))
    #expect(try await provider.token() == Secret("first-token"))
    #expect(try await provider.token() == Secret("first-token"))
    // In place, another size.
    try "second-token-longer".write(toFile: path, atomically: false, encoding: .utf8)
    #expect(try await provider.token() == Secret("second-token-longer"))
    // Atomic replacement with the same size (new inode), as Kubernetes rotates projected tokens.
    try "THIRD-TOKEN-LONGER\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try await provider.token() == Secret("THIRD-TOKEN-LONGER"))
    try FileManager.default.removeItem(atPath: path)
    do {
        _ = try await provider.token()
        Issue.record("a missing token file was accepted")
    } catch {
        #expect(error.description.contains(path))
    }
}

@Test func jwtExpiryAndFormEncoding() {
    func b64url(_ s: String) -> String {
        Data(s.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    let jwt = b64url(#"{"alg":"none"}"#) + "." + b64url(#"{"sub":"me","exp":1700000000}"#) + ".c2ln"
    #expect(OAuthTokenProvider.jwtExpiry(jwt) == 1_700_000_000)
    #expect(OAuthTokenProvider.jwtExpiry("opaque-token") == nil)
    #expect(OAuthTokenProvider.jwtExpiry(b64url(#"{"a":1}"#) + "." + b64url(#"{"sub":"me"}"#) + ".x") == nil)
    #expect(OAuthTokenProvider.formEncode("s3:cr%t &x/é") == "s3%3Acr%25t+%26x%2F%C3%A9")
    #expect(OAuthTokenProvider.formEncode("Az09-._*") == "Az09-._*")
}

// MARK: - Token endpoint against an independent HTTP server (Python http.server)

private let clientId = "exporter id"
private let clientSecret = "s3:cr%t &x"
private let scope = "kafka read"

private func endpointConfig(_ url: String, secret: String = clientSecret, caFile: String? = nil) throws
    -> OAuthBearerConfig
{
    var settings: [String: Any] = [
        "token_endpoint": url, "client_id": clientId, "client_secret": secret, "scope": scope,
    ]
    if let caFile { settings["ca_file"] = caFile }
    return try oauthConfig(settings)
}

@Test func endpointTokenIsFetchedAndCached() async throws {
    try await withTokenServer { server in
        let provider = try OAuthTokenProvider(config: try endpointConfig(server.url("/token")))
        let first = try await provider.token()
        #expect(first.value.hasPrefix("tok-") && first.value.hasSuffix("-token"))
        #expect(try await provider.token() == first)
        #expect(try await provider.makeSession().token == first)
        #expect(try await server.counts()["/token"] == 1)
        #expect(provider.endpointFetches == 1)

        // Concurrent logins share one request; a chunked response is decoded.
        let chunked = try OAuthTokenProvider(config: try endpointConfig(server.url("/chunked")))
        let tokens = try await withThrowingTaskGroup(of: Secret.self) { group in
            for _ in 0..<8 { group.addTask { try await chunked.token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1.value) }
        }
        #expect(tokens.count == 1 && tokens.first?.hasSuffix("-chunked") == true)
        #expect(try await server.counts()["/chunked"] == 1)
    }
}

@Test func endpointErrorsAreClearAndSecretFree() async throws {
    try await withTokenServer { server in
        func failure(_ path: String, secret: String = clientSecret, timeout: Duration = .seconds(10)) async throws
            -> String
        {
            let provider = try OAuthTokenProvider(
                config: try endpointConfig(server.url(path), secret: secret), timeout: timeout)
            do {
                let token = try await provider.token()
                Issue.record("\(path): got a token of \(token.value.count) characters")
                return ""
            } catch {
                #expect(!error.description.contains(secret))
                #expect(!error.description.contains("tok-"))
                #expect(error.description.contains(server.url(path)))
                return error.description
            }
        }
        let wrongSecret = "wrong-secret-value"
        let unauthorized = try await failure("/token", secret: wrongSecret)
        #expect(unauthorized.contains("HTTP 401") && unauthorized.contains("invalid_client"))
        #expect(try await failure("/garbage").contains("did not answer with a JSON object"))
        #expect(try await failure("/mac").contains("not Bearer"))
        #expect(try await failure("/big").contains("larger than 1048576 bytes"))
        #expect(try await failure("/missing").contains("HTTP 404"))
        let start = ContinuousClock.now
        let slow = try await failure("/slow", timeout: .seconds(1))
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(slow.contains("no complete answer within"))
    }
}

@Test func endpointNotListeningFailsWithinTheTimeout() async throws {
    // A port that was just free: start a server, note its port, stop it. (A server that
    // accepts but never answers is endpointErrorsAreClearAndSecretFree's /slow.)
    let port = try await withTokenServer { $0.port }
    for url in ["http://127.0.0.1:\(port)/token"] {
        let provider = try OAuthTokenProvider(config: try endpointConfig(url), timeout: .seconds(1))
        let start = ContinuousClock.now
        do {
            _ = try await provider.token()
            Issue.record("\(url): got a token")
        } catch {
            #expect(error.description.contains(url))
            #expect(error.description.contains("cannot connect"))
            #expect(!error.description.contains(clientSecret))
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }
}

@Test func shortLivedTokensAreRefetched() async throws {
    try await withTokenServer { server in
        // expires_in 1: cached for 0.8 s.
        let provider = try OAuthTokenProvider(config: try endpointConfig(server.url("/short")))
        let first = try await provider.token()
        #expect(try await provider.token() == first)
        try await Task.sleep(for: .milliseconds(1100))
        let second = try await provider.token()
        #expect(second != first)
        #expect(try await server.counts()["/short"] == 2)

        // No expires_in: the JWT exp claim (2 s ahead) decides.
        let jwt = try OAuthTokenProvider(config: try endpointConfig(server.url("/jwt")))
        let a = try await jwt.token()
        #expect(a.value.split(separator: ".").count == 3)
        #expect(try await jwt.token() == a)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await jwt.token() != a)
        #expect(try await server.counts()["/jwt"] == 2)
    }
}

@Test func endpointOverHTTPSWithCAFile() async throws {
    let dir = try makeTempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try await makeCertificates(in: dir)
    try await withTokenServer(tls: (dir + "/server.pem", dir + "/server.key")) { server in
        let url = "https://localhost:\(server.port)/token"
        let provider = try OAuthTokenProvider(config: try endpointConfig(url, caFile: dir + "/ca.pem"))
        #expect(try await provider.token().value.hasSuffix("-token"))
        #expect(try await server.counts()["/token"] == 1)

        // Without the CA, the system roots do not trust the server.
        let untrusted = try OAuthTokenProvider(config: try endpointConfig(url), timeout: .seconds(5))
        do {
            _ = try await untrusted.token()
            Issue.record("an untrusted certificate was accepted")
        } catch {
            #expect("\(error)".contains("not trusted"))
            #expect("\(error)".contains("https://localhost:\(server.port)/token"))
        }
    }
    // A CA file that does not exist is a config error.
    #expect(throws: ConfigError.self) {
        try OAuthTokenProvider(config: try endpointConfig("https://idp/token", caFile: dir + "/none.pem"))
    }
}

// MARK: - Helpers: the Python peer, run off the cooperative pool

struct PeerTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out: \(what)" }
}

/// Runs blocking work on a thread of its own, never on Swift's cooperative pool; waits at most
/// `timeout` (the thread is left to finish; callers kill the process it waits on).
private func offPool<T: Sendable>(
    _ what: String, timeout: Duration = .seconds(20), _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    let slot = ContinuationSlot<T>()
    return try await withCheckedThrowingContinuation { continuation in
        slot.set(continuation)
        let thread = Thread {
            let result = Result { try body() }
            slot.take()?.resume(with: result)
        }
        thread.start()
        Task {
            try? await Task.sleep(for: timeout)
            slot.take()?.resume(throwing: PeerTimeout(what: what))
        }
    }
}

/// A continuation resumed exactly once, by whichever comes first.
private final class ContinuationSlot<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func set(_ c: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = c } }
    func take() -> CheckedContinuation<T, any Error>? { continuation.withLock { $0.take() } }
}

private func makeTempDir() throws -> String {
    let path = NSTemporaryDirectory() + "oauth-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The token server process (Peers/oauth_token_server.py) on a free loopback port.
private final class TokenServer: @unchecked Sendable {
    let process: Process
    let port: Int
    let dir: String
    /// The server's stdin: it exits when this closes (the test process ended).
    let stdin: Pipe

    init(process: Process, port: Int, dir: String, stdin: Pipe) {
        self.process = process
        self.port = port
        self.dir = dir
        self.stdin = stdin
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Requests per path, as the server recorded them.
    func counts() async throws -> [String: Int] {
        let file = dir + "/counts.json"
        return try await offPool("reading \(file)", timeout: .seconds(5)) {
            guard let data = FileManager.default.contents(atPath: file) else { return [:] }
            return (try JSONSerialization.jsonObject(with: data) as? [String: Int]) ?? [:]
        }
    }

    static func start(tls: (cert: String, key: String)?) async throws -> TokenServer {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Peers/oauth_token_server.py").path
        let dir = try makeTempDir()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script, clientId, clientSecret, scope, dir + "/counts.json"]
            + (tls.map { [$0.cert, $0.key] } ?? [])
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        let handle = stdout.fileHandleForReading
        let box = UncheckedBox(process)
        try await offPool("starting the token server") { try box.value.run() }
        let line: String?
        do {
            line = try await offPool("waiting for the token server's port", timeout: .seconds(15)) {
                readLine(handle.fileDescriptor)
            }
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw error
        }
        guard let line, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            throw PeerTimeout(what: "the token server did not print its port (got \(line ?? "nothing"))")
        }
        return TokenServer(process: process, port: port, dir: dir, stdin: stdin)
    }

    /// SIGKILL: children of the test process inherit a signal mask that blocks SIGTERM.
    func stop() async {
        kill(process.processIdentifier, SIGKILL)
        let box = UncheckedBox(process)
        _ = try? await offPool("stopping the token server", timeout: .seconds(10)) { box.value.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dir)
    }
}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One line from a file descriptor (blocking), without the newline; nil at end of file.
private func readLine(_ fd: Int32) -> String? {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    while read(fd, &byte, 1) == 1 {
        if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
        bytes.append(byte)
    }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
}

/// Starts the server, runs `body`, and stops the server by pid whatever happened.
private func withTokenServer<T: Sendable>(
    tls: (cert: String, key: String)? = nil, _ body: (TokenServer) async throws -> T
) async throws -> T {
    let server = try await TokenServer.start(tls: tls)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A CA and a server certificate for localhost / 127.0.0.1, made by the openssl command.
private func makeCertificates(in dir: String) async throws {
    try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(
        toFile: dir + "/ext.cnf", atomically: false, encoding: .utf8)
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    let steps: [[String]] = [
        ["req", "-x509"] + ec + [
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=KafkaWire test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ],
        ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
        [
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
        ],
    ]
    for args in steps {
        let status = try await offPool("openssl \(args[0])", timeout: .seconds(30)) { () throws -> Int32 in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["openssl"] + args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
        #expect(status == 0, "openssl \(args.joined(separator: " ")) failed")
    }
}

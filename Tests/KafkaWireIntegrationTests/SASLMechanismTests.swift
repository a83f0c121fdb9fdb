import Foundation
import TestSupport
import Testing

@testable import KafkaWire

/// SASL PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER through Kafka's own exchange (ApiVersions,
/// SaslHandshake, SaslAuthenticate), against server sides KafkaWire did not write: a Kafka SASL
/// front (Peers/sasl_kafka_front.py) runs PyPI pysasl's PLAIN server, PyPI scramp's SCRAM server
/// and an RFC 7628 parser of its own, answers failures with Kafka's wording, and relays to a real
/// broker (Tansu) once the login succeeds. librdkafka logging in through the same front shows
/// that the front behaves as a Kafka broker. Nothing here skips: a missing package fails the
/// test, naming it.
@Suite struct SASLMechanismTests {
    /// '=' and ',' must be escaped in a SCRAM user name (RFC 5802 saslname).
    static let user = "svc=mon,itor"
    static let password = "pässwörd 1"
    static let passwordMechanisms: [SASLConfig.Mechanism] = [.plain, .scramSHA256, .scramSHA512]

    @Test(arguments: passwordMechanisms)
    func passwordLoginReachesTheBrokerAndRenewsTheSession(mechanism: SASLConfig.Mechanism) async throws {
        // 3 s sessions (KIP-368): the broker drops a connection used after that.
        let front = try await SASLFront.start(sessionLifetimeMs: 3000)
        defer { front.stop() }
        let c = try client(front.bootstrap, sasl: passwordConfig(mechanism, password: Self.password))
        // The broker auto-creates the topic named in this Metadata request: it went through
        // the authenticated connection (the broker advertises only the front).
        let topic = "sasl-\(mechanism.rawValue.lowercased())"
        _ = try await c.sendToAnyBroker(MetadataRequest(topics: [.init(name: topic)], allowAutoTopicCreation: true))
        let m = try await c.refreshMetadata()
        #expect(m.brokers.values.first?.port == front.port)
        #expect(m.topics[topic].map { !$0.partitions.isEmpty } == true, "\(m.topics)")
        try await expectRenewal(of: c, front: front)
        for e in try front.events() {
            #expect(e.event == "authenticated", "\(e)")
            #expect(e.mechanism == mechanism.rawValue, "\(e)")
            #expect(e.principal == Self.user, "\(e)")
            #expect(e.sessionLifetimeMs == 3000, "\(e)")
        }
        await c.close()
    }

    @Test(arguments: passwordMechanisms)
    func wrongPasswordOrUserIsRefusedClearly(mechanism: SASLConfig.Mechanism) async throws {
        let front = try await SASLFront.start()
        defer { front.stop() }
        // Kafka sends PLAIN's own message, and for SCRAM a generic one (never the server's reason).
        let kafkaWording =
            mechanism == .plain
            ? "Authentication failed: Invalid username or password"
            : "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                + mechanism.rawValue
        let wrong = "not-the-pässwörd-7"
        let badPassword = try await failure(
            of: client(front.bootstrap, sasl: passwordConfig(mechanism, password: wrong)), mechanism)
        let badUser = try await failure(
            of: client(front.bootstrap, sasl: passwordConfig(mechanism, user: "nobody", password: Self.password)),
            mechanism)
        for text in [badPassword, badUser] {
            #expect(text.contains(kafkaWording), "\(text)")
            #expect(text.contains("SASL_AUTHENTICATION_FAILED"), "\(text)")
            #expect(!text.contains(wrong) && !text.contains(Self.password), "\(text)")
        }
        // One refused login each: an authentication error is not retried.
        let events = try front.events()
        #expect(events.map(\.event) == ["failed", "failed"], "\(events)")
    }

    @Test func oauthBearerLoginWithExtensionsReachesTheBrokerAndRenews() async throws {
        let front = try await SASLFront.start(sessionLifetimeMs: 3000)
        defer { front.stop() }
        let token = unsecuredJWT(subject: "monitor", expiresIn: 3600)
        let extensions = ["logicalCluster": "lkc-test", "identityPoolId": "pool-1"]
        let c = try client(
            front.bootstrap, sasl: oauthConfig(["token": token, "extensions": extensions]))
        _ = try await c.sendToAnyBroker(
            MetadataRequest(topics: [.init(name: "sasl-oauthbearer")], allowAutoTopicCreation: true))
        let m = try await c.refreshMetadata()
        #expect(m.topics["sasl-oauthbearer"].map { !$0.partitions.isEmpty } == true, "\(m.topics)")
        try await expectRenewal(of: c, front: front)
        let events = try front.events()
        for e in events {
            #expect(e.event == "authenticated", "\(e)")
            #expect(e.mechanism == "OAUTHBEARER", "\(e)")
            #expect(e.principal == "monitor", "\(e)")
            #expect(e.authzid == "", "\(e)")
            #expect(e.extensions == extensions, "\(e)")
        }
        #expect(Set(events.compactMap(\.tokenSHA256)).count == 1, "one static token: \(events)")
        await c.close()
    }

    @Test func unknownOrExpiredTokenIsRefusedClearly() async throws {
        let front = try await SASLFront.start()
        defer { front.stop() }
        let unknown = "opaque-token-nobody-issued"
        let expired = unsecuredJWT(subject: "monitor", expiresIn: -60)
        for token in [unknown, expired] {
            let text = try await failure(of: client(front.bootstrap, sasl: oauthConfig(["token": token])), .oauthBearer)
            // Kafka's OAuthBearerSaslServer: the RFC 7628 error status, then SASL_AUTHENTICATION_FAILED.
            #expect(text.contains("invalid_token"), "\(text)")
            #expect(text.contains("SASL_AUTHENTICATION_FAILED"), "\(text)")
            #expect(!text.contains(token), "\(text)")
        }
        let events = try front.events()
        #expect(events.map(\.event) == ["failed", "failed"], "\(events)")
        #expect(events.first?.error == "unknown opaque token", "\(events)")
        #expect(events.last?.error?.contains("expired") == true, "\(events)")
    }

    /// A token the broker refused is dropped from the cache: the next login asks the token
    /// endpoint again instead of offering the same token until it expires.
    @Test func refusedEndpointTokenIsReplacedAtTheNextLogin() async throws {
        let endpoint = try await TokenEndpoint.start()
        defer { endpoint.stop() }
        // The endpoint numbers its tokens: the broker refuses the first one it issues.
        let front = try await SASLFront.start(oauthAccept: "tok-[0-9]+-token", oauthRefuse: ["tok-1-token"])
        defer { front.stop() }
        let c = try client(
            front.bootstrap,
            sasl: oauthConfig([
                "token_endpoint": endpoint.url("/token"), "client_id": TokenEndpoint.clientId,
                "client_secret": TokenEndpoint.clientSecret, "scope": TokenEndpoint.scope,
            ]))
        var firstError = "no error"
        do { _ = try await c.refreshMetadata() } catch { firstError = "\(error)" }
        #expect(firstError.contains("SASL OAUTHBEARER authentication"), "\(firstError)")
        #expect(firstError.contains("invalid_token"), "\(firstError)")

        // The next attempt, after the reconnect backoff (200 ms +-20 %).
        let deadline = ContinuousClock.now + .seconds(5)
        var lastError = ""
        var metadata: ClusterMetadata?
        while metadata == nil, ContinuousClock.now < deadline {
            do {
                metadata = try await c.refreshMetadata()
            } catch {
                lastError = "\(error)"
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(metadata != nil, "the second login failed: \(lastError)")
        #expect(try endpoint.counts()["/token"] == 2)
        let events = try front.events()
        #expect(events.map(\.event) == ["failed", "authenticated"], "\(events)")
        if events.count == 2 {
            #expect(events[0].tokenSHA256 != events[1].tokenSHA256, "the refused token was offered again: \(events)")
        }
        await c.close()
    }

    @Test func listenerWithoutTheMechanismNamesWhatItOffers() async throws {
        let front = try await SASLFront.start(mechanisms: ["PLAIN", "OAUTHBEARER"])
        defer { front.stop() }
        let text = try await failure(
            of: client(front.bootstrap, sasl: passwordConfig(.scramSHA512, password: Self.password)), .scramSHA512)
        #expect(text.contains("does not offer SCRAM-SHA-512"), "\(text)")
        #expect(text.contains("PLAIN, OAUTHBEARER"), "\(text)")
        #expect(!text.contains(Self.password), "\(text)")
        #expect(try front.events().map(\.event) == ["failed"])
    }

    /// The front is a faithful Kafka SASL listener: librdkafka logs in through it too.
    @Test(arguments: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"])
    func librdkafkaLogsInThroughTheSameFront(mechanism: String) async throws {
        let front = try await SASLFront.start()
        defer { front.stop() }
        let script = packageRoot() + "/Tests/KafkaWireIntegrationTests/Peers/sasl_librdkafka_login.py"
        let bootstrap = front.bootstrap
        let result = try await offPool {
            try runToolStatus("/usr/bin/env", ["python3", script, bootstrap, mechanism, Self.user, Self.password])
        }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\"brokers\": [\(front.port)]"), "\(result.output)")
        let events = try front.events()
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { $0.event == "authenticated" && $0.mechanism == mechanism }, "\(events)")
    }

    /// KIP-368 with 3 s sessions: a request on the broker's connection, then one after the
    /// session's end, must find a new login (a request on the old session would be an "expired"
    /// event, and the front would drop the connection as Kafka does).
    private func expectRenewal(of c: KafkaClient, front: SASLFront) async throws {
        // The first refresh went through the bootstrap connection and learnt the broker; this one
        // opens the broker's own connection, the one the requests after the sleep use.
        _ = try await c.refreshMetadata()
        let before = try front.events()
        #expect(before.count == 2 && before.allSatisfy { $0.event == "authenticated" }, "\(before)")
        try await Task.sleep(for: .seconds(3))
        _ = try await c.refreshMetadata()
        _ = try await c.refreshMetadata()
        let after = try front.events()
        #expect(after.map(\.event) == before.map(\.event) + ["authenticated"], "\(after)")
    }

    /// The error of a metadata request that must fail quickly; the client is closed.
    private func failure(of c: KafkaClient, _ mechanism: SASLConfig.Mechanism) async throws -> String {
        let started = ContinuousClock.now
        var text = "no error"
        do { _ = try await c.refreshMetadata() } catch { text = "\(error)" }
        await c.close()
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(5), "took \(elapsed): \(text)")
        #expect(text.contains("SASL \(mechanism.rawValue) authentication with broker 127.0.0.1:"), "\(text)")
        return text
    }
}

/// A SASL config as an operator writes it (the config file's keys).
private func saslConfig(_ settings: [String: Any]) throws -> SASLConfig {
    try JSONDecoder().decode(SASLConfig.self, from: JSONSerialization.data(withJSONObject: settings))
}

private func passwordConfig(
    _ mechanism: SASLConfig.Mechanism, user: String = SASLMechanismTests.user, password: String
) throws -> SASLConfig {
    try saslConfig(["mechanism": mechanism.rawValue, "username": user, "password": password])
}

private func oauthConfig(_ settings: [String: Any]) throws -> SASLConfig {
    try saslConfig(["mechanism": "OAUTHBEARER", "oauthbearer": settings])
}

/// An unsecured JWT (RFC 7519 section 6: alg none, empty signature), as Kafka's unsecured
/// login module makes them.
private func unsecuredJWT(subject: String, expiresIn seconds: Int) -> String {
    func b64url(_ json: String) -> String {
        Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    let now = Int(Date().timeIntervalSince1970)
    return b64url(#"{"alg":"none"}"#) + "."
        + b64url(#"{"sub":"\#(subject)","iat":\#(now),"exp":\#(now + seconds)}"#) + "."
}

/// One line of the front's events file.
struct FrontEvent: Decodable, Sendable, CustomStringConvertible {
    var event: String
    var mechanism: String?
    var principal: String?
    var authzid: String?
    var extensions: [String: String]?
    var tokenSHA256: String?
    var error: String?
    var sessionLifetimeMs: Int?

    enum CodingKeys: String, CodingKey {
        case event, mechanism, principal, authzid, extensions, error
        case tokenSHA256 = "token_sha256"
        case sessionLifetimeMs = "session_lifetime_ms"
    }

    var description: String {
        "\(event) \(mechanism ?? "-") principal=\(principal ?? "-") error=\(error ?? "-")"
    }
}

/// Tansu behind the SASL front (which the broker advertises, so every connection logs in).
final class SASLFront: @unchecked Sendable {
    let broker: TansuBroker
    let process: Process
    let port: Int
    let dir: String
    /// The front's stdin: it exits when this closes (the test process ended).
    let stdin = Pipe()

    var bootstrap: String { "127.0.0.1:\(port)" }
    var eventsFile: String { dir + "/events.jsonl" }

    static func start(
        mechanisms: [String]? = nil, sessionLifetimeMs: Int = 0, oauthAccept: String? = nil,
        oauthRefuse: [String] = []
    ) async throws -> SASLFront {
        let port = try freePort()
        let broker = try await TansuBroker.start(advertisedPort: port)
        do {
            return try await offPool {
                var args = ["--session-lifetime-ms", String(sessionLifetimeMs)]
                args += ["--user", SASLMechanismTests.user, "--password", SASLMechanismTests.password]
                if let mechanisms { args += ["--mechanisms", mechanisms.joined(separator: ",")] }
                if let oauthAccept { args += ["--oauth-accept", oauthAccept] }
                for token in oauthRefuse { args += ["--oauth-refuse", token] }
                return try SASLFront(broker: broker, port: port, options: args)
            }
        } catch {
            broker.stop()
            throw error
        }
    }

    private init(broker: TansuBroker, port: Int, options: [String]) throws {
        let check = try runToolStatus("/usr/bin/env", ["python3", "-c", "import pysasl, scramp"])
        guard check.status == 0 else {
            throw TestFailure("PyPI pysasl and scramp are needed (scripts/setup.sh installs them): \(check.output)")
        }
        self.broker = broker
        self.port = port
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kafkawire-sasl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/events.jsonl", contents: nil)
        let log = dir + "/front.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", packageRoot() + "/Tests/KafkaWireIntegrationTests/Peers/sasl_kafka_front.py",
                String(port), String(broker.port), dir + "/events.jsonl",
            ] + options
        process.standardInput = stdin
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        do {
            try waitForPort(port, timeout: 10)
        } catch {
            stopProcess(process, signal: SIGKILL)
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestFailure("the SASL front did not start: \(output)")
        }
    }

    /// The front's authentication events, in order.
    func events() throws -> [FrontEvent] {
        let text = try String(contentsOfFile: eventsFile, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(FrontEvent.self, from: Data($0.utf8)) }
    }

    func stop() {
        stopProcess(process, signal: SIGKILL)
        broker.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// The OAuth 2 token endpoint of the OAuthBearer unit tests (Tests/KafkaWireTests/Peers/
/// oauth_token_server.py, stdlib http.server): client-credentials grant, tokens numbered
/// `tok-N-<path>`, requests counted per path.
final class TokenEndpoint: @unchecked Sendable {
    static let clientId = "exporter"
    static let clientSecret = "s3cr3t"
    static let scope = "kafka"
    let process: Process
    let port: Int
    let dir: String
    /// The server's stdin: it exits when this closes.
    let stdin = Pipe()

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    static func start() async throws -> TokenEndpoint { try await offPool { try TokenEndpoint() } }

    private init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kafkawire-token-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", packageRoot() + "/Tests/KafkaWireTests/Peers/oauth_token_server.py", Self.clientId,
            Self.clientSecret, Self.scope, dir + "/counts.json",
        ]
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        // The first line is "PORT n"; end of file (a crash) ends the read.
        var line: [UInt8] = []
        var byte: UInt8 = 0
        let fd = stdout.fileHandleForReading.fileDescriptor
        while read(fd, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            stopProcess(process, signal: SIGKILL)
            throw TestFailure("the token server did not print its port (got \"\(text)\")")
        }
        self.port = port
    }

    /// Requests per path, as the server recorded them.
    func counts() throws -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: dir + "/counts.json") else { return [:] }
        return try JSONDecoder().decode([String: Int].self, from: data)
    }

    func stop() {
        stopProcess(process, signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: dir)
    }
}

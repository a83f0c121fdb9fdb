import Foundation
import TestSupport
import Testing

@testable import KafkaWire

/// SASL/GSSAPI against real, independent Kerberos: a throwaway MIT realm (krb5kdc, kadmin.local,
/// kinit from Debian), and a Kafka SASL front (Peers/gssapi_kafka_front.py) that relays to a real
/// broker (Tansu) once the login succeeds. Its SASL/GSSAPI server is either the JDK's
/// GssKrb5Server, the code a Kafka broker runs (Peers/gssapi_sasl_server.java), or MIT's GSS-API
/// acceptor through Debian's python3-gssapi. Nothing here skips: a missing package fails the
/// test, naming it.
///
/// libkrb5 reads krb5.conf from the process-wide `KRB5_CONFIG`, which the client sets from
/// `gssapi.kerberos_config`: the suite is serialized so that two realms are never in use at once.
@Suite(.serialized) struct GSSAPITests {
    /// Both acceptors: the JDK's GssKrb5Server (what a Kafka broker runs) and MIT's through python3-gssapi.
    @Test(arguments: [GSSAPISetup.Acceptor.java, .python])
    func keytabLoginReachesTheBrokerAndRenewsTheSession(acceptor: GSSAPISetup.Acceptor) async throws {
        let realm = try await KerberosRealm.make()
        defer { realm.remove() }
        try await realm.startKDC()
        let setup = try await GSSAPISetup.start(realm: realm, acceptor: acceptor, sessionLifetimeMs: 3000)
        defer { setup.stop() }
        let c = try client(setup.bootstrap, sasl: realm.sasl(keytab: realm.clientKeytab))
        // Every request goes through the authenticated connection: the broker auto-creates the
        // topic named in this Metadata request (the broker advertises only the front, so no
        // unauthenticated client could create it first).
        _ = try await c.sendToAnyBroker(
            MetadataRequest(topics: [.init(name: "kerberized")], allowAutoTopicCreation: true))
        let m = try await c.refreshMetadata()
        #expect(m.brokers.values.first?.port == setup.frontPort)
        #expect(m.topics["kerberized"].map { !$0.partitions.isEmpty } == true, "\(m.topics)")
        // Open the broker's own connection now (bootstrap and broker connections are separate
        // logins): a login after the sleep can then only be a renewal.
        let node = try #require(m.brokers.keys.first)
        _ = try await c.connection(to: node)
        let events = try setup.events()
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { $0["event"] == "authenticated" }, "\(events)")
        #expect(events.first?["principal"] == KerberosRealm.clientPrincipal)
        // Cyrus sends no authorization id (the JDK's server then substitutes the principal).
        #expect(events.first?["authzid"] == (acceptor == .java ? KerberosRealm.clientPrincipal : ""))

        // The front gives 3 s sessions: the client renews (a new connection, a new GSSAPI login
        // from the cached TGT) before the broker would drop it.
        try await Task.sleep(for: .seconds(3))
        _ = try await c.send(MetadataRequest(topics: []), to: node)
        let later = try setup.events()
        #expect(later.count > events.count, "\(later)")
        #expect(later.allSatisfy { $0["event"] == "authenticated" }, "\(later)")
        await c.close()
    }

    @Test func kinitCredentialCacheLogin() async throws {
        let realm = try await KerberosRealm.make()
        defer { realm.remove() }
        try await realm.startKDC()
        let setup = try await GSSAPISetup.start(realm: realm)
        defer { setup.stop() }
        // kinit into the realm's default ccache (krb5.conf default_ccache_name); the client
        // names no keytab and no principal.
        _ = try await offPool {
            try realm.tool("/usr/bin/kinit", ["-k", "-t", realm.clientKeytab, KerberosRealm.clientPrincipal])
        }
        let c = try client(setup.bootstrap, sasl: realm.sasl())
        _ = try await c.refreshMetadata()
        #expect(try setup.events().first?["principal"] == KerberosRealm.clientPrincipal)
        await c.close()

        // After kdestroy there is no ticket: a clear error, quickly.
        _ = try await offPool { try realm.tool("/usr/bin/kdestroy", []) }
        let gone = try client(setup.bootstrap, sasl: realm.sasl())
        let message = try await failure(of: gone)
        #expect(message.contains("SASL GSSAPI authentication"), "\(message)")
        #expect(message.contains("credentials") || message.contains("ccache"), "\(message)")
    }

    @Test func wrongCredentialsFailClearlyAndQuickly() async throws {
        let realm = try await KerberosRealm.make()
        defer { realm.remove() }
        try await realm.startKDC()
        let setup = try await GSSAPISetup.start(realm: realm, acceptor: .java)
        defer { setup.stop() }

        // A principal the KDC does not know (deleted after its keytab was written).
        let ghostKeytab = realm.dir + "/ghost.keytab"
        _ = try await offPool {
            try realm.kadmin("addprinc -randkey ghost")
            try realm.kadmin("ktadd -k \(ghostKeytab) ghost")
            try realm.kadmin("delprinc -force ghost")
        }
        let unknown = try await failure(
            of: client(setup.bootstrap, sasl: realm.sasl(principal: "ghost@\(KerberosRealm.name)", keytab: ghostKeytab))
        )
        #expect(unknown.contains("not found in Kerberos database"), "\(unknown)")

        // A keytab without a key for the principal (the broker's keytab).
        let wrongKeytab = try await failure(of: client(setup.bootstrap, sasl: realm.sasl(keytab: realm.serviceKeytab)))
        #expect(wrongKeytab.contains(realm.serviceKeytab), "\(wrongKeytab)")
        #expect(wrongKeytab.contains("the keytab has no key for \(KerberosRealm.clientPrincipal)"), "\(wrongKeytab)")

        // A keytab that is not there.
        let missing = try await failure(
            of: client(setup.bootstrap, sasl: realm.sasl(keytab: realm.dir + "/missing.keytab")))
        #expect(missing.contains("missing.keytab does not exist or is not readable"), "\(missing)")

        // A key that changed in the KDC after the keytab was written.
        let staleKeytab = realm.dir + "/stale.keytab"
        _ = try await offPool {
            try realm.kadmin("addprinc -randkey stale")
            try realm.kadmin("ktadd -k \(staleKeytab) stale")
            try realm.kadmin("cpw -randkey stale")
        }
        let stale = try await failure(
            of: client(setup.bootstrap, sasl: realm.sasl(principal: "stale@\(KerberosRealm.name)", keytab: staleKeytab))
        )
        #expect(stale.contains("does not match the KDC's"), "\(stale)")

        // A service name the KDC has no principal for.
        var wrongService = realm.sasl(keytab: realm.clientKeytab)
        wrongService.gssapi?.serviceName = "notkafka"
        let service = try await failure(of: client(setup.bootstrap, sasl: wrongService))
        #expect(service.contains("notkafka/127.0.0.1"), "\(service)")
        #expect(service.contains("not found in Kerberos database"), "\(service)")

        // None of these reached the broker's acceptor with a valid ticket.
        #expect(try setup.events().isEmpty)

        // The broker's key changes after its keytab was written: the client gets a ticket the
        // broker cannot read, and the broker's refusal comes back as the error.
        _ = try await offPool { try realm.kadmin("cpw -randkey kafka/127.0.0.1") }
        let refused = try await failure(of: client(setup.bootstrap, sasl: realm.sasl(keytab: realm.clientKeytab)))
        #expect(refused.contains("invalid credentials with SASL mechanism GSSAPI"), "\(refused)")
        #expect(refused.contains("SASL_AUTHENTICATION_FAILED"), "\(refused)")
        #expect(try setup.events().first?["event"] == "failed")
    }

    @Test func kdcDownFailsClearlyAndQuickly() async throws {
        let realm = try await KerberosRealm.make()
        defer { realm.remove() }
        // The KDC ran once (so the realm is real), then stops.
        try await realm.startKDC()
        realm.stopKDC()
        let setup = try await GSSAPISetup.start(realm: realm)
        defer { setup.stop() }
        let message = try await failure(of: client(setup.bootstrap, sasl: realm.sasl(keytab: realm.clientKeytab)))
        #expect(message.contains("Cannot contact any KDC"), "\(message)")
        #expect(message.contains("is the KDC running"), "\(message)")
    }

    @Test func silentKDCIsBoundedByTheLoginDeadline() async throws {
        let realm = try await KerberosRealm.make()
        defer { realm.remove() }
        // A KDC address that accepts TCP connections and never answers: libkrb5 itself waits
        // about 27 s before giving up (measured here), so the login's own deadline must end it.
        let silent = try SilentListener()
        try realm.pointKDC(at: "127.0.0.1:\(silent.port)")
        let config = try #require(realm.sasl(keytab: realm.clientKeytab).gssapi)
        let started = ContinuousClock.now
        let error = await #expect(throws: SASLError.self) {
            _ = try await GSSAPISession.make(config: config, broker: "127.0.0.1:9092", timeout: .seconds(2))
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(4), "took \(elapsed)")
        #expect(error?.message.contains("did not finish within 2.0 seconds") == true, "\(String(describing: error))")
    }

    /// The error of a metadata request that must fail within 10 s; the client is closed.
    private func failure(of c: KafkaClient) async throws -> String {
        let started = ContinuousClock.now
        var text = ""
        do {
            _ = try await c.refreshMetadata()
            text = "no error"
        } catch {
            text = "\(error)"
        }
        await c.close()
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(10), "took \(elapsed): \(text)")
        #expect(text.contains("SASL GSSAPI authentication with broker"), "\(text)")
        return text
    }
}

/// A throwaway MIT Kerberos realm in a temp dir: database, principals, keytabs and a KDC on a
/// free loopback port (TCP and UDP), stopped by pid.
final class KerberosRealm: @unchecked Sendable {
    static let name = "KAFKAWIRE.TEST"
    static let clientPrincipal = "monitor@\(name)"
    static let servicePrincipal = "kafka/127.0.0.1@\(name)"
    let dir: String
    let kdcPort: Int
    private var kdc: Process?

    var krb5Config: String { dir + "/krb5.conf" }
    var kdcProfile: String { dir + "/kdc.conf" }
    var serviceKeytab: String { dir + "/kafka.keytab" }
    var clientKeytab: String { dir + "/client.keytab" }
    var environment: [String: String] { ["KRB5_CONFIG": krb5Config, "KRB5_KDC_PROFILE": kdcProfile] }

    static func make() async throws -> KerberosRealm { try await offPool { try KerberosRealm() } }

    private init() throws {
        for tool in ["/usr/sbin/krb5kdc", "/usr/sbin/kdb5_util", "/usr/sbin/kadmin.local", "/usr/bin/kinit"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw TestFailure("\(tool) is missing: install krb5-kdc, krb5-admin-server, krb5-user (scripts/setup.sh)")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("kafkawire-krb5-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        kdcPort = try freePort()
        let realm = Self.name
        try """
        [kdcdefaults]
            kdc_ports = \(kdcPort)
            kdc_tcp_ports = \(kdcPort)
        [realms]
            \(realm) = {
                database_name = \(dir)/principal
                key_stash_file = \(dir)/stash
                acl_file = \(dir)/kadm5.acl
                kdc_ports = \(kdcPort)
                kdc_tcp_ports = \(kdcPort)
                max_life = 1h
                supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
            }
        [logging]
            kdc = FILE:\(dir)/kdc.log
            admin_server = FILE:\(dir)/kadmin.log
            default = FILE:\(dir)/krb5lib.log
        """.write(toFile: kdcProfile, atomically: true, encoding: .utf8)
        try """
        [libdefaults]
            default_realm = \(realm)
            dns_lookup_kdc = false
            dns_lookup_realm = false
            dns_canonicalize_hostname = false
            rdns = false
            default_ccache_name = FILE:\(dir)/ccache
            kdc_timeout = 2s
            max_retries = 1
        [realms]
            \(realm) = {
                kdc = 127.0.0.1:\(kdcPort)
            }
        [domain_realm]
            127.0.0.1 = \(realm)
            localhost = \(realm)
        """.write(toFile: krb5Config, atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/kadm5.acl", atomically: true, encoding: .utf8)
        _ = try tool("/usr/sbin/kdb5_util", ["create", "-s", "-r", realm, "-P", UUID().uuidString])
        try kadmin("addprinc -randkey kafka/127.0.0.1")
        try kadmin("addprinc -randkey monitor")
        try kadmin("ktadd -k \(serviceKeytab) kafka/127.0.0.1")
        try kadmin("ktadd -k \(clientKeytab) monitor")
        for keytab in [serviceKeytab, clientKeytab] where !FileManager.default.fileExists(atPath: keytab) {
            throw TestFailure("kadmin.local did not write \(keytab)")
        }
    }

    /// Runs a Kerberos tool with this realm's config.
    @discardableResult
    func tool(_ path: String, _ args: [String]) throws -> String {
        try runTool("/usr/bin/env", environment.sorted { $0.key < $1.key }.map { "\($0)=\($1)" } + [path] + args)
    }

    /// kadmin.local exits 0 even when a query fails: its output tells.
    @discardableResult
    func kadmin(_ query: String) throws -> String {
        let out = try tool("/usr/sbin/kadmin.local", ["-r", Self.name, "-q", query])
        if out.contains("while ") || out.lowercased().contains("error") {
            throw TestFailure("kadmin.local -q \"\(query)\": \(out)")
        }
        return out
    }

    /// Rewrites krb5.conf's KDC address for the realm (e.g. `tcp/127.0.0.1:PORT`).
    func pointKDC(at address: String) throws {
        let text = try String(contentsOfFile: krb5Config, encoding: .utf8)
        try text.replacingOccurrences(of: "kdc = 127.0.0.1:\(kdcPort)", with: "kdc = \(address)")
            .write(toFile: krb5Config, atomically: true, encoding: .utf8)
    }

    func startKDC() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/krb5kdc")
        p.arguments = ["-n", "-r", Self.name, "-P", dir + "/kdc.pid"]
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        kdc = p
        let port = kdcPort
        try await offPool { try waitForPort(port, timeout: 10) }
    }

    /// krb5kdc keeps its database in files: SIGKILL loses nothing.
    func stopKDC() {
        if let kdc { stopProcess(kdc, signal: SIGKILL) }
        kdc = nil
    }

    func remove() {
        stopKDC()
        try? FileManager.default.removeItem(atPath: dir)
    }

    deinit { stopKDC() }

    func sasl(principal: String? = nil, keytab: String? = nil) -> SASLConfig {
        var c = SASLConfig(mechanism: .gssapi)
        c.gssapi = GSSAPIConfig(
            principal: keytab == nil ? principal : (principal ?? Self.clientPrincipal), keytab: keytab,
            kerberosConfig: krb5Config)
        return c
    }
}

/// Tansu behind the GSSAPI front (which the broker advertises, so every connection logs in).
final class GSSAPISetup: @unchecked Sendable {
    let broker: TansuBroker
    let front: Process
    let frontPort: Int
    let eventsFile: String

    var bootstrap: String { "127.0.0.1:\(frontPort)" }

    /// The SASL/GSSAPI server implementation behind the front.
    enum Acceptor: String, Sendable, CustomStringConvertible {
        /// The JDK's GssKrb5Server, as in a Kafka broker (Peers/gssapi_sasl_server.java).
        case java
        /// MIT's GSS-API acceptor through Debian's python3-gssapi, RFC 4752 in the front.
        case python
        var description: String { rawValue }
    }

    static func start(realm: KerberosRealm, acceptor: Acceptor = .python, sessionLifetimeMs: Int = 0) async throws
        -> GSSAPISetup
    {
        let frontPort = try freePort()
        let broker = try await TansuBroker.start(advertisedPort: frontPort)
        do {
            return try await offPool {
                try GSSAPISetup(
                    realm: realm, broker: broker, frontPort: frontPort, acceptor: acceptor,
                    sessionLifetimeMs: sessionLifetimeMs)
            }
        } catch {
            broker.stop()
            throw error
        }
    }

    private init(
        realm: KerberosRealm, broker: TansuBroker, frontPort: Int, acceptor: Acceptor, sessionLifetimeMs: Int
    ) throws {
        let python = "/usr/bin/python3"
        let check = try runToolStatus(python, ["-c", "import gssapi"])
        guard check.status == 0 else {
            throw TestFailure("Debian's python3-gssapi is missing (scripts/setup.sh installs it): \(check.output)")
        }
        if acceptor == .java {
            let modules = try runToolStatus("/usr/bin/env", ["java", "--list-modules"])
            guard modules.status == 0, modules.output.contains("jdk.compiler") else {
                throw TestFailure(
                    "a JDK with jdk.compiler is needed to run Peers/gssapi_sasl_server.java "
                        + "(scripts/setup.sh installs openjdk-17-jdk-headless): \(modules.output.prefix(200))")
            }
        }
        self.broker = broker
        self.frontPort = frontPort
        eventsFile = realm.dir + "/front-events-\(frontPort).jsonl"
        _ = FileManager.default.createFile(atPath: eventsFile, contents: nil)
        front = Process()
        front.executableURL = URL(fileURLWithPath: python)
        front.arguments = [
            packageRoot() + "/Tests/KafkaWireIntegrationTests/Peers/gssapi_kafka_front.py", "--acceptor",
            acceptor.rawValue, String(frontPort), String(broker.port), eventsFile, String(sessionLifetimeMs),
        ]
        var env = ProcessInfo.processInfo.environment.merging(realm.environment) { _, new in new }
        env["KRB5_KTNAME"] = realm.serviceKeytab
        env["KRB5RCACHETYPE"] = "none"
        front.environment = env
        let log = realm.dir + "/front-\(frontPort).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        front.standardOutput = FileHandle(forWritingAtPath: log)
        front.standardError = FileHandle(forWritingAtPath: log)
        try front.run()
        do {
            // The JVM compiles the Java peer first: give it time on a loaded 2-core machine.
            try waitForPort(frontPort, timeout: acceptor == .java ? 60 : 10)
        } catch {
            stopProcess(front, signal: SIGKILL)
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestFailure("the GSSAPI front did not start: \(output)")
        }
    }

    /// The front's authentication events, in order.
    func events() throws -> [[String: String]] {
        let text = try String(contentsOfFile: eventsFile, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return object.mapValues { "\($0)" }
        }
    }

    func stop() {
        stopProcess(front, signal: SIGKILL)
        broker.stop()
    }
}

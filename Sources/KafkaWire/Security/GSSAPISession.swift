import CSASL
import Foundation

/// SASL/GSSAPI (Kerberos V5, RFC 4752) through the system's Cyrus SASL library and its GSSAPI
/// plugin (Debian: libsasl2-modules-gssapi-mit), the way Kafka's Java client does it: SaslHandshake
/// "GSSAPI", then the GSS tokens in SaslAuthenticate requests, and no SASL security layer (the
/// client offers max SSF 0, so the final RFC 4752 message selects "no security layer").
///
/// Credentials:
/// - `keytab` (with `principal`): a credential handle per login from MIT's credential store
///   (`gss_acquire_cred_from` with `client_keytab`), handed to the plugin (`SASL_GSS_CREDS`).
///   Tickets live in a process-private `MEMORY:` ccache named after principal, keytab and
///   krb5.conf, so later connections reuse the TGT, which libkrb5 renews from the keytab when
///   it nears its end. Nothing is written to disk and no environment variable
///   (`KRB5_CLIENT_KTNAME`, `KRB5CCNAME`) is read or changed.
/// - no keytab: the default credential cache (`kinit`, `KRB5CCNAME`, or krb5.conf's
///   `default_ccache_name`); with `principal`, that principal's cache from the collection.
///
/// `kerberos_config` is the one process-wide setting: libkrb5 reads krb5.conf from the
/// `KRB5_CONFIG` environment variable, so it is set for the whole process before each login.
/// All clusters of one process should name the same file (or none).
///
/// The blocking part (loading plugins, the KDC exchanges for the TGT and the service ticket)
/// runs in `make` on a thread of its own, bounded by a deadline; the later steps only process
/// the broker's tokens in memory.
public struct GSSAPISession: SASLSession {
    public let mechanism = "GSSAPI"
    let client: CyrusGSSAPIClient
    private var first: [UInt8]?

    /// How long the login (KDC exchanges included) may take before it is abandoned.
    public static let loginTimeout: Duration = .seconds(30)

    init(client: CyrusGSSAPIClient, first: [UInt8]) {
        self.client = client
        self.first = first
    }

    public mutating func start() throws(SASLError) -> [UInt8] {
        guard let first else { throw SASLError("GSSAPI: the exchange was already started") }
        self.first = nil
        return first
    }

    public mutating func respond(to challenge: [UInt8]) throws(SASLError) -> [UInt8]? {
        try client.step(challenge)
    }

    /// Starts a login to the broker at `broker` (`host:port`, `[v6]:port` or a bare host): its
    /// service principal is `<service_name>/<host>`.
    public static func make(config: GSSAPIConfig, broker: String, timeout: Duration = loginTimeout)
        async throws(SASLError) -> GSSAPISession
    {
        let host = hostName(of: broker)
        let result = await runOnOwnThread(timeout: timeout, what: "GSSAPI login to \(config.serviceName)/\(host)") {
            () throws(SASLError) -> GSSAPISession in
            let (client, first) = try CyrusGSSAPIClient.start(config: config, host: host)
            return GSSAPISession(client: client, first: first)
        }
        return try result.get()
    }

    /// The host part of `host:port`; brackets of an IPv6 literal removed.
    static func hostName(of broker: String) -> String {
        if broker.hasPrefix("["), let close = broker.firstIndex(of: "]") {
            return String(broker[broker.index(after: broker.startIndex)..<close])
        }
        guard let colon = broker.lastIndex(of: ":"),
            broker[broker.index(after: colon)...].allSatisfy(\.isNumber),
            broker.index(after: colon) < broker.endIndex
        else { return broker }
        return String(broker[..<colon])
    }

    /// Runs blocking library work on a new thread (never a NIO event loop or the cooperative
    /// pool) and waits for it at most `timeout`, or until the task is cancelled. A late result
    /// is dropped, which releases what it holds.
    static func runOnOwnThread<T: Sendable>(
        timeout: Duration, what: String, _ body: @escaping @Sendable () throws(SASLError) -> T
    ) async -> Result<T, SASLError> {
        let once = ResumeOnce<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Result<T, SASLError>, Never>) in
                once.set(c)
                let thread = Thread {
                    once.resume(Result { () throws(SASLError) -> T in try body() })
                }
                thread.name = "kafkawire-gssapi"
                thread.start()
                let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                    once.resume(.failure(SASLError("\(what) did not finish within \(timeout) (is the KDC reachable?)")))
                }
            }
        } onCancel: {
            once.resume(.failure(SASLError("\(what) was cancelled")))
        }
    }
}

/// Resumes a continuation with the first result only (the worker, the deadline or cancellation).
private final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<T, SASLError>, Never>?
    private var early: Result<T, SASLError>?
    private var done = false

    func set(_ c: CheckedContinuation<Result<T, SASLError>, Never>) {
        lock.lock()
        if let early {
            lock.unlock()
            c.resume(returning: early)
            return
        }
        continuation = c
        lock.unlock()
    }

    func resume(_ result: Result<T, SASLError>) {
        lock.lock()
        guard !done else {
            lock.unlock()
            return
        }
        done = true
        guard let c = continuation else {
            // Cancelled before the continuation existed.
            early = result
            lock.unlock()
            return
        }
        continuation = nil
        lock.unlock()
        c.resume(returning: result)
    }
}

/// One Cyrus SASL client connection for GSSAPI, with the credential and callback memory it
/// needs; freed on deinit. Steps are serialized by a lock (the handshake drives one at a time).
final class CyrusGSSAPIClient: @unchecked Sendable {
    private let lock = NSLock()
    private var conn: OpaquePointer?
    private var credential: gss_cred_id_t?
    private var complete = false
    private let callbacks: UnsafeMutablePointer<sasl_callback_t>
    /// The authorization id handed to the plugin: empty, so the broker uses the authenticated
    /// principal (as Kafka's server does anyway).
    private let authzid: UnsafeMutablePointer<CChar>
    private let authname: UnsafeMutablePointer<CChar>
    let target: String

    private init(principal: String?, target: String) {
        self.target = target
        authzid = strdup("")!
        authname = strdup(principal ?? "")!
        callbacks = .allocate(capacity: 3)
        callbacks[0] = sasl_callback_t(
            id: UInt(SASL_CB_USER), proc: unsafeBitCast(cyrusGetSimple, to: CyrusProc.self),
            context: UnsafeMutableRawPointer(authzid))
        callbacks[1] = sasl_callback_t(
            id: UInt(SASL_CB_AUTHNAME), proc: unsafeBitCast(cyrusGetSimple, to: CyrusProc.self),
            context: UnsafeMutableRawPointer(authname))
        callbacks[2] = sasl_callback_t(id: UInt(SASL_CB_LIST_END), proc: nil, context: nil)
    }

    deinit {
        if conn != nil { sasl_dispose(&conn) }
        if credential != nil {
            var minor: OM_uint32 = 0
            _ = gss_release_cred(&minor, &credential)
        }
        callbacks.deallocate()
        free(authzid)
        free(authname)
    }

    /// Blocking: credentials, the Cyrus connection, and the first GSS token (which needs the
    /// TGT and the service ticket, so it may talk to the KDC).
    static func start(config: GSSAPIConfig, host: String) throws(SASLError) -> (CyrusGSSAPIClient, [UInt8]) {
        let target = "\(config.serviceName)/\(host)"
        try CyrusLibrary.initialize()
        if let file = config.kerberosConfig { CyrusLibrary.useKerberosConfig(file) }
        let client = CyrusGSSAPIClient(principal: config.principal, target: target)
        if let keytab = config.keytab {
            guard let principal = config.principal else {
                throw SASLError("GSSAPI: a principal is required with a keytab")
            }
            client.credential = try GSSCredentials.fromKeytab(
                principal: principal, keytab: keytab, kerberosConfig: config.kerberosConfig)
        } else if let principal = config.principal {
            client.credential = try GSSCredentials.fromCache(principal: principal)
        }

        var conn: OpaquePointer?
        let rc = sasl_client_new(config.serviceName, host, nil, nil, client.callbacks, 0, &conn)
        guard rc == SASL_OK, conn != nil else {
            throw SASLError("GSSAPI: cannot create the SASL client: \(CyrusLibrary.errorString(rc))")
        }
        client.conn = conn
        // No security layer: Kafka runs none (the final RFC 4752 message says so).
        var props = sasl_security_properties_t(
            min_ssf: 0, max_ssf: 0, maxbufsize: 0, security_flags: 0, property_names: nil, property_values: nil)
        guard sasl_setprop(conn, SASL_SEC_PROPS, &props) == SASL_OK else {
            throw client.failure("cannot set the security properties", SASL_FAIL)
        }
        if let cred = client.credential {
            guard sasl_setprop(conn, SASL_GSS_CREDS, UnsafeRawPointer(cred)) == SASL_OK else {
                throw client.failure("cannot hand the credentials to the GSSAPI plugin", SASL_FAIL)
            }
        }

        var prompt: UnsafeMutablePointer<sasl_interact_t>?
        var out: UnsafePointer<CChar>?
        var outLength: UInt32 = 0
        var chosen: UnsafePointer<CChar>?
        let started = sasl_client_start(conn, "GSSAPI", &prompt, &out, &outLength, &chosen)
        switch started {
        case SASL_CONTINUE:
            return (client, copy(out, outLength))
        case SASL_OK:
            client.complete = true
            return (client, copy(out, outLength))
        case SASL_NOMECH:
            throw SASLError(
                "GSSAPI: the Cyrus SASL GSSAPI plugin is not available (install libsasl2-modules-gssapi-mit): "
                    + client.detail(started))
        case SASL_INTERACT:
            throw SASLError("GSSAPI: the SASL library asked for interactive input (set gssapi.principal)")
        default:
            throw client.failure("login for \(target) failed", started)
        }
    }

    /// Processes one server token (in memory: no KDC exchange after the first token).
    func step(_ challenge: [UInt8]) throws(SASLError) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        if complete {
            guard challenge.isEmpty else { throw SASLError("GSSAPI: unexpected server data after the exchange") }
            return nil
        }
        var prompt: UnsafeMutablePointer<sasl_interact_t>?
        var out: UnsafePointer<CChar>?
        var outLength: UInt32 = 0
        let rc = challenge.withUnsafeBytes { raw in
            sasl_client_step(
                conn, raw.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(raw.count), &prompt, &out,
                &outLength)
        }
        switch rc {
        case SASL_CONTINUE:
            return Self.copy(out, outLength)
        case SASL_OK:
            complete = true
            let bytes = Self.copy(out, outLength)
            return bytes.isEmpty ? nil : bytes
        default:
            throw failure("the exchange with \(target) failed", rc)
        }
    }

    private static func copy(_ bytes: UnsafePointer<CChar>?, _ count: UInt32) -> [UInt8] {
        guard let bytes, count > 0 else { return [] }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: Int(count)) {
            Array(UnsafeBufferPointer(start: $0, count: Int(count)))
        }
    }

    /// Cyrus' detailed error text for the connection (it includes the GSS major/minor text).
    private func detail(_ rc: Int32) -> String {
        if let conn, let text = sasl_errdetail(conn) { return String(cString: text) }
        return CyrusLibrary.errorString(rc)
    }

    private func failure(_ what: String, _ rc: Int32) -> SASLError {
        let text = detail(rc)
        return SASLError("GSSAPI: \(what): \(text)\(Self.hint(for: text, target: target))")
    }

    /// A pointer to the likely cause for the common Kerberos failures.
    static func hint(for text: String, target: String) -> String {
        if text.contains("Server") && text.contains("not found in Kerberos database") {
            return
                " (the KDC has no principal \(target): check gssapi.service_name and that the broker's address "
                + "is the host name in its principal)"
        }
        if text.contains("Cannot contact any KDC") || text.contains("Cannot find KDC") {
            return " (is the KDC running and reachable? check the realm's kdc entries in krb5.conf)"
        }
        if text.contains("No Kerberos credentials available") || text.contains("No credentials cache found") {
            return " (no ticket: run kinit or configure gssapi.keytab and gssapi.principal)"
        }
        return ""
    }
}

private typealias CyrusProc = @convention(c) () -> Int32

/// `sasl_getsimple_t`: answers SASL_CB_USER / SASL_CB_AUTHNAME with the C string in `context`.
private let cyrusGetSimple:
    @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>?, UnsafeMutablePointer<UInt32>?
    ) -> Int32 = { context, _, result, length in
        guard let result, let context else { return SASL_BADPARAM }
        let text = UnsafePointer(context.assumingMemoryBound(to: CChar.self))
        result.pointee = text
        length?.pointee = UInt32(strlen(text))
        return SASL_OK
    }

/// `sasl_log_t`: Cyrus would otherwise write to syslog; failures are reported through
/// `sasl_errdetail` instead.
private let cyrusLog: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Int32 = {
    _, _, _ in SASL_OK
}

/// The process-wide parts: `sasl_client_init` (once) and `KRB5_CONFIG`.
enum CyrusLibrary {
    private static let initResult: Int32 = {
        let global = UnsafeMutablePointer<sasl_callback_t>.allocate(capacity: 2)  // lives as long as the process
        global[0] = sasl_callback_t(
            id: UInt(SASL_CB_LOG), proc: unsafeBitCast(cyrusLog, to: CyrusProc.self), context: nil)
        global[1] = sasl_callback_t(id: UInt(SASL_CB_LIST_END), proc: nil, context: nil)
        return sasl_client_init(global)
    }()

    static func initialize() throws(SASLError) {
        let rc = initResult
        guard rc == SASL_OK else { throw SASLError("GSSAPI: sasl_client_init failed: \(errorString(rc))") }
    }

    private static let environmentLock = NSLock()

    /// libkrb5 reads `KRB5_CONFIG` whenever it creates a context: set it (process-wide) when it
    /// differs.
    static func useKerberosConfig(_ path: String) {
        environmentLock.lock()
        defer { environmentLock.unlock() }
        if let current = getenv("KRB5_CONFIG"), String(cString: current) == path { return }
        setenv("KRB5_CONFIG", path, 1)
    }

    static func errorString(_ rc: Int32) -> String {
        guard let text = sasl_errstring(rc, nil, nil) else { return "SASL error \(rc)" }
        return String(cString: text)
    }
}

/// Initiator credentials through MIT's GSS-API.
enum GSSCredentials {
    /// Credentials from `keytab` for `principal`, kept in a `MEMORY:` ccache of this process
    /// (one per principal, keytab and krb5.conf) so later logins reuse the TGT.
    static func fromKeytab(principal: String, keytab: String, kerberosConfig: String?) throws(SASLError)
        -> gss_cred_id_t
    {
        let path = keytab.hasPrefix("FILE:") ? String(keytab.dropFirst(5)) : keytab
        if !path.contains(":") || path.hasPrefix("/"), !FileManager.default.isReadableFile(atPath: path) {
            throw SASLError("GSSAPI: keytab \(keytab) does not exist or is not readable")
        }
        let ccache = "MEMORY:kafkawire-" + fnv1a("\(principal)\u{0}\(keytab)\u{0}\(kerberosConfig ?? "")")
        let name = try importName(principal)
        defer {
            var minor: OM_uint32 = 0
            var n: gss_name_t? = name
            _ = gss_release_name(&minor, &n)
        }
        var minor: OM_uint32 = 0
        var cred: gss_cred_id_t?
        let major = "client_keytab".withCString { keyKeytab in
            keytab.withCString { valueKeytab in
                "ccache".withCString { keyCache in
                    ccache.withCString { valueCache in
                        var elements = [
                            gss_key_value_element_desc(key: keyKeytab, value: valueKeytab),
                            gss_key_value_element_desc(key: keyCache, value: valueCache),
                        ]
                        return elements.withUnsafeMutableBufferPointer { buffer in
                            var store = gss_key_value_set_desc(count: 2, elements: buffer.baseAddress)
                            return withKrb5MechSet { mechs in
                                gss_acquire_cred_from(
                                    &minor, name, 0, mechs, GSS_C_INITIATE, &store, &cred, nil, nil)
                            }
                        }
                    }
                }
            }
        }
        guard !isError(major), let cred else {
            let text = statusText(major, minor)
            throw SASLError(
                "GSSAPI: cannot get credentials for \(principal) from keytab \(keytab): \(text)"
                    + keytabHint(for: text, principal: principal, keytab: keytab))
        }
        return cred
    }

    static func keytabHint(for text: String, principal: String, keytab: String) -> String {
        if text.contains("No credentials cache found") || text.contains("No Kerberos credentials available")
            || text.contains("No key table entry found")
        {
            return " (the keytab has no key for \(principal)? list it with: klist -k \(keytab))"
        }
        if text.contains("Decrypt integrity check failed") || text.contains("Preauthentication failed")
            || text.contains("Password incorrect")
        {
            return " (the keytab's key for \(principal) does not match the KDC's: export a new keytab)"
        }
        return CyrusGSSAPIClient.hint(for: text, target: "krbtgt")
    }

    /// `principal`'s credentials from the default ccache (collection).
    static func fromCache(principal: String) throws(SASLError) -> gss_cred_id_t {
        let name = try importName(principal)
        defer {
            var minor: OM_uint32 = 0
            var n: gss_name_t? = name
            _ = gss_release_name(&minor, &n)
        }
        var minor: OM_uint32 = 0
        var cred: gss_cred_id_t?
        let major = withKrb5MechSet { mechs in
            gss_acquire_cred(&minor, name, 0, mechs, GSS_C_INITIATE, &cred, nil, nil)
        }
        guard !isError(major), let cred else {
            throw SASLError(
                "GSSAPI: no usable ticket for \(principal) in the credential cache (run kinit or configure a keytab): "
                    + statusText(major, minor))
        }
        return cred
    }

    private static func importName(_ principal: String) throws(SASLError) -> gss_name_t {
        var minor: OM_uint32 = 0
        var name: gss_name_t?
        let major = principal.withCString { text in
            var buffer = gss_buffer_desc(length: strlen(text), value: UnsafeMutableRawPointer(mutating: text))
            return gss_import_name(&minor, &buffer, GSS_KRB5_NT_PRINCIPAL_NAME, &name)
        }
        guard !isError(major), let name else {
            throw SASLError("GSSAPI: invalid principal \"\(principal)\": \(statusText(major, minor))")
        }
        return name
    }

    private static func withKrb5MechSet<R>(_ body: (gss_OID_set) -> R) -> R {
        var set = gss_OID_set_desc(count: 1, elements: gss_mech_krb5)
        return withUnsafeMutablePointer(to: &set) { body($0) }
    }

    static func isError(_ major: OM_uint32) -> Bool { major & 0xffff_0000 != 0 }

    /// The GSS major and mechanism (krb5) messages, as `gss_display_status` words them.
    static func statusText(_ major: OM_uint32, _ minor: OM_uint32) -> String {
        var parts = messages(major, type: GSS_C_GSS_CODE)
        if minor != 0 { parts += messages(minor, type: GSS_C_MECH_CODE) }
        return parts.joined(separator: ": ")
    }

    private static func messages(_ code: OM_uint32, type: Int32) -> [String] {
        var out: [String] = []
        var context: OM_uint32 = 0
        repeat {
            var minor: OM_uint32 = 0
            var buffer = gss_buffer_desc(length: 0, value: nil)
            let major = gss_display_status(&minor, code, type, gss_mech_krb5, &context, &buffer)
            guard !isError(major) else { break }
            if let value = buffer.value, buffer.length > 0 {
                out.append(String(decoding: UnsafeRawBufferPointer(start: value, count: buffer.length), as: UTF8.self))
            }
            _ = gss_release_buffer(&minor, &buffer)
        } while context != 0 && out.count < 8
        return out
    }

    /// A stable short hash for the ccache name (the name itself must not carry paths).
    private static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

import Logging
import NIOSSL
import Synchronization
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// The web config in force: a TLS context for new connections and the authenticator.
public struct ActiveWebConfig: Sendable {
    public var config: WebConfig
    public var tls: NIOSSLContext?
    public var clientAuth: TLSServerConfig.ClientAuth
    public var authenticator: BasicAuthenticator

    public static let open = ActiveWebConfig(
        config: WebConfig(), tls: nil, clientAuth: .noClientCert, authenticator: BasicAuthenticator(users: [:]))
}

/// Holds the active web config and re-reads it (and the certificate files it names) when any
/// of them changes, so certificates can rotate without a restart. A bad new file keeps the
/// old config and is logged.
public final class WebConfigStore: Sendable {
    public let path: String?
    private let state: Mutex<(active: ActiveWebConfig, fingerprint: [String])>

    /// Loads the file; throws a `ConfigError` naming the key on any problem (startup must fail).
    public init(path: String?) throws(ConfigError) {
        self.path = path
        guard let path else {
            state = Mutex((.open, []))
            return
        }
        let (active, fingerprint) = try Self.load(path: path)
        state = Mutex((active, fingerprint))
    }

    public var active: ActiveWebConfig { state.withLock { $0.active } }

    /// TLS on or off is fixed at startup (a listener cannot switch protocols under clients).
    public var usesTLS: Bool { active.tls != nil }

    /// Re-reads the files if they changed. Returns nil when nothing changed, else the outcome.
    @discardableResult
    public func reloadIfChanged(logger: Logger) -> Result<Void, ConfigError>? {
        guard let path else { return nil }
        let old = state.withLock { $0.fingerprint }
        let current = Self.fingerprint(of: Self.watchedFiles(path: path, config: active.config))
        guard current != old else { return nil }
        return reload(logger: logger)
    }

    @discardableResult
    public func reload(logger: Logger) -> Result<Void, ConfigError> {
        guard let path else { return .success(()) }
        // A failed reload remembers the files as they are now, over the same file list that
        // `reloadIfChanged` compares (the running config's), so the error is logged once.
        let rememberCurrentFiles = {
            let fp = Self.fingerprint(of: Self.watchedFiles(path: path, config: self.active.config))
            self.state.withLock { $0.fingerprint = fp }
        }
        do {
            let (active, fingerprint) = try Self.load(path: path)
            let wasTLS = usesTLS
            if (active.tls != nil) != wasTLS {
                let err = ConfigError(
                    file: path, keyPath: "tls_server_config",
                    message: "TLS cannot be switched on or off without a restart; keeping the running web config")
                rememberCurrentFiles()
                logger.error("web config reload failed", metadata: ["err": "\(err)"])
                return .failure(err)
            }
            let previous = state.withLock { s in
                defer { s = (active, fingerprint) }
                return s.active
            }
            logger.info("web config reloaded", metadata: ["file": "\(path)"])
            Self.warnAboutWeakening(from: previous, to: active, file: path, logger: logger)
            return .success(())
        } catch {
            rememberCurrentFiles()
            logger.error("web config reload failed; keeping the running config", metadata: ["err": "\(error)"])
            return .failure(error)
        }
    }

    /// A reload that opens up the exporter is allowed (it may be intended) but must not go unnoticed.
    static func warnAboutWeakening(from old: ActiveWebConfig, to new: ActiveWebConfig, file: String, logger: Logger) {
        if old.authenticator.isEnabled && !new.authenticator.isEnabled {
            logger.warning(
                "web config reload turned basic auth OFF: every endpoint is now served without a password",
                metadata: ["file": "\(file)"])
        }
        if old.clientAuth.requiresCertificate && !new.clientAuth.requiresCertificate {
            logger.warning(
                "web config reload no longer requires client certificates",
                metadata: [
                    "file": "\(file)", "client_auth_type": "\(old.clientAuth.rawValue) -> \(new.clientAuth.rawValue)",
                ])
        }
    }

    static func load(path: String) throws(ConfigError) -> (ActiveWebConfig, [String]) {
        let text: String
        do {
            text = try ProcFileReader.readString(path: path)
        } catch {
            throw ConfigError(file: path, keyPath: "", message: "cannot read: \(error)")
        }
        // An empty file is what a truncated write (config management, a full disk) leaves behind; read
        // as "no settings" it would switch basic auth off. `{}` still says "no TLS, no auth" on purpose.
        if isEmptyDocument(text) {
            throw ConfigError(
                file: path, keyPath: "",
                message: "the file is empty (a truncated write?); write `{}` to serve without TLS and basic auth")
        }
        let config = try ConfigLoader.decode(WebConfig.self, yaml: text, file: path)
        var tls: NIOSSLContext?
        if let t = config.tlsServerConfig {
            tls = try makeContext(t, baseDir: dirname(of: path), file: path)
        }
        let active = ActiveWebConfig(
            config: config, tls: tls, clientAuth: config.tlsServerConfig?.clientAuthType ?? .noClientCert,
            authenticator: BasicAuthenticator(users: config.basicAuthUsers))
        return (active, fingerprint(of: watchedFiles(path: path, config: config)))
    }

    /// Blank, only comments, or a document that is null (`---` alone, `~`).
    static func isEmptyDocument(_ text: String) -> Bool {
        if text.allSatisfy(\.isWhitespace) { return true }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            return false  // invalid YAML: the decoder names the problem
        }
        guard let node else { return true }
        return node.scalar.map { ["", "~", "null", "Null", "NULL"].contains($0.string) } ?? false
    }

    /// Relative paths in the file are relative to the file's directory, as in exporter-toolkit.
    static func resolve(_ p: String, baseDir: String) -> String {
        p.hasPrefix("/") ? p : baseDir + "/" + p
    }

    static func dirname(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func makeContext(_ t: TLSServerConfig, baseDir: String, file: String) throws(ConfigError) -> NIOSSLContext {
        func fail(_ key: String, _ message: String) -> ConfigError {
            ConfigError(file: file, keyPath: "tls_server_config.\(key)", message: message)
        }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            if let f = t.certFile {
                chain = try NIOSSLCertificate.fromPEMFile(resolve(f, baseDir: baseDir))
            } else {
                chain = try NIOSSLCertificate.fromPEMBytes(Array((t.cert ?? "").utf8))
            }
        } catch {
            throw fail(t.certFile != nil ? "cert_file" : "cert", "cannot load certificate: \(error)")
        }
        if chain.isEmpty { throw fail(t.certFile != nil ? "cert_file" : "cert", "no certificate found in PEM") }
        do {
            if let f = t.keyFile {
                key = try NIOSSLPrivateKey(file: resolve(f, baseDir: baseDir), format: .pem)
            } else {
                key = try NIOSSLPrivateKey(bytes: Array((t.key ?? "").utf8), format: .pem)
            }
        } catch {
            throw fail(t.keyFile != nil ? "key_file" : "key", "cannot load private key: \(error)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = nioVersion(t.minVersion)
        if let max = t.maxVersion { tls.maximumTLSVersion = nioVersion(max) }
        switch t.clientAuthType {
        case .noClientCert:
            tls.certificateVerification = .none
        case .requestClientCert, .verifyClientCertIfGiven:
            tls.certificateVerification = .optionalVerification
        case .requireAnyClientCert, .requireAndVerifyClientCert:
            tls.certificateVerification = .noHostnameVerification
        }
        if let ca = t.clientCAFile {
            let caPath = resolve(ca, baseDir: baseDir)
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(caPath)
                if roots.isEmpty { throw fail("client_ca_file", "no certificate found in \(caPath)") }
                tls.trustRoots = .certificates(roots)
            } catch let e as ConfigError {
                throw e
            } catch {
                throw fail("client_ca_file", "cannot load CA: \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw fail("", "invalid TLS settings: \(error)")
        }
    }

    static func nioVersion(_ v: TLSServerConfig.Version) -> TLSVersion {
        switch v {
        case .tls10: return .tlsv1
        case .tls11: return .tlsv11
        case .tls12: return .tlsv12
        case .tls13: return .tlsv13
        }
    }

    static func watchedFiles(path: String, config: WebConfig?) -> [String] {
        var files = [path]
        if let t = config?.tlsServerConfig {
            let base = dirname(of: path)
            files += [t.certFile, t.keyFile, t.clientCAFile].compactMap { $0 }.map { resolve($0, baseDir: base) }
        }
        return files
    }

    /// mtime, size and inode of each file: catches edits and Kubernetes' symlink swaps.
    static func fingerprint(of files: [String]) -> [String] {
        files.map { f in
            var st = stat()
            guard stat(f, &st) == 0 else { return "\(f):missing" }
            return "\(f):\(st.st_ino):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        }
    }
}

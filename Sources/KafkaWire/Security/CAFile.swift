import ExporterBase
import NIOSSL

/// Trust roots from a PEM file named by a config key (`tls.ca_file`,
/// `sasl.oauthbearer.ca_file`): a missing, unreadable or certificate-less file is a config error
/// naming that key and the path.
enum CAFile {
    static func trustRoots(_ path: String, keyPath: String) throws(ConfigError) -> NIOSSLTrustRoots {
        let roots: [NIOSSLCertificate]
        do {
            roots = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw ConfigError(keyPath: keyPath, message: "cannot load \(path): \(error)")
        }
        guard !roots.isEmpty else { throw ConfigError(keyPath: keyPath, message: "no certificate in \(path)") }
        return .certificates(roots)
    }
}

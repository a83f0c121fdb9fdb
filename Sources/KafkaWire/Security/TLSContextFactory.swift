import ExporterBase
import Logging
import NIOSSL

/// Builds the client TLS context of a cluster. Problems name the config key.
enum TLSContextFactory {
    static func make(_ t: TLSClientConfig, logger: Logger) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if t.insecureSkipVerify {
            logger.warning("tls.insecure_skip_verify is set: broker certificates are NOT verified")
            tls.certificateVerification = .none
        } else if let ca = t.caFile {
            tls.trustRoots = try CAFile.trustRoots(ca, keyPath: "tls.ca_file")
        }
        if let certFile = t.certFile, let keyFile = t.keyFile {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            } catch {
                throw ConfigError(keyPath: "tls.cert_file", message: "cannot load \(certFile): \(error)")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw ConfigError(keyPath: "tls.key_file", message: "cannot load \(keyFile): \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw ConfigError(keyPath: "tls", message: "invalid TLS settings: \(error)")
        }
    }
}

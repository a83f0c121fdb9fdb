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
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(ca)
                guard !roots.isEmpty else { throw KafkaConfigError("tls.ca_file", "no certificate in \(ca)") }
                tls.trustRoots = .certificates(roots)
            } catch let e as KafkaConfigError {
                throw e
            } catch {
                throw KafkaConfigError("tls.ca_file", "cannot load \(ca): \(error)")
            }
        }
        if let certFile = t.certFile, let keyFile = t.keyFile {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            } catch {
                throw KafkaConfigError("tls.cert_file", "cannot load \(certFile): \(error)")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw KafkaConfigError("tls.key_file", "cannot load \(keyFile): \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw KafkaConfigError("tls", "invalid TLS settings: \(error)")
        }
    }
}

/// A cluster config problem found when building the client (files that cannot be loaded).
public struct KafkaConfigError: Error, Sendable, CustomStringConvertible {
    public var keyPath: String
    public var message: String

    init(_ keyPath: String, _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { "\(keyPath): \(message)" }
}

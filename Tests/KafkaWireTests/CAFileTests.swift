import ExporterBase
import Foundation
import Testing

@testable import KafkaWire

/// A CA file that cannot serve as trust roots is a config error naming the key and the file,
/// for the broker TLS and the OAuth token endpoint alike.
@Suite struct CAFileTests {
    static func error(_ path: String, key: String) -> ConfigError? {
        do {
            _ = try CAFile.trustRoots(path, keyPath: key)
            return nil
        } catch {
            return error
        }
    }

    @Test func aMissingFileNamesTheKeyAndThePath() throws {
        let e = try #require(Self.error("/nonexistent/ca.pem", key: "tls.ca_file"))
        #expect(e.keyPath == "tls.ca_file")
        #expect(e.message.contains("/nonexistent/ca.pem"))
    }

    @Test func aFileWithoutACertificateIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(UUID()).pem").path
        try "this is not PEM\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.error(path, key: "sasl.oauthbearer.ca_file"))
        #expect(e.keyPath == "sasl.oauthbearer.ca_file")
        #expect(e.message.contains(path))
    }
}

import Foundation
import TestSupport

@testable import KafkaWire

/// A CA and a server certificate for 127.0.0.1/localhost, made with openssl in a temp dir.
struct TestPKI {
    let dir: URL
    var caCert: String { dir.appendingPathComponent("ca.pem").path }
    var serverCert: String { dir.appendingPathComponent("server.pem").path }
    var serverKey: String { dir.appendingPathComponent("server.key").path }

    static func make() async throws -> TestPKI {
        try await offPool {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pki-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let p = dir.path
            try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(
                toFile: "\(p)/ext.cnf", atomically: true, encoding: .utf8)
            let steps: [[String]] = [
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca", "-keyout",
                    "\(p)/ca.key",
                    "-out", "\(p)/ca.pem",
                ],
                [
                    "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "\(p)/server.key",
                    "-out",
                    "\(p)/server.csr",
                ],
                [
                    "x509", "-req", "-in", "\(p)/server.csr", "-CA", "\(p)/ca.pem", "-CAkey", "\(p)/ca.key",
                    "-CAcreateserial",
                    "-days", "2", "-extfile", "\(p)/ext.cnf", "-out", "\(p)/server.pem",
                ],
            ]
            for args in steps { _ = try runTool("/usr/bin/openssl", args) }
            return TestPKI(dir: dir)
        }
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// Debian's stunnel4 (OpenSSL) terminating TLS in front of the broker, as the test
/// environment prescribes (the broker's own TLS did not handshake here).
final class StunnelProxy: @unchecked Sendable {
    let process: Process
    let port: Int

    static func start(port: Int, to target: Int, pki: TestPKI) async throws -> StunnelProxy {
        try await offPool { try StunnelProxy(port: port, target: target, pki: pki) }
    }

    private init(port: Int, target: Int, pki: TestPKI) throws {
        self.port = port
        let conf = pki.dir.appendingPathComponent("stunnel-\(port).conf").path
        try """
        foreground = yes
        pid =
        debug = 3
        [kafka]
        accept = 127.0.0.1:\(port)
        connect = 127.0.0.1:\(target)
        cert = \(pki.serverCert)
        key = \(pki.serverKey)
        """.write(toFile: conf, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/stunnel4")
        process.arguments = [conf]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try waitForPort(port, timeout: 10)
    }

    /// stunnel does not always exit on SIGTERM in the foreground; it holds no state worth a clean exit.
    func stop() { stopProcess(process, signal: SIGKILL) }

    deinit { stop() }
}

/// Accepts connections and never answers: a hung broker.
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(fd, p, len) == 0 && getsockname(fd, p, &len) == 0 && listen(fd, 16) == 0
            }
        }
        guard ok else { throw TestFailure("cannot listen") }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}

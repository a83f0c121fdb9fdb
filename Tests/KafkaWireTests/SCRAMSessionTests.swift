import Foundation
import Testing

@testable import KafkaWire

/// RFC 7677 section 3: the published SCRAM-SHA-256 exchange.
@Test func rfc7677TestVector() throws {
    var s = SCRAMSession(
        algorithm: .sha256, username: "user", password: Secret("pencil"), clientNonce: "rOprNGfwEbeRWgbNEkqO")
    #expect(String(decoding: try s.start(), as: UTF8.self) == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
    let final = try s.respond(
        to: Array(
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".utf8))
    #expect(
        final.map { String(decoding: $0, as: UTF8.self) }
            == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    )
    #expect(try s.respond(to: Array("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8)) == nil)
}

@Test func wrongServerSignatureIsRejected() throws {
    var s = SCRAMSession(
        algorithm: .sha256, username: "user", password: Secret("pencil"), clientNonce: "rOprNGfwEbeRWgbNEkqO")
    _ = try s.start()
    _ = try s.respond(
        to: Array(
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".utf8))
    #expect(throws: SASLError.self) { try s.respond(to: Array("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8)) }
}

@Test func hostileServerFirstMessagesAreRejected() throws {
    for serverFirst in [
        "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // nonce does not extend ours
        "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",  // too few iterations
        "r=abcXYZ,i=4096",  // no salt
        "e=unknown-user",
        "m=ext,r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    ] {
        var s = SCRAMSession(algorithm: .sha512, username: "u", password: Secret("p"), clientNonce: "abc")
        _ = try s.start()
        #expect(throws: SASLError.self) { try s.respond(to: Array(serverFirst.utf8)) }
    }
}

@Test func userNamesAreEscaped() throws {
    var s = SCRAMSession(algorithm: .sha256, username: "a=b,c", password: Secret("p"), clientNonce: "n")
    #expect(String(decoding: try s.start(), as: UTF8.self) == "n,,n=a=3Db=2Cc,r=n")
}

@Test func secretsAreRedacted() {
    let s = Secret("hunter2")
    #expect("\(s)" == "<redacted>")
    #expect(String(reflecting: s) == "<redacted>")
    #expect(!"\(SecretSource.inline(s))".contains("hunter2"))
}

/// The exchange against an independent SCRAM server implementation (PyPI scramp).
@Test(arguments: [SCRAMSession.Algorithm.sha256, .sha512])
func exchangeWithScrampServer(algorithm: SCRAMSession.Algorithm) throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Peers/scram_server.py")
    func run(password: String) throws -> Result<Void, SASLError> {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path, algorithm.rawValue, "alice", "s3cret"]
        let stdin = Pipe()
        let stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        try p.run()
        defer {
            if p.isRunning { p.terminate() }
            p.waitUntilExit()
        }
        var lines = LineReader(handle: stdout.fileHandleForReading)
        func send(_ bytes: [UInt8]) {
            stdin.fileHandleForWriting.write(Data((Data(bytes).base64EncodedString() + "\n").utf8))
        }
        func receive() throws -> [UInt8] {
            let next = lines.next()
            let line = try #require(next, "scram_server.py printed nothing (is scramp installed?)")
            if line.hasPrefix("ERROR ") { throw SASLError(line) }
            return Array(try #require(Data(base64Encoded: line)))
        }
        var s = SCRAMSession(algorithm: algorithm, username: "alice", password: Secret(password))
        send(try s.start())
        do {
            let final = try #require(try s.respond(to: try receive()))
            send(final)
            #expect(try s.respond(to: try receive()) == nil)
            return .success(())
        } catch let e as SASLError {
            return .failure(e)
        }
    }
    #expect(throws: Never.self) { try run(password: "s3cret").get() }
    #expect(throws: SASLError.self) { try run(password: "wrong").get() }
}

/// Reads newline-terminated lines from a pipe (blocking; the peer answers at once).
struct LineReader {
    let handle: FileHandle
    var buffer = Data()

    mutating func next() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer = Data(buffer[buffer.index(after: nl)...])
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}

import Foundation
import Logging
import Testing

@testable import ExporterKit

#if canImport(Glibc)
    import Glibc
#endif

/// A logger that discards everything (tests must not spam stdout).
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under /tmp, removed when the value is released.
final class TempDir {
    let path: String

    init() throws {
        var template = Array("/tmp/exporterkit-test-XXXXXX".utf8CString)
        let ok = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard ok else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let p = file(name)
        try text.write(toFile: p, atomically: false, encoding: .utf8)
        return p
    }
}

struct ToolResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: [UInt8]
}

/// Runs an external tool with a hard timeout; output goes through temp files so a chatty tool cannot block on a
/// full pipe.
func runTool(_ path: String, _ args: [String], stdin: [UInt8] = [], timeout: Double = 10) throws -> ToolResult {
    let dir = try TempDir()
    let inPath = dir.file("stdin")
    let outPath = dir.file("stdout")
    let errPath = dir.file("stderr")
    FileManager.default.createFile(atPath: inPath, contents: Data(stdin))
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = args
    process.standardInput = FileHandle(forReadingAtPath: inPath)
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            throw TestFailure("\(path) \(args) did not finish within \(timeout)s")
        }
        usleep(5_000)
    }
    let out = try [UInt8](Data(contentsOf: URL(fileURLWithPath: outPath)))
    let err = try String(contentsOfFile: errPath, encoding: .utf8)
    return ToolResult(
        status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: err, stdoutBytes: out)
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(3), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// Parses `name{labels} value` lines of a text exposition into "name{labels}" -> value text.
func sampleLines(_ exposition: String) -> [String: String] {
    var out: [String: String] = [:]
    for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " ") else { continue }
        out[String(line[..<space])] = String(line[line.index(after: space)...])
    }
    return out
}

/// Makes a bcrypt hash the way users do (`htpasswd -nbB`), cost 4 to keep tests fast.
func htpasswdHash(user: String, password: String) throws -> String {
    let htpasswd = "/usr/bin/htpasswd"
    guard FileManager.default.isExecutableFile(atPath: htpasswd) else {
        throw TestFailure("\(htpasswd) is missing: install apache2-utils")
    }
    let r = try runTool(htpasswd, ["-nbB", "-C", "4", user, password])
    guard r.status == 0 else { throw TestFailure("htpasswd failed: \(r.stderr)") }
    let line = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
    guard let colon = line.firstIndex(of: ":") else { throw TestFailure("unexpected htpasswd output \(r.stdout)") }
    return String(line[line.index(after: colon)...])
}

/// A blocking HTTP/1.1 client on a raw socket, for precise control over connections. Every read has a timeout.
final class RawHTTPClient: @unchecked Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw TestFailure("connect to 127.0.0.1:\(port): errno \(e)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send: errno \(errno)") }
            sent += n
        }
    }

    /// Reads more bytes; returns false at end of stream; throws on timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw TestFailure("recv: errno \(errno) (timeout?)") }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }

    /// True when the server closed the connection (reads EOF with nothing buffered before the timeout).
    func isClosedByPeer() -> Bool {
        guard buffer.isEmpty else { return false }
        return (try? fill()) == false
    }

    func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []
    ) throws -> Response {
        try send(Self.requestText(method, path, headers: headers, body: body))
        return try readResponse(isHead: method == "HEAD")
    }

    static func requestText(
        _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []
    ) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { text += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + body
    }

    func readResponse(isHead: Bool = false) throws -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            if let r = findSubsequence(separator, in: buffer) {
                headEnd = r
                break
            }
            guard try fill() else { throw TestFailure("connection closed before a response head") }
        }
        let headText = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw TestFailure("bad status line \(statusLine)")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = Response(status: status, headers: headers, body: [])
        if isHead { return response }
        if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            while buffer.count < length {
                guard try fill() else { throw TestFailure("connection closed inside the body") }
            }
            response.body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            response.body = try readChunked()
        } else {
            while try fill() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    private func readLine() throws -> String {
        while true {
            if let r = findSubsequence(Array("\r\n".utf8), in: buffer) {
                let line = String(decoding: buffer[..<r], as: UTF8.self)
                buffer.removeFirst(r + 2)
                return line
            }
            guard try fill() else { throw TestFailure("connection closed inside a chunk header") }
        }
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try readLine()
            guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                throw TestFailure("bad chunk size \(sizeLine)")
            }
            if size == 0 {
                _ = try readLine()
                return body
            }
            while buffer.count < size + 2 {
                guard try fill() else { throw TestFailure("connection closed inside a chunk") }
            }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
        }
    }
}

func findSubsequence(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return i
    }
    return nil
}

/// Runs blocking work (sockets, child processes) on its own thread so it never occupies the cooperative pool the
/// server's responders need.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// Writes a self-signed EC certificate for 127.0.0.1 (usable as its own CA) as `<name>.crt` / `<name>.key`.
func makeSelfSignedCert(in dir: TempDir, name: String) throws {
    let openssl = "/usr/bin/openssl"
    guard FileManager.default.isExecutableFile(atPath: openssl) else { throw TestFailure("\(openssl) is missing") }
    let r = try runTool(
        openssl,
        [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=\(name)", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", dir.file("\(name).key"), "-out", dir.file("\(name).crt"),
        ])
    guard r.status == 0 else { throw TestFailure("openssl failed: \(r.stderr)") }
}

/// A logger that keeps "<level> <message>" lines, to check what an operator would read.
final class RecordedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.lock()
        stored.append("\(event.level) \(event.message)")
        lock.unlock()
    }

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    var logger: Logger { Logger(label: "test") { _ in self } }
}

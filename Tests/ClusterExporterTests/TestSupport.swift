import Foundation
import Logging
import Testing

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs blocking work (child processes, sleeps) on its own thread, off the cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}

struct ToolResult: Sendable {
    var status: Int32
    var output: String
}

/// Runs a tool to completion (bounded), returning its exit status and stdout+stderr. Polls
/// `isRunning` (Foundation's `waitUntilExit` busy-spins on Linux).
func runToolStatus(_ path: String, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws
    -> ToolResult
{
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let input = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try p.run()
    if let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    }
    let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let deadline = Date().addingTimeInterval(10)
    while p.isRunning && Date() < deadline { usleep(5_000) }
    killer.cancel()
    if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        throw TestFailure("\(path) did not exit")
    }
    return ToolResult(status: p.terminationStatus, output: String(decoding: data, as: UTF8.self))
}

func runTool(_ path: String, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) throws -> String {
    let r = try runToolStatus(path, args, stdin: stdin, timeout: timeout)
    guard r.status == 0 else {
        throw TestFailure("\(path) \(args.joined(separator: " ")) exited \(r.status): \(r.output)")
    }
    return r.output
}

/// A port the kernel hands out for an ephemeral bind, released again.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
            bind(fd, p, len) == 0 && getsockname(fd, p, &len) == 0
        }
    }
    guard ok else { throw TestFailure("cannot find a free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func waitForPort(_ port: Int, timeout: TimeInterval) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        close(fd)
        if ok { return }
        usleep(50_000)
    }
    throw TestFailure("nothing listens on 127.0.0.1:\(port) after \(timeout)s")
}

/// Stops a child by pid and waits for it, bounded, polling.
func stopProcess(_ p: Process, signal: Int32) {
    guard p.isRunning else { return }
    kill(p.processIdentifier, signal)
    let deadline = Date().addingTimeInterval(5)
    while p.isRunning && Date() < deadline { usleep(5_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
}

/// A logger that records what it logs, to count log lines.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    final class Store: @unchecked Sendable {
        let lock = NSLock()
        var lines: [String] = []
        func append(_ s: String) {
            lock.lock()
            lines.append(s)
            lock.unlock()
        }
        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return lines
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    init(store: Store) { self.store = store }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, b in b }
        let meta = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.append("\(event.level) \(event.message) \(meta)")
    }
}

func recordingLogger() -> (Logger, RecordingLogHandler.Store) {
    let store = RecordingLogHandler.Store()
    return (Logger(label: "test") { _ in RecordingLogHandler(store: store) }, store)
}

func temporaryDirectory(_ prefix: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func writeFile(_ path: String, _ text: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
